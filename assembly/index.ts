// The module's only export list: the memory map, exit codes and entry points.
export * from "./layout";
export * from "./exits";
export * from "./decode/descriptor";
export { INIT_OK, INIT_TOO_BIG, INIT_STATIC_OVERFLOW, INIT_MEMORY_TOO_SMALL, machineInit, bindRecord, staticDataCheck, zeroWrittenPages } from "./machine";
export { physRead, physWrite, ramLookup } from "./mem/access";
export { wasmDeviceTrapped } from "./mem/wasm-device";
export { benchRawLoads, benchPhysLoads, benchSlotLookups, benchPhysReads, benchNop, benchImportCalls } from "./bench";
export * from "./decode/arm";
export { decodePpc, benchDecodePpc, PPC_MODE_64, PPC_MODE_NO_SUFFIX } from "./decode/ppc";
export { ppcRun } from "./exec/ppc/run";
export { hashDigest } from "./exec/ppc/hash";
export { a64Run } from "./exec/a64-run";
export { jitMmioRead, jitMmioWrite, jitDeviceRefused } from "./exec/jit";
export { a32Run } from "./exec/a32-run";
export { a64Translate } from "./mmu/a64-walk";
export { ppcTranslate, armTranslate } from "./mmu/walk";
