// A vCPU on the calling thread: registers by name, run for a budget, and the exit
// that ended the run (KVM_RUN's kvm_run.exit_reason, as an object); an MMIO exit is
// completed with completeMmio() before the next run (kvm_run.mmio.data).

import type { Machine } from '../machine.js';
import type { CoreAccessor } from '../accessor.js';
import { causeName, type MmioCause } from '../accessor.js';
import { EmuError, texts } from '../errors.js';
import { BUS_HANDLED, BUS_UNCLAIMED } from '../mmio.js';
import { bytesToValue, describeValue, valueToBytes, type Endian } from '../values.js';
import { requireAccessValue, requireInteger } from '../validate.js';
import {
  ARCHES, GUEST_ARCHES, canonicalRegister, isGuestArch, readRegister, writeRegister, type ArchSpec, type GuestArch, type RegisterAlias, type RegisterName, type RegisterValues,
} from './registers.js';

/** An access no slot and no device took (kvm_run.mmio); pc at the instruction, which has not retired. */
interface MmioExitBase {
  reason: 'mmio';
  pc: bigint;
  gpa: bigint;
  /** 1..16 bytes, or 64 for an LS64 access (LD64B, ST64B, ST64BV, ST64BV0; a store with status gets all ones). */
  size: number;
  /** Address space (slot bits 16-31). */
  addressSpace: number;
  cause: MmioCause;
}

export type MmioExit =
  | (MmioExitBase & { write: false })
  /** `data`: the bytes written, in memory order; `value`: them read in the vCPU's data byte order. */
  | (MmioExitBase & { write: true; data: Uint8Array; value: bigint });

export type VcpuExit =
  | { reason: 'budget'; pc: bigint }
  | { reason: 'hypercall'; pc: bigint }
  | MmioExit
  | { reason: 'device-error'; pc: bigint; gpa: bigint }
  | { reason: 'fault'; pc: bigint; kind: 'fetch' | 'alignment' | 'truncated' | 'trap'; address: bigint }
  | { reason: 'fault'; pc: bigint; kind: 'translation'; address: bigint; syndrome: bigint }
  | { reason: 'undefined'; pc: bigint; cause: 'undefined' | 'unimplemented' | 'invalid-form' };

/** One completed MMIO fragment of the instruction at the exit's pc. */
interface Completion {
  as: number;
  gpa: bigint;
  size: number;
  write: boolean;
  /** A read's bytes, memory order. */
  data: Uint8Array;
}

export class Vcpu<A extends GuestArch = GuestArch> {
  readonly core: CoreAccessor;
  private readonly view: DataView;
  private spec: ArchSpec;
  /** The last run's MMIO exit, until completeMmio() or the next run. */
  private lastMmio: MmioExit | undefined;
  /** Fragments completed for the instruction at `completionPc`, in the order it makes them. */
  private completions: Completion[] = [];
  private completionPc = 0n;
  /** While the completed instruction runs again: its completions, and the next one to hand out. */
  private replay: Completion[] = [];
  private completing = 0;
  /** The machine's resetCount when this vCPU was made: once it moves on, this vCPU is retired. */
  private readonly machineResets: number;

  constructor(readonly machine: Machine, index: number, arch: A) {
    // Its instance's constants are not needed (the map has them): the cheaper instance.
    this.core = machine.attachVcpu(index, (as, low, high, size, write) => this.serveCompletion(as, low, high, size, write !== 0));
    this.view = new DataView(machine.memory.buffer);
    this.spec = ARCHES.ppc64be;
    this.machineResets = machine.resetCount;
    this.reset(arch);
  }

  /** Zeroes every register and the reservation, and selects the architecture, width and byte order. */
  reset<B extends GuestArch>(arch: B): Vcpu<B> {
    this.requireCurrent();
    if (!isGuestArch(arch)) throw new EmuError('EINVAL', texts.badOption('arch', `must be one of ${GUEST_ARCHES.join(', ')}`));
    this.spec = ARCHES[arch];
    const map = this.machine.map;
    new Uint8Array(this.machine.memory.buffer, this.core.record + map.CPU_GPR, map.CPU_END - map.CPU_GPR).fill(0);
    this.view.setUint32(this.core.record + map.CPU_MODE, this.spec.mode(map), true);
    this.lastMmio = undefined;
    this.completions = [];
    return this as unknown as Vcpu<B>;
  }

  get registerNames(): readonly RegisterName<A>[] {
    return this.spec.names as readonly RegisterName<A>[];
  }

  /** Whether `name` is a register of this vCPU's architecture, or an alias of one (for names from input). */
  isRegister(name: string): name is RegisterName<A> | RegisterAlias<A> {
    return this.spec.slot(this.machine.map, canonicalRegister(this.spec, name)) !== undefined;
  }

  /** Sets a register by its step-format name or an alias of it (A32 `sp`/`lr`/`pc`, A64 `fp`/`lr`, PowerPC `sp`). */
  /** A value that does not fit the register (NaN, a fraction, too wide) is EmuError EINVAL, and the register keeps its value. */
  set(name: RegisterName<A> | RegisterAlias<A>, value: bigint | number): this {
    this.requireCurrent();
    const slot = this.slotOf(name);
    writeRegister(this.view, this.core.record + slot.offset, slot, requireAccessValue(EmuError, value, slot.bytes));
    return this;
  }

  get(name: RegisterName<A> | RegisterAlias<A>): bigint {
    const slot = this.slotOf(name);
    return readRegister(this.view, this.core.record + slot.offset, slot);
  }

  /** How many bits register `name` holds (what set() accepts: that many unsigned, or as many signed). */
  registerBits(name: RegisterName<A> | RegisterAlias<A>): number {
    return this.slotOf(name).bytes * 8;
  }

  /** Throws EmuError EINVAL when the machine was reset after this vCPU was made. */
  private requireCurrent(): void {
    if (this.machineResets !== this.machine.resetCount) throw new EmuError('EINVAL', texts.retiredVcpu());
  }

  /** The record slot of a register name or alias; an unknown name is EmuError EINVAL. */
  private slotOf(name: string) {
    const slot = this.spec.slot(this.machine.map, canonicalRegister(this.spec, name));
    if (!slot) throw new EmuError('EINVAL', `unknown register ${describeValue(name)}`);
    return slot;
  }

  registers(): RegisterValues {
    return Object.fromEntries(this.spec.names.map((name) => [name, this.get(name as RegisterName<A>)]));
  }

  /**
   * Completes the last run's MMIO exit, as an embedder fills kvm_run.mmio.data before
   * KVM_RUN: a read with the value its device returned (a number or bigint in the vCPU's
   * data byte order, or `size` bytes in memory order), a write with nothing. The next
   * run() retires the instruction: a load's destination gets the value with the
   * instruction's own extension and byte order. Without it, run() executes the
   * instruction again, and it exits again unless a slot or device now serves the access.
   */
  completeMmio(value?: bigint | number | Uint8Array): this {
    this.requireCurrent();
    const exit = this.lastMmio;
    if (!exit) throw new EmuError('EINVAL', 'completeMmio: the last run did not end in an MMIO exit (or it was completed already)');
    const data = new Uint8Array(exit.size);
    if (exit.write) {
      if (value !== undefined) throw new EmuError('EINVAL', 'completeMmio: a write exit takes no value (its data is in the exit)');
    } else if (value instanceof Uint8Array) {
      if (value.length !== exit.size) throw new EmuError('EINVAL', `completeMmio: ${value.length} bytes for a ${exit.size}-byte read`);
      data.set(value);
    } else {
      const wide = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
      const bits = BigInt(exit.size * 8);
      if (wide === undefined || wide < -(1n << (bits - 1n)) || wide >= 1n << bits) {
        throw new EmuError('EINVAL', `completeMmio: a ${exit.size}-byte read needs an integer that fits ${exit.size} bytes, or ${exit.size} bytes; got ${String(value)}`);
      }
      valueToBytes(wide, data, this.dataEndian());
    }
    if (this.completions.length === 0 || this.completionPc !== exit.pc) this.completions = [];
    this.completions.push({ as: exit.addressSpace, gpa: exit.gpa, size: exit.size, write: exit.write, data });
    this.completionPc = exit.pc;
    this.lastMmio = undefined;
    return this;
  }

  /** Instructions the last run() completed before the one that ended it (all of its budget on a 'budget' exit). */
  get completed(): number {
    return this.view.getUint32(this.core.record + this.machine.map.REC_RAN, true);
  }

  /** Runs at most `budget` instructions and returns the exit that ended the run. */
  run(budget: number): VcpuExit {
    requireInteger(EmuError, 'budget', budget, 0, 0xffff_ffff); // the core counts it in a u32
    this.requireCurrent();
    this.lastMmio = undefined;
    let code: number;
    this.machine.runStarted();
    try {
      code = this.execute(budget);
    } finally {
      this.machine.runEnded();
    }
    const exit = this.describe(code);
    if (exit.reason === 'mmio') this.lastMmio = exit;
    return exit;
  }

  /** Runs the instruction with completed fragments first, alone, then the rest of the budget. */
  private execute(budget: number): number {
    const map = this.machine.map;
    const completions = this.completions;
    if (completions.length === 0 || budget < 1) return this.spec.run(this.core.functions, budget);
    this.completions = [];
    const pc = this.view.getBigUint64(this.core.record + map.CPU_PC, true);
    // The embedder moved the pc: the instruction is abandoned, as KVM's would be.
    if (pc !== this.completionPc) return this.spec.run(this.core.functions, budget);
    this.replay = completions;
    this.completing = 0;
    let exit: number;
    let used: number;
    try {
      exit = this.spec.run(this.core.functions, 1);
    } finally {
      used = this.completing;
      this.replay = [];
    }
    if (exit === map.EXIT_BUDGET) return budget > 1 ? this.spec.run(this.core.functions, budget - 1) : exit;
    // The next fragment of the same instruction: keep what is completed, for its completion.
    const samePc = this.view.getBigUint64(this.core.record + map.CPU_PC, true) === pc;
    if (exit === map.EXIT_MMIO && samePc && used === completions.length) this.completions = completions;
    return exit;
  }

  /** The core's `unclaimed` hook: a fragment completeMmio() completed, while its instruction runs again. */
  private serveCompletion(as: number, low: number, high: number, size: number, write: boolean): number {
    const next = this.replay[this.completing];
    const gpa = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    if (!next || next.as !== as || next.gpa !== gpa || next.size !== size || next.write !== write) return BUS_UNCLAIMED;
    this.completing++;
    if (!write) new Uint8Array(this.machine.memory.buffer).set(next.data, this.core.mmioDataAt(size));
    return BUS_HANDLED;
  }

  private dataEndian(): Endian {
    return (this.view.getUint32(this.core.record + this.machine.map.CPU_MODE, true) & this.machine.map.MODE_LE) !== 0 ? 'little' : 'big';
  }

  private describe(exit: number): VcpuExit {
    const map = this.machine.map;
    const record = this.core.record;
    const u64 = (offset: number) => this.view.getBigUint64(record + offset, true);
    const u32 = (offset: number) => this.view.getUint32(record + offset, true);
    const pc = u64(map.CPU_PC);
    switch (exit) {
      case map.EXIT_BUDGET: return { reason: 'budget', pc };
      case map.EXIT_HYPERCALL: return { reason: 'hypercall', pc };
      case map.EXIT_MMIO: {
        const cause = causeName(map, u32(map.REC_CAUSE));
        // An MMIO exit always has a cause (the TLB's MMIO mark is CAUSE_UNMAPPED).
        const base = { reason: 'mmio', pc, gpa: u64(map.REC_MMIO_GPA), size: u32(map.REC_MMIO_SIZE), addressSpace: u32(map.REC_MMIO_AS), cause: cause === 'none' ? 'unmapped' : cause } as const;
        if (u32(map.REC_MMIO_WRITE) === 0) return { ...base, write: false };
        const data = new Uint8Array(this.machine.memory.buffer, this.core.mmioDataAt(base.size), base.size).slice();
        return { ...base, write: true, data, value: bytesToValue(data, this.dataEndian()) };
      }
      case map.EXIT_DEVICE_ERROR: return { reason: 'device-error', pc, gpa: u64(map.REC_MMIO_GPA) };
      case map.EXIT_FAULT: {
        const kind = u32(map.REC_FAULT_KIND);
        if (kind === map.FAULT_TRANSLATION) {
          return { reason: 'fault', pc, kind: 'translation', address: u64(map.REC_FAULT_ADDR), syndrome: u64(map.REC_FAULT_SYNDROME) };
        }
        return {
          reason: 'fault', pc, address: u64(map.REC_FAULT_ADDR),
          kind: kind === map.FAULT_ALIGNMENT ? 'alignment' : kind === map.FAULT_TRUNCATED ? 'truncated' : kind === map.FAULT_TRAP ? 'trap' : 'fetch',
        };
      }
      default: {
        const cause = u32(map.REC_CAUSE);
        return {
          reason: 'undefined', pc,
          cause: cause === map.CAUSE_UNIMPLEMENTED ? 'unimplemented' : cause === map.CAUSE_INVALID_FORM ? 'invalid-form' : 'undefined',
        };
      }
    }
  }
}
