// The package's export list.
export { Machine, DEFAULT_ARENA_BYTES, type MachineOptions, type MachineLayout } from './machine.js';
export { CoreAccessor, type AccessOptions, type AccessCounters, type MmioCause } from './accessor.js';
export { MmioBus, type MmioDevice, type MmioRegistration, type MmioValue } from './mmio.js';
export { type WasmDeviceOptions, type WasmDeviceRegistration } from './wasm-device.js';
export { LOG_DIRTY_PAGES, READONLY, type MemoryRegion, type SlotInfo, type SlotChange } from './slots.js';
export { EmuError, SlotError, MmioError, AccessError, type ErrnoName } from './errors.js';
export { loadCoreModule, readMemoryMap, readExportedConstants, MAP_NAMES, type MemoryMap, type CoreFlavor } from './core.js';
export { parseU64, parseByteCount, hex, type Endian } from './values.js';
export { Vcpu, type VcpuExit, type MmioExit } from './cpu/vcpu.js';
export {
  ARCHES, GUEST_ARCHES, type GuestArch, type RegisterValues, type RegisterName, type RegisterAlias, type PpcRegisterName, type A64RegisterName, type A32RegisterName,
} from './cpu/registers.js';
export { ppc, PpcProgram } from './asm/ppc.js';
export { StepRunner, type StepInput, type StepOutput } from './step.js';
export { a64, A64Program, type Arrangement, type Condition } from './asm/a64.js';
export { a32, t32, thumbBytes, type ArmCondition } from './asm/aarch32.js';
export { A64PageTables, type A64Mapping, type A64PageSize } from './mmu/a64-tables.js';
export { compare, resolveCompare, type CompareOptions, type ComparedRow, type RepeatSummary } from './compare.js';
export { runRow, percentiles, type Row, type RowOptions, type InvalidationModel, type Percentiles } from './sync/run.js';
export { STRATEGIES, type StrategyName } from './sync/strategies.js';
export { Scheduler, DeadlockError, seededRandom } from './sync/scheduler.js';
export { SCENARIOS, type ScenarioName } from './scenarios/index.js';
export { SCENARIO_ARCHES, type ScenarioArch } from './scenarios/guest.js';
export { GUEST_KINDS, C_GUESTS, loadCGuest, type GuestKind } from './scenarios/c-guests.js';
export type { DeviceModule, DeviceContext } from './sync/devices.js';
export { PpcRadixTables, LPCR_HR, type RadixMapping, type RadixPageSize } from './mmu/ppc-radix-tables.js';
export { PpcHashTables, type HashMapping, type HashPageSize, type HashPlacement, type HashSegment } from './mmu/ppc-hash-tables.js';
export { Ppc32Tables, type Ppc32Mapping, type Ppc32Segment, type BatMapping } from './mmu/ppc32-tables.js';
export { VcpuThreads, attachHostView, type ThreadOptions } from './sync/threads.js';
export type { VcpuReport, InvalidPolicy } from './sync/vcpu-loop.js';
export { SafePointTimeoutError, DEFAULT_TIMEOUT_MS, type StuckVcpu } from './sync/deadline.js';
export type { A64Granule } from './mmu/a64-tables.js';
export { ArmShortTables, DACR_ALL_CLIENT, type ArmShortMapping, type ArmShortPageSize } from './mmu/arm-short-tables.js';
export { ArmLpaeTables, type ArmLpaeMapping, type ArmLpaePageSize } from './mmu/arm-lpae-tables.js';
export { loadElf, parseElf, ramBackingBytes, ElfError, RETURN_ADDRESS, type ElfImage, type ElfLoadOptions, type LoadedElf, type ElfSegment } from './guest/elf.js';
export { runElf, runLoaded, describeExit, UCALL_GPA, CONSOLE_GPA, type ElfExit, type ElfRunOptions, type ElfRunResult } from './guest/run.js';
