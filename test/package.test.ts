// The package as a user gets it: `npm pack` once (prepack builds what changed), the tarball
// installed into a fresh ESM project and a fresh CommonJS one (both made by `npm init -y`),
// consumer files type-checked by the repository's tsc under strict nodenext (and node10),
// and the README's examples and examples/*.mjs run there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
// Children must not see the npm_* variables of a surrounding `npm test` (npm_config_local_prefix
// would point their npm at this repository).
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

interface Result { status: number | null; stdout: string; stderr: string }

/** Runs a command to its end; `timeout` (ms) guards against a hang (a spawnSync blocks vitest's own timeouts). */
function run(command: string, args: string[], cwd: string, timeout = 240_000): Result {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function succeed(command: string, args: string[], cwd: string, timeout?: number): Result {
  const result = run(command, args, cwd, timeout);
  expect(result.status, `${command} ${args.join(' ')} in ${cwd}:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

interface CodeBlock { section: string; lang: string; code: string }

/** The fenced code blocks of a Markdown text, with the `## ` section each is in. */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let section = '';
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (open) {
      if (line.startsWith('```')) {
        blocks.push({ section, lang: open.lang, code: open.lines.join('\n') + '\n' });
        open = undefined;
      } else {
        open.lines.push(line);
      }
    } else if (line.startsWith('```')) {
      open = { lang: line.slice(3).trim(), lines: [] };
    } else if (line.startsWith('## ')) {
      section = line.slice(3).trim();
    }
  }
  return blocks;
}

/** Whether a block is a whole program: no elision (`…`) outside comments. */
const complete = (code: string) => !code.replace(/(^|\s)\/\/.*$/gm, '').includes('…');
const importsBrowser = (code: string) => code.includes("from 'memslot-emu/browser'");

const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const blocks = codeBlocks(readme);
/** README programs that import the package statically (ESM), every section. */
const esmPrograms = blocks.filter((block) => (block.lang === 'ts' || block.lang === 'js')
  && /from 'memslot-emu(\/browser)?'/.test(block.code) && complete(block.code));
/** The Install section's program for a CommonJS project (it loads the package with import()). */
const commonJsProgram = blocks.find((block) => block.section === 'Install' && block.lang === 'js' && block.code.includes("import('memslot-emu')"));

const strictNodeNext = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], skipLibCheck: false };

/** For the tests that run tsc or the examples: minutes on a loaded machine. */
const SLOW = 300_000;

let work: string;
let tarball: string;
let tarballFiles: string[];
const installs: Record<'esm' | 'cjs', { project: string; output: string }> = { esm: { project: '', output: '' }, cjs: { project: '', output: '' } };

/** `npm install` of the tarball, offline from the npm cache (which a repository install filled); the network only if a dependency is missing there. */
function install(project: string): string {
  let result = run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
  if (result.status !== 0 && /ENOTCACHED/.test(result.stdout + result.stderr)) {
    result = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  }
  expect(result.status, result.stdout + result.stderr).toBe(0);
  return result.stdout + result.stderr;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'memslot-emu-package-'));
  succeed('npm', ['pack', '--pack-destination', work], repo, 540_000); // prepack builds whatever is out of date
  const packed = readdirSync(work).filter((name) => name.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = join(work, packed[0]!);
  tarballFiles = succeed('tar', ['-tzf', tarball], work).stdout.split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));
  for (const kind of ['esm', 'cjs'] as const) {
    const project = join(work, kind);
    mkdirSync(project);
    succeed('npm', ['init', '-y'], project);
    if (kind === 'esm') succeed('npm', ['pkg', 'set', 'type=module'], project);
    installs[kind] = { project, output: install(project) };
  }
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the licence, the built host and Wasm core, and no .wat text', () => {
    expect(tarballFiles).toContain('LICENSE');
    expect(readFileSync(join(repo, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 memslot-emu contributors\n/);
    for (const file of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/browser.js', 'dist/src/browser.d.ts',
      'build/core.wasm', 'build/core.unshared.wasm', 'build/devices/uart.wasm', 'devices/uart/uart.ts', 'bin/memslot-emu.js', 'examples/embed.mjs']) {
      expect(tarballFiles).toContain(file);
    }
    expect(tarballFiles.filter((file) => file.endsWith('.wat'))).toEqual([]);
  });

  it('installs without running or announcing any script (no allowScripts warning), in ESM and CommonJS projects', () => {
    for (const { project, output } of Object.values(installs)) {
      expect(output).not.toMatch(/allowScripts|install-scripts|prepare|npm warn/i);
      const installed = JSON.parse(readFileSync(join(project, 'node_modules/memslot-emu/package.json'), 'utf8'));
      expect(Object.keys(installed.scripts ?? {}).filter((name) => /^(pre|post)?install$|^prepare$/.test(name))).toEqual([]);
    }
  });
});

describe('a consumer of the installed package', () => {
  it('finds the README programs to check: Node and browser ones, and a CommonJS one under Install', () => {
    expect(esmPrograms.filter((block) => !importsBrowser(block.code)).length).toBeGreaterThanOrEqual(3);
    expect(esmPrograms.filter((block) => importsBrowser(block.code)).length).toBeGreaterThanOrEqual(1);
    expect(commonJsProgram).toBeDefined();
  });

  it('type-checks under strict nodenext: both entry points and every README program; the Node ones run', () => {
    const { project } = installs.esm;
    const sources = esmPrograms.map((block, index) => ({ name: `readme-${index}`, block }));
    for (const { name, block } of sources) writeFileSync(join(project, `${name}.ts`), block.code);
    writeFileSync(join(project, 'entries.ts'), [
      "import { Machine, compare, type MachineOptions, type CompareOptions } from 'memslot-emu';",
      "import { Machine as PageMachine, isolationProblem, compareInBrowser, type Row } from 'memslot-emu/browser';",
      'export const options: MachineOptions = { arenaBytes: 1 << 20 };',
      "export const compareOptions: CompareOptions = { scenario: 'move', deterministic: true };",
      'export const runs: [typeof compare, typeof compareInBrowser] = [compare, compareInBrowser];',
      'export const machines: [typeof Machine.create, typeof PageMachine.create] = [Machine.create, PageMachine.create];',
      'export const problem: string | undefined = isolationProblem();',
      'export const rows: Row[] = [];',
      '',
    ].join('\n'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strictNodeNext, outDir: 'out' }, include: ['*.ts'] }));
    succeed(process.execPath, [tsc, '-p', '.'], project);
    for (const { name, block } of sources) {
      if (importsBrowser(block.code)) continue; // needs a page (Web Workers, fetch)
      const result = run(process.execPath, [join('out', `${name}.js`)], project);
      expect(result.status, `README block in "${block.section}":\n${block.code}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  }, SLOW);

  it('type-checks under moduleResolution node10 (top-level types, typesVersions for the browser entry)', () => {
    const { project } = installs.cjs;
    mkdirSync(join(project, 'node10'));
    writeFileSync(join(project, 'node10', 'entries.ts'), [
      "import { Machine, type MachineOptions } from 'memslot-emu';",
      "import { isolationProblem, type Row } from 'memslot-emu/browser';",
      'export const options: MachineOptions = { arenaBytes: 1 << 20 };',
      'export const create: typeof Machine.create = Machine.create;',
      'export const problem: string | undefined = isolationProblem();',
      'export const rows: Row[] = [];',
      '',
    ].join('\n'));
    writeFileSync(join(project, 'node10', 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'commonjs', moduleResolution: 'node10', target: 'es2022', types: [], noEmit: true },
      include: ['*.ts'],
    }));
    succeed(process.execPath, [tsc, '-p', 'node10'], project);
  }, SLOW);

  it('runs the Install section in a CommonJS project (import()) and in a "type": "module" one', () => {
    const install = esmPrograms.find((block) => block.section === 'Install');
    expect(install).toBeDefined();
    writeFileSync(join(installs.esm.project, 'index.js'), install!.code);
    writeFileSync(join(installs.cjs.project, 'index.js'), commonJsProgram!.code);
    writeFileSync(join(installs.cjs.project, 'index-check.ts'), commonJsProgram!.code);
    writeFileSync(join(installs.cjs.project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strictNodeNext, noEmit: true }, files: ['index-check.ts'] }));
    succeed(process.execPath, [tsc, '-p', '.'], installs.cjs.project);
    for (const { project } of Object.values(installs)) {
      expect(succeed(process.execPath, ['index.js'], project).stdout).toBe('deadbeef\n');
    }
  }, SLOW);

  it('runs examples/*.mjs copied into either project, as from the repository', () => {
    const examples = readdirSync(join(repo, 'examples')).filter((name) => name.endsWith('.mjs'));
    expect(examples).toContain('embed.mjs');
    for (const example of examples) {
      const inRepo = succeed(process.execPath, [join(repo, 'examples', example)], repo).stdout;
      for (const { project } of Object.values(installs)) {
        copyFileSync(join(repo, 'examples', example), join(project, example));
        expect(succeed(process.execPath, [example], project).stdout).toBe(inRepo);
      }
    }
  }, SLOW);
});
