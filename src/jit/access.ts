// What the loop compilers share: the compiled function's parameters and locals, and
// the emitters for a guest access through the TLB's hit path (tag compare, add).

import { Body, I32, I64, moduleBytes, op, type FunctionImport } from './wasm.js';

/** The memory-map entries the compilers read. */
export interface LoopMap {
  readonly CPU_MODE: number; readonly MODE_64: number; readonly MODE_LE: number; readonly MODE_THUMB: number; readonly MODE_ARM: number;
  readonly CPU_GPR: number;
  readonly CPU_CTR: number; readonly CPU_NZCV: number;
  readonly TLB_E_READ: number; readonly TLB_E_WRITE: number; readonly TLB_E_ADDEND: number; readonly TLB_MMIO: number;
}

/** A load (zero- or sign-extended into the 64-bit register) or a store of `size` bytes at register `base` + `disp`. */
export type Access =
  | { kind: 'load'; size: 1 | 2 | 4 | 8; signed: boolean; rt: number; ra: number; disp: number }
  | { kind: 'store'; size: 1 | 2 | 4 | 8; rs: number; ra: number; disp: number };

/** A compiled loop: the module's bytes and the loop's length in instructions. */
export interface CompiledLoop {
  bytes: Uint8Array<ArrayBuffer>;
  length: number;
}

export const MAX_INSTRUCTIONS = 64;
// Parameters and locals of the compiled function.
export const REGS = 0, TLB = 1, INDEX_MASK = 2, SALT = 3, CONTEXT = 4, CODE = 5, EA = 6, ENTRY = 7, HOST = 8, WIDE = 9, SCRATCH = 10, NARROW = 11;

// The core's functions a loop imports (assembly/exec/jit.ts), by function index: an
// access whose TLB entry holds an MMIO mark naming a device (built-in or JS) stays in the loop.
const MMIO_READ = 0, MMIO_WRITE = 1;
const MMIO_IMPORTS: FunctionImport[] = [
  { name: 'jitMmioRead', params: [I64, I32, I32], result: I32 },
  { name: 'jitMmioWrite', params: [I64, I32, I32, I64], result: I32 },
];

export function register(body: Body, n: number): Body {
  return body.get(REGS).memory(op.i64Load, 3, n * 8);
}

/** The base register, or 0 for PowerPC's RA = 0 (`zeroForR0`). */
export function base(body: Body, ra: number, zeroForR0: boolean): Body {
  return ra === 0 && zeroForR0 ? body.i64(0n) : register(body, ra);
}

/** Byte-reverses the low `size` bytes of the value on the stack (i32 for 2 and 4, i64 for 8). */
export function swap(body: Body, size: number): Body {
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

/** Pushes whether the entry's `tag` (read or write) differs from the hit tag of a `size`-byte access at EA; `keep` tees the hit tag into WIDE. */
function tagDiffers(body: Body, size: number, tag: number, keep: boolean): Body {
  body.get(ENTRY).memory(op.i64Load, 3, tag).get(EA).i64(-4096n | BigInt(size - 1)).emit(op.i64And).get(CONTEXT).emit(op.i64Or);
  if (keep) body.tee(WIDE);
  return body.emit(op.i64Ne);
}

/**
 * The TLB lookup of a `size`-byte access at register `ra` + `disp` (EA, ENTRY), then
 * `if` the entry's `tag` (read or write) misses: returns `index` unless it holds an MMIO
 * mark for this page (WIDE: the hit tag). The caller emits the mark's case, the `else`
 * (a hit, HOST set) and its `end`.
 */
function translate(body: Body, map: LoopMap, ra: number, disp: number, size: number, tag: number, index: number, zeroForR0: boolean): void {
  base(body, ra, zeroForR0).i64(BigInt(disp)).emit(op.i64Add).set(EA);
  body.get(EA).i64(12n).emit(op.i64ShrU).emit(op.i32WrapI64).get(SALT).emit(op.i32Xor).get(INDEX_MASK).emit(op.i32And)
    .i32(5).emit(op.i32Shl).get(TLB).emit(op.i32Add).set(ENTRY);
  tagDiffers(body, size, tag, true).emit(op.if, 0x40);
  body.get(ENTRY).memory(op.i64Load, 3, tag).get(WIDE).i64(BigInt(map.TLB_MMIO)).emit(op.i64Or).emit(op.i64Ne).returnIf(index);
}

/** The hit case after translate's mark case: HOST = EA + the entry's addend. */
function hit(body: Body, map: LoopMap): void {
  body.emit(op.else);
  body.get(EA).get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).emit(op.i64Add).emit(op.i32WrapI64).set(HOST);
  body.emit(op.end);
}

/** Emits `insn` as instruction `index` of the loop: returns `index` when the hit path cannot serve it. */
export function emitAccess(body: Body, map: LoopMap, little: boolean, insn: Access, index: number, zeroForR0: boolean): void {
  if (insn.kind === 'load') load(body, map, little, insn, index, zeroForR0);
  else store(body, map, little, insn, index, zeroForR0);
}

function load(body: Body, map: LoopMap, little: boolean, insn: Extract<Access, { kind: 'load' }>, index: number, zeroForR0: boolean): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_READ, index, zeroForR0);
  // A mark naming a device: the core reads it and says where its bytes are.
  body.get(EA).i32(insn.size).get(ENTRY).call(MMIO_READ).tee(HOST).emit(op.i32Eqz).returnIf(index);
  hit(body, map);
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

/**
 * A hit stores through the entry's addend; a mark naming a device takes the value
 * in one core call (its bytes in memory order, as a little-endian value), which returns 0
 * when it did not.
 */
function store(body: Body, map: LoopMap, little: boolean, insn: Extract<Access, { kind: 'store' }>, index: number, zeroForR0: boolean): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_WRITE, index, zeroForR0);
  body.get(EA).i32(insn.size).get(ENTRY);
  register(body, insn.rs);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
  } else if (!little && insn.size > 1) {
    swap(body.emit(op.i32WrapI64), insn.size).emit(op.i64ExtendI32U);
  }
  body.call(MMIO_WRITE).emit(op.i32Eqz).returnIf(index);
  body.emit(op.else);
  // A hit: the store through the entry's addend.
  body.get(EA).get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).emit(op.i64Add).emit(op.i32WrapI64);
  register(body, insn.rs);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
    body.memory(op.i64Store, 0, 0);
  } else {
    storeNarrow(body, little, insn.size);
  }
  body.emit(op.end);
}

function storeNarrow(body: Body, little: boolean, size: 1 | 2 | 4): void {
  body.emit(op.i32WrapI64);
  if (!little && size > 1) swap(body, size);
  body.memory(size === 1 ? op.i32Store8 : size === 2 ? op.i32Store16 : op.i32Store, 0, 0);
}

/** The loop's words (or T32 halfwords, `unit` 2) as compiled, read little-endian like the loads in the function: -1 if any changed. */
export function emitCodeCheck(body: Body, raws: readonly number[], unit: 2 | 4 = 4): void {
  raws.forEach((raw, i) => body.get(CODE).memory(unit === 2 ? op.i32Load16U : op.i32Load, 0, unit * i).i32(raw).emit(op.i32Ne).returnIf(-1));
}

/** The module for a loop body ending with the closing branch's result on the stack. */
export function loopModule(memory: WebAssembly.Memory, body: Body, length: number): CompiledLoop {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  return { bytes: moduleBytes(shared, [I32, I32, I32, I32, I64, I32], I32, [I64, I32, I32, I64, I64, I32], body, 'block', MMIO_IMPORTS), length };
}

/** The word at host address `at` (memory order, as a little-endian read) and the instruction it holds in the guest's code order. */
export function codeWord(view: DataView, at: number, little: boolean): { raw: number; word: number } {
  const raw = view.getUint32(at, true);
  return { raw, word: little ? raw : (((raw & 0xff) << 24) | ((raw & 0xff00) << 8) | ((raw >>> 8) & 0xff00) | (raw >>> 24)) >>> 0 };
}

/** A loop's closing instruction as a compiler decodes it, and how many units (1 or 2) it spans. */
export type Closing<C> = { close: C; units: 1 | 2 } | undefined;

/**
 * Reads the little-endian ARM loop at host address `code` (`unit`-byte instructions,
 * within one page): the body as `decode` gives it, up to the instructions
 * `decodeClose` recognises as the closing branch (given the next unit and the byte
 * offset), and every unit read (for the code check); undefined when an instruction
 * does not compile or no closing branch comes in time.
 */
export function scanLoop<I, C>(view: DataView, code: number, unit: 2 | 4, decode: (word: number) => I | undefined,
  decodeClose: (word: number, next: number | undefined, offset: number) => Closing<C>): { raws: number[]; body: I[]; close: C } | undefined {
  const inPage = (i: number) => i < MAX_INSTRUCTIONS && (i === 0 || ((code + unit * i) & 0xfff) !== 0);
  const read = (i: number) => (unit === 2 ? view.getUint16(code + 2 * i, true) : view.getUint32(code + 4 * i, true));
  const raws: number[] = [];
  const body: I[] = [];
  for (let i = 0; inPage(i); i++) {
    const word = read(i);
    const next = inPage(i + 1) ? read(i + 1) : undefined;
    raws.push(word);
    const closing = decodeClose(word, next, unit * i);
    if (closing !== undefined) {
      if (closing.units === 2) raws.push(next!);
      return { raws, body, close: closing.close };
    }
    const decoded = decode(word);
    if (decoded === undefined) return undefined;
    body.push(decoded);
  }
  return undefined;
}
