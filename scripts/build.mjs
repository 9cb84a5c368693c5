#!/usr/bin/env node
// Builds only what changed since the last build (npm run build, and every script that needs
// the build). The core: each target of asconfig.json whose outputs are missing or older than
// assembly/, asconfig.json or the compiler, in parallel. The host: tsc --incremental unless
// dist/tsconfig.tsbuildinfo is newer than src/, bench/, tsconfig.json and the compiler.
// The example devices (built with the core): each devices/NAME/NAME.ts whose
// build/devices/NAME.wasm is missing or older than devices/ or the compiler.
// A deleted or renamed source changes its directory's mtime, so it counts as a change.
//
//   node scripts/build.mjs [core|host]     both when neither is named
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, rmSync, utimesSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const parts = process.argv.slice(2);
const unknown = parts.filter((part) => part !== 'core' && part !== 'host');
if (unknown.length > 0) {
  console.error(`build: unknown part ${unknown.join(', ')} (the parts are core and host)`);
  process.exit(2);
}
const wanted = (part) => parts.length === 0 || parts.includes(part);

/** The newest mtime (ms) among `paths`: files, and directories with their .ts files and subdirectories. */
function newestInput(paths) {
  let newest = 0;
  const visit = (path) => {
    const stats = statSync(path);
    newest = Math.max(newest, stats.mtimeMs);
    if (!stats.isDirectory()) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory() || entry.name.endsWith('.ts')) visit(join(path, entry.name));
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

/** Whether every output exists and is newer than `inputTime`. */
function upToDate(outputs, inputTime) {
  return outputs.every((path) => existsSync(path) && statSync(path).mtimeMs > inputTime);
}

/** Runs `node script ...args`, resolving on exit 0 and rejecting otherwise. */
function runNode(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${signal ?? code}`))));
  });
}

/** Stamps `outputs` with the time their build started, so a source saved during the build counts as newer. */
function stamp(outputs, started) {
  const time = new Date(started);
  for (const path of outputs) utimesSync(path, time, time);
}

async function buildCore() {
  const config = JSON.parse(readFileSync('asconfig.json', 'utf8'));
  const inputTime = newestInput(['assembly', 'asconfig.json', 'node_modules/assemblyscript/package.json']);
  const targets = Object.entries(config.targets).map(([name, target]) => ({
    name,
    outputs: [target.outFile, target.textFile].filter((path) => path !== undefined),
  }));
  const stale = targets.filter((target) => !upToDate(target.outputs, inputTime));
  if (stale.length === 0) {
    console.log(`core: up to date (${targets.map((target) => target.name).join(', ')})`);
    return;
  }
  console.log(`core: building ${stale.map((target) => target.name).join(', ')}`);
  const queue = [...stale];
  const worker = async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
      const started = Date.now();
      await runNode('node_modules/assemblyscript/bin/asc.js', ['assembly/index.ts', '--target', target.name]);
      stamp(target.outputs, started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), stale.length) }, worker));
}

/** Device modules in WebAssembly (src/wasm-device.ts): one asc run each, with devices/asconfig.json's options. */
async function buildDevices() {
  const inputTime = newestInput(['devices', 'node_modules/assemblyscript/package.json']);
  const names = readdirSync('devices', { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join('devices', entry.name, `${entry.name}.ts`)))
    .map((entry) => entry.name);
  const stale = names.filter((name) => !upToDate([join('build/devices', `${name}.wasm`)], inputTime));
  if (stale.length === 0) {
    console.log(`devices: up to date (${names.join(', ')})`);
    return;
  }
  console.log(`devices: building ${stale.join(', ')}`);
  mkdirSync('build/devices', { recursive: true });
  for (const name of stale) {
    const started = Date.now();
    const outFile = join('build/devices', `${name}.wasm`);
    await runNode('node_modules/assemblyscript/bin/asc.js', [join('devices', name, `${name}.ts`), '--config', 'devices/asconfig.json', '--outFile', outFile]);
    stamp([outFile], started);
  }
}

async function buildHost() {
  const buildInfo = 'dist/tsconfig.tsbuildinfo';
  // tsc --incremental trusts its build info: without the outputs it would not emit them again.
  if (!existsSync('dist/src/index.js')) rmSync(buildInfo, { force: true });
  const inputTime = newestInput(['src', 'bench', 'tsconfig.json', 'node_modules/typescript/package.json']);
  if (upToDate([buildInfo], inputTime)) {
    console.log('host: up to date');
    return;
  }
  console.log('host: tsc --incremental');
  const started = Date.now();
  await runNode('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json', '--incremental']);
  stamp([buildInfo], started);
}

try {
  if (wanted('core')) {
    await buildCore();
    await buildDevices();
  }
  if (wanted('host')) await buildHost();
} catch (error) {
  console.error(`build: ${error.message}`);
  process.exit(1);
}
