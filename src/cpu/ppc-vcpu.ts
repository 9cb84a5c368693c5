// A PowerPC vCPU on the calling thread: registers by name, run for a budget, and the
// exit that ended the run (KVM_RUN's kvm_run.exit_reason, as an object).

import type { Machine } from '../machine.js';
import type { CoreAccessor } from '../accessor.js';
import { causeName } from '../accessor.js';
import { EmuError, texts } from '../errors.js';
import { readPpcRegisters, writePpcRegister, type RegisterValues } from './ppc-state.js';

export type PpcArch = 'ppc64be' | 'ppc64le' | 'ppc32be';

export type VcpuExit =
  | { reason: 'budget'; pc: bigint }
  | { reason: 'hypercall'; pc: bigint }
  | { reason: 'mmio'; pc: bigint; gpa: bigint; size: number; write: boolean; cause: string }
  | { reason: 'device-error'; pc: bigint; gpa: bigint }
  | { reason: 'fault'; pc: bigint; kind: 'fetch' | 'alignment' | 'truncated'; address: bigint }
  | { reason: 'undefined'; pc: bigint; cause: 'undefined' | 'unimplemented' | 'invalid-form' };

export class PpcVcpu {
  readonly core: CoreAccessor;
  private readonly view: DataView;

  constructor(readonly machine: Machine, index: number, arch: PpcArch) {
    this.core = machine.attach(index);
    this.view = new DataView(machine.memory.buffer);
    this.reset(arch);
  }

  /** Zeroes every register and the reservation, and selects the implementation and byte order. */
  reset(arch: PpcArch): this {
    const map = this.machine.map;
    const mode = arch === 'ppc64be' ? map.MODE_64 : arch === 'ppc64le' ? map.MODE_64 | map.MODE_LE : arch === 'ppc32be' ? 0 : -1;
    if (mode < 0) throw new EmuError('EINVAL', texts.badOption('arch', 'must be ppc64be, ppc64le or ppc32be'));
    new Uint8Array(this.machine.memory.buffer, this.core.record + map.CPU_GPR, map.CPU_END - map.CPU_GPR).fill(0);
    this.view.setUint32(this.core.record + map.CPU_MODE, mode, true);
    return this;
  }

  /** Sets a register by its step-format name (r0-r31, pc, lr, ctr, xer, cr, msr, f0-f31, v0-v31). */
  set(name: string, value: bigint | number): this {
    writePpcRegister(this.view, this.core.record, this.machine.map, name, BigInt(value));
    return this;
  }

  get(name: string): bigint {
    const value = this.registers()[name];
    if (value === undefined) throw new RangeError(`unknown PowerPC register ${name}`);
    return value;
  }

  registers(): RegisterValues {
    return readPpcRegisters(this.view, this.core.record, this.machine.map);
  }

  /** Runs at most `budget` instructions and returns the exit that ended the run. */
  run(budget: number): VcpuExit {
    const map = this.machine.map;
    const exit = this.core.functions.ppcRun(budget);
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
        return {
          reason: 'fault', pc, address: u64(map.REC_FAULT_ADDR),
          kind: kind === map.FAULT_ALIGNMENT ? 'alignment' : kind === map.FAULT_TRUNCATED ? 'truncated' : 'fetch',
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
