// A64 mnemonic ids (D_MNEMONIC); names in src/decode/a64-names.ts, same order.
// sz below: 0 byte, 1 halfword, 2 word/doubleword.

export const M64_NONE: u16 = 0;
export const M64_SINGLE: u16 = 1; //     str ldr strb ldrb ldrsb strh ldrh ldrsh ldrsw prfm (+10 unscaled, +20 unprivileged)
export const M64_UNSCALED: u16 = 11;
export const M64_UNPRIV: u16 = 21;
export const M64_STP: u16 = 31;
export const M64_LDP: u16 = 32;
export const M64_STNP: u16 = 33;
export const M64_LDNP: u16 = 34;
export const M64_LDPSW: u16 = 35;
export const M64_RCPC_U: u16 = 36; //    stlurb stlurh stlur ldapurb ldapurh ldapur ldapursb ldapursh ldapursw
export const M64_LDRAA: u16 = 45;
export const M64_LDRAB: u16 = 46;
export const M64_LDAPR: u16 = 47; //     + sz
export const M64_EXCL: u16 = 50; //      + (L*2 + o0)*3 + sz
export const M64_EXCLP: u16 = 62; //     + L*2 + o0
export const M64_ORDERED: u16 = 66; //   + (L*2 + o0)*3 + sz
export const M64_CAS: u16 = 78; //       + (A*2 + R)*3 + sz
export const M64_CASP: u16 = 90; //      + A*2 + R
export const M64_SWP: u16 = 94; //       + (A*2 + R)*3 + sz
export const M64_LDOP: u16 = 106; //     + ((op*4 + A*2 + R)*3 + sz
export const M64_STOP: u16 = 202; //     + (op*2 + R)*3 + sz
export const M64_ST1: u16 = 250; //      st1..st4 ld1..ld4 ld1r..ld4r
export const M64_LD1: u16 = 254;
export const M64_LD1R: u16 = 258;
export const M64_DC_ZVA: u16 = 262;
export const M64_LSE128: u16 = 263; //    + op*4 + A*2 + R: ldclrp ldsetp swpp
export const M64_RCPC3_PAIR: u16 = 275; // stilp ldiapp stl1 ldap1
export const M64_LS64: u16 = 279; //      ld64b st64b st64bv st64bv0
