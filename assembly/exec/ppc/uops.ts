// The decoded-instruction cache of the PowerPC interpreter: the hot forms (D/DS-form
// integer loads and stores, addi/addis/add/ori, compares with an immediate, b, bc, bclr,
// and the other fixed-point and vector words through alu.ts's ppcFixedPoint)
// pre-decoded once into a 16-byte micro-op, keyed by the instruction word itself, so
// an entry can never go stale (code rewritten by the guest or the host just misses).
// Everything else is U_GENERIC and takes the interpreter's full path.
//
// Entry: 0 word u32 · 4 op u8 · 5 rt u8 · 6 ra u8 · 7 rb u8 · 8 imm i32 · 12 aux u32
import { REC_UOPS, UOP_SIZE, UOP_ENTRIES, CPU_LR, CPU_CTR, CPU_XER } from "../../layout";
import { EXIT_NONE } from "../../exits";
import { record } from "../../machine";
import { cpu, setCpu, cr, setCr } from "../../cpu/regs";
import { readValue, writeValue, accessExit } from "../guest-memory";
import { ppcFixedPoint, ppcFixedPointCandidate, ALU_DONE } from "./alu";

export const U_GENERIC: u8 = 0;
const U_ADDI: u8 = 3;
const U_ADD: u8 = 4;
const U_ORI: u8 = 5;
const U_CMPI: u8 = 6;
const U_B: u8 = 7;
const U_BC: u8 = 8;
const U_FIXED: u8 = 9; //  a fixed-point or vector word alu.ts's ppcFixedPoint runs
const U_BCLR: u8 = 10;
// Loads and stores get one op per size and signedness, so each handler's access is
// specialised at compile time (no size dispatch on the hot path).
const U_LOAD_U8: u8 = 16;
const U_LOAD_U16: u8 = 17;
const U_LOAD_S16: u8 = 18;
const U_LOAD_U32: u8 = 19;
const U_LOAD_S32: u8 = 20;
const U_LOAD_U64: u8 = 21;
const U_STORE_8: u8 = 24;
const U_STORE_16: u8 = 25;
const U_STORE_32: u8 = 26;
const U_STORE_64: u8 = 27;

// aux bits for loads and stores: size in bits 0-3
const A_SIGNED: u32 = 1 << 4;
const A_UPDATE: u32 = 1 << 5;
// aux bits for compares: bf in bits 0-2
const A_WIDE: u32 = 1 << 3;
const A_UNSIGNED: u32 = 1 << 4;
// aux bits for branches
const A_LINK: u32 = 1 << 16;
const A_ABSOLUTE: u32 = 1 << 17;

/** The mode the entries were decoded for: a mode change empties the cache. */
let decodedFor: u32 = 0xffff_ffff;

/** Empties the cache if `mode` differs from the one its entries were decoded for. */
@inline export function uopSync(mode: u32): void {
  if (mode != decodedFor) {
    memory.fill(record + REC_UOPS, 0, UOP_SIZE * UOP_ENTRIES);
    decodedFor = mode;
  }
}

/** The entry for `word`, decoded now if the cache does not hold it. */
@inline export function uopFor(word: u32, wide: bool): usize {
  const entry = record + REC_UOPS + ((((word * 0x9e37_79b1) >>> 22) & (UOP_ENTRIES - 1)) * UOP_SIZE);
  if (load<u32>(entry) != word) fill(entry, word, wide);
  return entry;
}

@inline function put(entry: usize, word: u32, op: u8, rt: u32, ra: u32, imm: i32, aux: u32): void {
  store<u32>(entry, word);
  store<u8>(entry, op, 4);
  store<u8>(entry, <u8>rt, 5);
  store<u8>(entry, <u8>ra, 6);
  store<u32>(entry, <u32>imm, 8);
  store<u32>(entry, aux, 12);
}

// Decodes the fast forms; anything else (and every 32-bit-implementation word, whose
// results and addresses wrap) becomes U_GENERIC.
function fill(entry: usize, word: u32, wide: bool): void {
  store<u32>(entry, word);
  store<u8>(entry, U_GENERIC, 4);
  if (!wide) return;
  const rt = (word >>> 21) & 31;
  const ra = (word >>> 16) & 31;
  const simm = <i32><i16>word;
  switch (word >>> 26) {
    case 32: loadOp(entry, word, rt, ra, simm, 4, 0); break; // lwz
    case 33: loadOp(entry, word, rt, ra, simm, 4, A_UPDATE); break; // lwzu
    case 34: loadOp(entry, word, rt, ra, simm, 1, 0); break; // lbz
    case 35: loadOp(entry, word, rt, ra, simm, 1, A_UPDATE); break; // lbzu
    case 40: loadOp(entry, word, rt, ra, simm, 2, 0); break; // lhz
    case 41: loadOp(entry, word, rt, ra, simm, 2, A_UPDATE); break; // lhzu
    case 42: loadOp(entry, word, rt, ra, simm, 2, A_SIGNED); break; // lha
    case 43: loadOp(entry, word, rt, ra, simm, 2, A_SIGNED | A_UPDATE); break; // lhau
    case 36: storeOp(entry, word, rt, ra, simm, 4, 0); break; // stw
    case 37: storeOp(entry, word, rt, ra, simm, 4, A_UPDATE); break; // stwu
    case 38: storeOp(entry, word, rt, ra, simm, 1, 0); break; // stb
    case 39: storeOp(entry, word, rt, ra, simm, 1, A_UPDATE); break; // stbu
    case 44: storeOp(entry, word, rt, ra, simm, 2, 0); break; // sth
    case 45: storeOp(entry, word, rt, ra, simm, 2, A_UPDATE); break; // sthu
    case 58: { // ld, ldu, lwa
      const ds = simm & ~3;
      const xo = word & 3;
      if (xo == 0) loadOp(entry, word, rt, ra, ds, 8, 0);
      else if (xo == 1) loadOp(entry, word, rt, ra, ds, 8, A_UPDATE);
      else if (xo == 2) loadOp(entry, word, rt, ra, ds, 4, A_SIGNED);
      break;
    }
    case 62: { // std, stdu
      const ds = simm & ~3;
      const xo = word & 3;
      if (xo == 0) storeOp(entry, word, rt, ra, ds, 8, 0);
      else if (xo == 1) storeOp(entry, word, rt, ra, ds, 8, A_UPDATE);
      break;
    }
    case 14: put(entry, word, U_ADDI, rt, ra, simm, 0); break;
    case 15: put(entry, word, U_ADDI, rt, ra, simm << 16, 0); break; // addis
    case 24: put(entry, word, U_ORI, ra, rt, <i32>(word & 0xffff), 0); break; // ori ra, rs, ui
    case 11: put(entry, word, U_CMPI, 0, ra, simm, (rt >>> 2) | ((word & (1 << 21)) != 0 ? A_WIDE : 0)); break;
    case 10: put(entry, word, U_CMPI, 0, ra, <i32>(word & 0xffff), (rt >>> 2) | A_UNSIGNED | ((word & (1 << 21)) != 0 ? A_WIDE : 0)); break;
    case 18: put(entry, word, U_B, 0, 0, (<i32>(word << 6) >> 6) & ~3, ((word & 1) != 0 ? A_LINK : 0) | ((word & 2) != 0 ? A_ABSOLUTE : 0)); break;
    case 16: put(entry, word, U_BC, rt, ra, simm & ~3, ((word & 1) != 0 ? A_LINK : 0) | ((word & 2) != 0 ? A_ABSOLUTE : 0)); break;
    case 19:
      if (((word >>> 1) & 0x3ff) == 16) put(entry, word, U_BCLR, rt, ra, 0, (word & 1) != 0 ? A_LINK : 0);
      break;
    case 31:
      if (((word >>> 1) & 0x3ff) == 266 && (word & 1) == 0) { // add (not add. or addo)
        put(entry, word, U_ADD, rt, ra, 0, 0);
        store<u8>(entry, <u8>((word >>> 11) & 31), 7);
      } else if (ppcFixedPointCandidate(word)) {
        put(entry, word, U_FIXED, 0, 0, 0, 0);
      }
      break;
    default:
      if (ppcFixedPointCandidate(word)) put(entry, word, U_FIXED, 0, 0, 0, 0);
      break;
  }
}

// Update forms with RA = 0, or a load's RA = RT, are invalid: left to the full path.
@inline function loadOp(entry: usize, word: u32, rt: u32, ra: u32, imm: i32, size: u32, aux: u32): void {
  if ((aux & A_UPDATE) != 0 && (ra == 0 || ra == rt)) return;
  const signed = (aux & A_SIGNED) != 0;
  const op = size == 1 ? U_LOAD_U8 : size == 2 ? (signed ? U_LOAD_S16 : U_LOAD_U16)
    : size == 4 ? (signed ? U_LOAD_S32 : U_LOAD_U32) : U_LOAD_U64;
  put(entry, word, op, rt, ra, imm, aux);
}

@inline function storeOp(entry: usize, word: u32, rt: u32, ra: u32, imm: i32, size: u32, aux: u32): void {
  if ((aux & A_UPDATE) != 0 && ra == 0) return;
  const op = size == 1 ? U_STORE_8 : size == 2 ? U_STORE_16 : size == 4 ? U_STORE_32 : U_STORE_64;
  put(entry, word, op, rt, ra, imm, aux);
}

@inline function signExtend(value: u64, size: u32): u64 {
  return size == 2 ? <u64><i64><i16>value : size == 4 ? <u64><i64><i32>value : value;
}

@inline function crNibble(lt: bool, gt: bool): u32 {
  return (lt ? 8 : gt ? 4 : 2) | ((cpu(CPU_XER) & 0x8000_0000) != 0 ? 1 : 0);
}

@inline function loadAndGo(regs: usize, at: u64, rt: u32, ra: u32, imm: u64, aux: u32, size: u32, signed: bool, bigEndian: bool): u64 {
  const ea = (ra == 0 ? 0 : register(regs, ra)) + imm;
  const value = readValue(ea, size, bigEndian, at);
  if (accessExit != EXIT_NONE) {
    uopStatus = accessExit;
    return at;
  }
  setRegister(regs, rt, signed ? signExtend(value, size) : value);
  if ((aux & A_UPDATE) != 0) setRegister(regs, ra, ea);
  return at + 4;
}

@inline function storeAndGo(regs: usize, at: u64, rt: u32, ra: u32, imm: u64, aux: u32, size: u32, bigEndian: bool): u64 {
  const ea = (ra == 0 ? 0 : register(regs, ra)) + imm;
  writeValue(ea, size, register(regs, rt), bigEndian, at);
  if (accessExit != EXIT_NONE) {
    uopStatus = accessExit;
    return at;
  }
  if ((aux & A_UPDATE) != 0) setRegister(regs, ra, ea);
  return at + 4;
}

/** Why uopExecute did not simply continue: EXIT_NONE, U_GENERIC_EXIT, or an access's exit. */
export let uopStatus: u32 = EXIT_NONE;

/** uopStatus when the word needs the full path (no EXIT_* uses this value). */
export const U_GENERIC_EXIT: u32 = 0xffff;

/** uopStatus after a taken backward bc when uopReportLoops is set: the instruction completed, the next pc is a loop's start. */
export const U_LOOP_BRANCH: u32 = 0xfffe;

/** Whether taken backward conditional branches report U_LOOP_BRANCH (for the compiled-loop path). */
export let uopReportLoops = false;

export function uopSetReportLoops(on: bool): void {
  uopReportLoops = on;
}

@inline function register(regs: usize, n: u32): u64 {
  return load<u64>(regs + (n << 3));
}

@inline function setRegister(regs: usize, n: u32, value: u64): void {
  store<u64>(regs + (n << 3), value);
}

/** BO/BI of a conditional branch: decrements CTR unless BO says not to, then whether the branch is taken. */
@inline function branchConditionHolds(bo: u32, bi: u32): bool {
  let ctrOk = true;
  if ((bo & 4) == 0) {
    const ctr = cpu(CPU_CTR) - 1;
    setCpu(CPU_CTR, ctr);
    ctrOk = (ctr != 0) != ((bo & 2) != 0);
  }
  const condOk = (bo & 16) != 0 || ((cr() >>> (31 - bi)) & 1) == ((bo >>> 3) & 1);
  return ctrOk && condOk;
}

/**
 * Runs the micro-op at `entry` for the instruction at `at` (64-bit mode, GPRs at
 * `regs`) and returns the next pc. If uopStatus is not EXIT_NONE afterwards the
 * instruction did not run: U_GENERIC_EXIT (take the full path) or an access's exit.
 */
@inline export function uopExecute(entry: usize, at: u64, bigEndian: bool, regs: usize): u64 {
  const op = load<u8>(entry, 4);
  const rt = <u32>load<u8>(entry, 5);
  const ra = <u32>load<u8>(entry, 6);
  const imm = <u64><i64>load<i32>(entry, 8);
  const aux = load<u32>(entry, 12);
  switch (op) {
    case U_LOAD_U8: return loadAndGo(regs, at, rt, ra, imm, aux, 1, false, bigEndian);
    case U_LOAD_U16: return loadAndGo(regs, at, rt, ra, imm, aux, 2, false, bigEndian);
    case U_LOAD_S16: return loadAndGo(regs, at, rt, ra, imm, aux, 2, true, bigEndian);
    case U_LOAD_U32: return loadAndGo(regs, at, rt, ra, imm, aux, 4, false, bigEndian);
    case U_LOAD_S32: return loadAndGo(regs, at, rt, ra, imm, aux, 4, true, bigEndian);
    case U_LOAD_U64: return loadAndGo(regs, at, rt, ra, imm, aux, 8, false, bigEndian);
    case U_STORE_8: return storeAndGo(regs, at, rt, ra, imm, aux, 1, bigEndian);
    case U_STORE_16: return storeAndGo(regs, at, rt, ra, imm, aux, 2, bigEndian);
    case U_STORE_32: return storeAndGo(regs, at, rt, ra, imm, aux, 4, bigEndian);
    case U_STORE_64: return storeAndGo(regs, at, rt, ra, imm, aux, 8, bigEndian);
    case U_ADDI: setRegister(regs, rt, (ra == 0 ? 0 : register(regs, ra)) + imm); return at + 4;
    case U_ADD: setRegister(regs, rt, register(regs, ra) + register(regs, <u32>load<u8>(entry, 7))); return at + 4;
    case U_ORI: setRegister(regs, rt, register(regs, ra) | imm); return at + 4;
    case U_CMPI: {
      const wide = (aux & A_WIDE) != 0;
      const value = register(regs, ra);
      let nibble: u32;
      if ((aux & A_UNSIGNED) != 0) {
        const a = wide ? value : value & 0xffff_ffff;
        const b = imm & 0xffff;
        nibble = crNibble(a < b, a > b);
      } else {
        const a = wide ? <i64>value : <i64><i32>value;
        nibble = crNibble(a < <i64>imm, a > <i64>imm);
      }
      const shift = 28 - ((aux & 7) << 2);
      setCr((cr() & ~(0xf << shift)) | (nibble << shift));
      return at + 4;
    }
    case U_B:
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, at + 4);
      return (aux & A_ABSOLUTE) != 0 ? imm : at + imm;
    case U_BC: {
      const taken = branchConditionHolds(rt, ra);
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, at + 4);
      if (!taken) return at + 4;
      const target = (aux & A_ABSOLUTE) != 0 ? imm : at + imm;
      if (uopReportLoops && target < at) uopStatus = U_LOOP_BRANCH;
      return target;
    }
    case U_BCLR: {
      const target = cpu(CPU_LR) & ~3;
      const taken = branchConditionHolds(rt, ra);
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, at + 4);
      return taken ? target : at + 4;
    }
    case U_FIXED:
      if (ppcFixedPoint(load<u32>(entry)) == ALU_DONE) return at + 4;
      // Not one of its words after all (an indexed load, an SPR the full path owns): decided once.
      store<u8>(entry, U_GENERIC, 4);
      uopStatus = U_GENERIC_EXIT;
      return at;
    default:
      uopStatus = U_GENERIC_EXIT;
      return at;
  }
}
