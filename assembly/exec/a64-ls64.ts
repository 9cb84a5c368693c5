// FEAT_LS64 (LD64B, ST64B), FEAT_LS64_V (ST64BV) and FEAT_LS64_ACCDATA (ST64BV0): one
// single-copy-atomic 64-byte access at [Xn|SP], 64-byte aligned, to or from Xt..Xt+7
// (Arm ARM C6.2 LD64B…ST64BV0). Each doubleword is in the data byte order (the
// pseudocode's BigEndianReverse per register), so Xt+i is the doubleword at +8i.
// ST64BV0 takes bits 31:0 of the first doubleword from ACCDATA_EL1. ST64BV and ST64BV0
// write the store's status to Xs: the device's answer, or all ones where the memory
// does not support a store with status (RAM). The access is one 64-byte access of the
// memory layer (guest-memory.ts accessBlock): one device call, or RAM as eight
// single-copy-atomic doublewords (Wasm has no 64-byte atomic access, so another vCPU
// thread may observe part of a store; one vCPU, or any device, sees it whole).
// RAM counts as memory that supports LD64B/ST64B (with the MMU off every data access is
// Device-nGnRnE); the unsupported atomic access fault for Normal cacheable mappings is not
// modelled. Registers are written only once the access completed, so an instruction
// that exits runs again whole.
import { REC_DATA, REC_DATA64, REC_FAULT_ADDR, CPU_SYSREGS, SYSREG_ACCDATA_EL1 } from "../layout";
import { EXIT_NONE } from "../exits";
import { D_RT, D_RS } from "../decode/descriptor";
import { record } from "../machine";
import { BLOCK_LOAD, BLOCK_STORE, BLOCK_STORE_STATUS } from "../mem/access";
import { accessBlock, accessExit, bigData } from "./guest-memory";
import { xRead, xWrite } from "./a64-alu";

/** The LS64 instructions in mnemonic order (M64_LS64 + these). */
export const LS64_LD64B: u32 = 0;
export const LS64_ST64B: u32 = 1;
export const LS64_ST64BV: u32 = 2;
export const LS64_ST64BV0: u32 = 3;

/**
 * Runs LS64 instruction `which` (LS64_*) of the descriptor at `desc` at `address` (the
 * base register's value, SP alignment checked). Returns EXIT_NONE, an access's exit,
 * or `alignment` (the caller's alignment-fault code) with the address in REC_FAULT_ADDR.
 */
export function a64Ls64(desc: usize, which: u32, address: u64, alignment: u32): u32 {
  if ((address & 63) != 0) {
    store<u64>(record + REC_FAULT_ADDR, address);
    return alignment;
  }
  const rt = <u32>load<u8>(desc, D_RT);
  const big = bigData();
  const data = record + REC_DATA64;
  if (which != LS64_LD64B) {
    for (let i: u32 = 0; i < 8; i++) {
      let value = xRead(rt + i, false);
      if (i == 0 && which == LS64_ST64BV0) {
        value = (value & 0xffff_ffff_0000_0000) | (load<u64>(record + CPU_SYSREGS + (SYSREG_ACCDATA_EL1 << 3)) & 0xffff_ffff);
      }
      store<u64>(data + (i << 3), big ? bswap<u64>(value) : value);
    }
  }
  accessBlock(address, which == LS64_LD64B ? BLOCK_LOAD : which == LS64_ST64B ? BLOCK_STORE : BLOCK_STORE_STATUS);
  if (accessExit != EXIT_NONE) return accessExit;
  if (which == LS64_LD64B) {
    for (let i: u32 = 0; i < 8; i++) {
      const value = load<u64>(data + (i << 3));
      xWrite(rt + i, big ? bswap<u64>(value) : value, false);
    }
  } else if (which != LS64_ST64B) {
    xWrite(<u32>load<u8>(desc, D_RS), load<u64>(record + REC_DATA), false);
  }
  return EXIT_NONE;
}
