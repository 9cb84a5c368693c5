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

import { Body, op } from './wasm.js';
import { MAX_INSTRUCTIONS, REGS, SCRATCH, base, codeWord, emitAccess, emitCodeCheck, loopModule, register, type Access, type CompiledLoop, type LoopMap } from './access.js';

type Instruction = Access | { kind: 'add'; rt: number; ra: number; addend: bigint } | { kind: 'ori'; ra: number; rs: number; immediate: number };

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

/**
 * The loop whose first word lies at host address `code`, for the vCPU whose record
 * is at `record`, or undefined when it holds an instruction this compiler does not run.
 */
export function compilePpcLoop(memory: WebAssembly.Memory, record: number, code: number, map: LoopMap): CompiledLoop | undefined {
  const view = new DataView(memory.buffer);
  const little = (view.getUint32(record + map.CPU_MODE, true) & map.MODE_LE) !== 0;
  const raws: number[] = [];
  const instructions: Instruction[] = [];
  for (let i = 0; ; i++) {
    if (i === MAX_INSTRUCTIONS || (i > 0 && ((code + 4 * i) & 0xfff) === 0)) return undefined;
    const { raw, word } = codeWord(view, code + 4 * i, little);
    raws.push(raw);
    const decoded = decode(word, 4 * i);
    if (decoded === undefined) return undefined;
    if (decoded === 'close') break;
    instructions.push(decoded);
  }
  const body = new Body();
  emitCodeCheck(body, raws);
  instructions.forEach((insn, index) => {
    if (insn.kind === 'add') body.get(REGS).emit(...base(new Body(), insn.ra, true).bytes).i64(insn.addend).emit(op.i64Add).memory(op.i64Store, 3, insn.rt * 8);
    else if (insn.kind === 'ori') body.get(REGS).emit(...register(new Body(), insn.rs).bytes).i64(BigInt(insn.immediate)).emit(op.i64Or).memory(op.i64Store, 3, insn.ra * 8);
    else emitAccess(body, map, little, insn, index, true);
  });
  // bdnz: CTR -= 1; taken while CTR != 0.
  const ctr = map.CPU_CTR - map.CPU_GPR;
  const length = raws.length;
  body.get(REGS).get(REGS).memory(op.i64Load, 3, ctr).i64(1n).emit(op.i64Sub).tee(SCRATCH).memory(op.i64Store, 3, ctr);
  body.get(SCRATCH).i64(0n).emit(op.i64Ne).returnIf(length).i32(length + 1);
  return loopModule(memory, body, length);
}
