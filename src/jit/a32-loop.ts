// Compiles a hot A32 loop (LDR/STR/LDRB/STRB and LDRH/STRH with an immediate offset,
// ADD/SUB of an immediate, all unconditional, closed by SUBS Rd, Rn, #imm + BNE back to
// its first instruction, within one page) into a Wasm function for the core's
// compiled-loop path, with the calling convention and result protocol of ppc-loop.ts.
// Registers hold 32-bit values (zero-extended in their 8-byte slots): an address past
// 4 GiB or below 0 misses the TLB's hit path, so the interpreter wraps it. The
// closing SUBS sets CPSR.NZCV as the interpreter does and keeps the other CPSR bits.

import { Body, op } from './wasm.js';
import { REGS, SCRATCH, WIDE, emitAccess, emitCodeCheck, loopModule, register, scanLoop, type Access, type CompiledLoop, type LoopMap } from './access.js';

type Instruction = Access | { kind: 'add'; rd: number; rn: number; addend: bigint };
export type Close = { rd: number; rn: number; immediate: bigint };

const ALWAYS = 0xe;
const PC = 15;

/** The A32 modified immediate: imm8 rotated right by twice the rotation field. */
function modifiedImmediate(word: number): bigint {
  const imm8 = word & 0xff;
  const rotation = ((word >>> 8) & 15) * 2;
  return BigInt(((imm8 >>> rotation) | (imm8 << (32 - rotation))) >>> 0);
}

/** A body instruction, or undefined when the compiler does not run it. */
function decode(word: number): Instruction | undefined {
  if (word >>> 28 !== ALWAYS) return undefined;
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  if (rn === PC || rt === PC) return undefined; // literals, loads into PC and PC arithmetic take the full path
  const up = (word & 0x0080_0000) !== 0;
  const load = (word & 0x0010_0000) !== 0;
  if (((word & 0x0f20_0000) >>> 0) === 0x0500_0000) { // LDR/STR/LDRB/STRB (immediate, offset): P = 1, W = 0
    const size = (word & 0x0040_0000) !== 0 ? 1 : 4;
    const disp = up ? word & 0xfff : -(word & 0xfff);
    return load ? { kind: 'load', size, signed: false, rt, ra: rn, disp } : { kind: 'store', size, rs: rt, ra: rn, disp };
  }
  if (((word & 0x0f60_00f0) >>> 0) === 0x0140_00b0) { // LDRH/STRH (immediate, offset)
    const imm = ((word >>> 4) & 0xf0) | (word & 15);
    const disp = up ? imm : -imm;
    return load ? { kind: 'load', size: 2, signed: false, rt, ra: rn, disp } : { kind: 'store', size: 2, rs: rt, ra: rn, disp };
  }
  const opcode = (word & 0x0ff0_0000) >>> 0; // I = 1, S = 0
  if (opcode === 0x0280_0000) return { kind: 'add', rd: rt, rn, addend: modifiedImmediate(word) };
  if (opcode === 0x0240_0000) return { kind: 'add', rd: rt, rn, addend: -modifiedImmediate(word) };
  return undefined;
}

/** SUBS Rd, Rn, #imm then BNE back `offset` + 4 bytes to the loop's start, or undefined. */
function decodeClose(word: number, next: number | undefined, offset: number): Close | undefined {
  if (((word & 0xfff0_0000) >>> 0) !== 0xe250_0000 || next === undefined) return undefined;
  if (((next & 0xff00_0000) >>> 0) !== 0x1a00_0000 || ((next << 8) >> 6) + 8 !== -(offset + 4)) return undefined;
  const rd = (word >>> 12) & 15;
  const rn = (word >>> 16) & 15;
  return rd === PC || rn === PC ? undefined : { rd, rn, immediate: modifiedImmediate(word) };
}

/** Rd = (Rn + addend) mod 2^32. */
function emitAdd(body: Body, insn: Extract<Instruction, { kind: 'add' }>): void {
  body.get(REGS);
  register(body, insn.rn).i64(insn.addend).emit(op.i64Add).i64(0xffff_ffffn).emit(op.i64And).memory(op.i64Store, 3, insn.rd * 8);
}

/** SUBS (32-bit NZCV into CPSR[31:28]), then BNE: the result of the function (T32's too). */
export function emitSubsBne(body: Body, map: LoopMap, close: Close, length: number): void {
  register(body, close.rn).set(WIDE);
  body.get(WIDE).i64(close.immediate).emit(op.i64Sub).i64(0xffff_ffffn).emit(op.i64And).set(SCRATCH);
  body.get(REGS).get(SCRATCH).memory(op.i64Store, 3, close.rd * 8);
  const cpsr = map.CPU_NZCV - map.CPU_GPR;
  const bit = (emit: (b: Body) => void, shift: number) => {
    emit(body);
    body.emit(op.i32WrapI64).i32(shift).emit(op.i32Shl).emit(op.i32Or);
  };
  body.get(REGS).get(REGS).memory(op.i32Load, 2, cpsr).i32(0x0fff_ffff).emit(op.i32And);
  bit((b) => b.get(SCRATCH).i64(31n).emit(op.i64ShrU), 31); // N
  bit((b) => b.get(SCRATCH).emit(op.i64Eqz, op.i64ExtendI32U), 30); // Z
  bit((b) => b.get(WIDE).i64(close.immediate).emit(op.i64GeU, op.i64ExtendI32U), 29); // C: no borrow
  bit((b) => b.get(WIDE).i64(close.immediate).emit(op.i64Xor).get(WIDE).get(SCRATCH).emit(op.i64Xor, op.i64And).i64(31n).emit(op.i64ShrU).i64(1n).emit(op.i64And), 28); // V
  body.memory(op.i32Store, 2, cpsr);
  body.get(SCRATCH).i64(0n).emit(op.i64Ne).returnIf(length).i32(length + 1);
}

/**
 * The A32 loop whose first word lies at host address `code`, for the vCPU whose
 * record is at `record`, or undefined when it holds an instruction this compiler does not run.
 */
export function compileA32Loop(memory: WebAssembly.Memory, record: number, code: number, map: LoopMap): CompiledLoop | undefined {
  const view = new DataView(memory.buffer);
  const little = (view.getUint32(record + map.CPU_MODE, true) & map.MODE_LE) !== 0; // BE8: data only
  const loop = scanLoop(view, code, 4, decode, (word, next, offset) => {
    const close = decodeClose(word, next, offset);
    return close === undefined ? undefined : { close, units: 2 };
  });
  if (loop === undefined) return undefined;
  const { raws, body: instructions, close } = loop;
  const body = new Body();
  emitCodeCheck(body, raws);
  instructions.forEach((insn, index) => {
    if (insn.kind === 'add') emitAdd(body, insn);
    else emitAccess(body, map, little, insn, index, false);
  });
  emitSubsBne(body, map, close, raws.length);
  return loopModule(memory, body, raws.length);
}
