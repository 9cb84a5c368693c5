import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine, Vcpu, PpcProgram, ppc, A64Program, a64, MmioError, AccessError } from '../dist/src/index.js';
import { LOG_CALL_SIZE, LOG_CALLS, LOG_COUNT, REGISTERS, malformedDevices, recordingDevice, trappingDevice } from './fixtures/device-modules.js';

const UART_BYTES = readFileSync(new URL('../build/devices/uart.wasm', import.meta.url));
const UART = 0x9000_0000;
const RAM = 0x10_0000;
const REG = { data: 0x00, status: 0x04, ier: 0x08, isr: 0x0c, irq: 0x10, ctrl: 0x14, rxCount: 0x18, txCount: 0x1c, lineRx: 0x20, lineTx: 0x24 };
const STATUS = { rxReady: 1, txFull: 2, txEmpty: 4, rxFull: 8 };
const INT = { rxReady: 1, txEmpty: 2, rxOverrun: 4, txOverrun: 8 };
const FIFO = 64;

async function machineWithUart(options: { vcpus?: number; endian?: 'little' | 'big' } = {}) {
  const machine = await Machine.create({ vcpus: options.vcpus ?? 1, arenaBytes: 1 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const uart = machine.addWasmDevice({ name: 'uart', base: UART, size: 0x100, bytes: UART_BYTES, widths: [4], endian: options.endian ?? 'little' });
  return { machine, uart };
}

/** The line side: every byte the UART transmitted, drained. */
function drain(machine: Machine, endian: 'little' | 'big' = 'little'): number[] {
  const out: number[] = [];
  const next = () => Number(machine.read(UART + REG.lineTx, 4, { endian }));
  for (let byte = next(); byte !== 0; byte = next()) out.push(byte & 0xff);
  return out;
}

describe('the Wasm UART from the host', () => {
  it('transmits in order to the line and receives from it, through read/write and the typed accessors', async () => {
    const { machine } = await machineWithUart();
    expect(machine.read32(UART + REG.status)).toBe(STATUS.txEmpty);
    for (const byte of [0x68, 0x69]) machine.write32(UART + REG.data, byte);
    machine.write(UART + REG.data, 4, 0x21n);
    expect(machine.read(UART + REG.txCount, 4)).toBe(3n);
    expect(machine.read32(UART + REG.status)).toBe(0);
    expect(drain(machine)).toEqual([0x68, 0x69, 0x21]);
    for (const byte of [1, 2, 3]) machine.write32(UART + REG.lineRx, byte);
    expect(machine.read32(UART + REG.status)).toBe(STATUS.rxReady | STATUS.txEmpty);
    expect([machine.read32(UART + REG.data), Number(machine.read(UART + REG.data, 4)), machine.read8(UART + REG.data)]).toEqual([1, 2, 3]);
    expect(machine.read32(UART + REG.data)).toBe(0); // empty
  });

  it('loops back, raises its interrupt line for enabled conditions and latches overruns until cleared', async () => {
    const { machine } = await machineWithUart();
    machine.write32(UART + REG.ctrl, 1);
    expect(machine.read32(UART + REG.irq)).toBe(0); // nothing enabled
    machine.write32(UART + REG.ier, INT.rxReady | INT.rxOverrun);
    expect(machine.read32(UART + REG.irq)).toBe(0);
    for (let i = 0; i < FIFO + 1; i++) machine.write32(UART + REG.data, i);
    expect(machine.read32(UART + REG.rxCount)).toBe(FIFO);
    expect(machine.read32(UART + REG.status)).toBe(STATUS.rxReady | STATUS.rxFull | STATUS.txEmpty);
    expect(machine.read32(UART + REG.isr)).toBe(INT.rxReady | INT.txEmpty | INT.rxOverrun);
    expect(machine.read32(UART + REG.irq)).toBe(1);
    const received = Array.from({ length: FIFO }, () => machine.read32(UART + REG.data));
    expect(received).toEqual(Array.from({ length: FIFO }, (_, i) => i)); // the 65th was dropped
    expect(machine.read32(UART + REG.isr)).toBe(INT.txEmpty | INT.rxOverrun);
    expect(machine.read32(UART + REG.irq)).toBe(1); // the latched overrun
    machine.write32(UART + REG.isr, INT.rxOverrun);
    expect(machine.read32(UART + REG.isr)).toBe(INT.txEmpty);
    expect(machine.read32(UART + REG.irq)).toBe(0);
    expect(drain(machine)).toEqual([]); // loopback sent nothing to the line
  });

  it('keeps its state in the arena region it was given, zeroed, and unregistered addresses stay unclaimed', async () => {
    const { machine, uart } = await machineWithUart();
    machine.write32(UART + REG.ier, 0xf);
    expect(new DataView(machine.backing(uart.state, 8).slice().buffer).getUint32(4, true)).toBe(0xf);
    expect(() => machine.read32(UART + 0x100)).toThrow(AccessError);
    expect(machine.read32(UART + 0x80)).toBe(0); // inside the window, no register
  });
});

describe('the width rules of a Wasm device (as for JS devices)', () => {
  async function recorder(widths: number[], endian: 'little' | 'big' = 'little') {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const device = machine.addWasmDevice({ name: 'rec', base: UART, size: 0x100, bytes: recordingDevice(), widths, endian });
    const registers = machine.backing(device.state + REGISTERS, 0x108);
    registers.forEach((_, i) => { registers[i] = i & 0xff; });
    const state = new DataView(machine.memory.buffer, machine.layout.arenaBase + device.state, REGISTERS);
    const calls = () => {
      const out = Array.from({ length: state.getUint32(LOG_COUNT, true) }, (_, i) => {
        const at = LOG_CALLS + i * LOG_CALL_SIZE;
        return [state.getUint32(at, true), state.getUint32(at + 4, true), state.getBigUint64(at + 8, true)] as const;
      });
      state.setUint32(LOG_COUNT, 0, true);
      return out;
    };
    return { machine, calls };
  }

  it('an access of a width the device takes, aligned, is one call with the value in a register', async () => {
    const { machine, calls } = await recorder([1, 2, 4, 8]);
    for (const size of [1, 2, 4, 8]) {
      const expected = Array.from({ length: size }, (_, i) => BigInt(0x10 + i) << BigInt(8 * i)).reduce((a, b) => a | b);
      expect(machine.read(UART + 0x10, size)).toBe(expected);
      expect(calls()).toEqual([[0x10, size, 0n]]);
      machine.write(UART + 0x20, size, 0xa5n);
      expect(calls()).toEqual([[0x20, size, 0xa5n]]);
    }
  });

  it('narrower, misaligned and 16-byte accesses are split or widened to the widths it takes, little- or big-endian', async () => {
    const { machine, calls } = await recorder([4]);
    expect(machine.read(UART + 0x05, 2)).toBe(0x0605n); // widened: bytes 1-2 of the register at 4
    expect(calls()).toEqual([[4, 4, 0n]]);
    expect(machine.read(UART + 0x06, 4)).toBe(0x09080706n); // straddles two registers
    expect(calls()).toEqual([[4, 4, 0n], [8, 4, 0n]]);
    expect(machine.readBytes(UART + 0x10, 16)).toEqual(Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i));
    expect(calls().map(([offset, size]) => [offset, size])).toEqual([[0x10, 4], [0x14, 4], [0x18, 4], [0x1c, 4]]);
    machine.write(UART + 0x05, 1, 0xabn); // zeros in the bytes not written
    expect(calls()).toEqual([[4, 4, 0xab00n]]);
    machine.write(UART + 0x08, 8, 0x1122_3344_5566_7788n);
    expect(calls()).toEqual([[8, 4, 0x5566_7788n], [12, 4, 0x1122_3344n]]);

    const big = await recorder([4], 'big');
    big.machine.write(UART + 0x05, 1, 0xabn);
    expect(big.calls()).toEqual([[4, 4, 0xab_0000n]]);
    // The register value read is little-endian in the recorder's state; big-endian registers send its high byte first.
    expect(big.machine.read(UART + 0x04, 1)).toBe(0x07n);
    expect(big.calls()).toEqual([[4, 4, 0n]]);
  });
});

describe('guest code and the Wasm UART', () => {
  it('ppc64be (big-endian registers): receives from the line, sees its interrupt, transmits', async () => {
    const { machine } = await machineWithUart({ endian: 'big' });
    machine.write(UART + REG.lineRx, 4, 0x68, { endian: 'big' });
    machine.write(UART + REG.lineRx, 4, 0x69, { endian: 'big' });
    const program = new PpcProgram().emit(
      ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.li(4, INT.rxReady), ppc.stw(4, REG.ier, 3),
      ppc.lwz(5, REG.rxCount, 3), ppc.lwz(6, REG.irq, 3), ppc.lwz(7, REG.data, 3), ppc.lbz(8, REG.data + 3, 3), ppc.lwz(9, REG.irq, 3),
      ppc.li(4, 0x6f), ppc.stw(4, REG.data, 3), ppc.li(4, 0x6b), ppc.stw(4, REG.data, 3), ppc.sc());
    machine.writeBytes(RAM, program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', RAM);
    expect(vcpu.run(100).reason).toBe('hypercall');
    expect(['r5', 'r6', 'r7', 'r8', 'r9'].map((r) => vcpu.get(r as 'r5'))).toEqual([2n, 1n, 0x68n, 0x69n, 0n]);
    expect(drain(machine, 'big')).toEqual([0x6f, 0x6b]);
  });

  it('aarch64: loops bytes back through the FIFO (the vCPU made before the device is added sees it too)', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    machine.addWasmDevice({ name: 'uart', base: UART, size: 0x100, bytes: UART_BYTES, widths: [4] });
    // x1 = UART; loopback on; send 10, 20, ..., 80 (x2 counts down); x5 = RXCOUNT; x6 = sum of the bytes read back.
    const program = new A64Program().emit(a64.movz(1, 0x9000, 16), a64.movz(2, 1), a64.str(2, 1, REG.ctrl, 4), a64.movz(2, 80), a64.movz(6, 0))
      .label('send').emit(a64.str(2, 1, REG.data, 4), a64.sub(2, 2, 10)).branchTo((offset: number) => a64.cbnz(2, offset), 'send')
      .emit(a64.ldr(5, 1, REG.rxCount, 4), a64.movz(3, 8))
      .label('receive').emit(a64.ldr(4, 1, REG.data, 4), a64.addRegister(6, 6, 4), a64.sub(3, 3, 1)).branchTo((offset: number) => a64.cbnz(3, offset), 'receive')
      .emit(a64.ldr(7, 1, REG.status, 4), a64.svc());
    machine.writeBytes(RAM, program.bytes());
    vcpu.set('pc', RAM);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    expect([vcpu.get('x5'), vcpu.get('x6'), vcpu.get('x7')]).toEqual([8n, 360n, BigInt(STATUS.txEmpty)]);
  });
});

describe('compiled loops and the Wasm UART', () => {
  it('a compiled loop hands each UART access to the interpreter once: 40 stores transmit 40 bytes, in order', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20, jit: true });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.addWasmDevice({ name: 'uart', base: UART, size: 0x100, bytes: UART_BYTES, widths: [4], endian: 'big' });
    // r3 = UART, r4 = RAM cell; 40 times: DATA = r5, cell = r5, r5 += 1.
    const program = new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.lis(4, 0x10), ppc.ori(4, 4, 0x800), ppc.li(5, 0x30), ppc.li(6, 40), ppc.mtctr(6))
      .label('loop').emit(ppc.stw(5, REG.data, 3), ppc.std(5, 0, 4), ppc.addi(5, 5, 1)).branchTo(ppc.bdnz, 'loop').emit(ppc.sc());
    machine.writeBytes(RAM, program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', RAM);
    expect(vcpu.run(10_000).reason).toBe('hypercall');
    expect(drain(machine, 'big')).toEqual(Array.from({ length: 40 }, (_, i) => 0x30 + i));
    expect(machine.read(RAM + 0x800, 8, { endian: 'big' })).toBe(BigInt(0x30 + 39));
    // The loop was compiled, into a table slot after the ones kept for device modules.
    const { map } = machine;
    const view = new DataView(machine.memory.buffer, vcpu.core.record + map.REC_JIT_BLOCKS, map.JIT_BLOCKS * map.JIT_BLOCK_SIZE);
    const indices = Array.from({ length: map.JIT_BLOCKS }, (_, i) => view.getInt32(i * map.JIT_BLOCK_SIZE + 8, true));
    expect(indices.some((index) => index >= map.WASM_DEVICE_TABLE_BASE + 2 * map.BUILTIN_MAX)).toBe(true);
  });
});

describe('refusals and traps', () => {
  it('refuses a module the core could not call, or an overlapping range, and changes nothing', async () => {
    const { machine } = await machineWithUart();
    const countAt = machine.map.CONTROL_BASE + machine.map.CTRL_BUILTIN_COUNT;
    const count = () => new DataView(machine.memory.buffer).getUint32(countAt, true);
    machine.addBuiltinDevice({ kind: 'scratch', base: 0xb000_0000, size: 0x10 });
    const free = machine.allocateBacking(4096);
    machine.releaseBacking(free);
    for (const { why, bytes, error } of malformedDevices()) {
      expect(() => machine.addWasmDevice({ name: why, base: 0xa000_0000, size: 0x100, bytes }), why).toThrow(error);
    }
    const refused = (options: Record<string, unknown>) => machine.addWasmDevice({ base: 0xa000_0000, size: 0x100, bytes: recordingDevice(), ...options });
    expect(() => refused({ base: UART + 0x80 })).toThrow(/overlaps the built-in device at 0x90000000/);
    expect(() => refused({ base: 0xb000_0008 })).toThrow(MmioError);
    expect(() => refused({ size: 0 })).toThrow(/size must be 1..2\^32/);
    expect(() => refused({ size: 2 ** 32 + 1 })).toThrow(/size must be 1..2\^32/);
    expect(() => refused({ widths: [3] })).toThrow(/widths/);
    expect(() => refused({ bytes: 'uart.wasm' })).toThrow(/bytes must be/);
    expect(() => refused({ stateBytes: 0 })).toThrow(/stateBytes/);
    expect(count()).toBe(2); // the UART and the scratch device
    expect(machine.allocateBacking(4096)).toBe(free); // no state region was taken
    expect(() => machine.read32(0xa000_0000)).toThrow(/no RAM slot/);
    expect(machine.read32(UART + REG.status)).toBe(STATUS.txEmpty);
  });

  it('a trap inside the device is a device error (host access and guest run), and the core goes on working', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.addWasmDevice({ name: 'trapper', base: UART, size: 0x100, bytes: trappingDevice() });
    const failure = (() => { try { machine.read(UART + 8, 4); } catch (error) { return error; } })();
    expect(failure).toBeInstanceOf(AccessError);
    expect((failure as AccessError).code).toBe('EIO');
    expect((failure as AccessError).message).toMatch(/device trapper failed an access at 0x90000008: .*unreachable/);
    expect((failure as AccessError).cause).toBeInstanceOf(WebAssembly.RuntimeError);
    machine.write32(RAM + 0x800, 7);
    expect(machine.read32(RAM + 0x800)).toBe(7);
    machine.write32(UART, 1); // its write works
    const program = new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.lwz(5, 4, 3), ppc.li(6, 9), ppc.sc());
    machine.writeBytes(RAM, program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', RAM);
    expect(vcpu.run(100)).toEqual({ reason: 'device-error', pc: BigInt(RAM + 8), gpa: BigInt(UART + 4) });
    vcpu.set('pc', RAM + 12); // past the load: the instance runs on
    expect(vcpu.run(100).reason).toBe('hypercall');
    expect(vcpu.get('r6')).toBe(9n);
  });
});

describe('the TLB device hints and a Wasm device added later', () => {
  it('a Wasm device added over a JS device the guest already reached takes the next access (its registration drops the hints)', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const jsReads: number[] = [];
    machine.mmio.register({ name: 'js', base: UART, size: 0x100, read: (offset) => (jsReads.push(offset), 0x5a5a), write: () => {} });
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    // x1 = UART; read IER (x2) twice so the page's TLB mark names the JS device; stop.
    const program = new A64Program().emit(a64.movz(1, 0x9000, 16), a64.ldr(2, 1, REG.ier, 4), a64.ldr(2, 1, REG.ier, 4), a64.svc());
    machine.writeBytes(RAM, program.bytes());
    vcpu.set('pc', RAM);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    expect([vcpu.get('x2'), jsReads.length]).toEqual([0x5a5an, 2]);
    machine.addWasmDevice({ name: 'uart', base: UART, size: 0x100, bytes: UART_BYTES, widths: [4] });
    vcpu.set('pc', RAM);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    // The UART's IER starts at 0, and the JS handler is not called again.
    expect([vcpu.get('x2'), jsReads.length]).toEqual([0n, 2]);
  });
});
