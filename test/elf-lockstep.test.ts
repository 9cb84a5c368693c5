import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, loadElf, runLoaded } from '../dist/src/index.js';

// Every corpus ELF in lock-step with Unicorn 2 (test/oracles/unicorn_elf.py): pc and
// every integer register before each instruction (PowerPC: CR, XER, LR and CTR too;
// A64: SP and NZCV; A32/T32: CPSR's NZCV), for as far as this engine runs the program
// (at most STEPS instructions). The divergences elf-lockstep-known.json records (engine
// bugs found this way) must stay exactly as recorded until fixed; then
// UPDATE_ELF_KNOWN=1 npx vitest run test/elf-lockstep.test.ts rewrites the list.
// Debian's python3-unicorn imports only under /usr/bin/python3 (UNICORN_PYTHON overrides).

const PYTHON = process.env.UNICORN_PYTHON ?? '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'test/oracles/unicorn_elf.py');
const STEPS = 20_000;
const TARGETS = ['ppc64', 'ppc64le', 'ppc32', 'aarch64', 'arm', 'thumb'];
const KNOWN_FILE = join(ROOT, 'test/elf-lockstep-known.json');
const known = JSON.parse(readFileSync(KNOWN_FILE, 'utf8')) as Record<string, string>;
const update = process.env.UPDATE_ELF_KNOWN === '1';
const divergences: Record<string, string> = {};
const NAMES: Record<string, string[]> = {
  ppc: [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'cr', 'xer', 'lr', 'ctr'],
  a64: [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'],
  a32: [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'],
};
const probe = spawnSync(PYTHON, ['-c', 'import unicorn; assert unicorn.__version__.startswith("2")'], { encoding: 'utf8' });
const haveUnicorn = probe.status === 0;
if (!haveUnicorn) console.warn(`elf-lockstep: skipped, ${PYTHON} cannot import unicorn 2 (apt install python3-unicorn): ${probe.stderr ?? probe.error}`);

const hex = (value: bigint) => value.toString(16);

/**
 * Named equivalences: where Unicorn's CPU differs from the one this engine models by
 * design, Unicorn's line is restated in our terms before the comparison (ours never is).
 * - ppc32-no-ca32: ppc32be is a pre-ISA-3.0 implementation (as the 7457 is), and OV32/CA32
 *   (XER bits 0x80000/0x40000) arrived with ISA 3.0; QEMU's 7457 still sets CA32 in
 *   sraw/srawi, whose helper is not gated on ISA 3.0 (exec-ppc-fixed-unicorn.test.ts
 *   compares ppc32be's XER the same way). Unicorn's XER is compared without them.
 * (Thumb IT blocks are not an equivalence: unicorn_elf.py writes the lines of the
 * instructions Unicorn skips without hooking, so both traces have every instruction.)
 */
const PPC32_OV32_CA32 = 0xc0000n;

/**
 * Programs Unicorn 2.0.1 cannot run to the end, and why: their traces are compared for
 * as far as Unicorn goes (it must stop on an error, not early for another reason).
 * - ppc32/mmu: QEMU's 7457 has the 74xx software-loaded TLB (POWERPC_MMU_SOFT_74xx,
 *   HID0[STEN] taken as always on): a TLB miss raises an exception for the kernel to
 *   reload the entry with tlbld/tlbli, where this engine's ppc32be walks the hashed
 *   page table in hardware (the 603e/604/7xx OEA walk, QEMU's POWERPC_MMU_32B). So
 *   Unicorn stops at mmu.c's first access through the page table (the BATs before it
 *   agree, and so does everything up to there).
 */
const UNICORN_CANNOT: Record<string, string> = {
  'ppc32/mmu': 'the 7457 in QEMU reloads its TLB in software; the hashed page table walk is not modelled',
};
function asOurs(arch: string, names: readonly string[], line: string): string {
  if (arch !== 'ppc32be') return line;
  const xer = names.indexOf('xer');
  return line.split(' ').map((value, k) => (k === xer ? hex(BigInt(`0x${value}`) & ~PPC32_OV32_CA32) : value)).join(' ');
}

describe.skipIf(!haveUnicorn)('the corpus in lock-step with Unicorn', () => {
  for (const target of TARGETS) {
    const dir = join(ROOT, 'guests/build', target);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.elf')).sort()) {
      const key = `${target}/${file}`;
      const program = `${target}/${file.replace(/-O[0-9s]\.elf$/, '')}`;
      it(key, async () => {
        const bytes = new Uint8Array(readFileSync(join(dir, file)));
        const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 18 * 1024 * 1024 });
        const loaded = loadElf(machine, bytes);
        const names = NAMES[loaded.arch.startsWith('ppc') ? 'ppc' : loaded.arch.startsWith('aarch64') ? 'a64' : 'a32']!;
        const pcIndex = names.indexOf(names.includes('pc') ? 'pc' : 'r15');
        const value = (vcpu: { get(name: string): bigint }, name: string) => (name === 'cpsr' ? vcpu.get(name) & 0xf000_0000n : vcpu.get(name));
        const ours: string[] = [];
        runLoaded(machine, loaded, { budget: STEPS, beforeInstruction: (vcpu) => ours.push(names.map((name) => hex(value(vcpu, name))).join(' ')) });
        const registers = Object.fromEntries(Object.entries(loaded.registers).map(([name, value]) => [name, `0x${hex(value)}`]));
        const oracle = spawnSync(PYTHON, [SCRIPT, loaded.arch, join(dir, file), String(ours.length), JSON.stringify(registers)], { encoding: 'utf8', maxBuffer: 1 << 28 });
        expect(oracle.status, oracle.stderr).toBe(0);
        const lines = oracle.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(names.join(' '));
        const theirs = lines.slice(1, -1).map((line) => asOurs(loaded.arch, names, line));
        expect(lines.at(-1)).toMatch(/^end /);
        const common = Math.min(ours.length, theirs.length);
        const first = Array.from({ length: common }, (_, i) => i).find((i) => ours[i] !== theirs[i]);
        let got = 'agrees';
        if (first !== undefined) {
          const a = ours[first]!.split(' ');
          const b = theirs[first]!.split(' ');
          const differing = names.filter((_, k) => a[k] !== b[k]).map((name) => `${name}: ours ${a[names.indexOf(name)]}, Unicorn ${b[names.indexOf(name)]}`);
          const previous = first > 0 ? `pc 0x${ours[first - 1]!.split(' ')[pcIndex]}` : 'entry';
          got = `step ${first}, after the instruction at ${previous}: ${differing.join('; ')}`;
        } else if (theirs.length !== ours.length && !(UNICORN_CANNOT[program] && /^end error/.test(lines.at(-1)!))) {
          // Unicorn runs as far as this engine did (a program that ends loops on after its
          // last ucall), unless the program is one it cannot model, where the prefix counts.
          got = `Unicorn stopped after ${theirs.length} of ${ours.length} steps: ${lines.at(-1)}`;
        }
        if (got !== 'agrees') divergences[key] = got;
        if (update) return;
        expect(got, known[key] === undefined ? undefined : `${key} is in elf-lockstep-known.json; update that list if it changed`).toBe(known[key] ?? 'agrees');
      }, 120_000);
    }
  }

  afterAll(() => {
    if (update) writeFileSync(KNOWN_FILE, `${JSON.stringify(Object.fromEntries(Object.entries(divergences).sort()), null, 2)}\n`);
  });
});
