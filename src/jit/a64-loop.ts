// Compiles a hot A64 loop (LDR/STR/LDRSW with an unsigned offset, ADD/SUB of an
// immediate, closed by SUBS Xd, Xn, #imm + B.NE or by CBNZ Xn, back to its first
// instruction, within one page) into a Wasm function for the core's compiled-loop
// path, with the calling convention and result protocol of ppc-loop.ts. The closing
// SUBS sets NZCV as the interpreter does.

import { Body, op } from './wasm.js';
import { REGS, SCRATCH, WIDE, emitAccess, emitCodeCheck, loopModule, register, scanLoop, type Access, type CompiledLoop, type LoopMap } from './access.js';

type Instruction = Access | { kind: 'add'; rd: number; rn: number; addend: bigint };
type Close = { kind: 'subs'; rd: number; rn: number; immediate: bigint } | { kind: 'cbnz'; rt: number };

const SP = 31;

/** A body instruction, or undefined when the compiler does not run it. */
function decode(word: number): Instruction | undefined {
  const rt = word & 31;
  const rn = (word >>> 5) & 31;
  if (((word & 0x3f00_0000) >>> 0) === 0x3900_0000) { // LDR/STR (unsigned offset), integer registers
    const size = (1 << (word >>> 30)) as 1 | 2 | 4 | 8;
    const opc = (word >>> 22) & 3;
    const disp = ((word >>> 10) & 0xfff) * size;
    if (rn === SP || rt === 31) return undefined; // SP bases and XZR transfers take the full path
    if (opc === 0) return { kind: 'store', size, rs: rt, ra: rn, disp };
    if (opc === 1) return { kind: 'load', size, signed: false, rt, ra: rn, disp };
    return opc === 2 && size === 4 ? { kind: 'load', size, signed: true, rt, ra: rn, disp } : undefined; // LDRSW
  }
  if (((word & 0xbf80_0000) >>> 0) === 0x9100_0000 && rn !== SP && rt !== SP) { // ADD/SUB (immediate), 64-bit, no flags
    const immediate = BigInt((word >>> 10) & 0xfff) << ((word & 0x0040_0000) !== 0 ? 12n : 0n);
    return { kind: 'add', rd: rt, rn, addend: (word & 0x4000_0000) !== 0 ? -immediate : immediate };
  }
  return undefined;
}

/** The closing instruction(s) at `offset` bytes from the loop's start: SUBS (64-bit, immediate) + B.NE, or CBNZ (64-bit). */
function decodeClose(word: number, next: number | undefined, offset: number): Close | undefined {
  const branchBack = (displacement: number, at: number) => displacement === -at;
  if (((word & 0xff00_0000) >>> 0) === 0xb500_0000) { // CBNZ Xt
    return branchBack(((word << 8) >> 13) * 4, offset) ? { kind: 'cbnz', rt: word & 31 } : undefined;
  }
  if (((word & 0xff80_0000) >>> 0) !== 0xf100_0000 || next === undefined) return undefined; // SUBS Xd, Xn, #imm (no shift)
  if (((next & 0xff00_001f) >>> 0) !== 0x5400_0001 || !branchBack(((next << 8) >> 13) * 4, offset + 4)) return undefined; // B.NE
  const rn = (word >>> 5) & 31;
  return rn === SP ? undefined : { kind: 'subs', rd: word & 31, rn, immediate: BigInt((word >>> 10) & 0xfff) };
}

/** SUBS: Xd = Xn - imm with NZCV (N, Z, C = no borrow, V), then B.NE: the result of the function. */
function emitSubsBne(body: Body, map: LoopMap, close: Extract<Close, { kind: 'subs' }>, length: number): void {
  register(body, close.rn).set(WIDE);
  body.get(WIDE).i64(close.immediate).emit(op.i64Sub).set(SCRATCH);
  if (close.rd !== 31) body.get(REGS).get(SCRATCH).memory(op.i64Store, 3, close.rd * 8);
  const bit = (emit: (b: Body) => void, shift: number) => {
    emit(body);
    body.emit(op.i32WrapI64).i32(shift).emit(op.i32Shl);
  };
  body.get(REGS);
  bit((b) => b.get(SCRATCH).i64(63n).emit(op.i64ShrU), 31); // N
  bit((b) => b.get(SCRATCH).emit(op.i64Eqz, op.i64ExtendI32U), 30); // Z
  body.emit(op.i32Or);
  bit((b) => b.get(WIDE).i64(close.immediate).emit(op.i64GeU, op.i64ExtendI32U), 29); // C
  body.emit(op.i32Or);
  bit((b) => b.get(WIDE).i64(close.immediate).emit(op.i64Xor).get(WIDE).get(SCRATCH).emit(op.i64Xor, op.i64And).i64(63n).emit(op.i64ShrU), 28); // V
  body.emit(op.i32Or).memory(op.i32Store, 2, map.CPU_NZCV - map.CPU_GPR);
  body.get(SCRATCH).i64(0n).emit(op.i64Ne).returnIf(length).i32(length + 1);
}

/**
 * The A64 loop whose first word lies at host address `code`, for the vCPU whose
 * record is at `record`, or undefined when it holds an instruction this compiler does not run.
 */
export function compileA64Loop(memory: WebAssembly.Memory, record: number, code: number, map: LoopMap): CompiledLoop | undefined {
  const view = new DataView(memory.buffer);
  const bigData = (view.getUint32(record + map.CPU_MODE, true) & map.MODE_LE) === 0; // BE8: data only
  const loop = scanLoop(view, code, 4, decode, (word, next, offset) => {
    const close = decodeClose(word, next, offset);
    return close === undefined ? undefined : { close, units: close.kind === 'subs' ? 2 : 1 };
  });
  if (loop === undefined) return undefined;
  const { raws, body: instructions, close } = loop;
  const body = new Body();
  emitCodeCheck(body, raws);
  instructions.forEach((insn, index) => {
    if (insn.kind === 'add') body.get(REGS).emit(...register(new Body(), insn.rn).bytes).i64(insn.addend).emit(op.i64Add).memory(op.i64Store, 3, insn.rd * 8);
    else emitAccess(body, map, !bigData, insn, index, false);
  });
  const length = raws.length;
  if (close.kind === 'subs') emitSubsBne(body, map, close, length);
  else register(body, close.rt).i64(0n).emit(op.i64Ne).returnIf(length).i32(length + 1);
  return loopModule(memory, body, length);
}
