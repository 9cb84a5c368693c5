// Compiled loops (64-bit PowerPC, A64, A32 and 16-bit T32). A backward branch that
// keeps landing on the same start pc asks the host to compile the loop (one closed by
// bdnz, or by SUBS + B.NE/BNE or CBNZ) into a Wasm function over the shared memory (src/jit/), placed
// in the core instance's imported function table. The run loop then calls it once per iteration: it checks that the
// code is unchanged, runs the body with the TLB's hit path inline, and hands any
// instruction it cannot finish (a TLB miss, MMIO, a misaligned access) back to the
// interpreter, which runs that one the full way. A loop iteration is thus one unit
// between the run loop's checks for slot changes and broadcast invalidations.
import { CONTROL_BASE, CTRL_JIT, CTRL_SLOT_GEN, CTRL_SHOOT_SEQ, REC_JIT_BLOCKS, JIT_BLOCKS, JIT_BLOCK_SIZE, CPU_MODE, MODE_THUMB, PAGE_SIZE } from "../layout";
import { record, tlb, tlbMask } from "../machine";
import { contextSalt, contextTag, hintsUnder, tlbMarkHint, markedAddress, tlbSync } from "../mmu/tlb";
import { deviceHintRead, deviceHintWrite, failedInCompiledLoop, HINT_BUS, BUS_DEVICE_ERROR } from "../mem/access";

/**
 * The host's compiler: the loop starting at `pc` (its first word at host address
 * `code`, in the vCPU `regs` belong to). Returns (length << 16) | table index, or 0
 * when the loop has an instruction it does not compile.
 */
@external("env", "jitCompile")
declare function jitCompile(pcLow: u32, pcHigh: u32, code: u32, record: u32): i32;

const B_PC: u32 = 0;
const B_INDEX: u32 = 8;
const B_LENGTH: u32 = 12;
const B_HITS: u32 = 16;
const B_MODE: u32 = 20;
const HOT: u32 = 16; // backward branches to a start before it is compiled

/** The compiled loop the run loop may call at `jitPc` (1: none), its table index and length. */
export let jitPc: u64 = 1;
export let jitIndex: u32 = 0;
export let jitLength: u32 = 0;

@inline export function jitEnabled(): bool {
  return load<u32>(CONTROL_BASE + CTRL_JIT) != 0;
}

@inline function block(index: u32): usize {
  return record + REC_JIT_BLOCKS + index * JIT_BLOCK_SIZE;
}

/**
 * A taken backward branch from `at` (its word at host address `host`) to `target`:
 * counts it, compiles the loop once it is hot, and selects its block when compiled.
 * Only loops within one page are taken (the host address of `target` follows from `at`'s).
 */
export function jitBackwardBranch(target: u64, at: u64, host: usize): void {
  if ((target & ~(<u64>PAGE_SIZE - 1)) != (at & ~(<u64>PAGE_SIZE - 1))) return;
  const code = host - <usize>(at - target);
  const mode = load<u32>(record + CPU_MODE);
  let slot: u32 = JIT_BLOCKS;
  for (let i: u32 = 0; i < JIT_BLOCKS; i++) {
    if (load<u64>(block(i), B_PC) == target && load<u32>(block(i), B_MODE) == mode) slot = i;
  }
  if (slot == JIT_BLOCKS) {
    // A new start takes the block with the fewest hits (a loop that is running keeps its own).
    slot = 0;
    for (let i: u32 = 1; i < JIT_BLOCKS; i++) if (load<u32>(block(i), B_HITS) < load<u32>(block(slot), B_HITS)) slot = i;
    store<u64>(block(slot), target, B_PC);
    store<i32>(block(slot), 0, B_INDEX);
    store<u32>(block(slot), 0, B_HITS);
    store<u32>(block(slot), mode, B_MODE);
  }
  const entry = block(slot);
  let index = load<i32>(entry, B_INDEX);
  if (index == 0) {
    const hits = load<u32>(entry, B_HITS) + 1;
    store<u32>(entry, hits, B_HITS);
    if (hits < HOT) return;
    const compiled = jitCompile(<u32>target, <u32>(target >> 32), <u32>code, <u32>record);
    index = compiled == 0 ? -1 : compiled & 0xffff;
    store<i32>(entry, index, B_INDEX);
    store<u32>(entry, <u32>compiled >>> 16, B_LENGTH);
  }
  if (index < 0) return;
  jitPc = target;
  jitIndex = <u32>index;
  jitLength = load<u32>(entry, B_LENGTH);
}

/** Forgets every compiled loop (a loop's code changed since it was compiled). */
export function jitForget(): void {
  memory.fill(record + REC_JIT_BLOCKS, 0, JIT_BLOCKS * JIT_BLOCK_SIZE);
  jitPc = 1;
}

/** After jitIteration ran instructions: the pc to go on from. */
export let jitNextPc: u64 = 0;

/**
 * Runs one iteration of the selected loop, which starts at `at` with its first word at
 * host address `code`: returns how many instructions it completed (0: none, and the
 * interpreter runs the one at `at`), with the next pc in jitNextPc. The compiled
 * function returns the length when the closing branch was taken, the length + 1 when it
 * fell through, fewer when it stopped before that instruction, -1 when the words
 * differ from those compiled (the loops are then forgotten). It also gets the generation
 * the TLB's device hints hold under, and the slot generation and invalidation sequence
 * the run loop's tlbSync saw at this block start (src/jit/access.ts).
 */
export function jitIteration(regs: usize, code: usize, at: u64): u32 {
  const result = call_indirect<i32>(jitIndex, <u32>regs, <u32>tlb, ((tlbMask + 1) >>> 1) - 1, contextSalt, contextTag, <u32>code,
    hintsUnder, atomic.load<u32>(CONTROL_BASE + CTRL_SLOT_GEN), atomic.load<u32>(CONTROL_BASE + CTRL_SHOOT_SEQ));
  if (result < 0) {
    jitForget();
    return 0;
  }
  const done = min<u32>(<u32>result, jitLength);
  const log2Size: u32 = (load<u32>(record + CPU_MODE) & MODE_THUMB) != 0 ? 1 : 2; // T32 loops are all 16-bit
  jitNextPc = <u32>result == jitLength ? at : at + (<u64>done << log2Size);
  return done;
}

// A compiled loop's access whose TLB entry holds an MMIO mark (tag match but for
// TLB_MMIO) naming a built-in device other than a scratch one calls these: the device is
// served without leaving the loop; anything else returns 0 (false) and the interpreter
// runs the instruction. (The loop calls a JS device's table entry itself, and
// jitDeviceRefused when it did not take the access.)
// A JS handler may change the memory map (a bank switch): the TLB is synced after it, as
// the interpreter does after a device access, so the loop's next accesses see the change.

/** A `size`-byte read at `va` through the mark at TLB entry `entry`: where its bytes are, or 0. */
export function jitMmioRead(va: u64, size: u32, entry: usize): usize {
  const hint = tlbMarkHint(entry);
  const data = deviceHintRead(markedAddress(entry, va), size, hint);
  if (hint >= HINT_BUS) tlbSync();
  return data;
}

/** A `size`-byte write of `value`'s low bytes (memory order) at `va` through the mark at `entry`: 1 if done, 0 if the interpreter must run the instruction. */
export function jitMmioWrite(va: u64, size: u32, entry: usize, value: u64): u32 {
  const hint = tlbMarkHint(entry);
  const done = deviceHintWrite(markedAddress(entry, va), size, hint, value);
  if (hint >= HINT_BUS) tlbSync();
  return done ? 1 : 0;
}

/**
 * A JS device's entry, called by a compiled loop, did not take the access (`code`:
 * BUS_UNCLAIMED, or BUS_DEVICE_ERROR when its handler threw): the interpreter runs the
 * instruction, and reports the device error without calling the handler a second time.
 */
export function jitDeviceRefused(gpa: u64, size: u32, write: u32, code: u32): void {
  if (code == BUS_DEVICE_ERROR) failedInCompiledLoop(gpa, size, write != 0);
}
