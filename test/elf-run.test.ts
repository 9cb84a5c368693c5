import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, loadElf, runElf, runLoaded } from '../dist/src/index.js';
import { makeElf, words } from './elf-helpers.js';

// The guest ABI end to end on a compiled guest (guests/src/hello.c, ppc64le -O2, which
// the engine runs today), and `memslot-emu run` with its output piped.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELLO = join(ROOT, 'guests/build/ppc64le/hello-O2.elf');
const hello = () => new Uint8Array(readFileSync(HELLO));

describe('the guest ABI', () => {
  it('console bytes and PRINT reach the output, REPORTs are recorded, DONE ends the run with main\'s status', async () => {
    let streamed = '';
    const result = await runElf(hello(), { output: (text) => { streamed += text; } });
    expect(result.exit).toMatchObject({ reason: 'done', status: 0n });
    expect(result.where).toMatch(/^_start\+0x/);
    expect(result.output).toBe('hello from a compiled guest\nucall print\n');
    expect(streamed).toBe(result.output);
    expect(result.reports).toEqual([{ name: 'answer', value: 42n }, { name: 'passed', value: 1n }]);
    expect(result.instructions).toBeGreaterThan(100);
  });

  it('starts a guest in a kernel\'s entry state with the MMU off, as Unicorn resets these CPUs (the mmu guest reads and updates it)', async () => {
    const entry: Record<string, Record<string, bigint>> = {};
    const expected = {
      ppc64: { msr: 0x9000_0000_0280_3000n, lpcr: 0xcn }, ppc64le: { msr: 0x9000_0000_0280_3001n, lpcr: 0xcn }, ppc32: { msr: 0x0200_3000n },
      aarch64: { sctlr_el1: 0xc5_0838n }, arm: { sctlr: 0xc5_0078n }, thumb: { sctlr: 0xc5_0078n },
    };
    for (const [target, registers] of Object.entries(expected)) {
      const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 20 * 1024 * 1024 });
      const loaded = loadElf(machine, new Uint8Array(readFileSync(join(ROOT, `guests/build/${target}/mmu-O2.elf`))));
      runLoaded(machine, loaded, { budget: 1, beforeInstruction: (vcpu) => { entry[target] = Object.fromEntries(Object.keys(registers).map((name) => [name, vcpu.get(name)])); } });
    }
    expect(entry).toEqual(expected);
  });

  it('a failed CHECK_EQ ends the run with its file, line, expression and both values', async () => {
    const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 20 * 1024 * 1024 });
    const loaded = loadElf(machine, hello());
    const expected = loaded.image.objects.get('greeting_length');
    expect(expected).toBeDefined();
    machine.write(expected!.address, 4, 5, { endian: 'little' });
    const result = runLoaded(machine, loaded);
    const source = readFileSync(join(ROOT, 'guests/src/hello.c'), 'utf8').split('\n');
    const line = source.findIndex((text) => text.includes('CHECK_EQ(n, greeting_length)')) + 1;
    expect(result.exit).toMatchObject({ reason: 'assert', file: 'hello.c', line, expression: 'n == greeting_length', values: [27n, 5n] });
    expect(result.reports).toEqual([{ name: 'answer', value: 42n }]);
  });

  it('an unknown call number is a device error naming it', async () => {
    // lis r4,0x0a00; lis r3,0x10; ori r3,r3,0x100; std r3,0(r4): a ucall with the struct at 0x100100, cmd 9.
    const code = words([0x3c800a00, 0x3c600010, 0x60630100, 0xf8640000], true);
    const struct = new Uint8Array(56);
    struct[0] = 9;
    const result = await runElf(makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: code }, { address: 0x100100n, data: struct }] }));
    expect(result.exit).toMatchObject({ reason: 'device-error', pc: 0x10000cn, gpa: 0x0a000000n, message: 'ucall: unknown ucall cmd 9' });
    expect(result.instructions).toBe(3);
  });

  it('ucall words past 32 bits keep their meaning: a cmd with high bits is unknown, a struct address past the safe integers is a device error, a string is cut at 4096 bytes', async () => {
    // lis r4,0x0a00; lis r5,0x10; then twice ld r3,slot(r5); std r3,0(r4): the ucalls whose struct addresses are at 0x100800 and 0x100808.
    const code = words([0x3c800a00, 0x3ca00010, 0xe8650800, 0xf8640000, 0xe8650808, 0xf8640000], true);
    const run = async (first: bigint) => {
      const data = new Uint8Array(0x2000);
      const view = new DataView(data.buffer);
      const u64 = (at: number, value: bigint) => view.setBigUint64(at, value, true);
      [first, 0x100840n].forEach((value, i) => u64(8 * i, value));
      u64(0x40, 1n); // DONE, status 0
      [3n, 0x100900n, 7n].forEach((value, i) => u64(0x80 + 8 * i, value)); // REPORT of the long string
      u64(0xc0, (1n << 32n) + 1n);
      data.fill(0x61, 0x100, 0x100 + 5000);
      return runElf(makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: code }, { address: 0x100800n, data }] }));
    };
    const unknown = await run(0x1008c0n);
    expect(unknown.exit).toMatchObject({ reason: 'device-error', pc: 0x10000cn, gpa: 0x0a000000n, message: 'ucall: unknown ucall cmd 4294967297' });
    const long = await run(0x100880n);
    expect(long.reports).toEqual([{ name: 'a'.repeat(4096), value: 7n }]);
    expect(long.exit).toMatchObject({ reason: 'done', status: 0n, pc: 0x100014n });
    const far = await run(0x0100_0000_0010_0880n);
    expect(far.exit).toMatchObject({ reason: 'device-error', pc: 0x10000cn, gpa: 0x0a000000n });
    expect(far.exit.reason === 'device-error' && far.exit.message).toMatch(/^ucall: .*0x100000000100880/);
    expect(far.reports).toEqual([]);
  });

  it('console bytes decode as one UTF-8 stream (invalid sequences too), and ucall strings and arguments read in the guest\'s byte order', async () => {
    const utf8 = new TextEncoder();
    const consoleBytes = [...utf8.encode('héllo ✓\n'), 0xc3, 0x41, 0xe2, 0x9c, 0x21, 0xf0, 0x9f, 0x98, 0x80, 0x0a];
    const name = 'naïve ✓', file = 'ünï.c', expression = 'x == ✓';
    for (const little of [true, false]) {
      // lis r4,0x0900; then li r5,byte; stb r5,0(r4) per console byte; lis r4,0x0a00; then per ucall
      // lis r3,0x10; ori r3,r3,struct; std r3,0(r4): a REPORT, then an ASSERT that ends the run.
      const code = [0x3c800900, ...consoleBytes.flatMap((byte) => [0x38a00000 | byte, 0x98a40000]), 0x3c800a00,
        ...[0x800, 0x840].flatMap((at) => [0x3c600010, 0x60630000 | at, 0xf8640000])];
      const data = new Uint8Array(0x200);
      const view = new DataView(data.buffer);
      const u64 = (at: number, value: bigint) => view.setBigUint64(at, value, little);
      const strings = [name, file, expression].map((text, i) => (data.set([...utf8.encode(text), 0], 0x100 + 0x40 * i), 0x100900n + 0x40n * BigInt(i)));
      [3n, strings[0]!, 0x1234_5678_9abc_def0n].forEach((value, i) => u64(8 * i, value));
      [4n, strings[1]!, 77n, strings[2]!, 0xfedc_ba98_7654_3210n, 5n].forEach((value, i) => u64(0x40 + 8 * i, value));
      const result = await runElf(makeElf({ little, flags: 2, segments: [{ address: 0x100000n, data: words(code, little) }, { address: 0x100800n, data }] }));
      expect(result.output).toBe(new TextDecoder().decode(Uint8Array.from(consoleBytes)));
      expect(result.output).toContain('\ufffdA\ufffd!😀');
      expect(result.reports).toEqual([{ name, value: 0x1234_5678_9abc_def0n }]);
      expect(result.exit).toMatchObject({ reason: 'assert', file, line: 77, expression, values: [0xfedc_ba98_7654_3210n, 5n] });
    }
  });
});

describe('memslot-emu run', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/memslot-emu.js'), 'run', ...args], { encoding: 'utf8' });

  it('prints the guest output, then the exit, the instruction count and the rate (piped)', () => {
    const run = cli([HELLO]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['hello from a compiled guest', 'ucall print']);
    expect(lines[2]).toMatch(/^ppc64le: done, status 0 in _start\+0x[0-9a-f]+; [1-9][0-9]* instructions in [0-9.]+ s \([0-9.]+M\/s\); reports: answer=42 passed=1$/);
    expect(lines.length).toBe(3);
  });

  it('--json prints one object with the exit, counts and output', () => {
    const run = cli([HELLO, '--json', '--budget', '1M']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ arch: 'ppc64le', exit: { reason: 'done', status: '0x0', description: 'done, status 0' }, output: 'hello from a compiled guest\nucall print\n' });
    expect(out.instructions).toBeGreaterThan(100);
    expect(out.reports).toEqual([{ name: 'answer', value: '0x2a' }, { name: 'passed', value: '0x1' }]);
  });

  it('exit 1 when the guest does not finish with status 0; exit 2 for bad arguments; a bad file is one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memslot-elf-'));
    const returns7 = join(dir, 'returns7.elf');
    writeFileSync(returns7, makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x38600007, 0x4e800020], true) }] }));
    const returned = cli([returns7]);
    expect(returned.status).toBe(1);
    expect(returned.stdout).toMatch(/^ppc64le: returned from the entry function, status 7; 2 instructions/);
    const budget = cli([HELLO, '--budget', '100']);
    expect(budget.status).toBe(1);
    expect(budget.stdout).toMatch(/budget spent at pc 0x[0-9a-f]+ in \w+/);
    expect(budget.stdout).toMatch(/; 100 instructions in/);
    expect(cli([]).status).toBe(2);
    expect(cli([HELLO, '--budget', 'lots']).status).toBe(2);
    expect(cli([HELLO, '--arch', 'mips']).status).toBe(2);
    const notElf = join(dir, 'not.elf');
    writeFileSync(notElf, 'hello');
    const bad = cli([notElf]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('memslot-emu run: EINVAL: not an ELF file (the first four bytes are not 7f 45 4c 46)\n');
    expect(cli([HELLO, '--arch', 'aarch64']).stderr).toMatch(/--arch aarch64 cannot run this ppc64le file/);
  });

  it('--device registers a device module the guest can reach', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memslot-elf-'));
    const device = join(dir, 'recorder.mjs');
    // The guest stores r3 (0x100100) at 0x0b000000: the module's device prints what it got.
    writeFileSync(device, `export default (bus) => bus.register({ name: 'recorder', base: 0x0b000000, size: 8, read: () => 0, write: (offset, size, value) => process.stdout.write('device got ' + value.toString(16) + '\\n') });\n`);
    const guest = join(dir, 'guest.elf');
    // lis r4,0x0b00; lis r3,0x10; ori r3,r3,0x100; std r3,0(r4); li r3,0; blr
    writeFileSync(guest, makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x3c800b00, 0x3c600010, 0x60630100, 0xf8640000, 0x38600000, 0x4e800020], true) }] }));
    const run = cli([guest, '--device', device]);
    expect(run.stdout).toMatch(/^device got 100100\nppc64le: returned from the entry function, status 0; 6 instructions/);
    expect(run.status).toBe(0);
  });
});
