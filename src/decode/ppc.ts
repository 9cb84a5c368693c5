// Decoding PowerPC words with the core's decoder (assembly/decode/ppc.ts) into the
// `decode` CLI's JSON objects, with llvm-mc's register and mnemonic names.

import type { CoreAccessor } from '../accessor.js';
import { readExportedConstants } from '../core.js';
import { DESCRIPTOR_NAMES, readDescriptor, type DescriptorCodes, type RawDescriptor } from './descriptor.js';
import { descriptorJson, type ArchNaming, type DecodedJson } from './json.js';
import { PPC_MNEMONICS, PPC_REG_CLASSES, type PpcRegClass } from './ppc-names.js';

export type PpcArch = 'ppc64be' | 'ppc64le' | 'ppc32be';

interface PpcExports {
  decodePpc(word: number, next: number, mode: number, out: number): number;
  PPC_MODE_64: WebAssembly.Global;
  PPC_MODE_NO_SUFFIX: WebAssembly.Global;
}

const PREFIX = {
  gpr: 'r', fpr: 'f', vr: 'v', vsr: 'vs',
} as const satisfies Record<PpcRegClass, string>;

/** Scalar VSX forms whose VSRs 0-31 llvm-mc names after the FPRs they overlay (f2, but vs34). */
export const PPC_SCALAR_VSX = new Set(['lxsdx', 'lxsiwax', 'lxsiwzx', 'lxsspx', 'lxsibzx', 'lxsihzx',
  'stxsdx', 'stxsiwx', 'stxsspx', 'stxsibx', 'stxsihx']);

/** A transfer register's name as llvm-mc (-ppc-asm-full-reg-names) prints it; pairs are listed as two VSRs. */
export function ppcRegisterName(mnemonic: number, n: number): string {
  const name = PPC_MNEMONICS[mnemonic];
  if (n < 32 && name && PPC_SCALAR_VSX.has(name)) return `f${n}`;
  return PREFIX[PPC_REG_CLASSES[mnemonic] ?? 'gpr'] + n;
}

/** llvm-mc's names (-ppc-asm-full-reg-names) for the PowerPC descriptor. */
export function ppcNaming(c: DescriptorCodes): ArchNaming {
  return {
    mnemonic: (raw) => PPC_MNEMONICS[raw.mnemonic] ?? null,
    transferRegisters: (raw) => ppcTransferRegisters(raw, c).map((n) => ppcRegisterName(raw.mnemonic, n)),
    register: (number) => `r${number}`,
  };
}

/** The transfer registers' numbers in order: rt, rt2, then the rest of lmw/stmw or a string's registers. */
export function ppcTransferRegisters(raw: RawDescriptor, c: DescriptorCodes): number[] {
  if (raw.rt === c.REG_NONE) return [];
  if ((raw.flags & c.F_MULTIPLE) !== 0) return Array.from({ length: 32 - raw.rt }, (_, i) => raw.rt + i);
  if ((raw.flags & c.F_STRING) !== 0 && raw.count > 0) {
    return Array.from({ length: Math.ceil(raw.count / 4) }, (_, i) => (raw.rt + i) % 32);
  }
  return raw.rt2 === c.REG_NONE ? [raw.rt] : [raw.rt, raw.rt2];
}

const hex = (word: number) => '0x' + (word >>> 0).toString(16).padStart(8, '0');

/**
 * Decodes instruction values (byte order already applied) one instruction at a time;
 * a prefixed instruction consumes two words, a prefix at the end decodes as truncated.
 */
export function decodePpcWords(core: CoreAccessor, words: number[], arch: PpcArch): DecodedJson[] {
  const exports = core.instance.exports as unknown as PpcExports;
  const c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
  const view = new DataView(core.memory.buffer);
  const naming = ppcNaming(c);
  const at = core.record + core.map.REC_DECODE;
  const mode64 = Number(exports.PPC_MODE_64.value);
  const noSuffix = Number(exports.PPC_MODE_NO_SUFFIX.value);
  const mode = arch === 'ppc32be' ? 0 : mode64;
  const results: DecodedJson[] = [];
  for (let i = 0; i < words.length;) {
    const word = words[i]! >>> 0;
    const last = i + 1 >= words.length;
    exports.decodePpc(word, last ? 0 : words[i + 1]! >>> 0, last ? mode | noSuffix : mode, at);
    const raw = readDescriptor(view, at, c);
    const length = raw.kind === c.KIND_TRUNCATED ? 4 : raw.length;
    const text = length === 8 ? `${hex(word)} ${hex(words[i + 1]!)}` : hex(word);
    results.push(ppcJson(text, raw, c, naming));
    i += length / 4;
  }
  return results;
}

/** descriptorJson, with base null where RA=0 reads as 0 and "pc" for PC-relative forms. */
export function ppcJson(word: string, raw: RawDescriptor, c: DescriptorCodes, naming: ArchNaming): DecodedJson {
  const json = descriptorJson(word, raw, c, naming);
  if (!json.ok) return json;
  if ((raw.flags & c.F_PC_RELATIVE) !== 0) json.base = 'pc';
  else if ((raw.flags & c.F_BASE_ZERO) !== 0 && raw.base === 0) json.base = null;
  return json;
}
