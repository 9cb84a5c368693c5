// The AArch32 decoder's Advanced SIMD structure loads/stores (VLD1-VLD4/VST1-VST4:
// multiple structures, one lane, all lanes) and system/coprocessor load/stores
// (LDM/STM with the S bit, SRS/RFE, LDC/STC/LDC2/STC2, VLDR.16/VSTR.16) against
// llvm-mc 14, A32 and T32. The structure space is enumerated (A, L and bits 11:4 every
// value, registers and Rm varied), a superset of the cases in LLVM's neon.txt and
// neont2.txt; the text compared is llvm-mc's mnemonic and operands.

import { describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/index.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES, type DescriptorCodes, type RawDescriptor } from '../dist/src/decode/descriptor.js';
import { decodeArmRaw, a32Mnemonic } from '../dist/src/decode/arm.js';
import { LLVM_MC, llvmMc, prng, leBytes, thumbBytes, type LlvmInst } from './fixtures/arm-oracles.js';
import { armLoadStoreName, compareArm, llvmAllowedCommon } from './fixtures/arm-compare.js';
import { isSystemText, operandText, foldSpaces } from './fixtures/arm-system-text.js';

/** The structure space as A32 words (T32: the same low 24 bits under 0xf9). */
function structureWords(): number[] {
  const next = prng(0x5e0);
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    for (let l = 0; l < 2; l++) {
      for (let mid = 0; mid < 256; mid++) {
        for (let sample = 0; sample < 4; sample++) {
          const rm = sample === 0 ? 15 : sample === 1 ? 13 : next() % 13;
          const rn = sample === 3 && mid % 16 === 0 ? 15 : next() % 15;
          const dHigh = next() % 4 === 0 ? 1 : 0;
          const vd = next() & 15;
          const word = (0xf4000000 | (a << 23) | (dHigh << 22) | (l << 21) | (rn << 16) | (vd << 12) | (mid << 4) | rm) >>> 0;
          out.push(word);
        }
      }
    }
  }
  return out;
}

/** LDM/STM with S, SRS/RFE, LDC/STC (and 2), VLDR.16/VSTR.16: A32 words with their fields varied. */
function systemWords(): number[] {
  const next = prng(0x5e1);
  const out: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const pick = i % 6;
    const cond = i % 5 === 0 ? 14 : next() % 15;
    const r = next();
    if (pick === 0) out.push(((cond << 28) | 0x08400000 | (r & 0x01bfffff)) >>> 0); // LDM/STM ^
    if (pick === 1) out.push((0xf8000000 | (r & 0x01ffffff)) >>> 0); // SRS/RFE space
    if (pick === 2) out.push((0xf84d0500 | (r & 0x01a0001f)) >>> 0); // SRS, fields right
    if (pick === 3) out.push((0xf8100a00 | (r & 0x01af0000)) >>> 0); // RFE, fields right
    if (pick === 4) out.push(((cond << 28) | 0x0c000000 | (r & 0x01ffffff)) >>> 0); // LDC/STC/VFP
    if (pick === 5) out.push(((cond << 28) | 0x0d000900 | (r & 0x00fff0ff)) >>> 0); // VLDR.16/VSTR.16
  }
  return out;
}

/** The T32 form of an A32 structure or coprocessor-space word (the same fields under a T32 prefix). */
function toThumb(word: number): number {
  if ((word >>> 24) === 0xf4) return (0xf9000000 | (word & 0xffffff)) >>> 0;
  return ((word >>> 28 === 15 ? 0xf0000000 : 0xe0000000) | (word & 0x0fffffff)) >>> 0;
}

/** T32 SRSDB/SRSIA and RFEDB/RFEIA, fields mostly right. */
function thumbSystemWords(): number[] {
  const next = prng(0x5e2);
  const out: number[] = [];
  for (let i = 0; i < 400; i++) {
    const op = next() % 2 === 0 ? 0 : 3;
    const w = next() & 1;
    const srs = next() % 2 === 0;
    const rn = srs ? (i % 9 === 0 ? next() & 15 : 13) : next() & 15;
    const hw2 = i % 7 === 0 ? next() & 0xffff : srs ? 0xc000 | (next() & 31) : 0xc000;
    out.push((0xe8000000 | (op << 23) | (w << 21) | ((srs ? 0 : 1) << 20) | (rn << 16) | hw2) >>> 0);
  }
  return out;
}

function compare(raw: RawDescriptor, c: DescriptorCodes, l: LlvmInst): string[] {
  const ours = raw.kind === c.KIND_LOADSTORE || raw.kind === c.KIND_INVALID_FORM;
  const theirs = l.status !== 'invalid' && armLoadStoreName(l.mnemonic) !== null;
  const found: string[] = [];
  if (raw.kind === c.KIND_UNDEFINED && l.status !== 'invalid') found.push(`undefined here, llvm ${l.mnemonic} ${l.operands}`);
  if (ours !== theirs) return [...found, `load/store ${ours} vs ${theirs}`];
  if (!ours) return found;
  if (l.status === 'soft' && raw.kind !== c.KIND_INVALID_FORM) found.push('llvm: potentially undefined; ours valid');
  if (!isSystemText(raw, c)) return [...found, ...compareArm(raw, c, l.mnemonic, l.operands)];
  if (a32Mnemonic(raw) !== l.mnemonic) found.push(`mnemonic ${a32Mnemonic(raw)} vs ${l.mnemonic}`);
  if (operandText(raw, c) !== foldSpaces(l.operands)) found.push(`operands ${operandText(raw, c)} vs ${foldSpaces(l.operands)}`);
  return found;
}

interface Outcome { problems: string[]; loadStores: number; undefinedCount: number }

function run(words: number[], arch: 'arm' | 'thumb', llvm: LlvmInst[], core: ReturnType<Machine['attach']>, c: DescriptorCodes): Outcome {
  const problems: string[] = [];
  let loadStores = 0;
  let undefinedCount = 0;
  words.forEach((word, i) => {
    const raw = decodeArmRaw(core, word, arch);
    const found = compare(raw, c, llvm[i]!);
    // UNPREDICTABLE forms llvm-mc prints its own way, each with its reason (arm-compare.ts).
    if (found.length > 0 && llvmAllowedCommon(word, raw, c, llvm[i]!.status)) return;
    if (raw.kind === c.KIND_LOADSTORE) loadStores++;
    if (raw.kind === c.KIND_UNDEFINED) undefinedCount++;
    if (found.length > 0) {
      const l = llvm[i]!;
      problems.push(`${arch} 0x${word.toString(16).padStart(8, '0')}: ${found.join('; ')} [llvm ${l.status}: ${l.mnemonic} ${l.operands}]`);
    }
  });
  return { problems, loadStores, undefinedCount };
}

describe.skipIf(!LLVM_MC)(`AArch32 structure and system load/stores vs llvm-mc 14${LLVM_MC ? '' : ' (skipped: llvm-mc 14 not installed)'}`, () => {
  it('decodes every VLDn/VSTn encoding as llvm-mc does, A32 and T32', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const a32 = structureWords();
    const t32 = a32.map(toThumb);
    const a32Llvm = llvmMc(['-triple=armv8a', '-mattr=+neon'], a32.map((word) => leBytes(word)));
    const t32Llvm = llvmMc(['-triple=thumbv8a', '-mattr=+neon'], t32.map(thumbBytes), true);
    const arm = run(a32, 'arm', a32Llvm, core, c);
    const thumb = run(t32, 'thumb', t32Llvm, core, c);
    expect([...arm.problems, ...thumb.problems].slice(0, 40)).toEqual([]);
    expect(arm.loadStores).toBeGreaterThan(1800);
    expect(thumb.loadStores).toBe(arm.loadStores);
    expect(arm.undefinedCount).toBeGreaterThan(500);
  });

  it('leaves the ARMv8.x Advanced SIMD extensions of the LDC2/STC2 space (coprocessors 8-13) to data processing', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const next = prng(0x5e3);
    // VSDOT, VUDOT, VCADD, VCMLA, VFMAL, VSMMLA (as llvm-mc encodes them), then random words there.
    const words = [0xfc210d02, 0xfc220d54, 0xfc910802, 0xfd320844, 0xfc200891, 0xfc220c44];
    for (let i = 0; i < 600; i++) words.push((0xfc000000 | (next() & 0x01ff00ff) | ((8 + (next() % 6)) << 8) | (next() & 0xf000)) >>> 0);
    const attrs = ['-mattr=+dotprod,+fp16fml,+i8mm,+neon,+fullfp16'];
    const a32Llvm = llvmMc(['-triple=armv8.6a', ...attrs], words.map((word) => leBytes(word)));
    const t32Llvm = llvmMc(['-triple=thumbv8.6a', ...attrs], words.map(thumbBytes), true);
    const problems: string[] = [];
    let extensions = 0;
    words.forEach((word, i) => {
      for (const [arch, l] of [['arm', a32Llvm[i]!], ['thumb', t32Llvm[i]!]] as const) {
        const raw = decodeArmRaw(core, word, arch);
        const theirs = l.status !== 'invalid' && armLoadStoreName(l.mnemonic) !== null;
        if (raw.kind === c.KIND_LOADSTORE || raw.kind === c.KIND_INVALID_FORM || theirs) {
          problems.push(`${arch} 0x${word.toString(16)}: ours ${a32Mnemonic(raw)} kind ${raw.kind}, llvm ${l.status} ${l.mnemonic}`);
        }
        if (l.status !== 'invalid') extensions++;
      }
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(a32Llvm.slice(0, 6).map((l) => l.mnemonic)).toEqual(['vsdot.s8', 'vudot.u8', 'vcadd.f32', 'vcmla.f32', 'vfmal.f16', 'vsmmla.s8']);
    expect(extensions).toBeGreaterThan(60);
  });

  it('decodes LDM/STM with the S bit, SRS/RFE, LDC/STC and VLDR.16/VSTR.16 as llvm-mc does', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    const a32 = systemWords();
    // LDC/STC on coprocessors other than 14 are ARMv7 (ARMv8 keeps CP14's only): checked against armv7a.
    const a32Llvm = llvmMc(['-triple=armv7a', '-mattr=+fullfp16,+vfp4'], a32.map((word) => leBytes(word)));
    const t32 = [...a32.filter((word) => (word & 0x0e000000) === 0x0c000000).map(toThumb), ...thumbSystemWords()];
    const t32Llvm = llvmMc(['-triple=thumbv7a', '-mattr=+fullfp16,+vfp4'], t32.map(thumbBytes), true);
    const arm = run(a32, 'arm', a32Llvm, core, c);
    const thumb = run(t32, 'thumb', t32Llvm, core, c);
    expect([...arm.problems, ...thumb.problems].slice(0, 40)).toEqual([]);
    expect(arm.loadStores).toBeGreaterThan(1500);
    expect(thumb.loadStores).toBeGreaterThan(500);
  });
});
