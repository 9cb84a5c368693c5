// What the loop compilers share: the compiled function's parameters and locals, and
// the emitters for a guest access through the TLB's hit path (tag compare, add).

import { Body, I32, I64, moduleBytes, op, type FunctionImport, type Signature } from './wasm.js';
import { READ_REFUSED } from '../device-entries.js';
import { BUS_UNCLAIMED } from '../mmio.js';

/** The memory-map entries the compilers read. */
export interface LoopMap {
  readonly CPU_MODE: number; readonly MODE_64: number; readonly MODE_LE: number; readonly MODE_THUMB: number; readonly MODE_ARM: number;
  readonly CPU_GPR: number;
  readonly CPU_CTR: number; readonly CPU_NZCV: number;
  readonly TLB_E_READ: number; readonly TLB_E_WRITE: number; readonly TLB_E_ADDEND: number; readonly TLB_MMIO: number; readonly TLB_DIRECT_MARK: number;
  readonly CONTROL_BASE: number; readonly CTRL_DEVICE_GEN: number; readonly CTRL_SLOT_GEN: number; readonly CTRL_SHOOT_SEQ: number;
  readonly CTRL_BUILTIN_COUNT: number; readonly CTRL_BUILTINS: number; readonly BUILTIN_MAX: number; readonly BUILTIN_ENTRY_SIZE: number;
  readonly BUILTIN_E_BASE: number; readonly BUILTIN_E_SIZE: number; readonly BUILTIN_E_KIND: number; readonly BUILTIN_E_AS: number;
  readonly BUILTIN_E_STATE: number; readonly BUILTIN_SCRATCH: number;
  readonly JS_DEVICE_TABLE_BASE: number; readonly JS_DEVICE_MAX: number;
  readonly REC_MMIO_GPA: number; readonly REC_MMIO_DATA: number; readonly REC_COUNTERS: number; readonly CNT_MMIO: number;
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
// Parameters of the compiled function (assembly/exec/jit.ts jitIteration passes them):
// the vCPU's registers, the TLB, its index mask, salt and context tag, the loop's code,
// the device generation the TLB's hints were kept under (CTRL_DEVICE_GEN's value while
// they hold), and CTRL_SLOT_GEN and CTRL_SHOOT_SEQ as the iteration began (a JS handler
// that changes either ends the iteration, so the run loop syncs the TLB). Then its locals.
export const REGS = 0, TLB = 1, INDEX_MASK = 2, SALT = 3, CONTEXT = 4, CODE = 5, HINTS_UNDER = 6, SLOT_GEN = 7, SHOOT_SEQ = 8;
export const EA = 9, ENTRY = 10, HOST = 11, WIDE = 12, SCRATCH = 13, NARROW = 14, HINT = 15, GPA = 16, BUILTIN = 17;
const PARAMS = [I32, I32, I32, I32, I64, I32, I32, I32, I32];
const LOCALS = [I64, I32, I32, I64, I64, I32, I32, I64, I32];

// The core's functions a loop imports (assembly/exec/jit.ts), by function index: an
// access whose TLB entry holds an MMIO mark naming a device (built-in or JS) stays in the loop.
const MMIO_READ = 0, MMIO_WRITE = 1, DEVICE_REFUSED = 2;
const MMIO_IMPORTS: FunctionImport[] = [
  { name: 'jitMmioRead', params: [I64, I32, I32], result: I32 },
  { name: 'jitMmioWrite', params: [I64, I32, I32, I64], result: I32 },
  { name: 'jitDeviceRefused', params: [I64, I32, I32, I32] },
];
// A JS device's entries in the core's table (src/device-entries.ts), by signature number after the imports'.
const DEVICE_READ = 1 + MMIO_IMPORTS.length, DEVICE_WRITE = DEVICE_READ + 1;
const DEVICE_TYPES: Signature[] = [{ params: [I32, I32, I32], result: I32 }, { params: [I32, I32, I32, I32, I32], result: I32 }];

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
 * `if` the entry's `tag` (read or write) misses: `if` it holds the page's direct mark (a
 * scratch device's bytes through the addend, assembly/mmu/tlb.ts), HOST is set and the
 * access counted. The caller emits the access at HOST, then markedElse, the mark's case,
 * two `end`s, the `else` (a hit) and its `end`.
 */
function translate(body: Body, map: LoopMap, ra: number, disp: number, size: number, tag: number, zeroForR0: boolean): void {
  base(body, ra, zeroForR0).i64(BigInt(disp)).emit(op.i64Add).set(EA);
  body.get(EA).i64(12n).emit(op.i64ShrU).emit(op.i32WrapI64).get(SALT).emit(op.i32Xor).get(INDEX_MASK).emit(op.i32And)
    .i32(5).emit(op.i32Shl).get(TLB).emit(op.i32Add).set(ENTRY);
  tagDiffers(body, size, tag, true).emit(op.if, 0x40);
  body.get(ENTRY).memory(op.i64Load, 3, tag).get(WIDE).i64(BigInt(map.TLB_DIRECT_MARK)).emit(op.i64Or).emit(op.i64Eq).emit(op.if, 0x40);
  hitAddress(body, map);
  count(body, map);
}

/** After the direct case: its `else`, which returns `index` unless the entry holds an MMIO mark for this page (WIDE: the hit tag). */
function markedElse(body: Body, map: LoopMap, tag: number, index: number): void {
  body.emit(op.else);
  body.get(ENTRY).memory(op.i64Load, 3, tag).get(WIDE).i64(BigInt(map.TLB_MMIO)).emit(op.i64Or).emit(op.i64Ne).returnIf(index);
}

/** HOST = EA + the TLB entry's addend (a hit). */
function hitAddress(body: Body, map: LoopMap): void {
  body.get(EA).get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).emit(op.i64Add).emit(op.i32WrapI64).set(HOST);
}

/** Emits `insn` as instruction `index` of the loop: returns `index` when the hit path cannot serve it. */
export function emitAccess(body: Body, map: LoopMap, little: boolean, insn: Access, index: number, zeroForR0: boolean): void {
  if (insn.kind === 'load') load(body, map, little, insn, index, zeroForR0);
  else store(body, map, little, insn, index, zeroForR0);
}

// The mark case. The mark's 12 low addend bits are the device hint (assembly/mmu/tlb.ts,
// assembly/mem/access.ts): 1 + index of a built-in device, JS_DEVICE_MAX | index of a JS
// device on the host bus. Hints kept under another CTRL_DEVICE_GEN are stale: the
// interpreter runs the access (its next marked access drops them). A JS device's entry
// in the core's table is called from here, as the core would (its gpa in the record for
// a watchdog, the access counted); a scratch device's bytes are read or written here;
// any other built-in device is the core's (jitMmioRead/jitMmioWrite).

/** HINT and GPA (the access's physical address) from the mark at ENTRY; returns `index` if the hints are stale. */
function markCase(body: Body, map: LoopMap, index: number): void {
  body.get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).tee(GPA).emit(op.i32WrapI64).i32(0xfff).emit(op.i32And).set(HINT);
  body.get(GPA).i64(-4096n).emit(op.i64And).get(EA).i64(0xfffn).emit(op.i64And).emit(op.i64Or).set(GPA);
  body.i32(map.CONTROL_BASE + map.CTRL_DEVICE_GEN).atomicLoad32(0).get(HINTS_UNDER).emit(op.i32Ne).returnIf(index);
}

/** Pushes the address of record field `field` (from REGS, the record's CPU_GPR); returns the memory argument's offset. */
function recordField(body: Body, map: LoopMap, field: number): number {
  const offset = field - map.CPU_GPR;
  if (offset >= 0) {
    body.get(REGS);
    return offset;
  }
  body.get(REGS).i32(offset).emit(op.i32Add);
  return 0;
}

/** Counts a device access the loop did (the record's CNT_MMIO, as the core's register path counts it). */
function count(body: Body, map: LoopMap): void {
  const field = map.REC_COUNTERS + map.CNT_MMIO;
  const offset = recordField(body, map, field);
  recordField(body, map, field);
  body.memory(op.i64Load, 3, offset).i64(1n).emit(op.i64Add).memory(op.i64Store, 3, offset);
}

/** Before a JS device's entry: the access's gpa in the record, where a watchdog names a handler that never returns. */
function recordGpa(body: Body, map: LoopMap): void {
  const offset = recordField(body, map, map.REC_MMIO_GPA);
  body.get(GPA).memory(op.i64Store, 3, offset);
}

/** After a JS handler: returns `done` (instructions finished) if the slot table changed or an invalidation was posted, so the run loop syncs the TLB. */
function endIfMapChanged(body: Body, map: LoopMap, done: number): void {
  body.i32(map.CONTROL_BASE + map.CTRL_SLOT_GEN).atomicLoad32(0).get(SLOT_GEN).emit(op.i32Ne)
    .i32(map.CONTROL_BASE + map.CTRL_SHOOT_SEQ).atomicLoad32(0).get(SHOOT_SEQ).emit(op.i32Ne).emit(op.i32Or).returnIf(done);
}

/** The table index of the JS device's entry (its read, or its write JS_DEVICE_MAX later) that HINT names. */
function deviceSlot(body: Body, map: LoopMap, write: boolean): Body {
  return body.get(HINT).i32(map.JS_DEVICE_MAX - 1).emit(op.i32And).i32(map.JS_DEVICE_TABLE_BASE + (write ? map.JS_DEVICE_MAX : 0)).emit(op.i32Add);
}

/** The entry did not take the access (the code, a BUS_* value, on the stack): the core keeps a handler's failure for the interpreter's rerun; returns `index`. */
function refused(body: Body, size: number, write: boolean, index: number): void {
  body.set(NARROW).get(GPA).i32(size).i32(write ? 1 : 0).get(NARROW).call(DEVICE_REFUSED).i32(index).emit(op.return);
}

/**
 * Pushes whether HINT names a published scratch device in address space 0 that holds
 * the `size` bytes at GPA (as the core's builtinAccessAt checks); if so BUILTIN is its
 * entry and WIDE the offset of GPA in it.
 */
function scratchHolds(body: Body, map: LoopMap, size: number): void {
  body.get(HINT).i32(1).emit(op.i32Sub).tee(NARROW).i32(map.BUILTIN_MAX).emit(op.i32LtU)
    .get(NARROW).i32(map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT).atomicLoad32(0).emit(op.i32LtU).emit(op.i32And);
  body.emit(op.if, I32);
  body.get(NARROW).i32(map.BUILTIN_ENTRY_SIZE).emit(op.i32Mul).i32(map.CONTROL_BASE + map.CTRL_BUILTINS).emit(op.i32Add).set(BUILTIN);
  body.get(GPA).get(BUILTIN).memory(op.i64Load, 3, map.BUILTIN_E_BASE).emit(op.i64Sub).set(WIDE);
  body.get(BUILTIN).memory(op.i32Load, 2, map.BUILTIN_E_KIND).i32(map.BUILTIN_SCRATCH).emit(op.i32Eq)
    .get(BUILTIN).memory(op.i32Load, 2, map.BUILTIN_E_AS).emit(op.i32Eqz).emit(op.i32And)
    .get(WIDE).get(BUILTIN).memory(op.i64Load, 3, map.BUILTIN_E_SIZE).emit(op.i64LtU).emit(op.i32And)
    .get(BUILTIN).memory(op.i64Load, 3, map.BUILTIN_E_SIZE).get(WIDE).emit(op.i64Sub).i64(BigInt(size)).emit(op.i64GeU).emit(op.i32And);
  body.emit(op.else).i32(0).emit(op.end);
}

/** HOST = the address of the scratch device's bytes at WIDE (after scratchHolds). */
function scratchAddress(body: Body, map: LoopMap): Body {
  return body.get(BUILTIN).memory(op.i32Load, 2, map.BUILTIN_E_STATE).get(WIDE).emit(op.i32WrapI64).emit(op.i32Add);
}

/** REGS[rt] = the loaded bytes `raw` pushes (memory order as a little-endian value: i64 for 8 bytes, else i32), extended as the load says. */
function toRegister(body: Body, little: boolean, insn: Extract<Access, { kind: 'load' }>, raw: (body: Body) => void): void {
  body.get(REGS);
  raw(body);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
  } else {
    if (!little && insn.size > 1) swap(body, insn.size);
    if (insn.signed && insn.size === 2) body.emit(op.i32Extend16S);
    body.emit(insn.signed ? op.i64ExtendI32S : op.i64ExtendI32U);
  }
  body.memory(op.i64Store, 3, insn.rt * 8);
}

function fromHost(body: Body, size: number): void {
  body.get(HOST).memory(size === 8 ? op.i64Load : size === 1 ? op.i32Load8U : size === 2 ? op.i32Load16U : op.i32Load, 0, 0);
}

function load(body: Body, map: LoopMap, little: boolean, insn: Extract<Access, { kind: 'load' }>, index: number, zeroForR0: boolean): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_READ, zeroForR0);
  toRegister(body, little, insn, (b) => fromHost(b, insn.size));
  markedElse(body, map, map.TLB_E_READ, index);
  markCase(body, map, index);
  body.get(HINT).i32(map.JS_DEVICE_MAX).emit(op.i32GeU).emit(op.if, 0x40);
  // A JS device: its read entry returns the low word (the high word of 8 bytes at
  // REC_MMIO_DATA + 4), or READ_REFUSED with the BUS_* code at REC_MMIO_DATA, where BUS_UNCLAIMED goes first.
  recordGpa(body, map);
  const data = recordField(body, map, map.REC_MMIO_DATA);
  body.i32(BUS_UNCLAIMED).memory(op.i32Store, 2, data);
  body.get(GPA).emit(op.i32WrapI64).get(GPA).i64(32n).emit(op.i64ShrU, op.i32WrapI64).i32(insn.size);
  deviceSlot(body, map, false).callIndirect(DEVICE_READ).tee(NARROW).i32(READ_REFUSED).emit(op.i32Eq).emit(op.if, 0x40);
  body.memory(op.i32Load, 2, recordField(body, map, map.REC_MMIO_DATA)).emit(op.if, 0x40);
  body.memory(op.i32Load, 2, recordField(body, map, map.REC_MMIO_DATA));
  refused(body, insn.size, false, index);
  body.emit(op.end, op.end);
  toRegister(body, little, insn, (b) => {
    b.get(NARROW);
    if (insn.size !== 8) return;
    b.emit(op.i64ExtendI32U);
    const offset = recordField(b, map, map.REC_MMIO_DATA + 4);
    b.memory(op.i64Load32U, 2, offset).i64(32n).emit(op.i64Shl).emit(op.i64Or);
  });
  count(body, map);
  endIfMapChanged(body, map, index + 1);
  body.emit(op.else);
  scratchHolds(body, map, insn.size);
  body.emit(op.if, 0x40);
  scratchAddress(body, map).set(HOST);
  count(body, map);
  body.emit(op.else);
  // Another built-in device: the core reads it and says where its bytes are.
  body.get(EA).i32(insn.size).get(ENTRY).call(MMIO_READ).tee(HOST).emit(op.i32Eqz).returnIf(index);
  body.emit(op.end);
  toRegister(body, little, insn, (b) => fromHost(b, insn.size));
  body.emit(op.end);
  body.emit(op.end);
  body.emit(op.else);
  hitAddress(body, map);
  toRegister(body, little, insn, (b) => fromHost(b, insn.size));
  body.emit(op.end);
}

/**
 * A hit stores through the entry's addend; the mark case takes the value (its bytes in
 * memory order, as a little-endian value, in SCRATCH) to the device the hint names.
 */
function store(body: Body, map: LoopMap, little: boolean, insn: Extract<Access, { kind: 'store' }>, index: number, zeroForR0: boolean): void {
  translate(body, map, insn.ra, insn.disp, insn.size, map.TLB_E_WRITE, zeroForR0);
  storeRegister(body.get(HOST), little, insn);
  markedElse(body, map, map.TLB_E_WRITE, index);
  markCase(body, map, index);
  register(body, insn.rs);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
  } else {
    body.i64(BigInt.asUintN(64, (1n << BigInt(insn.size * 8)) - 1n)).emit(op.i64And);
    if (!little && insn.size > 1) swap(body.emit(op.i32WrapI64), insn.size).emit(op.i64ExtendI32U);
  }
  body.set(SCRATCH);
  body.get(HINT).i32(map.JS_DEVICE_MAX).emit(op.i32GeU).emit(op.if, 0x40);
  // A JS device: its write entry returns a BUS_* code (0: done).
  recordGpa(body, map);
  body.get(GPA).emit(op.i32WrapI64).get(GPA).i64(32n).emit(op.i64ShrU, op.i32WrapI64).i32(insn.size);
  body.get(SCRATCH).emit(op.i32WrapI64).get(SCRATCH).i64(32n).emit(op.i64ShrU, op.i32WrapI64);
  deviceSlot(body, map, true).callIndirect(DEVICE_WRITE).tee(NARROW).emit(op.if, 0x40).get(NARROW);
  refused(body, insn.size, true, index);
  body.emit(op.end);
  count(body, map);
  endIfMapChanged(body, map, index + 1);
  body.emit(op.else);
  scratchHolds(body, map, insn.size);
  body.emit(op.if, 0x40);
  scratchAddress(body, map).get(SCRATCH);
  if (insn.size === 8) body.memory(op.i64Store, 0, 0);
  else body.emit(op.i32WrapI64).memory(insn.size === 1 ? op.i32Store8 : insn.size === 2 ? op.i32Store16 : op.i32Store, 0, 0);
  count(body, map);
  body.emit(op.else);
  // Another built-in device: one core call, which returns 0 when it did not take the value.
  body.get(EA).i32(insn.size).get(ENTRY).get(SCRATCH).call(MMIO_WRITE).emit(op.i32Eqz).returnIf(index);
  body.emit(op.end);
  body.emit(op.end);
  body.emit(op.end);
  body.emit(op.else);
  // A hit: the store through the entry's addend.
  storeRegister(body.get(EA).get(ENTRY).memory(op.i64Load, 3, map.TLB_E_ADDEND).emit(op.i64Add).emit(op.i32WrapI64), little, insn);
  body.emit(op.end);
}

/** Stores register rs's low `size` bytes in the guest's order at the address on the stack. */
function storeRegister(body: Body, little: boolean, insn: Extract<Access, { kind: 'store' }>): void {
  register(body, insn.rs);
  if (insn.size === 8) {
    if (!little) swap(body, 8);
    body.memory(op.i64Store, 0, 0);
  } else {
    storeNarrow(body, little, insn.size);
  }
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
  return { bytes: moduleBytes(shared, PARAMS, I32, LOCALS, body, 'block', MMIO_IMPORTS, DEVICE_TYPES), length };
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
