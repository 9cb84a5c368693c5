// Reading the core's load/store descriptor (assembly/decode/descriptor.ts) by the
// offsets and codes the core exports.

export const DESCRIPTOR_NAMES = [
  'DESC_SIZE', 'D_KIND', 'D_OP', 'D_SIZE', 'D_COUNT', 'D_FLAGS', 'D_RT', 'D_RT2', 'D_BASE', 'D_INDEX',
  'D_SHIFT_TYPE', 'D_SHIFT_AMOUNT', 'D_EXTEND', 'D_LENGTH', 'D_DISP', 'D_POST_DISP', 'D_REG_LIST',
  'D_MNEMONIC', 'D_ATOMIC', 'D_COND', 'D_RS', 'D_FORM', 'D_LANE', 'D_ALIGN', 'D_STRIDE', 'D_SYSTEM',
  'FORM_NONE', 'FORM_MULTIPLE', 'FORM_LANE', 'FORM_ALL_LANES', 'F_USER_REGS', 'F_COPROCESSOR', 'F_SYSTEM_RETURN',
  'KIND_LOADSTORE', 'KIND_OTHER', 'KIND_UNDEFINED', 'KIND_TRUNCATED', 'KIND_INVALID_FORM',
  'OP_LOAD', 'OP_STORE', 'OP_ATOMIC', 'OP_ZERO',
  'F_SIGNED', 'F_WRITEBACK', 'F_POST_INDEX', 'F_BYTE_REVERSE', 'F_EXCLUSIVE', 'F_ACQUIRE', 'F_RELEASE',
  'F_FP', 'F_VECTOR', 'F_SUBTRACT', 'F_PC_RELATIVE', 'F_UNPRIVILEGED', 'F_BASE_ZERO', 'F_NONTEMPORAL',
  'F_PREFIXED', 'F_PAIR', 'F_MULTIPLE', 'F_STRING', 'F_SIGN_EXTEND_64', 'F_WORD_DEST', 'F_FP_INTEGER', 'F_VSR',
  'SHIFT_NONE', 'SHIFT_LSL', 'SHIFT_LSR', 'SHIFT_ASR', 'SHIFT_ROR', 'SHIFT_RRX',
  'EXTEND_NONE', 'EXTEND_UXTW', 'EXTEND_SXTW', 'EXTEND_SXTX', 'EXTEND_UXTX', 'REG_NONE',
  'ATOMIC_NONE', 'ATOMIC_ADD', 'ATOMIC_CLR', 'ATOMIC_EOR', 'ATOMIC_SET', 'ATOMIC_SMAX', 'ATOMIC_SMIN', 'ATOMIC_UMAX',
  'ATOMIC_UMIN', 'ATOMIC_SWAP', 'ATOMIC_CAS',
] as const;

export type DescriptorCodes = Readonly<Record<(typeof DESCRIPTOR_NAMES)[number], number>>;

/** A descriptor's fields as numbers, straight from memory. */
export interface RawDescriptor {
  kind: number;
  op: number;
  size: number;
  count: number;
  flags: number;
  rt: number;
  rt2: number;
  base: number;
  index: number;
  shiftType: number;
  shiftAmount: number;
  extend: number;
  length: number;
  disp: bigint;
  postDisp: bigint;
  regList: number;
  mnemonic: number;
  atomic: number;
  cond: number;
  rs: number;
  form: number;
  lane: number;
  align: number;
  stride: number;
  system: number;
}

export function readDescriptor(view: DataView, at: number, c: DescriptorCodes): RawDescriptor {
  const u8 = (offset: number) => view.getUint8(at + offset);
  return {
    kind: u8(c.D_KIND),
    op: u8(c.D_OP),
    size: u8(c.D_SIZE),
    count: u8(c.D_COUNT),
    flags: view.getUint32(at + c.D_FLAGS, true),
    rt: u8(c.D_RT),
    rt2: u8(c.D_RT2),
    base: u8(c.D_BASE),
    index: u8(c.D_INDEX),
    shiftType: u8(c.D_SHIFT_TYPE),
    shiftAmount: u8(c.D_SHIFT_AMOUNT),
    extend: u8(c.D_EXTEND),
    length: u8(c.D_LENGTH),
    disp: view.getBigInt64(at + c.D_DISP, true),
    postDisp: view.getBigInt64(at + c.D_POST_DISP, true),
    regList: view.getUint32(at + c.D_REG_LIST, true),
    mnemonic: view.getUint16(at + c.D_MNEMONIC, true),
    atomic: u8(c.D_ATOMIC),
    cond: u8(c.D_COND),
    rs: u8(c.D_RS),
    form: u8(c.D_FORM),
    lane: u8(c.D_LANE),
    align: u8(c.D_ALIGN),
    stride: u8(c.D_STRIDE),
    system: u8(c.D_SYSTEM),
  };
}
