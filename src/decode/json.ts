// The `decode` CLI's JSON object, shared by every architecture; each supplies the
// register and mnemonic names.

import type { DescriptorCodes, RawDescriptor } from './descriptor.js';

export interface ArchNaming {
  /** The mnemonic as llvm-mc prints it, or null when the word has none. */
  mnemonic(raw: RawDescriptor): string | null;
  /** The transfer registers in order (rt, rt2, list members…). */
  transferRegisters(raw: RawDescriptor): string[];
  /** A base or index register number's name. */
  register(number: number, raw: RawDescriptor): string;
}

export type DecodeReason = 'not-load-store' | 'undefined' | 'truncated' | 'invalid-form';

export interface DecodedJson {
  word: string;
  ok: boolean;
  reason: DecodeReason | null;
  mnemonic: string | null;
  op: 'load' | 'store' | 'atomic' | 'zero' | null;
  size: number;
  count: number;
  signed: boolean;
  regs: string[];
  base: string | null;
  index: string | null;
  disp: number;
  postDisp: number;
  writeback: boolean;
  postIndex: boolean;
  byteReverse: boolean;
  exclusive: boolean;
  acquire: boolean;
  release: boolean;
  fp: boolean;
  vector: boolean;
  subtract: boolean;
  shift: { type: string; amount: number } | null;
  extend: string | null;
}

export function descriptorJson(word: string, raw: RawDescriptor, c: DescriptorCodes, naming: ArchNaming): DecodedJson {
  const ok = raw.kind === c.KIND_LOADSTORE;
  const has = (flag: number) => ok && (raw.flags & flag) !== 0;
  const reg = (number: number) => (ok && number !== c.REG_NONE ? naming.register(number, raw) : null);
  return {
    word,
    ok,
    reason: ok ? null : reasonOf(raw.kind, c),
    mnemonic: raw.kind === c.KIND_UNDEFINED || raw.kind === c.KIND_TRUNCATED ? null : naming.mnemonic(raw),
    op: ok ? opName(raw.op, c) : null,
    size: ok ? raw.size : 0,
    count: ok ? raw.count : 0,
    signed: has(c.F_SIGNED),
    regs: ok ? naming.transferRegisters(raw) : [],
    base: reg(raw.base),
    index: reg(raw.index),
    disp: ok ? Number(raw.disp) : 0,
    postDisp: ok ? Number(raw.postDisp) : 0,
    writeback: has(c.F_WRITEBACK),
    postIndex: has(c.F_POST_INDEX),
    byteReverse: has(c.F_BYTE_REVERSE),
    exclusive: has(c.F_EXCLUSIVE),
    acquire: has(c.F_ACQUIRE),
    release: has(c.F_RELEASE),
    fp: has(c.F_FP),
    vector: has(c.F_VECTOR),
    subtract: has(c.F_SUBTRACT),
    shift: ok && raw.shiftType !== c.SHIFT_NONE ? { type: shiftName(raw.shiftType, c), amount: raw.shiftAmount } : null,
    extend: ok && raw.extend !== c.EXTEND_NONE ? extendName(raw.extend, c) : null,
  };
}

function reasonOf(kind: number, c: DescriptorCodes): DecodeReason {
  if (kind === c.KIND_OTHER) return 'not-load-store';
  if (kind === c.KIND_TRUNCATED) return 'truncated';
  if (kind === c.KIND_INVALID_FORM) return 'invalid-form';
  return 'undefined';
}

function opName(op: number, c: DescriptorCodes): DecodedJson['op'] {
  if (op === c.OP_LOAD) return 'load';
  if (op === c.OP_STORE) return 'store';
  if (op === c.OP_ATOMIC) return 'atomic';
  return 'zero';
}

function shiftName(type: number, c: DescriptorCodes): string {
  const names: Record<number, string> = {
    [c.SHIFT_LSL]: 'lsl', [c.SHIFT_LSR]: 'lsr', [c.SHIFT_ASR]: 'asr', [c.SHIFT_ROR]: 'ror', [c.SHIFT_RRX]: 'rrx',
  };
  return names[type] ?? 'none';
}

function extendName(extend: number, c: DescriptorCodes): string {
  const names: Record<number, string> = {
    [c.EXTEND_UXTW]: 'uxtw', [c.EXTEND_SXTW]: 'sxtw', [c.EXTEND_SXTX]: 'sxtx', [c.EXTEND_UXTX]: 'lsl',
  };
  return names[extend] ?? 'none';
}
