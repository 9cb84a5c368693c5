// The AArch32 load/store classes beyond the core ones, executed: the Advanced SIMD
// structure loads/stores (VLD1-VLD4/VST1-VST4, every form the decoder accepts, A32 and
// T32) as random single instructions against Unicorn 2 (r0-r15, CPSR, d0-d31, memory;
// alignment faults against the pseudocode's rule, which Unicorn 2.0.1 lacks); VLDR.16/VSTR.16 against the Arm ARM's pseudocode (Unicorn 2.0.1
// predates FEAT_FP16); and the documented exits of LDC/STC (no coprocessor: undefined)
// and of LDM/STM with the S bit and SRS/RFE (UNPREDICTABLE in the one mode the engine
// models: invalid-form), each leaving every register and memory as they were.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu } from '../dist/src/index.js';
import { StepRunner } from '../dist/src/step.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES } from '../dist/src/decode/descriptor.js';
import { decodeArmRaw } from '../dist/src/decode/arm.js';
import { haveUnicorn, runUnicorn, differences, type StepResult } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const MEM = 0x10000;
const MEM_BYTES = 1024;
const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr', ...Array.from({ length: 32 }, (_, i) => `d${i}`)];
const CASES = Number(process.env.AARCH32_LS_CASES ?? 1500);

type Random = ReturnType<typeof prng>;
type Arch = 'arm' | 'thumb';
const hex = (value: number | bigint) => `0x${value.toString(16)}`;

/** A structure load/store word (A32 form) the decoder accepts as a valid load/store, with its Rn and Rm. */
function structureWord(random: Random, valid: (word: number) => boolean): { word: number; rn: number; rm: number } {
  for (;;) {
    const rn = random.below(15);
    const pick = random.below(3);
    const rm = pick === 0 ? 15 : pick === 1 ? 13 : random.below(13);
    const word = (0xf4000000 | (random.below(2) << 23) | (random.below(2) << 22) | (random.below(2) << 21) | (rn << 16)
      | (random.below(16) << 12) | (random.below(256) << 4) | rm) >>> 0;
    if (rm !== rn && valid(word)) return { word, rn, rm };
  }
}

function randomHex(random: Random, bytes: number): string {
  return Array.from({ length: bytes }, () => random.below(256).toString(16).padStart(2, '0')).join('');
}

async function structureCases(arch: Arch, seed: number) {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const core = machine.attach(0);
  const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
  const valid = (word: number) => decodeArmRaw(core, word, 'arm').kind === c.KIND_LOADSTORE;
  const random = prng(seed);
  return Array.from({ length: CASES }, () => {
    const { word, rn, rm } = structureWord(random, valid);
    const regs: Record<string, string> = {};
    for (let i = 0; i < 15; i++) regs[`r${i}`] = hex(random.next() >>> 0);
    // Aligned to 16 three times in four (alignment checks pass); else any address in the range.
    const offset = random.below(4) === 0 ? random.below(MEM_BYTES - 64) : random.below((MEM_BYTES - 64) / 16) * 16;
    regs[`r${rn}`] = hex(MEM + offset);
    if (rm < 13) regs[`r${rm}`] = hex(random.below(64));
    for (let i = 0; i < 32; i++) regs[`d${i}`] = `0x${randomHex(random, 8)}`;
    regs.cpsr = hex(((random.below(16) << 28) | (arch === 'thumb' ? 0x1f3 : 0x1d3)) >>> 0);
    const insn = arch === 'arm' ? word : (0xf9000000 | (word & 0xffffff)) >>> 0;
    return { arch, insn: [hex(insn)], regs, mem: [{ addr: hex(MEM), hex: randomHex(random, MEM_BYTES) }] };
  });
}

/**
 * An alignment fault of ours, checked against the pseudocode's rule (Unicorn 2.0.1 is
 * QEMU 5, which does not check VLDn/VSTn alignment, so it runs these): the address in
 * Rn is not a multiple of the alignment the encoding asks for, the fault names it, and
 * no register or memory byte changed. Empty when all holds.
 */
function alignmentProblems(ours: StepResult, testCase: Awaited<ReturnType<typeof structureCases>>[number], align: number, rn: number): string[] {
  const address = Number(testCase.regs[`r${rn}`]);
  const problems: string[] = [];
  if (align <= 1 || address % align === 0) problems.push(`alignment fault at ${hex(address)}, alignment ${align}`);
  if (ours.fault?.addr !== hex(address)) problems.push(`fault address ${ours.fault?.addr} vs ${hex(address)}`);
  for (const [name, value] of Object.entries(testCase.regs)) {
    if (name !== 'cpsr' && BigInt(ours.regs?.[name] ?? -1) !== BigInt(value)) problems.push(`${name} changed`);
  }
  if (ours.mem?.[0]?.hex !== testCase.mem[0]!.hex) problems.push('memory changed');
  return problems;
}

describe.skipIf(!haveUnicorn)('AArch32 structure loads/stores against Unicorn 2', () => {
  for (const [arch, seed] of [['arm', 0x1d1], ['thumb', 0x1d2]] as const) {
    it(`runs random VLD1-VLD4/VST1-VST4 (${arch}) as Unicorn does: registers, D registers, memory, writeback, alignment faults`, async () => {
      const cases = await structureCases(arch, seed);
      const machine = await Machine.create({ arenaBytes: 1 << 20 });
      const core = machine.attach(0);
      const runner = await StepRunner.create();
      const theirs = runUnicorn(cases);
      const failures: string[] = [];
      let faults = 0;
      cases.forEach((testCase, index) => {
        const ours = runner.step(testCase) as StepResult;
        const raw = decodeArmRaw(core, Number(testCase.insn[0]), arch === 'arm' ? 'arm' : 'thumb');
        const diff = ours.fault?.kind === 'unaligned' && !theirs[index]!.fault
          ? alignmentProblems(ours, testCase, raw.align, raw.base)
          : differences(ours, theirs[index]!, REGISTERS);
        if (ours.fault) faults++;
        if (diff.length > 0) failures.push(`${testCase.insn[0]} rn/rm ${JSON.stringify(testCase.regs)}: ${diff.join('; ')}`);
      });
      expect(failures.slice(0, 10)).toEqual([]);
      expect(faults).toBeGreaterThan(cases.length / 20); // alignment faults were exercised
      expect(faults).toBeLessThan(cases.length / 2);
    });
  }
});

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

async function guest(arch: Arch, words: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const view = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((word, i) => {
    if (arch === 'arm') view.setUint32(i * 4, word, true);
    else { view.setUint16(i * 4, word >>> 16, true); view.setUint16(i * 4 + 2, word & 0xffff, true); }
  });
  machine.writeBytes(CODE, new Uint8Array(view.buffer));
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  return { machine, vcpu };
}

describe('VLDR.16 / VSTR.16 (FEAT_FP16)', () => {
  it('loads a halfword into the low half of an S register, zeroing the high half, and stores the low half', async () => {
    // vldr.16 s3, [r1, #6]; vstr.16 s3, [r2, #-4]; svc 0
    const { machine, vcpu } = await guest('arm', [0xedd11903, 0xed421902, 0xef000000]);
    machine.write(DATA + 6n, 2, 0xbeef);
    machine.write(DATA + 0x100n - 4n, 4, 0x11223344);
    vcpu.set('r1', DATA).set('r2', DATA + 0x100n).set('d1', 0x0123456789abcdefn);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('d1')).toBe(0x0000beef89abcdefn); // s3 is d1's high half
    expect(machine.read(DATA + 0x100n - 4n, 4)).toBe(0x1122beefn); // only two bytes written
  });

  it('runs in T32 too, and faults on an odd address (MemA) changing nothing', async () => {
    // vldr.16 s0, [r1, #2]; svc
    const { machine, vcpu } = await guest('thumb', [0xed910901, 0xdf00df00]);
    machine.write(DATA + 2n, 2, 0x7c00);
    vcpu.set('r1', DATA).set('d0', 0xffffffff_ffffffffn);
    expect(vcpu.run(1).reason).toBe('budget');
    expect(vcpu.get('d0')).toBe(0xffffffff_00007c00n);
    const odd = await guest('thumb', [0xed910901]);
    odd.vcpu.set('r1', DATA + 1n).set('d0', 5n);
    const exit = odd.vcpu.run(1);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'alignment', address: DATA + 3n });
    expect(odd.vcpu.get('d0')).toBe(5n);
  });
});

describe('system and coprocessor load/stores: documented exits', () => {
  const cases: Array<[string, Arch, number, string]> = [
    ['LDC p5, c1, [r1, #16]', 'arm', 0xed911504, 'undefined'],
    ['STC2 p3, c2, [r1], #-8', 'arm', 0xfc212302, 'undefined'],
    ['LDC p14, c5, [r1] (T32)', 'thumb', 0xed915e00, 'undefined'],
    ['LDM r1!, {r2, pc}^ (exception return)', 'arm', 0xe8f18004, 'invalid-form'],
    ['STMIB r1, {r2, r3}^ (user registers)', 'arm', 0xe9c1000c, 'invalid-form'],
    ['LDM r1, {r2, r3}^ (user registers)', 'arm', 0xe8d1000c, 'invalid-form'],
    ['SRSDB sp!, #19', 'arm', 0xf96d0513, 'invalid-form'],
    ['RFEIA r1!', 'arm', 0xf8b10a00, 'invalid-form'],
    ['SRSIA sp, #19 (T32)', 'thumb', 0xe98dc013, 'invalid-form'],
    ['RFEDB r1 (T32)', 'thumb', 0xe811c000, 'invalid-form'],
  ];
  for (const [name, arch, word, cause] of cases) {
    it(`${name} exits ${cause} at its pc, changing nothing`, async () => {
      const { machine, vcpu } = await guest(arch, [word]);
      machine.write(DATA, 8, 0x1111_2222_3333_4444n);
      vcpu.set('r1', DATA + 0x20n).set('r2', 7).set('r3', 9).set('r13', DATA + 0x40n);
      const before = { ...vcpu.registers() };
      expect(vcpu.run(1)).toMatchObject({ reason: 'undefined', pc: CODE, cause });
      expect({ ...vcpu.registers() }).toEqual(before);
      expect(machine.read(DATA, 8)).toBe(0x1111_2222_3333_4444n);
      expect(machine.read(DATA + 0x20n, 8)).toBe(0n);
    });
  }
});
