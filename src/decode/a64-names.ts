// A64 mnemonic ids (D_MNEMONIC) → names as llvm-mc 14 prints them. The core's
// assembly/decode/a64-mnemonics.ts numbers the same list; groups are laid out so the
// core computes an id with one multiply-add (see the group comments).

const SIZES = ['b', 'h', '']; // sz: 0 byte, 1 halfword, 2 word or doubleword
const ATOMIC_OPS = ['add', 'clr', 'eor', 'set', 'smax', 'smin', 'umax', 'umin'];
const ACQ_REL = ['', 'l', 'a', 'al']; // A*2 + R

function sized(stems: string[]): string[] {
  return stems.flatMap((stem) => SIZES.map((size) => stem + size));
}

export const A64_MNEMONICS: readonly string[] = [
  '',
  // 1: single register, by addressing form (plain, unscaled +10, unprivileged +20)
  'str', 'ldr', 'strb', 'ldrb', 'ldrsb', 'strh', 'ldrh', 'ldrsh', 'ldrsw', 'prfm',
  'stur', 'ldur', 'sturb', 'ldurb', 'ldursb', 'sturh', 'ldurh', 'ldursh', 'ldursw', 'prfum',
  'sttr', 'ldtr', 'sttrb', 'ldtrb', 'ldtrsb', 'sttrh', 'ldtrh', 'ldtrsh', 'ldtrsw', '',
  // 31: pairs
  'stp', 'ldp', 'stnp', 'ldnp', 'ldpsw',
  // 36: RCpc unscaled (v8.4), then pointer-authenticated loads
  'stlurb', 'stlurh', 'stlur', 'ldapurb', 'ldapurh', 'ldapur', 'ldapursb', 'ldapursh', 'ldapursw',
  'ldraa', 'ldrab',
  // 47: LDAPR + sz
  ...sized(['ldapr']),
  // 50: exclusive single, (L*2 + o0)*3 + sz
  ...sized(['stxr', 'stlxr', 'ldxr', 'ldaxr']),
  // 62: exclusive pair, L*2 + o0
  'stxp', 'stlxp', 'ldxp', 'ldaxp',
  // 66: ordered, (L*2 + o0)*3 + sz
  ...sized(['stllr', 'stlr', 'ldlar', 'ldar']),
  // 78: CAS, (A*2 + R)*3 + sz
  ...sized(ACQ_REL.map((suffix) => `cas${suffix}`)),
  // 90: CASP, A*2 + R
  ...ACQ_REL.map((suffix) => `casp${suffix}`),
  // 94: SWP, (A*2 + R)*3 + sz
  ...sized(ACQ_REL.map((suffix) => `swp${suffix}`)),
  // 106: LD<op>, ((op*4 + A*2 + R)*3 + sz
  ...sized(ATOMIC_OPS.flatMap((op) => ACQ_REL.map((suffix) => `ld${op}${suffix}`))),
  // 202: ST<op> (LD<op> with Rt = zr and A = 0), (op*2 + R)*3 + sz
  ...sized(ATOMIC_OPS.flatMap((op) => ['', 'l'].map((suffix) => `st${op}${suffix}`))),
  // 250: SIMD structure loads and stores: (L*… see the core) 
  'st1', 'st2', 'st3', 'st4', 'ld1', 'ld2', 'ld3', 'ld4', 'ld1r', 'ld2r', 'ld3r', 'ld4r',
  // 262: the cache-zeroing store
  'dc zva',
  // 263: LSE128, op*4 + A*2 + R
  ...['ldclrp', 'ldsetp', 'swpp'].flatMap((stem) => ACQ_REL.map((suffix) => stem + suffix)),
  // 275: LRCPC3 pairs, then the one-lane forms
  'stilp', 'ldiapp', 'stl1', 'ldap1',
  // 279: LS64
  'ld64b', 'st64b', 'st64bv', 'st64bv0',
];

export function a64MnemonicName(id: number): string | null {
  const name = A64_MNEMONICS[id];
  return name === undefined || name === '' ? null : name;
}
