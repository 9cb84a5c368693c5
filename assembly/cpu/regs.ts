// Register access for the running vCPU (its record is bound per instance).
import { CPU_GPR, CPU_PC, CPU_CR, CPU_MODE, CPU_VSR, MODE_64, MODE_LE } from "../layout";
import { record } from "../machine";

@inline export function gpr(n: u32): u64 {
  return load<u64>(record + CPU_GPR + (n << 3));
}

@inline export function setGpr(n: u32, value: u64): void {
  store<u64>(record + CPU_GPR + (n << 3), value);
}

@inline export function pc(): u64 {
  return load<u64>(record + CPU_PC);
}

@inline export function setPc(value: u64): void {
  store<u64>(record + CPU_PC, value);
}

@inline export function cpu(offset: u32): u64 {
  return load<u64>(record + offset);
}

@inline export function setCpu(offset: u32, value: u64): void {
  store<u64>(record + offset, value);
}

@inline export function cr(): u32 {
  return load<u32>(record + CPU_CR);
}

@inline export function setCr(value: u32): void {
  store<u32>(record + CPU_CR, value);
}

@inline export function mode(): u32 {
  return load<u32>(record + CPU_MODE);
}

@inline export function is64(): bool {
  return (mode() & MODE_64) != 0;
}

@inline export function isLittle(): bool {
  return (mode() & MODE_LE) != 0;
}

/** Doubleword `half` (0 = most significant in the ISA's numbering) of vector register `n`. */
@inline export function vsrWord(n: u32, half: u32): u64 {
  return load<u64>(record + CPU_VSR + (n << 4) + (half << 3));
}

@inline export function setVsrWord(n: u32, half: u32, value: u64): void {
  store<u64>(record + CPU_VSR + (n << 4) + (half << 3), value);
}
