// The package's export list.
export { Machine, DEFAULT_ARENA_BYTES, type MachineOptions, type MachineLayout } from './machine.js';
export { CoreAccessor, type AccessOptions, type AccessCounters } from './accessor.js';
export { MmioBus, type MmioDevice, type MmioRegistration, type MmioValue } from './mmio.js';
export { LOG_DIRTY_PAGES, READONLY, type MemoryRegion, type SlotInfo, type SlotChange } from './slots.js';
export { EmuError, SlotError, MmioError, AccessError, type ErrnoName } from './errors.js';
export { loadCoreModule, readMemoryMap, readExportedConstants, MAP_NAMES, type MemoryMap, type CoreFlavor } from './core.js';
export { parseU64, parseByteCount, hex, type Endian } from './values.js';
export { Vcpu, type VcpuExit } from './cpu/vcpu.js';
export { ARCHES, type GuestArch, type RegisterValues } from './cpu/registers.js';
export { ppc, PpcProgram } from './asm/ppc.js';
export { StepRunner, type StepInput, type StepOutput } from './step.js';
export { a64, A64Program, type Condition } from './asm/a64.js';
export { a32, t32, thumbBytes, type ArmCondition } from './asm/aarch32.js';
export { A64PageTables, type A64Mapping, type A64PageSize } from './mmu/a64-tables.js';
