// Compiles a hot T32 loop of 16-bit instructions (LDR/STR/LDRB/STRB/LDRH/STRH with an
// immediate offset, LDR/STR SP-relative, closed by SUBS Rdn, #imm8 + BNE back to its
// first instruction, within one page, outside IT blocks) into a Wasm function for the
// core's compiled-loop path, with the calling convention and result protocol of
// ppc-loop.ts (instructions counted in halfwords). The closing SUBS is a32-loop.ts's.

import { Body } from './wasm.js';
import { emitAccess, emitCodeCheck, loopModule, scanLoop, type Access, type CompiledLoop, type LoopMap } from './access.js';
import { emitSubsBne, type Close } from './a32-loop.js';

const SP = 13;

/** A body halfword, or undefined when the compiler does not run it. */
function decode(half: number): Access | undefined {
  const low = half & 7;
  const mid = (half >>> 3) & 7;
  const imm5 = (half >>> 6) & 31;
  const load = (half & 0x0800) !== 0;
  const access = (size: 1 | 2 | 4, rt: number, ra: number, disp: number): Access =>
    load ? { kind: 'load', size, signed: false, rt, ra, disp } : { kind: 'store', size, rs: rt, ra, disp };
  switch (half >>> 12) {
    case 6: return access(4, low, mid, imm5 * 4); // LDR/STR (immediate)
    case 7: return access(1, low, mid, imm5); // LDRB/STRB
    case 8: return access(2, low, mid, imm5 * 2); // LDRH/STRH
    case 9: return access(4, (half >>> 8) & 7, SP, (half & 0xff) * 4); // LDR/STR (SP plus immediate)
    default: return undefined;
  }
}

/** SUBS Rdn, #imm8 then BNE back `offset` + 2 bytes to the loop's start, or undefined. */
function decodeClose(half: number, next: number | undefined, offset: number): Close | undefined {
  if ((half & 0xf800) !== 0x3800 || next === undefined || (next & 0xff00) !== 0xd100) return undefined;
  if (((next << 24) >> 23) + 4 !== -(offset + 2)) return undefined;
  const rdn = (half >>> 8) & 7;
  return { rd: rdn, rn: rdn, immediate: BigInt(half & 0xff) };
}

/** The T32 loop whose first halfword lies at host address `code`, or undefined when it holds one this compiler does not run. */
export function compileT32Loop(memory: WebAssembly.Memory, record: number, code: number, map: LoopMap): CompiledLoop | undefined {
  const view = new DataView(memory.buffer);
  const little = (view.getUint32(record + map.CPU_MODE, true) & map.MODE_LE) !== 0; // BE8: data only
  const loop = scanLoop(view, code, 2, decode, (half, next, offset) => {
    const close = decodeClose(half, next, offset);
    return close === undefined ? undefined : { close, units: 2 };
  });
  if (loop === undefined) return undefined;
  const { raws: halves, body: instructions, close } = loop;
  const body = new Body();
  emitCodeCheck(body, halves, 2);
  instructions.forEach((insn, index) => emitAccess(body, map, little, insn, index, false));
  emitSubsBne(body, map, close, halves.length);
  return loopModule(memory, body, halves.length);
}
