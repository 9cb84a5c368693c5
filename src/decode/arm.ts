// ARM decoding from the host: words → descriptors (raw, through the core's Wasm
// decoders) → the `decode` JSON with llvm-mc's register and mnemonic names.

import type { CoreAccessor } from '../accessor.js';
import { readExportedConstants } from '../core.js';
import { DESCRIPTOR_NAMES, readDescriptor, type DescriptorCodes, type RawDescriptor } from './descriptor.js';
import { descriptorJson, type ArchNaming, type DecodedJson } from './json.js';
import { a64MnemonicName } from './a64-names.js';
import { armMnemonicName, armMnemonicWide } from './arm-names.js';

export type ArmArch = 'arm' | 'thumb' | 'aarch64';

/** The core's ARM entry points (assembly/decode/arm.ts). */
interface ArmExports {
  decodeA64(word: number, out: number): number;
  decodeA32(word: number, out: number): number;
  decodeT32(word: number, itState: number, out: number): number;
  t32NextItState(word: number, itState: number): number;
}

const codesCache = new WeakMap<WebAssembly.Instance, DescriptorCodes>();

function codesOf(core: CoreAccessor): DescriptorCodes {
  let codes = codesCache.get(core.instance);
  if (!codes) {
    codes = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
    codesCache.set(core.instance, codes);
  }
  return codes;
}

/**
 * A word's descriptor and kind, straight from the core. Thumb: a 16-bit instruction as
 * a value <= 0xffff, a 32-bit one with its first halfword high; itState is the ITSTATE
 * byte before it (0 outside IT blocks).
 */
export function decodeArmRaw(core: CoreAccessor, word: number, arch: ArmArch, itState = 0): RawDescriptor {
  const exports = core.instance.exports as unknown as ArmExports;
  const at = core.record + core.map.REC_DECODE;
  if (arch === 'aarch64') exports.decodeA64(word >>> 0, at);
  else if (arch === 'arm') exports.decodeA32(word >>> 0, at);
  else exports.decodeT32(word >>> 0, itState, at);
  return readDescriptor(new DataView(core.memory.buffer), at, codesOf(core));
}

/** The ITSTATE after the Thumb instruction `word` (IT sets it; others advance it). */
export function nextItState(core: CoreAccessor, word: number, itState: number): number {
  return (core.instance.exports as unknown as ArmExports).t32NextItState(word >>> 0, itState);
}

/**
 * One JSON object per word (descriptorJson), named as llvm-mc 14 prints: mnemonic with
 * its condition suffix (and ".w" where llvm-mc shows it), transfer registers
 * (r3, x0/w1/xzr, b/h/s/d/q, v for structure lists; a store-exclusive's status and an
 * atomic's Rs are not transfer registers), base "sp" for A64 31, "pc" for literals.
 * A Thumb sequence carries its IT state from word to word. Get `core` with
 * `(await Machine.create()).attach(0)`.
 */
export function decodeArmWords(core: CoreAccessor, words: number[], arch: ArmArch): DecodedJson[] {
  const codes = codesOf(core);
  const naming = arch === 'aarch64' ? a64Naming(codes) : a32Naming(codes);
  let itState = 0;
  return words.map((word) => {
    const raw = decodeArmRaw(core, word, arch, itState);
    if (arch === 'thumb') itState = nextItState(core, word, itState);
    const text = arch === 'thumb' && word <= 0xffff ? hexWord(word, 4) : hexWord(word, 8);
    const json = descriptorJson(text, raw, codes, naming);
    if (json.ok && arch === 'aarch64') {
      if (raw.index !== codes.REG_NONE) json.index = a64Index(raw, codes);
      if ((raw.flags & codes.F_PC_RELATIVE) !== 0) json.base = 'pc';
    }
    return json;
  });
}

function hexWord(word: number, digits: number): string {
  return `0x${(word >>> 0).toString(16).padStart(digits, '0')}`;
}

// ---- A64 names

const FP_PREFIX: Record<number, string> = { 1: 'b', 2: 'h', 4: 's', 8: 'd', 16: 'q' };

/** The transfer register `number` of an A64 descriptor as llvm-mc names it. */
export function a64TransferName(number: number, raw: RawDescriptor, c: DescriptorCodes): string {
  if ((raw.flags & c.F_MULTIPLE) !== 0) return `v${number}`;
  if ((raw.flags & (c.F_FP | c.F_VECTOR)) !== 0) return `${FP_PREFIX[raw.size] ?? 'v'}${number}`;
  const x = raw.size >= 8 || (raw.flags & c.F_SIGN_EXTEND_64) !== 0; // 64: LS64's Xt..Xt+7
  if (number === 31) return x ? 'xzr' : 'wzr';
  return `${x ? 'x' : 'w'}${number}`;
}

export function a64Index(raw: RawDescriptor, c: DescriptorCodes): string {
  const w = raw.extend === c.EXTEND_UXTW || raw.extend === c.EXTEND_SXTW;
  if (raw.index === 31) return w ? 'wzr' : 'xzr';
  return `${w ? 'w' : 'x'}${raw.index}`;
}

/** LD64B, ST64B, ST64BV, ST64BV0: 64 bytes to or from Xt..Xt+7. */
export function isLs64(raw: RawDescriptor): boolean {
  return /^(ld64b|st64bv?0?)$/.test(a64MnemonicName(raw.mnemonic) ?? '');
}

function a64Naming(c: DescriptorCodes): ArchNaming {
  return {
    mnemonic: (raw) => a64MnemonicName(raw.mnemonic),
    transferRegisters(raw) {
      if (raw.rt === c.REG_NONE) return []; // DC ZVA: no transfer register
      if (isLs64(raw)) return Array.from({ length: raw.count }, (_, i) => a64TransferName(raw.rt + i, raw, c));
      const regs = [a64TransferName(raw.rt, raw, c)];
      if ((raw.flags & c.F_MULTIPLE) !== 0) {
        for (let i = 1; i < raw.count; i++) regs.push(`v${(raw.rt + i) & 31}`);
      } else if ((raw.flags & c.F_PAIR) !== 0) regs.push(a64TransferName(raw.rt2, raw, c));
      return regs;
    },
    register: (number) => (number === 31 ? 'sp' : `x${number}`),
  };
}

// ---- A32 / T32 names

const A32_REGS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'sp', 'lr', 'pc'];

export function a32RegisterName(number: number): string {
  return A32_REGS[number] ?? `r${number}`;
}

const CONDITIONS = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', '', ''];

/** The A32/T32 mnemonic with its condition suffix (before a data type), as llvm-mc prints it. */
export function a32Mnemonic(raw: RawDescriptor): string | null {
  const name = armMnemonicName(raw.mnemonic);
  if (name === null) return null;
  // VLDn/VSTn name their element size; VLDR/VSTR of a halfword (FEAT_FP16) are .16.
  const structure = /^v(ld|st)\d$/.test(name);
  const dataType = structure || (/^v(ldr|str)$/.test(name) && raw.size === 2) ? `.${raw.size * 8}` : '';
  return name + (CONDITIONS[raw.cond] ?? '') + dataType + (armMnemonicWide(raw.mnemonic) ? '.w' : '');
}

/** The D registers a VLDn/VSTn lists, in llvm-mc's order, with "[lane]" or "[]" on the lane forms. */
export function structureRegisters(raw: RawDescriptor, c: DescriptorCodes): string[] {
  const structures = Number((armMnemonicName(raw.mnemonic) ?? 'vld1').slice(3));
  const blocks = raw.count / structures;
  const numbers: number[] = [];
  for (let k = 0; k < structures; k++) for (let r = 0; r < blocks; r++) numbers.push(raw.rt + r + k * raw.stride);
  if (raw.form === c.FORM_MULTIPLE) numbers.sort((a, b) => a - b);
  const suffix = raw.form === c.FORM_LANE ? `[${raw.lane}]` : raw.form === c.FORM_ALL_LANES ? '[]' : '';
  return numbers.map((n) => `d${n}${suffix}`);
}

function a32Naming(c: DescriptorCodes): ArchNaming {
  return {
    mnemonic: a32Mnemonic,
    transferRegisters(raw) {
      if (raw.form !== c.FORM_NONE) return structureRegisters(raw, c);
      if ((raw.flags & c.F_COPROCESSOR) !== 0) return [`p${raw.system}`, `c${raw.rt}`];
      if ((raw.flags & c.F_SYSTEM_RETURN) !== 0) return raw.op === c.OP_LOAD ? ['pc', 'cpsr'] : ['lr', 'spsr'];
      const fp = (raw.flags & (c.F_FP | c.F_VECTOR)) !== 0;
      const name = (n: number) => (fp ? `${raw.size === 8 ? 'd' : 's'}${n}` : a32RegisterName(n));
      if ((raw.flags & c.F_MULTIPLE) !== 0) {
        const regs: string[] = [];
        if (fp) for (let i = 0; i < raw.count; i++) regs.push(name(raw.rt + i));
        else for (let i = 0; i < 16; i++) if ((raw.regList & (1 << i)) !== 0) regs.push(name(i));
        return regs;
      }
      const regs = [name(raw.rt)];
      if ((raw.flags & c.F_PAIR) !== 0) regs.push(name(raw.rt2));
      return regs;
    },
    register: (number) => a32RegisterName(number),
  };
}
