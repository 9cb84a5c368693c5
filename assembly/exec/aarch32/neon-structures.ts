// Executes the AArch32 Advanced SIMD structure loads/stores (VLD1-VLD4, VST1-VST4:
// multiple structures, one lane, all lanes) as the Arm ARM's pseudocode does, from the
// descriptor (assembly/decode/a32-structures.ts): the address is R[n]; an address not a
// multiple of D_ALIGN is an alignment fault whatever SCTLR.A says (D_ALIGN 1: none,
// each element then an unaligned-capable access); writeback adds R[m], or the bytes
// transferred when Rm is 13. Registers D_RT + r + k * D_STRIDE hold structure element k
// of register block r; D n lives at CPU_VSR + 8n.
//
// Every element is its own access (readValue/writeValue: TLB, MMIO, faults; BE8
// reverses each element). Loads build the new D registers in a scratch copy and write
// them only once every access completed, so an exit changes no register; a store that
// exits part-way keeps the elements before it written, as VSTM does.
import { CPU_VSR, REC_FAULT_ADDR } from "../../layout";
import { EXIT_NONE } from "../../exits";
import {
  D_OP, D_SIZE, D_COUNT, D_FLAGS, D_RT, D_BASE, D_INDEX, D_POST_DISP, D_MNEMONIC, D_FORM, D_LANE, D_ALIGN, D_STRIDE,
  OP_LOAD, F_WRITEBACK, FORM_MULTIPLE, FORM_LANE, REG_NONE,
} from "../../decode/descriptor";
import { MA_VLD1, MA_VST1 } from "../../decode/arm-mnemonics";
import { record } from "../../machine";
import { setPc } from "../../cpu/regs";
import { readValue, writeValue, accessExit, bigData } from "../guest-memory";
import { rRead, rWrite } from "../a32-loadstore";
import { LS_ALIGNMENT } from "../a64-loadstore";

/** A copy of d0-d31 the loads fill: PowerPC's VSR 32-47, which AArch32 does not use. */
const SCRATCH: u32 = CPU_VSR + 512;

@inline function dRegister(base: usize, n: u32): usize {
  return base + ((n & 31) << 3);
}

@inline function readElement(at: usize, e: u32, bytes: u32): u64 {
  const p = at + e * bytes;
  return bytes == 8 ? load<u64>(p) : bytes == 4 ? <u64>load<u32>(p) : bytes == 2 ? <u64>load<u16>(p) : <u64>load<u8>(p);
}

@inline function writeElement(at: usize, e: u32, bytes: u32, value: u64): void {
  const p = at + e * bytes;
  if (bytes == 8) store<u64>(p, value);
  else if (bytes == 4) store<u32>(p, <u32>value);
  else if (bytes == 2) store<u16>(p, <u16>value);
  else store<u8>(p, <u8>value);
}

/** Moves one element between D register `reg` (in the file at `file`) and memory; false when the access exited. */
function transfer(isLoad: bool, file: usize, reg: u32, e: u32, bytes: u32, address: u32): bool {
  if (isLoad) {
    const value = readValue(<u64>address, bytes, bigData());
    if (accessExit != EXIT_NONE) return false;
    writeElement(dRegister(file, reg), e, bytes, value);
    return true;
  }
  writeValue(<u64>address, bytes, readElement(dRegister(record + CPU_VSR, reg), e, bytes), bigData());
  return accessExit == EXIT_NONE;
}

/** Runs the structure load/store in `desc`; sets pc to `next`. EXIT_NONE, LS_ALIGNMENT or an access's exit. */
export function neonStructure(desc: usize, next: u64): u32 {
  const isLoad = load<u8>(desc, D_OP) == OP_LOAD;
  const first = <u32>load<u8>(desc, D_RT);
  const bytes = <u32>load<u8>(desc, D_SIZE);
  const count = <u32>load<u8>(desc, D_COUNT);
  const stride = <u32>load<u8>(desc, D_STRIDE);
  const form = load<u8>(desc, D_FORM);
  const structures = <u32>load<u16>(desc, D_MNEMONIC) - (isLoad ? MA_VLD1 : MA_VST1) + 1;
  const blocks = count / structures;
  const n = <u32>load<u8>(desc, D_BASE);
  const start = rRead(n, 0);
  if ((start & (<u32>load<u8>(desc, D_ALIGN) - 1)) != 0) {
    store<u64>(record + REC_FAULT_ADDR, <u64>start);
    return LS_ALIGNMENT;
  }
  const file = isLoad ? record + SCRATCH : record + CPU_VSR;
  if (isLoad) memory.copy(record + SCRATCH, record + CPU_VSR, 256);
  let address = start;
  if (form == FORM_MULTIPLE) {
    const elements: u32 = (<u32>8) / bytes;
    for (let r: u32 = 0; r < blocks; r++) {
      for (let e: u32 = 0; e < elements; e++) {
        for (let k: u32 = 0; k < structures; k++) {
          if (!transfer(isLoad, file, first + r + k * stride, e, bytes, address)) return accessExit;
          address += bytes;
        }
      }
    }
  } else if (form == FORM_LANE) {
    const lane = <u32>load<u8>(desc, D_LANE);
    for (let k: u32 = 0; k < structures; k++) {
      if (!transfer(isLoad, file, first + k * stride, lane, bytes, address)) return accessExit;
      address += bytes;
    }
  } else { // all lanes: each structure element replicated into every lane of its registers
    for (let k: u32 = 0; k < structures; k++) {
      const value = readValue(<u64>address, bytes, bigData());
      if (accessExit != EXIT_NONE) return accessExit;
      for (let r: u32 = 0; r < blocks; r++) {
        const reg = dRegister(file, first + r + k * stride);
        for (let e: u32 = 0; e < (<u32>8) / bytes; e++) writeElement(reg, e, bytes, value);
      }
      address += bytes;
    }
  }
  if (isLoad) memory.copy(record + CPU_VSR, record + SCRATCH, 256);
  if ((load<u32>(desc, D_FLAGS) & F_WRITEBACK) != 0) {
    const m = load<u8>(desc, D_INDEX);
    rWrite(n, start + (m != REG_NONE ? rRead(m, 0) : <u32>load<i64>(desc, D_POST_DISP)));
  }
  setPc(next);
  return EXIT_NONE;
}
