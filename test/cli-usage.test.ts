// The command line's conventions, through the real binary: every usage error exits 2
// with one line on stderr (the message and a hint, no stack) and runs nothing; --version,
// `help <command>`, one architecture list in every help and error; soak's verdict line.

import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_ARCHES } from '../dist/src/cpu/registers.js';

const BIN = new URL('../bin/memslot-emu.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'memslot-usage-'));
const out = join(dir, 'sweep.jsonl');
const missing = join(dir, 'missing.jsonl');

/** The binary run asynchronously (so the table's cases run side by side). */
function cliAsync(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

function cli(args: string[], input = '') {
  const result = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Should one of these run by mistake, it runs one short row (and the test still fails on its exit code).
const QUICK = ['--deterministic', '--updates', '1', '--strategies', 'rcu', '--invalidation', 'ipi'];

const BAD: Array<[string, string[], RegExp]> = [
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['help for an unknown command', ['help', 'frobnicate'], /unknown command 'frobnicate'/],
  ['slots: unknown option', ['slots', '--foo', '-'], /unknown option '--foo'/],
  ['slots: missing value', ['slots', '--arena'], /'--arena' needs a value/],
  ['slots: stray positional', ['slots', 'a', 'b'], /exactly one FILE/],
  ['slots: --arena 0', ['slots', '--arena', '0', '-'], /--arena: '0'/],
  ['slots: --arena 4097', ['slots', '--arena', '4097', '-'], /--arena: '4097'.*multiple of 4096/],
  ['slots: --arena 5G', ['slots', '--arena', '5G', '-'], /--arena: '5G'/],
  ['slots: a directory', ['slots', dir], /is a directory/],
  ['slots: a missing file', ['slots', missing], /no such file/],
  ['decode: a negative word', ['decode', '--arch', 'aarch64', '-1'], /unknown option '-1'/],
  ['decode: unknown option', ['decode', '--bogus'], /unknown option '--bogus'/],
  ['decode: no --arch', ['decode', 'e5910004'], /--arch is required/],
  ['decode: unknown arch', ['decode', '--arch', 'x86', '1'], /'x86' is not a guest architecture/],
  ['decode: not hex', ['decode', '--arch', 'arm', 'zz'], /'zz' is not a 32-bit hex word/],
  ['step: unknown option', ['step', '--x'], /unknown option '--x'/],
  ['step: stray positional', ['step', 'extra'], /unexpected argument 'extra'/],
  ['compare: --slots 0', ['compare', ...QUICK, '--scenario', 'move-active', '--slots', '0'], /--slots: '0' is not an integer 5\.\.32763/],
  ['compare: --slots abc', ['compare', ...QUICK, '--scenario', 'move-active', '--slots', 'abc'], /--slots: 'abc'/],
  ['compare: --slots 100000', ['compare', ...QUICK, '--scenario', 'move-active', '--slots', '100000'], /--slots: '100000'/],
  ['compare: tlb-shootdown on arm', ['compare', ...QUICK, '--scenario', 'tlb-shootdown', '--arch', 'arm'], /--arch: tlb-shootdown needs a guest MMU/],
  ['compare: tlb-shootdown on 1 vCPU', ['compare', ...QUICK, '--scenario', 'tlb-shootdown', '--vcpus', '1'], /--vcpus: tlb-shootdown needs at least 2/],
  ['compare: --seed abc', ['compare', ...QUICK, '--seed', 'abc'], /--seed: 'abc'/],
  ['compare: --seed 1.5', ['compare', ...QUICK, '--seed', '1.5'], /--seed: '1\.5'/],
  ['compare: --rate ""', ['compare', ...QUICK, '--rate', ''], /rate/],
  ['compare: an arch without scenario code', ['compare', ...QUICK, '--arch', 'ppc64le'], /compare runs on .*, not ppc64le/],
  ['compare: unknown option', ['compare', '--frob'], /unknown option '--frob'/],
  ['soak: --seed abc', ['soak', '--duration', '0.1', '--seed', 'abc'], /--seed: 'abc'/],
  ['soak: --seed 1.5', ['soak', '--duration', '0.1', '--seed', '1.5'], /--seed: '1\.5'/],
  ['soak: --vcpus 1', ['soak', '--duration', '0.1', '--vcpus', '1'], /--vcpus: '1' is not an integer 2\.\.64/],
  ['soak: --duration x', ['soak', '--duration', 'x'], /--duration: 'x'/],
  ['sweep: --rates ""', ['sweep', ...QUICK, '--out', out, '--rates', ''], /--rates: ''/],
  ['sweep: --rates 1,,2', ['sweep', ...QUICK, '--out', out, '--rates', '1,,2'], /--rates: '' in '1,,2'/],
  ['sweep: --seed abc', ['sweep', ...QUICK, '--out', out, '--seed', 'abc'], /--seed: 'abc'/],
  ['sweep: tlb-shootdown on thumb', ['sweep', ...QUICK, '--out', out, '--scenario', 'tlb-shootdown', '--arch', 'thumb'], /--arch: tlb-shootdown needs a guest MMU/],
  ['sweep: --seed -1', ['sweep', ...QUICK, '--out', out, '--seed', '-1'], /'--seed' needs a value/],
  ['report: a directory', ['report', dir], /is a directory/],
  ['report: a missing file', ['report', missing], /missing\.jsonl: no such file/],
  ['report: unknown option', ['report', missing, '--zz'], /unknown option '--zz'/],
];

describe('usage errors', () => {
  it.concurrent.each(BAD)('%s: exit 2, one line with a hint, nothing run', async (_name, args, message) => {
    const { code, stdout, stderr } = await cliAsync(args, '[]');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^memslot-emu( \w+)?: [^\n]+; run 'memslot-emu help( \w+)?'[^\n]*\n$/);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
    const command = args[0]!;
    if (command !== 'frobnicate' && command !== 'help') expect(stderr).toContain(`run 'memslot-emu help ${command}' for usage`);
    expect(existsSync(out)).toBe(false);
  });

  it('with no command: the overview on stderr, exit 2', () => {
    const { code, stdout, stderr } = cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^memslot-emu: /);
    expect(stderr).toContain('Usage: memslot-emu <command>');
  });
});

describe('conventions', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(cli(['--version'])).toEqual({ code: 0, stdout: `memslot-emu ${version}\n`, stderr: '' });
  });

  it("'help <command>' prints what '<command> --help' does; 'help' alone the overview", () => {
    for (const command of ['compare', 'soak', 'sweep', 'report', 'slots', 'decode', 'step']) {
      const viaHelp = cli(['help', command]);
      expect(viaHelp.code, command).toBe(0);
      expect(viaHelp.stdout, command).toMatch(new RegExp(`^Usage: memslot-emu ${command}`));
      expect(cli([command, '--help']).stdout, command).toBe(viaHelp.stdout);
    }
    const overview = cli(['help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('memslot-emu help [<command>]');
    expect(overview.stdout).toContain('--version');
  });

  it('every command that takes an architecture names the same list in its help and errors', () => {
    for (const command of ['compare', 'sweep', 'soak', 'decode', 'step']) {
      const help = cli(['help', command]).stdout;
      for (const arch of GUEST_ARCHES) expect(help, `${command} --help names ${arch}`).toContain(arch);
    }
    for (const command of ['compare', 'sweep', 'decode']) {
      const { stderr } = cli([command, '--arch', 'vax', ...(command === 'sweep' ? ['--out', out] : [])]);
      expect(stderr, command).toContain(`'vax' is not a guest architecture (${GUEST_ARCHES.join(', ')})`);
    }
    const line = cli(['step'], '{"arch":"vax","insn":["0x0"]}\n').stdout;
    expect(JSON.parse(line).error).toContain(GUEST_ARCHES.join(', '));
  });

  it('sweep --help lists --device; soak --help gives its vCPU minimum', () => {
    expect(cli(['sweep', '--help']).stdout).toMatch(/--device FILE/);
    expect(cli(['soak', '--help']).stdout).toMatch(/--vcpus N\s+vCPU threads, 2\.\.64/);
  });

  it('soak ends with a verdict line that matches its exit code', () => {
    const { code, stdout } = cli(['soak', '--duration', '0.2']);
    const last = stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^(PASS|FAIL): /);
    expect(code).toBe(last.startsWith('PASS') ? 0 : 1);
  });
});
