// The T32 decoder against llvm-mc 14 (-triple=thumbv8a with FEAT_FP16, one atomic block per
// instruction) and GNU objdump (-M force-thumb): every load/store class with varied
// fields, 100k random 16/32-bit words (seeded), and IT blocks of load/stores.

import { describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/index.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES, type DescriptorCodes, type RawDescriptor } from '../dist/src/decode/descriptor.js';
import { decodeArmRaw, nextItState, a32Mnemonic } from '../dist/src/decode/arm.js';
import type { CoreAccessor } from '../dist/src/accessor.js';
import { LLVM_MC, OBJDUMP_ARM, llvmMc, objdumpSweep, prng, thumbBytes, type LlvmInst } from './fixtures/arm-oracles.js';
import { armLoadStoreName, compareArm, llvmAllowedCommon, objdumpAllowedCommon, objdumpCheck } from './fixtures/arm-compare.js';

const isIt = (word: number) => word <= 0xffff && (word & 0xff00) === 0xbf00 && (word & 15) !== 0;
const isPrefix = (half: number) => half >>> 11 >= 0x1d;

function words(): number[] {
  const next = prng(0x732);
  const out: number[] = [];
  const wide = (hw1: number, hw2: number) => ((hw1 << 16) | hw2) >>> 0;
  // 32-bit load/store groups: hw1 bits 15:4 enumerated, the rest random; hw2 forms forced in part.
  for (const group of [0xe80, 0xf80, 0xec0]) {
    for (let top = 0; top < 32; top++) {
      for (let sample = 0; sample < 96; sample++) {
        let hw1 = ((group + top) << 4) | (next() & 15);
        if (sample % 8 === 0) hw1 = (hw1 & ~15) | 15; // Rn = PC
        if (sample % 8 === 1) hw1 = (hw1 & ~15) | 13; // Rn = SP
        let hw2 = next() & 0xffff;
        if (sample % 4 === 2) hw2 &= ~0xfc0; // register form
        if (sample % 8 === 3) hw2 = (hw2 & ~0xf00) | (next() % 2 === 0 ? 0xf00 : 0xc00 | ((next() & 3) << 8));
        if (sample % 16 === 5) hw2 |= 0xf0f; // should-be-one fields
        if (sample % 16 === 6) hw2 = (hw2 & 0x0fff) | ((hw1 & 15) << 12); // Rt = Rn
        out.push(wide(hw1, hw2));
      }
    }
  }
  // Every 16-bit load/store class (bits 15:9 enumerated).
  for (let top = 0x20; top < 0x70; top++) {
    for (let sample = 0; sample < 16; sample++) out.push(((top << 9) | (next() & 0x1ff)) >>> 0);
  }
  for (let i = 0; i < 100_000; i++) {
    if (next() % 2 === 0) {
      const half = next() & 0xffff;
      out.push(isPrefix(half) || isIt(half) ? half & 0x7fff : half);
    } else {
      out.push(wide(((0x1d + (next() % 3)) << 11) | (next() & 0x7ff), next() & 0xffff));
    }
  }
  return out.filter((word) => !isIt(word));
}

interface Checked { problems: string[]; reasons: Map<string, number>; loadStores: number }

type Extra = (word: number, raw: RawDescriptor, l: LlvmInst) => string | null;

function check(core: CoreAccessor, c: DescriptorCodes, list: number[], llvm: LlvmInst[], itStates: number[], extra?: Extra): Checked {
  const problems: string[] = [];
  const reasons = new Map<string, number>();
  let loadStores = 0;
  for (let i = 0; i < list.length; i++) {
    const word = list[i]!;
    const raw = decodeArmRaw(core, word, 'thumb', itStates[i] ?? 0);
    const l = llvm[i]!;
    const found: string[] = [];
    const ours = raw.kind === c.KIND_LOADSTORE || raw.kind === c.KIND_INVALID_FORM;
    const theirs = l.status !== 'invalid' && armLoadStoreName(l.mnemonic) !== null;
    if (ours !== theirs) found.push(`load/store ${ours} vs ${theirs}`);
    else if (ours) {
      loadStores++;
      found.push(...compareArm(raw, c, l.mnemonic, l.operands));
      if (l.status === 'soft' && raw.kind !== c.KIND_INVALID_FORM) found.push('llvm: potentially undefined; ours valid');
    }
    if (raw.kind === c.KIND_UNDEFINED && l.status !== 'invalid') found.push(`undefined here, llvm ${l.mnemonic} ${l.operands}`);
    if (found.length === 0) continue;
    const reason = allowed(word, raw, c, l, core) ?? extra?.(word, raw, l) ?? null;
    if (reason) { reasons.set(reason, (reasons.get(reason) ?? 0) + 1); continue; }
    problems.push(`${hex(word)}: ${found.join('; ')} [llvm ${l.status} ${l.opcode}: ${l.mnemonic} ${l.operands}] ours ${a32Mnemonic(raw)} kind ${raw.kind}`);
  }
  return { problems, reasons, loadStores };
}

function hex(word: number): string {
  return `0x${word.toString(16).padStart(word <= 0xffff ? 4 : 8, '0')}`;
}

function allowed(word: number, raw: RawDescriptor, c: DescriptorCodes, l: LlvmInst, core: CoreAccessor): string | null {
  const common = llvmAllowedCommon(word, raw, c, l.status);
  if (common) return common;
  const spPc = (r: number) => r === 13 || r === 15;
  if (raw.kind === c.KIND_INVALID_FORM && l.status === 'invalid' && word > 0xffff
    && ([raw.rt, raw.rt2, raw.rs, raw.base].some(spPc) || (raw.flags & c.F_MULTIPLE) !== 0 && ((raw.regList & 0x2000) !== 0 || raw.count < 2 || (raw.regList & 0xc000) === 0xc000 || raw.op === c.OP_STORE && (raw.regList & 0x8000) !== 0))) {
    return 'T32 UNPREDICTABLE uses of SP/PC (Rt/Rt2/Rd/Rn, LDM/STM lists) and lists of fewer than 2: KIND_INVALID_FORM here; llvm-mc rejects (its rGPR class has no SP/PC)';
  }
  if (raw.kind === c.KIND_INVALID_FORM && l.status === 'invalid' && onlyShouldBeOnesWrong(core, word, raw, c)) {
    return 'LDREX/STREX/LDA/STL families with (1) fields not all ones: UNPREDICTABLE (KIND_INVALID_FORM here); llvm-mc rejects';
  }
  return null;
}

/** The exclusive/ordered encodings' (1) fields (hw2 11:8 unless doubleword, 3:0 unless a status register) are not all ones. */
function onlyShouldBeOnesWrong(core: CoreAccessor, word: number, raw: RawDescriptor, c: DescriptorCodes): boolean {
  const hw1 = word >>> 16;
  if (word <= 0xffff) return false;
  if ((hw1 & 0xfff0) === 0xe850) return ((word >>> 8) & 15) !== 15; // LDREX
  if ((hw1 & 0xffe0) !== 0xe8c0) return false;
  const op3 = (word >>> 4) & 15;
  const l = (hw1 & 0x10) !== 0;
  if ((op3 & 3) !== 3 && ((word >>> 8) & 15) !== 15) return true;
  return (l || (op3 & 12) === 8) && (word & 15) !== 15;
}

describe.skipIf(!LLVM_MC)(`T32 decoder vs llvm-mc 14${LLVM_MC ? '' : ' (skipped: llvm-mc 14 not installed)'}`, () => {
  it('agrees on every load/store class and on random words', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const list = words();
    const llvm = llvmMc(['-triple=thumbv8a', '-mattr=+fullfp16'], list.map(thumbBytes), true);
    const { problems, reasons, loadStores } = check(core, c, list, llvm, []);
    if (reasons.size > 0) console.log('allowed:', Object.fromEntries(reasons));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(problems.length).toBe(0);
    expect(loadStores).toBeGreaterThan(20_000);
  });

  it('agrees with -triple=thumbv7a except on ARMv8-only instructions', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const list = words();
    const llvm = llvmMc(['-triple=thumbv7a', '-mattr=+fullfp16,+neon'], list.map(thumbBytes), true);
    const { problems, reasons } = check(core, c, list, llvm, [], (word, raw, l) => {
      if (l.status === 'invalid' && /^(lda|stl)/.test(a32Mnemonic(raw) ?? '')) return 'LDA/STL/LDAEX/STLEX families: ARMv8 only (thumbv7a rejects them)';
      if (raw.kind === c.KIND_OTHER && /^(ldc2|stc2)/.test(l.mnemonic) && ((word >>> 8) & 15) >= 8 && ((word >>> 8) & 15) <= 13) {
        return 'LDC2/STC2 on coprocessors 8-13: ARMv7 only; ARMv8 gives the space to Advanced SIMD and floating point (KIND_OTHER here, thumbv8a rejects them)';
      }
      if (l.status === 'soft' && /^t2(LDRD|STRD)_(PRE|POST)$/.test(l.opcode) && raw.base === 13) {
        return 'thumbv7a soft-fails LDRD/STRD with writeback on SP (the ARM ARM allows it; thumbv8a agrees)';
      }
      return null;
    });
    if (reasons.size > 0) console.log('allowed:', Object.fromEntries(reasons));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(problems.length).toBe(0);
  });

  it('puts the IT condition on load/stores inside IT blocks', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    // Valid, predicable load/stores (no PC destination) to fill IT blocks with.
    const pool = words().slice(0, 30_000);
    const plain = llvmMc(['-triple=thumbv8a'], pool.map(thumbBytes), true);
    const fill = pool.filter((word, i) => {
      const raw = decodeArmRaw(core, word, 'thumb');
      return plain[i]!.status === 'ok' && raw.kind === c.KIND_LOADSTORE && raw.rt !== 15 && (raw.regList & 0x8000) === 0;
    });
    const next = prng(0x17);
    const list: number[] = [];
    for (let block = 0; block < 3000; block++) {
      const firstcond = next() % 14;
      const mask = 1 + (next() % 15);
      list.push(0xbf00 | (firstcond << 4) | mask);
      const length = 4 - Math.log2(mask & -mask);
      for (let i = 0; i < length; i++) list.push(fill[next() % fill.length]!);
    }
    const itStates: number[] = [];
    let it = 0;
    for (const word of list) {
      itStates.push(it);
      it = nextItState(core, word, it);
    }
    const llvm = llvmMc(['-triple=thumbv8a'], list.map(thumbBytes), true);
    const { problems, reasons, loadStores } = check(core, c, list, llvm, itStates);
    if (reasons.size > 0) console.log('allowed:', Object.fromEntries(reasons));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(loadStores).toBeGreaterThan(5_000);
  });
});

describe.skipIf(!OBJDUMP_ARM)(`T32 decoder vs GNU objdump${OBJDUMP_ARM ? '' : ' (skipped: objdump not installed)'}`, () => {
  it('agrees on load/store-ness and mnemonics', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const list = words();
    const { problems, compared } = objdumpSweep(OBJDUMP_ARM, ['-m', 'arm', '-M', 'force-thumb'], list, list.map(thumbBytes), hex,
      (word, d) => objdumpCheck(decodeArmRaw(core, word, 'thumb'), c, d, () => true),
      (word, d) => objdumpAllowed(word, decodeArmRaw(core, word, 'thumb'), c, d.mnemonic, d.operands));
    expect(problems.slice(0, 40)).toEqual([]);
    expect(problems.length).toBe(0);
    expect(compared).toBeGreaterThan(20_000);
  });
});

function objdumpAllowed(word: number, raw: RawDescriptor, c: DescriptorCodes, mnemonic: string, operands: string): string | null {
  const common = objdumpAllowedCommon(word, raw, c, mnemonic);
  if (common) return common;
  if (raw.kind === c.KIND_INVALID_FORM && mnemonic === 'clrm') return 'LDM.W with Rn = PC: UNPREDICTABLE (KIND_INVALID_FORM); objdump decodes Armv8.1-M CLRM there';
  if (raw.kind === c.KIND_INVALID_FORM && raw.rt === 15 && /^pl[di]/.test(mnemonic)) return 'LDRB/LDRH/LDRSB with Rt = PC and writeback: UNPREDICTABLE (KIND_INVALID_FORM); objdump prints PLD/PLDW/PLI with writeback';
  if (raw.base === 15 && /t$/.test(mnemonic)) return 'T32 byte/halfword literal loads (Rn = PC): objdump decodes them by hw2[11:8] (e.g. as LDRHT); ARM ARM and llvm-mc: literal';
  if (raw.kind === c.KIND_OTHER && /^ldrsh/.test(mnemonic) && ((word >>> 12) & 15) === 15) return 'LDRSH with Rt = PC in an offset form: an unallocated memory hint (KIND_OTHER, as llvm-mc); objdump prints LDRSH pc';
  if (/^v(ldr|str)/.test(mnemonic) && (word & 0xe00) === 0xe00) return 'objdump decodes Armv8.1-M VLDR/VSTR (system register) in the coprocessor 14/15 space; A-profile: LDC/STC';
  if (raw.kind === c.KIND_INVALID_FORM && mnemonic === 'vscclrm') return 'VLDM with Rn = PC: UNPREDICTABLE (KIND_INVALID_FORM); objdump decodes Armv8.1-M VSCCLRM there';
  if (raw.kind === c.KIND_UNDEFINED && /^str/.test(mnemonic) && ((word >>> 16) & 15) === 15) return 'T32 stores with Rn = PC: UNDEFINED (ARM ARM; llvm-mc agrees); objdump decodes them';
  if (raw.kind === c.KIND_UNDEFINED && (operands.includes('<undefined>') || (word & 0x800) === 0 && (word & 0xfc0) !== 0)) {
    return 'T32 load/store single with hw2[11:6] neither 1xxxxx nor 000000: UNDEFINED (llvm-mc agrees); objdump decodes it as the register form';
  }
  if (raw.kind === c.KIND_INVALID_FORM && (mnemonic === '' || operands.includes('UNDEFINED'))) return 'UNPREDICTABLE form (KIND_INVALID_FORM): objdump prints it as <UNDEFINED>';
  return null;
}
