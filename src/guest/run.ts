// Running a loaded ELF guest on one vCPU, with the guest ABI's two devices: the ucall
// doorbell (KVM selftests' ucall: a store of a pointer to { cmd, args[6] }) and a
// console whose bytes reach the host's output. Both are MMIO on the machine's bus, so
// a call goes through the engine's own MMIO path on every architecture.

import { Machine } from '../machine.js';
import { EmuError } from '../errors.js';
import { Vcpu, type VcpuExit } from '../cpu/vcpu.js';
import type { GuestArch } from '../cpu/registers.js';
import { loadElf, checkLoad, symbolize, ramBackingBytes, type ElfLoadOptions, type LoadedElf, DEFAULT_RAM_SIZE, RETURN_ADDRESS } from './elf.js';
import { ConsoleDevice, LoadedRam, UcallDevice, UcallStop, type UcallHost } from './abi-devices.js';

export { UCALL_GPA, CONSOLE_GPA, UCALL_DONE, UCALL_PRINT, UCALL_REPORT, UCALL_ASSERT } from './abi-devices.js';

/** Instructions per run call between the host's checks. */
const SLICE = 1 << 22;

export type ElfExit =
  /** UCALL_DONE: the guest finished with `status` (crt0 passes main's return). */
  | { reason: 'done'; pc: bigint; status: bigint }
  /** UCALL_ASSERT: a check failed in the guest. */
  | { reason: 'assert'; pc: bigint; file: string; line: number; expression: string; values: [bigint, bigint] }
  /** The entry function returned (to RETURN_ADDRESS) with `status` in the return register. */
  | { reason: 'returned'; status: bigint }
  /** An undefined or unimplemented instruction: its encoding (a Thumb 32-bit one first halfword high; `thumb`: in Thumb state). */
  | (Extract<VcpuExit, { reason: 'undefined' }> & { word: number; thumb: boolean })
  /** A device handler threw (an unknown ucall, or a device from --device). */
  | { reason: 'device-error'; pc: bigint; gpa: bigint; message: string }
  | Exclude<VcpuExit, { reason: 'undefined' } | { reason: 'device-error' }>;

export interface ElfRunOptions extends ElfLoadOptions {
  /** Most instructions to run; default 100,000,000. */
  budget?: number;
  /** Receives console bytes and PRINT lines as they come; default: kept in the result only. */
  output?: (text: string) => void;
  /** Device modules to register on the machine's bus first (as `compare --device`). */
  devices?: ReadonlyArray<(bus: Machine['mmio'], context: { memory: WebAssembly.Memory; vcpu: number }) => void>;
  /** Called with the vCPU before each instruction (the run then goes one instruction per run call: for lock-step comparisons). */
  beforeInstruction?: (vcpu: Vcpu) => void;
  /**
   * runElf only: run in this machine instead of a fresh one. It is reset first
   * (Machine.reset: nothing of an earlier guest survives), so the result is the one a
   * fresh machine gives; its arena must hold the RAM's backing (ramBackingBytes), as
   * createElfMachine(ramBackingBytes(bytes, options)) makes one. Its jit option stays.
   */
  machine?: Machine;
}

export interface ElfRunResult {
  arch: GuestArch;
  exit: ElfExit;
  /** Instructions completed (the one that exited not counted). */
  instructions: number;
  seconds: number;
  /** UCALL_REPORT calls in order. */
  reports: Array<{ name: string; value: bigint }>;
  /** Everything the guest printed (console bytes and PRINT lines). */
  output: string;
  /** The function holding the exit's pc, from the file's symbols ("name+0x1c"). */
  where?: string;
}

/**
 * The system state a guest starts in besides the loader's ABI registers: a kernel's
 * entry state, with the MMU off, in the most privileged state the engine models, as
 * QEMU (and so Unicorn) resets these CPUs, so a guest kernel that reads and updates
 * these registers (guests/src/mmu.c) sees the same values under both.
 * - PowerPC: hypervisor state (MSR[HV], PR 0), 64-bit mode (SF), FP/VEC/VSX available,
 *   ME, and LE on ppc64le; LPCR LPES0|LPES1 (HR 0: hash until the guest picks radix);
 *   ppc32be (the 7457): FP, VEC and ME.
 * - AArch64: EL1 with SCTLR_EL1 0xc50838 (M 0; SA/SA0 on, the RES1 bits QEMU sets).
 * - AArch32 (arm and thumb): SCTLR 0xc50078 (M 0; ARMv7's RAO bits, XP among them).
 */
const RESET_STATE: Partial<Record<GuestArch, Record<string, bigint>>> = {
  ppc64be: { msr: 0x9000_0000_0280_3000n, lpcr: 0xcn },
  ppc64le: { msr: 0x9000_0000_0280_3001n, lpcr: 0xcn },
  ppc32be: { msr: 0x0200_3000n },
  aarch64: { sctlr_el1: 0xc5_0838n },
  arm: { sctlr: 0xc5_0078n },
  thumb: { sctlr: 0xc5_0078n },
};

/** A run's output and reports, as its ucalls and console make them. */
class RunRecord implements UcallHost<ElfExit> {
  output = '';
  readonly reports: ElfRunResult['reports'] = [];

  constructor(private readonly forward: ((text: string) => void) | undefined) {}

  emit(text: string): void {
    this.output += text;
    this.forward?.(text);
  }

  report(name: string, value: bigint): void {
    this.reports.push({ name, value });
  }

  // The doorbell store's pc is finalExit's to fill in.
  done(status: bigint): ElfExit {
    return { reason: 'done', pc: 0n, status };
  }

  assert(file: string, line: number, expression: string, values: [bigint, bigint]): ElfExit {
    return { reason: 'assert', pc: 0n, file, line, expression, values };
  }
}

/**
 * Loads `bytes` into a fresh machine (or options.machine, reset) and runs it: `runElf(await readFile('guest.elf'))`.
 * Without a ramSize the RAM is sparse (ElfLoadOptions.sparseRam) unless `sparseRam: false`.
 */
export async function runElf(bytes: Uint8Array, options: ElfRunOptions = {}): Promise<ElfRunResult> {
  const load = { sparseRam: options.ramSize === undefined, ...options };
  const backing = ramBackingBytes(bytes, load);
  if (options.machine) {
    // Everything that could refuse the guest first: a refused call leaves the machine as it was.
    budgetOf(options);
    checkLoad(bytes, load);
    const arena = options.machine.layout.arenaSize;
    if (backing > arena) throw new EmuError('ENOMEM', `the machine's ${arena}-byte arena cannot back this guest's ${backing} bytes of RAM (createElfMachine(ramBackingBytes(bytes, options)) makes one that can)`);
  }
  const machine = options.machine ?? await createElfMachine(backing);
  if (options.machine) machine.reset();
  const loaded = loadElf(machine, bytes, load);
  return runLoaded(machine, loaded, options);
}

/**
 * The machine runElf loads a guest into: one vCPU over an unshared memory (any page can
 * have one), an arena for `ramBytes` of RAM backing (ramBackingBytes; default a whole
 * default-sized RAM) and the devices. The memory's size drives the garbage collector's
 * work per machine (V8 counts an unshared memory as external memory), so it is kept to
 * what the guest needs. (A shared memory costs less to make, as V8 does not count it,
 * but it is then released late: in Node, a process that ran 6000 guests this way held 2 GiB.)
 * Its TLBs have ELF_TLB_ENTRIES entries: machineInit writes every entry, and the
 * default's 16 KiB (two records) cost three more fresh pages than this one page.
 */
export async function createElfMachine(ramBytes?: number, jit = false): Promise<Machine> {
  await nextTask();
  return Machine.create({ vcpus: 1, shared: false, arenaBytes: ramArena(ramBytes), jit, tlbEntries: ELF_TLB_ENTRIES });
}

/** TLB entries per record of createElfMachine's machines: a corpus guest touches a few dozen pages. */
export const ELF_TLB_ENTRIES = 64;

/**
 * Resolves in a later task. A machine's bus holds its vCPUs' accessors through WeakRefs,
 * and V8 keeps every WeakRef's target alive until the current job ends: a loop of
 * `await createElfMachine()` that never returns to the event loop would keep every
 * machine it made (and its memory) until it ends.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));
}

/** Arena bytes for `ramBytes` of RAM backing and the devices' pages (a bad size is loadElf's to report). */
function ramArena(ramBytes: number | undefined): number {
  const size = ramBytes ?? DEFAULT_RAM_SIZE;
  return (Number.isInteger(size) && size > 0 && size % 4096 === 0 ? size : DEFAULT_RAM_SIZE) + 1024 * 1024;
}

/** Runs a guest loadElf put into `machine` on vCPU 0, with the ABI devices on its bus. */
export function runLoaded(machine: Machine, loaded: LoadedElf, options: ElfRunOptions = {}): ElfRunResult {
  const budget = budgetOf(options);
  for (const register of options.devices ?? []) register(machine.mmio, { memory: machine.memory, vcpu: 0 });
  const endian = loaded.arch === 'ppc64le' || loaded.arch === 'aarch64' || loaded.arch === 'arm' || loaded.arch === 'thumb' ? 'little' : 'big';
  const record = new RunRecord(options.output);
  const vcpu = new Vcpu(machine, 0, loaded.arch);
  const ucall = machine.mmio.register(new UcallDevice(endian, machine, new LoadedRam(machine, loaded), record));
  const console = machine.mmio.register(new ConsoleDevice(record));
  try {
    for (const [name, value] of Object.entries({ ...RESET_STATE[loaded.arch], ...loaded.registers })) {
      if (!vcpu.isRegister(name)) throw new EmuError('EINVAL', `the loader set register ${name}, which ${loaded.arch} does not have`);
      vcpu.set(name, value);
    }
    let instructions = 0;
    let exit: ElfExit = { reason: 'budget', pc: vcpu.get('pc') };
    const started = performance.now();
    const slice = options.beforeInstruction ? 1 : SLICE;
    while (instructions < budget) {
      options.beforeInstruction?.(vcpu);
      const step = vcpu.run(Math.min(slice, budget - instructions));
      instructions += vcpu.completed;
      if (step.reason === 'budget') {
        exit = step;
        continue;
      }
      exit = finalExit(step, machine, vcpu, loaded);
      break;
    }
    const seconds = (performance.now() - started) / 1000;
    const pc = 'pc' in exit ? exit.pc : undefined;
    const where = pc === undefined ? undefined : symbolize(loaded.image, pc);
    return { arch: loaded.arch, exit, instructions, seconds, reports: record.reports, output: record.output, ...(where === undefined ? {} : { where }) };
  } finally {
    ucall.unregister();
    console.unregister();
  }
}

/** options.budget, or the default; a bad one is RangeError. */
function budgetOf(options: ElfRunOptions): number {
  const budget = options.budget ?? 100_000_000;
  if (!Number.isSafeInteger(budget) || budget < 1) throw new RangeError(`budget must be a positive integer, got ${budget}`);
  return budget;
}

function finalExit(step: VcpuExit, machine: Machine, vcpu: Vcpu, loaded: LoadedElf): ElfExit {
  if (step.reason === 'device-error') {
    const failure = machine.mmio.lastFailure;
    // The doorbell store's pc (the record's pc may lag inside a run).
    if (failure?.error instanceof UcallStop) return { ...(failure.error.exit as ElfExit), pc: step.pc } as ElfExit;
    const message = failure?.error instanceof Error ? failure.error.message : String(failure?.error);
    return { reason: 'device-error', pc: step.pc, gpa: step.gpa, message: `${failure?.device ?? 'device'}: ${message}` };
  }
  if (step.reason === 'fault' && step.kind === 'fetch' && step.pc === RETURN_ADDRESS) {
    const register = loaded.arch.startsWith('ppc') ? 'r3' : loaded.arch.startsWith('aarch64') ? 'x0' : 'r0';
    return { reason: 'returned', status: vcpu.get(register) };
  }
  if (step.reason === 'undefined') {
    const thumb = loaded.arch === 'thumb' || (loaded.arch === 'arm' && (vcpu.get('cpsr') & 0x20n) !== 0n);
    return { ...step, word: instructionWord(machine, loaded.arch, thumb, step.pc), thumb };
  }
  return step;
}

/** The instruction at `pc` as the step format writes it (Thumb 32-bit: first halfword high). */
function instructionWord(machine: Machine, arch: GuestArch, thumb: boolean, pc: bigint): number {
  if (thumb) {
    const first = Number(machine.read(pc, 2));
    return first >= 0xe800 ? ((first << 16) | Number(machine.read(pc + 2n, 2))) >>> 0 : first;
  }
  const big = arch === 'ppc64be' || arch === 'ppc32be';
  return Number(machine.read(pc, 4, { endian: big ? 'big' : 'little' }));
}

/** One line: how the run ended. */
export function describeExit(exit: ElfExit): string {
  const hex = (value: bigint | number) => `0x${value.toString(16)}`;
  switch (exit.reason) {
    case 'done': return `done, status ${exit.status}`;
    case 'returned': return `returned from the entry function, status ${exit.status}`;
    case 'assert': return `assertion failed at ${exit.file}:${exit.line}: ${exit.expression} (values ${exit.values.map(hex).join(', ')})`;
    case 'undefined': return `${exit.cause} ${exit.thumb ? 'Thumb ' : ''}instruction ${hex(exit.word)} at pc ${hex(exit.pc)}`;
    case 'device-error': return `device error at ${hex(exit.gpa)} (pc ${hex(exit.pc)}): ${exit.message}`;
    case 'budget': return `budget spent at pc ${hex(exit.pc)}`;
    case 'hypercall': return `hypercall at pc ${hex(exit.pc)}`;
    case 'mmio': return `unclaimed MMIO ${exit.write ? 'write' : 'read'} of ${exit.size} bytes at ${hex(exit.gpa)} (${exit.cause}, pc ${hex(exit.pc)})`;
    case 'fault': return `${exit.kind} fault at ${hex(exit.address)} (pc ${hex(exit.pc)})`;
  }
}
