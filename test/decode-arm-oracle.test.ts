// The A32 decoder against llvm-mc 14 (-triple=armv8a with FEAT_FP16; SWP/SWPB against armv7a) and
// GNU objdump: every load/store class with varied fields plus random words (seeded).

import { describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/index.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES, type DescriptorCodes, type RawDescriptor } from '../dist/src/decode/descriptor.js';
import { decodeArmRaw } from '../dist/src/decode/arm.js';
import { LLVM_MC, OBJDUMP_ARM, llvmMc, objdumpSweep, prng, leBytes, type LlvmInst } from './fixtures/arm-oracles.js';
import { armLoadStoreName, compareArm, llvmAllowedCommon, objdumpAllowedCommon, objdumpCheck } from './fixtures/arm-compare.js';

function words(): number[] {
  const next = prng(0xa32);
  const out: number[] = [];
  // Bits 27:20 and 7:4 enumerated (every class and its P/U/B/W/L bits), the rest random;
  // registers sometimes equal, 13 or 15.
  for (let op = 0; op < 256; op++) {
    for (let low = 0; low < 16; low++) {
      for (let sample = 0; sample < 4; sample++) {
        const cond = sample === 0 ? 14 : next() % 15;
        let word = ((cond << 28) | (op << 20) | (next() & 0x000fff0f) | (low << 4)) >>> 0;
        const pick = next() % 8;
        if (pick === 0) word = (word & ~0xf000) | (((word >>> 16) & 15) << 12); // Rt = Rn
        if (pick === 1) word = (word | 0xf0000) >>> 0; // Rn = PC
        if (pick === 2) word = (word & ~0xf0000) | 0xd0000; // Rn = SP
        if (pick === 3) word = (word | 0xf00f) >>> 0; // SBO fields
        if (pick === 4) word = (word & ~0xf00) >>> 0;
        out.push(word >>> 0);
      }
    }
  }
  // Synchronization primitives: bits 11:8 enumerated.
  for (let op = 0x10; op < 0x20; op++) {
    for (let mid = 0; mid < 16; mid++) {
      for (let sample = 0; sample < 4; sample++) {
        const base = ((14 << 28) | (op << 20) | (next() & 0x000ff00f) | (mid << 8) | 0x90) >>> 0;
        out.push(sample === 0 ? (base | 0xf00f) >>> 0 : base);
      }
    }
  }
  for (let i = 0; i < 100_000; i++) out.push(next());
  return out;
}

const SWP_MASK = 0x0fb00ff0;
const SWP_VALUE = 0x01000090;

describe.skipIf(!LLVM_MC)(`A32 decoder vs llvm-mc 14${LLVM_MC ? '' : ' (skipped: llvm-mc 14 not installed)'}`, () => {
  it('agrees on every load/store class and on random words', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const list = words();
    const llvm = llvmMc(['-triple=armv8a', '-mattr=+fullfp16'], list.map((word) => leBytes(word)));
    const swpWords = list.filter((word) => (word & 0x0fb000f0) === SWP_VALUE && (word >>> 28) !== 15);
    const swp = new Map<number, LlvmInst>();
    const v7 = llvmMc(['-triple=armv7a'], swpWords.map((word) => leBytes(word)));
    swpWords.forEach((word, i) => swp.set(word, v7[i]!));
    const problems: string[] = [];
    const reasons = new Map<string, number>();
    let loadStores = 0;
    for (let i = 0; i < list.length; i++) {
      const word = list[i]!;
      const raw = decodeArmRaw(core, word, 'arm');
      let l = llvm[i]!;
      let reason: string | null = null;
      if (swp.has(word)) {
        l = swp.get(word)!;
        reason = 'SWP/SWPB: removed in ARMv8 (llvm-mc armv8a rejects them); checked against -triple=armv7a';
      }
      const found = compareWord(word, raw, c, l);
      if (found.length === 0) {
        if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        if (raw.kind === c.KIND_LOADSTORE || raw.kind === c.KIND_INVALID_FORM) loadStores++;
        continue;
      }
      const allow = allowed(word, raw, c, l);
      if (allow) { reasons.set(allow, (reasons.get(allow) ?? 0) + 1); continue; }
      problems.push(`0x${word.toString(16).padStart(8, '0')}: ${found.join('; ')} [llvm ${l.status} ${l.opcode}: ${l.mnemonic} ${l.operands}]`);
    }
    if (reasons.size > 0) console.log('allowed:', Object.fromEntries(reasons));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(problems.length).toBe(0);
    expect(loadStores).toBeGreaterThan(15_000);
    expect(SWP_MASK).toBeGreaterThan(0);
  });
});

function compareWord(word: number, raw: RawDescriptor, c: DescriptorCodes, l: LlvmInst): string[] {
  const found: string[] = [];
  const ours = raw.kind === c.KIND_LOADSTORE || raw.kind === c.KIND_INVALID_FORM;
  const theirs = l.status !== 'invalid' && armLoadStoreName(l.mnemonic) !== null;
  if (ours !== theirs) found.push(`load/store ${ours} vs ${theirs}`);
  else if (ours) {
    found.push(...compareArm(raw, c, l.mnemonic, l.operands));
    if (l.status === 'soft' && raw.kind !== c.KIND_INVALID_FORM) found.push('llvm: potentially undefined; ours valid');
  }
  if (raw.kind === c.KIND_UNDEFINED && l.status !== 'invalid') found.push(`undefined here, llvm ${l.mnemonic} ${l.operands}`);
  return found;
}

function allowed(word: number, raw: RawDescriptor, c: DescriptorCodes, l: LlvmInst): string | null {
  const common = llvmAllowedCommon(word, raw, c, l.status);
  if (common) return common;
  if (l.status === 'invalid' && raw.kind === c.KIND_INVALID_FORM && (raw.flags & c.F_PAIR) !== 0 && (raw.rt >= 14 || ((word >>> 24) & 1) === 0 && ((word >>> 21) & 1) === 1)) {
    return 'LDRD/STRD/LDREXD/STREXD with Rt >= 14, LDRD/STRD with P = 0, W = 1: UNPREDICTABLE (KIND_INVALID_FORM here), llvm-mc rejects the encoding';
  }
  if (raw.kind === c.KIND_LOADSTORE && l.status === 'soft' && l.opcode.startsWith('STRD') && raw.index === c.REG_NONE && (word & 15) === 15) {
    return 'llvm-mc 14 soft-fails STRD (immediate) whose imm4L is 0xf: it checks the Rm field of the register form';
  }
  if (raw.kind === c.KIND_INVALID_FORM && l.status === 'invalid' && sbzSboViolated(word)) {
    return 'LDREX/STREX/LDA/STL families and LDRHT-family (register) with (0)/(1) bits wrong: UNPREDICTABLE (KIND_INVALID_FORM here); llvm-mc rejects, objdump decodes';
  }
  if (raw.kind === c.KIND_INVALID_FORM && (raw.flags & c.F_PAIR) !== 0 && (raw.rt & 1) === 1) {
    return 'LDREXD/STREXD family with an odd Rt: UNPREDICTABLE (KIND_INVALID_FORM here); llvm-mc prints the even pair';
  }
  return null;
}

/** Should-be-zero/one fields of the synchronization primitives and of LDRHT-family register forms. */
function sbzSboViolated(word: number): boolean {
  if ((word & 0x0f8000f0) === 0x01800090) {
    const l = (word & 0x00100000) !== 0;
    const ordered = ((word >>> 8) & 15) === 0xc;
    if (l) return (word & 15) !== 15;
    return ordered && ((word >>> 12) & 15) !== 15;
  }
  const unprivRegister = (word & 0x0f600090) === 0x00200090 && (word & 0x60) !== 0;
  return unprivRegister && (word & 0xf00) !== 0;
}

describe.skipIf(!OBJDUMP_ARM)(`A32 decoder vs GNU objdump${OBJDUMP_ARM ? '' : ' (skipped: objdump not installed)'}`, () => {
  it('agrees on load/store-ness and mnemonics', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const list = words();
    const chunks = list.map((word) => leBytes(word));
    const hex8 = (word: number) => `0x${word.toString(16).padStart(8, '0')}`;
    const { problems, compared } = objdumpSweep(OBJDUMP_ARM, ['-m', 'arm'], list, chunks, hex8,
      (word, d) => objdumpCheck(decodeArmRaw(core, word, 'arm'), c, d, () => true),
      (word, d) => objdumpAllowed(word, decodeArmRaw(core, word, 'arm'), c, d.mnemonic, d.operands));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(problems.length).toBe(0);
    expect(compared).toBeGreaterThan(10_000);
  });
});

function objdumpAllowed(word: number, raw: RawDescriptor, c: DescriptorCodes, mnemonic: string, operands: string): string | null {
  const common = objdumpAllowedCommon(word, raw, c, mnemonic);
  if (common) return common;
  if (operands.includes('(str') || operands.includes('(ldr')) return 'objdump prints STR Rt, [sp, #-4]! / LDR Rt, [sp], #4 as push/pop {Rt} (llvm-mc does not)';
  if (/^v(ldr|str)/.test(mnemonic) && (word & 0xe00) === 0xe00) return 'objdump decodes Armv8.1-M VLDR/VSTR (system register) in the coprocessor 14/15 space; A-profile: LDC/STC';
  if (raw.kind === c.KIND_INVALID_FORM && operands.includes('illegal shifter operand')) return 'extra load/store (register) with non-zero (0)(0)(0)(0) bits: objdump prints TEQ/TST/CMP/CMN with an illegal shifter operand';
  if (raw.kind === c.KIND_INVALID_FORM && mnemonic === '') return 'UNPREDICTABLE form (KIND_INVALID_FORM): objdump prints it as <UNDEFINED>';
  return null;
}
