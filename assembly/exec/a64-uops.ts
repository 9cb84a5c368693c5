// The A64 interpreter's decoded-instruction cache, shaped like ppc/uops.ts (same
// record region; a mode change empties it): the hot forms, LDR/STR with an unsigned
// offset from a general register (X, W, H, B, LDRSW), B and B.cond, pre-decoded into 16-byte micro-ops keyed
// by the instruction word. Everything else takes the interpreter's full path.
//
// Entry: 0 word u32 · 4 op u8 · 5 rt u8 · 6 rn u8 · 8 imm i32 · 12 aux u32
import { REC_UOPS, UOP_SIZE, UOP_ENTRIES, CPU_GPR } from "../layout";
import { EXIT_NONE } from "../exits";
import { record } from "../machine";
import { readValue, writeValue, accessExit } from "./guest-memory";
import { conditionHolds, branchOffset19 } from "./a64-alu";
import { U_GENERIC, U_GENERIC_EXIT, U_LOOP_BRANCH, uopReportLoops } from "./ppc/uops";

const U_LDR: u8 = 64; //   aux: size; zero-extending load into X/W
const U_LDRSW: u8 = 65;
const U_STR: u8 = 66; //   aux: size
const U_B: u8 = 67;
const U_BCOND: u8 = 68; // aux: condition

/** Why a64UopExecute did not simply continue: EXIT_NONE, U_GENERIC_EXIT or an access's exit. */
export let a64UopStatus: u32 = EXIT_NONE;

/** The entry for `word`, decoded now if the cache does not hold it. */
@inline export function a64UopFor(word: u32): usize {
  const entry = record + REC_UOPS + ((((word * 0x9e37_79b1) >>> 22) & (UOP_ENTRIES - 1)) * UOP_SIZE);
  if (load<u32>(entry) != word) fill(entry, word);
  return entry;
}

function fill(entry: usize, word: u32): void {
  store<u32>(entry, word);
  store<u8>(entry, U_GENERIC, 4);
  let op: u8 = U_GENERIC;
  let imm: i32 = 0;
  let aux: u32 = 0;
  // LDR/STR (unsigned offset), integer registers; an SP base takes the full path (SP alignment check).
  if ((word & 0x3f00_0000) == 0x3900_0000 && ((word >>> 5) & 31) != 31) {
    const size = word >>> 30;
    const opc = (word >>> 22) & 3;
    imm = <i32>(((word >>> 10) & 0xfff) << size);
    aux = 1 << size;
    if (opc == 0) op = U_STR;
    else if (opc == 1) op = U_LDR;
    else if (opc == 2 && size == 2) op = U_LDRSW;
  } else if ((word & 0xfc00_0000) == 0x1400_0000) { // B
    op = U_B;
    imm = (<i32>(word << 6)) >> 4;
  } else if ((word & 0xff00_0000) == 0x5400_0000) { // B.cond, and BC.cond (FEAT_HBC: bit 4, a hint of consistent behaviour, the same branch)
    op = U_BCOND;
    imm = branchOffset19(word);
    aux = word & 15;
  }
  store<u8>(entry, op, 4);
  store<u8>(entry, <u8>(word & 31), 5);
  store<u8>(entry, <u8>((word >>> 5) & 31), 6);
  store<i32>(entry, imm, 8);
  store<u32>(entry, aux, 12);
}

/** Base register (never 31: SP bases take the full path). */
@inline function base(n: u32): u64 {
  return load<u64>(record + CPU_GPR + (n << 3));
}

/** Transfer register: 31 is XZR. */
@inline function transfer(n: u32): u64 {
  return n == 31 ? 0 : load<u64>(record + CPU_GPR + (n << 3));
}

@inline function setTransfer(n: u32, value: u64): void {
  if (n != 31) store<u64>(record + CPU_GPR + (n << 3), value);
}

/**
 * Runs the micro-op at `entry` for the instruction at `at` and returns the next pc.
 * If a64UopStatus is not EXIT_NONE afterwards the instruction did not run.
 */
@inline export function a64UopExecute(entry: usize, at: u64, bigEndian: bool): u64 {
  const op = load<u8>(entry, 4);
  const rt = <u32>load<u8>(entry, 5);
  const rn = <u32>load<u8>(entry, 6);
  const imm = <u64><i64>load<i32>(entry, 8);
  const aux = load<u32>(entry, 12);
  switch (op) {
    case U_LDR: case U_LDRSW: {
      const value = readValue(base(rn) + imm, aux, bigEndian);
      if (accessExit != EXIT_NONE) {
        a64UopStatus = accessExit;
        return at;
      }
      setTransfer(rt, op == U_LDRSW ? <u64><i64><i32>value : value);
      return at + 4;
    }
    case U_STR: {
      writeValue(base(rn) + imm, aux, transfer(rt), bigEndian);
      if (accessExit != EXIT_NONE) {
        a64UopStatus = accessExit;
        return at;
      }
      return at + 4;
    }
    case U_B: return at + imm;
    case U_BCOND: {
      if (!conditionHolds(aux)) return at + 4;
      if (uopReportLoops && <i64>imm < 0) a64UopStatus = U_LOOP_BRANCH;
      return at + imm;
    }
    default:
      a64UopStatus = U_GENERIC_EXIT;
      return at;
  }
}
