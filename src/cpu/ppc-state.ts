// A PowerPC vCPU's registers in its record, by name, as the step format spells
// them: r0-r31, pc, cr, xer, lr, ctr, msr, f0-f31 (raw IEEE images), v0-v31 (128 bits).

import type { MemoryMap } from '../core.js';

export type RegisterValues = Record<string, bigint>;

export const PPC_REGISTER_NAMES: readonly string[] = [
  ...Array.from({ length: 32 }, (_, i) => `r${i}`),
  'pc', 'cr', 'xer', 'lr', 'ctr', 'msr',
  ...Array.from({ length: 32 }, (_, i) => `f${i}`),
  ...Array.from({ length: 32 }, (_, i) => `v${i}`),
];

/** Where each named register lives: offset in the record, and its width in bytes. */
function slotOf(map: MemoryMap, name: string): { offset: number; bytes: 4 | 8 | 16 } | undefined {
  const number = Number(name.slice(1));
  if (/^r([0-9]|[12][0-9]|3[01])$/.test(name)) return { offset: map.CPU_GPR + number * 8, bytes: 8 };
  if (/^f([0-9]|[12][0-9]|3[01])$/.test(name)) return { offset: map.CPU_VSR + number * 16, bytes: 8 };
  if (/^v([0-9]|[12][0-9]|3[01])$/.test(name)) return { offset: map.CPU_VSR + (32 + number) * 16, bytes: 16 };
  switch (name) {
    case 'pc': return { offset: map.CPU_PC, bytes: 8 };
    case 'lr': return { offset: map.CPU_LR, bytes: 8 };
    case 'ctr': return { offset: map.CPU_CTR, bytes: 8 };
    case 'xer': return { offset: map.CPU_XER, bytes: 8 };
    case 'msr': return { offset: map.CPU_MSR, bytes: 8 };
    case 'cr': return { offset: map.CPU_CR, bytes: 4 };
    default: return undefined;
  }
}

export function isPpcRegister(map: MemoryMap, name: string): boolean {
  return slotOf(map, name) !== undefined;
}

/** Vector registers hold doubleword 0 (most significant) at +0, each little-endian. */
export function readPpcRegisters(view: DataView, record: number, map: MemoryMap): RegisterValues {
  const values: RegisterValues = {};
  for (const name of PPC_REGISTER_NAMES) {
    const { offset, bytes } = slotOf(map, name)!;
    const at = record + offset;
    values[name] = bytes === 4 ? BigInt(view.getUint32(at, true))
      : bytes === 8 ? view.getBigUint64(at, true)
      : (view.getBigUint64(at, true) << 64n) | view.getBigUint64(at + 8, true);
  }
  return values;
}

export function writePpcRegister(view: DataView, record: number, map: MemoryMap, name: string, value: bigint): void {
  const slot = slotOf(map, name);
  if (!slot) throw new RangeError(`unknown PowerPC register ${name}`);
  const at = record + slot.offset;
  if (slot.bytes === 4) view.setUint32(at, Number(BigInt.asUintN(32, value)), true);
  else if (slot.bytes === 8) view.setBigUint64(at, BigInt.asUintN(64, value), true);
  else {
    view.setBigUint64(at, BigInt.asUintN(64, value >> 64n), true);
    view.setBigUint64(at + 8, BigInt.asUintN(64, value), true);
  }
}
