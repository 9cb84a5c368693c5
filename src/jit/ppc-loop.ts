// Compiles a hot 64-bit PowerPC loop (a straight run of D/DS-form loads and stores,
// addi/addis/ori, closed by a bdnz back to its first instruction, within one page)
// into a Wasm function over the machine's memory, for the core's compiled-loop path
// (assembly/exec/jit.ts). One call runs one iteration with the exact semantics of
// the interpreter's micro-ops:
//   (regs, tlb, dataIndexMask, contextSalt, contextTag, code) -> result
// It first compares the loop's words with those compiled (-1 if any changed), then
// runs the instructions in order; an access the TLB's hit path cannot serve (a miss,
// MMIO, a misaligned or page-crossing access) returns that instruction's index
// before it has any effect, so the interpreter runs it the full way. The closing
// bdnz returns the length when taken, the length + 1 when it falls through.

import { Body, I32, I64, moduleBytes, op } from './wasm.js';

/** The memory-map entries the compiler reads. */
export interface LoopMap {
  readonly CPU_MODE: number; readonly MODE_LE: number; readonly CPU_GPR: number; readonly CPU_CTR: number;
  readonly TLB_E_READ: number; readonly TLB_E_WRITE: number; readonly TLB_E_ADDEND: number;
}

type Instruction =
  | { kind: 'load'; size: 1 | 2 | 4 | 8; signed: boolean; rt: number; ra: number; disp: number }
  | { kind: 'store'; size: 1 | 2 | 4 | 8; rs: number; ra: number; disp: number }
  | { kind: 'add'; rt: number; ra: number; addend: bigint }
  | { kind: 'ori'; ra: number; rs: number; immediate: number };

const MAX_INSTRUCTIONS = 64;
// Parameters and locals of the compiled function.
const REGS = 0, TLB = 1, INDEX_MASK = 2, SALT = 3, CONTEXT = 4, CODE = 5, EA = 6, ENTRY = 7, HOST = 8, WIDE = 9, CTR = 10, NARROW = 11;

const swap32 = (value: number) => (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;

/** The instruction `word` as the compiler runs it; 'close' for the loop's bdnz; undefined when it does not compile it. */
function decode(word: number, offset: number): Instruction | 'close' | undefined {
  const rt = (word >>> 21) & 31;
  const ra = (word >>> 16) & 31;
  const d = (word << 16) >> 16;
  const ds = ((word & 0xfffc) << 16) >> 16;
  switch (word >>> 26) {
    case 32: return { kind: 'load', size: 4, signed: false, rt, ra, disp: d }; // lwz
    case 34: return { kind: 'load', size: 1, signed: false, rt, ra, disp: d }; // lbz
    case 40: return { kind: 'load', size: 2, signed: false, rt, ra, disp: d }; // lhz
    case 42: return { kind: 'load', size: 2, signed: true, rt, ra, disp: d }; // lha
    case 58: // ld, lwa (ldu: not compiled)
      if ((word & 3) === 0) return { kind: 'load', size: 8, signed: false, rt, ra, disp: ds };
      return (word & 3) === 2 ? { kind: 'load', size: 4, signed: true, rt, ra, disp: ds } : undefined;
    case 36: return { kind: 'store', size: 4, rs: rt, ra, disp: d }; // stw
    case 38: return { kind: 'store', size: 1, rs: rt, ra, disp: d }; // stb
    case 44: return { kind: 'store', size: 2, rs: rt, ra, disp: d }; // sth
    case 62: return (word & 3) === 0 ? { kind: 'store', size: 8, rs: rt, ra, disp: ds } : undefined; // std
    case 14: return { kind: 'add', rt, ra, addend: BigInt(d) }; // addi
    case 15: return { kind: 'add', rt, ra, addend: BigInt(d) << 16n }; // addis
    case 24: return { kind: 'ori', ra, rs: rt, immediate: word & 0xffff };
    case 16: // bdnz to the loop's start: BO 0b10000, AA 0, LK 0
      return rt === 16 && (word & 3) === 0 && ds === -offset ? 'close' : undefined;
    default: return undefined;
  }
}

function register(body: Body, n: number): Body {
  return body.get(REGS).memory(op.i64Load, 3, n * 8);
}

/** RA, or 0 for RA = 0 (the D-form rule). */
function base(body: Body, ra: number): Body {
  return ra === 0 ? body.i64(0n) : register(body, ra);
}

/** Byte-reverses the low `size` bytes of the value on the stack (i32 for 2 and 4, i64 for 8). */
function swap(body: Body, size: number): Body {
  if (size === 2) {
    return body.tee(NARROW).i32(0xff).emit(op.i32And).i32(8).emit(op.i32Shl)
      .get(NARROW).i32(8).emit(op.i32ShrU).i32(0xff).emit(op.i32And).emit(op.i32Or);
  }
  if (size === 4) {
    return body.tee(NARROW).i32(0xff00ff00).emit(op.i32And).i32(8).emit(op.i32Rotl)
      .get(NARROW).i32(0x00ff00ff).emit(op.i32And).i32(8).emit(op.i32Rotr).emit(op.i32Or);
  }
  body.tee(WIDE).i64(8n).emit(op.i64ShrU).i64(0x00ff00ff00ff00ffn).emit(op.i64And)
    .get(WIDE).i64(0x00ff00ff00ff00ffn).emit(op.i64And).i64(8n).emit(op.i64Shl).emit(op.i64Or);
  body.tee(WIDE).i64(16n).emit(op.i64ShrU).i64(0x0000ffff0000ffffn).emit(op.i64And)
    .get(WIDE).i64(0x0000ffff0000ffffn).emit(op.i64And).i64(16n).emit(op.i64Shl).emit(op.i64Or);
  return body.i64(32n).emit(op.i64Rotr);
}

/** The TLB's hit path for a `size`-byte access of the tag at `tag` (read or write): leaves the host address in HOST, or returns `index`. */
function translate(body: Body, map: LoopMap, ra: number, disp: number, size: number, tag: number, index: number): void {
  base(body, ra).i64(BigInt(disp)).emit(op.i64Add).set(EA);
  body.get(EA).i64(12n).emit(op.i64ShrU).emit(op.i32WrapI64).get(SALT).emit(op.i32Xor).get(INDEX_MASK).emit(op.i32And)
    .i32(5).emit(op.i32Shl).get(TLB).emit(op.i32Add).tee(ENTRY);
  body.memory(op.i64Load, 3, tag).get(EA).i64(-4096n | BigInt(size - 1)).emit(op.i64And).get(CONTEXT).emit(op.i64Or)
    .emit(op.i64Ne).returnIf(index);
  body.get(EA).get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).emit(op.i64Add).emit(op.i32WrapI64).set(HOST);
}

function load(body: Body, map: LoopMap, little: boolean, insn: Extract<Instruction, { kind: 'load' }>, index: number): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_READ, index);
  body.get(REGS).get(HOST);
  if (insn.size === 8) {
    body.memory(op.i64Load, 0, 0);
    if (!little) swap(body, 8);
  } else {
    body.memory(insn.size === 1 ? op.i32Load8U : insn.size === 2 ? op.i32Load16U : op.i32Load, 0, 0);
    if (!little && insn.size > 1) swap(body, insn.size);
    if (insn.signed && insn.size === 2) body.emit(op.i32Extend16S);
    body.emit(insn.signed ? op.i64ExtendI32S : op.i64ExtendI32U);
  }
  body.memory(op.i64Store, 3, insn.rt * 8);
}

function store(body: Body, map: LoopMap, little: boolean, insn: Extract<Instruction, { kind: 'store' }>, index: number): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_WRITE, index);
  body.get(HOST);
  register(body, insn.rs);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
    body.memory(op.i64Store, 0, 0);
    return;
  }
  body.emit(op.i32WrapI64);
  if (!little && insn.size > 1) swap(body, insn.size);
  body.memory(insn.size === 1 ? op.i32Store8 : insn.size === 2 ? op.i32Store16 : op.i32Store, 0, 0);
}

/**
 * The loop whose first word lies at host address `code`, for the vCPU whose record
 * is at `record`: the module's bytes and the loop's length in instructions, or
 * undefined when it holds an instruction this compiler does not run.
 */
export function compilePpcLoop(memory: WebAssembly.Memory, record: number, code: number, map: LoopMap): { bytes: Uint8Array<ArrayBuffer>; length: number } | undefined {
  const view = new DataView(memory.buffer);
  const little = (view.getUint32(record + map.CPU_MODE, true) & map.MODE_LE) !== 0;
  const raws: number[] = [];
  const body = new Body();
  const instructions: Instruction[] = [];
  for (let i = 0; ; i++) {
    if (i === MAX_INSTRUCTIONS || (i > 0 && ((code + 4 * i) & 0xfff) === 0)) return undefined;
    const raw = view.getUint32(code + 4 * i, true);
    raws.push(raw);
    const decoded = decode(little ? raw : swap32(raw), 4 * i);
    if (decoded === undefined) return undefined;
    if (decoded === 'close') break;
    instructions.push(decoded);
  }
  // The words as compiled (memory order, read little-endian like the raw loads below).
  raws.forEach((raw, i) => body.get(CODE).memory(op.i32Load, 0, 4 * i).i32(raw).emit(op.i32Ne).returnIf(-1));
  instructions.forEach((insn, index) => {
    if (insn.kind === 'load') load(body, map, little, insn, index);
    else if (insn.kind === 'store') store(body, map, little, insn, index);
    else if (insn.kind === 'add') body.get(REGS).emit(...base(new Body(), insn.ra).bytes).i64(insn.addend).emit(op.i64Add).memory(op.i64Store, 3, insn.rt * 8);
    else body.get(REGS).emit(...register(new Body(), insn.rs).bytes).i64(BigInt(insn.immediate)).emit(op.i64Or).memory(op.i64Store, 3, insn.ra * 8);
  });
  // bdnz: CTR -= 1; taken while CTR != 0.
  const ctr = map.CPU_CTR - map.CPU_GPR;
  const length = raws.length;
  body.get(REGS).get(REGS).memory(op.i64Load, 3, ctr).i64(1n).emit(op.i64Sub).tee(CTR).memory(op.i64Store, 3, ctr);
  body.get(CTR).i64(0n).emit(op.i64Ne).returnIf(length).i32(length + 1);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = moduleBytes(shared, [I32, I32, I32, I32, I64, I32], I32, [I64, I32, I32, I64, I64, I32], body, 'block');
  return { bytes, length };
}
