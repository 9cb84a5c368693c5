// A vCPU on the calling thread: registers by name, run for a budget, and the exit
// that ended the run (KVM_RUN's kvm_run.exit_reason, as an object).

import type { Machine } from '../machine.js';
import type { CoreAccessor } from '../accessor.js';
import { causeName } from '../accessor.js';
import { EmuError, texts } from '../errors.js';
import { ARCHES, isGuestArch, readRegister, writeRegister, type ArchSpec, type GuestArch, type RegisterValues } from './registers.js';

export type VcpuExit =
  | { reason: 'budget'; pc: bigint }
  | { reason: 'hypercall'; pc: bigint }
  | { reason: 'mmio'; pc: bigint; gpa: bigint; size: number; write: boolean; cause: string }
  | { reason: 'device-error'; pc: bigint; gpa: bigint }
  | { reason: 'fault'; pc: bigint; kind: 'fetch' | 'alignment' | 'truncated' | 'trap'; address: bigint }
  | { reason: 'fault'; pc: bigint; kind: 'translation'; address: bigint; syndrome: bigint }
  | { reason: 'undefined'; pc: bigint; cause: 'undefined' | 'unimplemented' | 'invalid-form' };

export class Vcpu {
  readonly core: CoreAccessor;
  private readonly view: DataView;
  private spec: ArchSpec;

  constructor(readonly machine: Machine, index: number, arch: GuestArch) {
    this.core = machine.attach(index);
    this.view = new DataView(machine.memory.buffer);
    this.spec = ARCHES.ppc64be;
    this.reset(arch);
  }

  /** Zeroes every register and the reservation, and selects the architecture, width and byte order. */
  reset(arch: GuestArch): this {
    if (!isGuestArch(arch)) throw new EmuError('EINVAL', texts.badOption('arch', `must be one of ${Object.keys(ARCHES).join(', ')}`));
    this.spec = ARCHES[arch];
    const map = this.machine.map;
    new Uint8Array(this.machine.memory.buffer, this.core.record + map.CPU_GPR, map.CPU_END - map.CPU_GPR).fill(0);
    this.view.setUint32(this.core.record + map.CPU_MODE, this.spec.mode(map), true);
    return this;
  }

  get registerNames(): readonly string[] {
    return this.spec.names;
  }

  /** Sets a register by its step-format name. */
  set(name: string, value: bigint | number): this {
    const slot = this.spec.slot(this.machine.map, name);
    if (!slot) throw new RangeError(`unknown register ${name}`);
    writeRegister(this.view, this.core.record + slot.offset, slot, BigInt(value));
    return this;
  }

  get(name: string): bigint {
    const slot = this.spec.slot(this.machine.map, name);
    if (!slot) throw new RangeError(`unknown register ${name}`);
    return readRegister(this.view, this.core.record + slot.offset, slot);
  }

  registers(): RegisterValues {
    return Object.fromEntries(this.spec.names.map((name) => [name, this.get(name)]));
  }

  /** Instructions the last run() completed before the one that ended it (all of its budget on a 'budget' exit). */
  get completed(): number {
    return this.view.getUint32(this.core.record + this.machine.map.REC_RAN, true);
  }

  /** Runs at most `budget` instructions and returns the exit that ended the run. */
  run(budget: number): VcpuExit {
    const map = this.machine.map;
    const exit = this.spec.run(this.core.functions, budget);
    const record = this.core.record;
    const u64 = (offset: number) => this.view.getBigUint64(record + offset, true);
    const u32 = (offset: number) => this.view.getUint32(record + offset, true);
    const pc = u64(map.CPU_PC);
    switch (exit) {
      case map.EXIT_BUDGET: return { reason: 'budget', pc };
      case map.EXIT_HYPERCALL: return { reason: 'hypercall', pc };
      case map.EXIT_MMIO:
        return { reason: 'mmio', pc, gpa: u64(map.REC_MMIO_GPA), size: u32(map.REC_MMIO_SIZE), write: u32(map.REC_MMIO_WRITE) !== 0, cause: causeName(map, u32(map.REC_CAUSE)) };
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
