// Power ISA 3.0 atomic memory operations (Book II 4.5): lwat/ldat (fetch-and-op,
// swap, compare-and-swap-not-equal, bounded and equal increments/decrements) and
// stwat/stdat (store-op, store twin), by function code. Operands: lwat reads RT+1 (and
// RT+2), writes RT; stwat reads RS. The EA must be naturally aligned.
import { EXIT_NONE } from "../../exits";
import { D_MNEMONIC, D_ATOMIC } from "../../decode/descriptor";
import { M_LWAT, M_LDAT, M_STWAT } from "../../decode/ppc-tables";
import { gpr, setGpr } from "../../cpu/regs";
import { readValue, writeValue, accessExit } from "../guest-memory";

/** ppcAmo's answer for an undefined function code. */
export const AMO_INVALID: u32 = 0xfffc;
/** ppcAmo's answer for a misaligned EA. */
export const AMO_UNALIGNED: u32 = 0xfffb;

@inline function signed(value: u64, size: u32): i64 {
  return size == 4 ? <i64><i32>value : <i64>value;
}

/** The fetch-and-op and store-op functions (FC 0-7) and swap (8): the new memory value. */
function combine(fc: u32, old: u64, operand: u64, size: u32): u64 {
  switch (fc) {
    case 0: return old + operand;
    case 1: return old ^ operand;
    case 2: return old | operand;
    case 3: return old & operand;
    case 4: return old >= operand ? old : operand;
    case 5: return signed(old, size) >= signed(operand, size) ? old : operand;
    case 6: return old <= operand ? old : operand;
    case 7: return signed(old, size) <= signed(operand, size) ? old : operand;
    default: return operand; // 8: swap
  }
}

export function ppcAmo(desc: usize, rt: u32, ea: u64, bigEndian: bool): u32 {
  const mnemonic = load<u16>(desc, D_MNEMONIC);
  const fc = <u32>load<u8>(desc, D_ATOMIC);
  const isLoad = mnemonic == M_LWAT || mnemonic == M_LDAT;
  const bytes: u32 = mnemonic == M_LWAT || mnemonic == M_STWAT ? 4 : 8;
  // An undefined function code makes the form invalid, before any access is tried.
  const defined = isLoad ? fc <= 8 || fc == 16 || fc == 24 || fc == 25 || fc == 28 : fc <= 7 || fc == 24;
  if (!defined) return AMO_INVALID;
  if ((ea & <u64>(bytes - 1)) != 0) return AMO_UNALIGNED;
  const mask: u64 = bytes == 8 ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  const sentinel: u64 = <u64>1 << (<u64>bytes * 8 - 1); // 0x80…0: the bounded forms' "no"
  const old = readValue(ea, bytes, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  if (isLoad) {
    const operand = gpr((rt + 1) & 31) & mask;
    let result = old;
    let next = old;
    let write = true;
    if (fc <= 8) next = combine(fc, old, operand, bytes);
    else if (fc == 16) { // compare and swap not equal
      write = old != operand;
      next = gpr((rt + 2) & 31) & mask;
    } else if (fc == 24 || fc == 25 || fc == 28) { // fetch and increment bounded / equal, decrement bounded
      const neighbour = readValue(fc == 28 ? ea - bytes : ea + bytes, bytes, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      write = fc == 25 ? old == neighbour : old != neighbour;
      next = fc == 28 ? old - 1 : old + 1;
      if (!write) result = sentinel;
    } else {
      return AMO_INVALID;
    }
    if (write) {
      writeValue(ea, bytes, next & mask, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
    }
    setGpr(rt, result & mask);
    return EXIT_NONE;
  }
  const value = gpr(rt) & mask;
  if (fc <= 7) {
    writeValue(ea, bytes, combine(fc, old, value, bytes) & mask, bigEndian);
    return accessExit;
  }
  if (fc != 24) return AMO_INVALID;
  const twin = readValue(ea + bytes, bytes, bigEndian); // store twin
  if (accessExit != EXIT_NONE) return accessExit;
  if (old != twin) return EXIT_NONE;
  writeValue(ea, bytes, value, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  writeValue(ea + bytes, bytes, value, bigEndian);
  return accessExit;
}
