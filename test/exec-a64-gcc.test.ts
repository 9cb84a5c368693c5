// A C program compiled by Debian's aarch64-linux-gnu-gcc runs to its end in the A64
// interpreter and computes what the same source computes natively (host gcc): sorting,
// CRC, division, bit tricks (CLZ/CTZ/CLS/REV/RBIT), 128-bit products, bitfields, a
// jump table, calls through pointers, widening arithmetic. Skipped without the compilers.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, Vcpu } from '../dist/src/index.js';

const SOURCE = fileURLToPath(new URL('./fixtures/a64-integer-kernels.c', import.meta.url));
const BASE = 0x10_0000n;
const SIZE = 0x2_0000;
const have = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
const haveCompilers = have('gcc') && have('aarch64-linux-gnu-gcc');

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** results[] as the host build prints it. */
function nativeResults(dir: string): bigint[] {
  const binary = join(dir, 'native');
  run('gcc', ['-O2', '-DHOST', '-o', binary, SOURCE]);
  return run(binary, []).trim().split('\n').map((line) => BigInt(`0x${line}`));
}

/** The guest image (flat, from BASE), its entry point, and the address and length of results[]. */
function guestImage(dir: string, flags: string[]): { image: Uint8Array; entry: bigint; results: bigint; count: number } {
  const elf = join(dir, 'guest.elf');
  const flat = join(dir, 'guest.bin');
  run('aarch64-linux-gnu-gcc', [...flags, '-ffreestanding', '-nostdlib', '-static', '-fno-pie', '-no-pie', '-N', '-Wl,--build-id=none',
    '-Wl,--no-warn-rwx-segments', `-Wl,-Ttext=0x${BASE.toString(16)}`, '-Wl,-e,entry', '-o', elf, SOURCE, '-lgcc']);
  run('aarch64-linux-gnu-objcopy', ['-O', 'binary', '--only-section=.text', '--only-section=.rodata', '--only-section=.data', elf, flat]);
  // nm -S: "address size type name"
  const symbols = new Map(run('aarch64-linux-gnu-nm', ['-S', elf]).trim().split('\n').map((line) => line.split(' ')).map((f) => [f[f.length - 1]!, f]));
  const [results, entry] = [symbols.get('results'), symbols.get('entry')];
  if (results === undefined || entry === undefined) throw new Error('no results or entry symbol');
  return { image: readFileSync(flat), entry: BigInt(`0x${entry[0]}`), results: BigInt(`0x${results[0]}`), count: Number.parseInt(results[1]!, 16) / 8 };
}

describe.skipIf(!haveCompilers)('a GCC-compiled A64 program', () => {
  it.each([['-O3'], ['-O2'], ['-O1'], ['-Os'], ['-O0']])('at %s computes what the native build computes', async (level) => {
    const dir = mkdtempSync(join(tmpdir(), 'a64-gcc-'));
    let built: ReturnType<typeof guestImage>, expected: bigint[];
    try {
      expected = nativeResults(dir);
      built = guestImage(dir, [level]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { image, entry, results, count } = built;
    expect(count).toBe(expected.length);
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: BASE, memorySize: SIZE, userspaceAddr: machine.allocateBacking(SIZE) });
    machine.writeBytes(BASE, image);
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', entry).set('sp', BASE + BigInt(SIZE));
    const exit = vcpu.run(50_000_000);
    expect(exit, JSON.stringify(exit, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).toMatchObject({ reason: 'hypercall' });
    const got = Array.from({ length: count }, (_, i) => machine.read(results + BigInt(i * 8), 8));
    const wrong = got.flatMap((v, i) => (v === expected[i] ? [] : [`results[${i}]: 0x${v.toString(16)}, native 0x${expected[i]!.toString(16)}`]));
    expect(wrong).toEqual([]);
  });
});
