// A32/T32 mnemonic ids (D_MNEMONIC) → base names as llvm-mc 14 prints them; the
// condition suffix (D_COND) is appended by the naming (src/decode/arm.ts). The core's
// assembly/decode/arm-mnemonics.ts numbers the same list.

export const ARM_MNEMONICS: readonly string[] = [
  '',
  'ldr', 'str', 'ldrb', 'strb', 'ldrh', 'strh', 'ldrsb', 'ldrsh', 'ldrd', 'strd', // 1..10
  'ldrt', 'strt', 'ldrbt', 'strbt', 'ldrht', 'strht', 'ldrsbt', 'ldrsht', //          11..18
  'ldm', 'ldmib', 'ldmda', 'ldmdb', 'stm', 'stmib', 'stmda', 'stmdb', 'push', 'pop', // 19..28
  'ldrex', 'strex', 'ldrexb', 'strexb', 'ldrexh', 'strexh', 'ldrexd', 'strexd', //    29..36
  'lda', 'stl', 'ldab', 'stlb', 'ldah', 'stlh', //                                    37..42
  'ldaex', 'stlex', 'ldaexb', 'stlexb', 'ldaexh', 'stlexh', 'ldaexd', 'stlexd', //    43..50
  'swp', 'swpb', //                                                                   51..52
  'vldr', 'vstr', 'vldmia', 'vldmdb', 'vstmia', 'vstmdb', 'vpush', 'vpop', //         53..60
  'pld', 'pldw', 'pli', 'tbb', 'tbh', 'it', //                                        61..66
  'fldmiax', 'fldmdbx', 'fstmiax', 'fstmdbx', //                                      67..70
  'vld1', 'vld2', 'vld3', 'vld4', 'vst1', 'vst2', 'vst3', 'vst4', //                  71..78
  'ldc', 'ldcl', 'stc', 'stcl', 'ldc2', 'ldc2l', 'stc2', 'stc2l', //                  79..86
  'srsda', 'srsia', 'srsdb', 'srsib', 'rfeda', 'rfeia', 'rfedb', 'rfeib', //          87..94
];

/** Names llvm-mc prints with a ".w" width qualifier in T32 (ids + WIDE_OFFSET). */
export const WIDE_OFFSET = 128;

export function armMnemonicName(id: number): string | null {
  const wide = id >= WIDE_OFFSET;
  const name = ARM_MNEMONICS[wide ? id - WIDE_OFFSET : id];
  if (name === undefined || name === '') return null;
  return name;
}

/** True when the id carries the ".w" qualifier. */
export function armMnemonicWide(id: number): boolean {
  return id >= WIDE_OFFSET;
}
