// The names llvm-mc prints for a few non-load/store instructions, chosen from fields
// (li for addi with RA=0, mr, nop, blr, mtctr…), and 0 where a reserved bit makes the
// word undefined. Cold: only defined non-load/store words get here.
import {
  M_ADDI, M_ADDIS, M_OR, M_ORI, M_CMPWI, M_CMPLWI, M_CMPW, M_CMPLW, M_BCLR, M_BCCTR, M_MTSPR, M_MFSPR, M_SYNC, M_B,
  M_LI, M_LIS, M_MR, M_NOP, M_CMPDI, M_CMPLDI, M_CMPD, M_CMPLD, M_BLR, M_BCTR, M_MTCTR, M_MFCTR, M_MTLR, M_MFLR,
  M_LWSYNC, M_PTESYNC, M_BL, M_BA, M_BLA,
} from "./ppc-tables";

export function ppcAlias(id: u32, word: u32): u32 {
  const f6 = (word >>> 21) & 31;
  const f11 = (word >>> 16) & 31;
  const f16 = (word >>> 11) & 31;
  const l = f6 & 1;
  if (id == M_ADDI) return f11 == 0 ? M_LI : id;
  if (id == M_ADDIS) return f11 == 0 ? M_LIS : id;
  if (id == M_OR) return f6 == f16 ? M_MR : id;
  if (id == M_ORI) return word == 0x6000_0000 ? M_NOP : id;
  // Compares: bit 9 is reserved.
  if (id == M_CMPWI) return (f6 & 2) != 0 ? 0 : l != 0 ? M_CMPDI : id;
  if (id == M_CMPLWI) return (f6 & 2) != 0 ? 0 : l != 0 ? M_CMPLDI : id;
  if (id == M_CMPW) return (f6 & 2) != 0 ? 0 : l != 0 ? M_CMPD : id;
  if (id == M_CMPLW) return (f6 & 2) != 0 ? 0 : l != 0 ? M_CMPLD : id;
  if (id == M_BCLR) return word == 0x4e80_0020 ? M_BLR : id;
  if (id == M_BCCTR) return word == 0x4e80_0420 ? M_BCTR : id;
  if (id == M_MTSPR || id == M_MFSPR) {
    const spr = f11 | (f16 << 5);
    if (spr == 9) return id == M_MTSPR ? M_MTCTR : M_MFCTR;
    if (spr == 8) return id == M_MTSPR ? M_MTLR : M_MFLR;
    return id;
  }
  if (id == M_SYNC) {
    const level = f6 & 3;
    return level == 1 ? M_LWSYNC : level == 2 ? M_PTESYNC : id;
  }
  if (id == M_B) {
    const aalk = word & 3;
    return aalk == 1 ? M_BL : aalk == 2 ? M_BA : aalk == 3 ? M_BLA : id;
  }
  return id;
}
