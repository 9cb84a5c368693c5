// The A64 SIMD structure loads/stores against Unicorn 2, form by form: LD1-LD4/ST1-ST4
// multiple structures (1-4 registers for LD1/ST1), single structure to one lane (B, H,
// S, D), LD1R-LD4R; every arrangement; no writeback, post-index by the immediate and by
// Xm; register lists that wrap past V31; SP as the base; little-endian and BE8.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { Machine } from '../dist/src/index.js';
import { decodeArmRaw } from '../dist/src/decode/arm.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES } from '../dist/src/decode/descriptor.js';
import { haveUnicorn, runUnicorn, differences } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv', ...Array.from({ length: 32 }, (_, i) => `v${i}`)];
const MEM = 0x10000;
const MEM_BYTES = 0x1000;
const PER_FORM = Number(process.env.A64_STRUCTURE_CASES ?? 4);

type Form = { word: number; load: boolean; bytes: number };

/** Every allocated structure encoding's shape (Q, opcode, S, size, R, L), Rt = Rn = Rm = 0, no writeback. */
async function structureForms(): Promise<Form[]> {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const core = machine.attach(0);
  const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
  const forms: Form[] = [];
  for (let fields = 0; fields < 1 << 10; fields++) {
    // 0 Q 001100 L R 00000 opcode(4) size(2) | 0 Q 001101 L R 00000 opcode(3) S size
    const q = fields & 1, single = (fields >> 1) & 1, load = (fields >> 2) & 1, r = (fields >> 3) & 1, opcodeSize = fields >> 4;
    if (single === 0 && r === 1) continue;
    const word = ((q << 30) | 0x0c000000 | (single << 24) | (load << 22) | (r << 21) | (opcodeSize << 10)) >>> 0;
    const raw = decodeArmRaw(core, word, 'aarch64');
    if (raw.kind !== c.KIND_LOADSTORE) continue;
    forms.push({ word, load: raw.op === c.OP_LOAD, bytes: raw.size });
  }
  return forms;
}

const hex = (value: bigint | number) => `0x${value.toString(16)}`;

describe('A64 SIMD structure loads/stores against Unicorn 2', () => {
  it.skipIf(!haveUnicorn)('every form, arrangement and addressing mode leaves the same registers, memory and faults (LE and BE8)', async () => {
    const forms = await structureForms();
    const random = prng(0x51d);
    const cases: object[] = [];
    for (const arch of ['aarch64', 'aarch64_be']) {
      for (const form of forms) {
        for (const addressing of ['offset', 'post-immediate', 'post-register'] as const) {
          for (let n = 0; n < PER_FORM; n++) {
            // Rt near 31 half the time, so that the register list wraps to V0.
            const rt = random.below(2) === 0 ? 28 + random.below(4) : random.below(32);
            const rn = random.below(8) === 0 ? 31 : random.below(31);
            const rm = addressing === 'post-register' ? random.below(31) : addressing === 'post-immediate' ? 31 : 0;
            const post = addressing === 'offset' ? 0 : 1 << 23;
            const word = (form.word | post | (rm << 16) | (rn << 5) | rt) >>> 0;
            const regs: Record<string, string> = {};
            for (let i = 0; i < 31; i++) regs[`x${i}`] = hex(random.below(4) === 0 ? random.next() : MEM + random.below(MEM_BYTES));
            for (let i = 0; i < 32; i++) regs[`v${i}`] = `0x${Array.from({ length: 4 }, () => random.next().toString(16).padStart(8, '0')).join('')}`;
            regs.nzcv = hex((random.below(16) << 28) >>> 0);
            // The base: inside RAM at any alignment, running off its end (loads: a store that
            // faults part-way keeps its first elements, where Unicorn rolls the whole step back),
            // or outside it. Running off, the elements are aligned so that none straddles the end,
            // as QEMU reports a straddling access at its start and we at the unmapped byte.
            const where = random.below(8);
            let base: number;
            if (where === 0) base = random.below(MEM) & ~15;
            else if (where === 1 && form.load) base = MEM + MEM_BYTES - 8 * (1 + random.below(Math.max(1, form.bytes / 8)));
            else base = MEM + random.below(MEM_BYTES - form.bytes + 1);
            // SP as the base stays 16-byte aligned (Unicorn's SCTLR_EL1.SA is set).
            if (rn === 31) base &= ~15;
            regs[rn === 31 ? 'sp' : `x${rn}`] = hex(base);
            if (rn !== 31) regs.sp = hex(MEM + 0x800);
            if (addressing === 'post-register' && random.below(2) === 0) regs[`x${rm}`] = hex(BigInt.asUintN(64, BigInt(random.below(512) - 256)));
            const mem = Array.from({ length: MEM_BYTES }, () => random.below(256).toString(16).padStart(2, '0')).join('');
            cases.push({ arch, insn: [hex(word)], regs, mem: [{ addr: hex(MEM), hex: mem }] });
          }
        }
      }
    }
    const runner = await StepRunner.create();
    const theirs = runUnicorn(cases);
    const failures: string[] = [];
    let faults = 0;
    cases.forEach((testCase, index) => {
      const ours = runner.step(testCase as Parameters<StepRunner['step']>[0]);
      if ('fault' in ours && ours.fault) faults++;
      const diff = differences(ours, theirs[index]!, REGISTERS);
      const { arch, insn } = testCase as { arch: string; insn: string[] };
      if (diff.length > 0) failures.push(`${arch} ${insn[0]}: ${diff.join('; ')}`);
    });
    expect(failures, failures.slice(0, 25).join('\n')).toEqual([]);
    expect(forms.length).toBeGreaterThan(300);
    expect(cases.length).toBe(forms.length * 3 * PER_FORM * 2);
    expect(faults).toBeGreaterThan(cases.length / 10);
  });
});
