// A device implemented entirely by exit handling (no handler registered), as a KVM
// embedder does: a write exit carries its data, a read exit is completed with
// completeMmio(value) and the next run() retires the load with that value.
import { describe, expect, it } from 'vitest';
import { A64Program, a64, EmuError, Machine, PpcProgram, ppc, Vcpu, type MmioExit } from '../dist/src/index.js';

const CODE = 0x10_0000;
const RAM = 0x4000_0000;
const DEVICE = 0x6000_0000n;
/** The device's register bytes (memory order) away from its counter: a pattern with the top bit set here and there. */
const pattern = (offset: number) => (0x81 + offset * 0x1d) & 0xff;
const patternBytes = (offset: number, size: number) => Uint8Array.from({ length: size }, (_, i) => pattern(offset + i));

function valueOf(bytes: readonly number[], endian: 'big' | 'little'): bigint {
  const ordered = endian === 'big' ? bytes : [...bytes].reverse();
  return ordered.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}
const signExtend = (value: bigint, bytes: number) => BigInt.asUintN(64, BigInt.asIntN(bytes * 8, value));
const range = (offset: number, size: number) => Array.from({ length: size }, (_, i) => pattern(offset + i));

async function machineWith(code: Uint8Array) {
  const machine = await Machine.create({ vcpus: 1, arenaBytes: 1 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: RAM, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.writeBytes(CODE, code);
  return machine;
}

/**
 * Runs to the guest's hypercall, serving its device accesses from the exits: offset 0 is
 * a counter (each read returns the next value), writes are logged, other reads return
 * the pattern. Returns every MMIO exit in order.
 */
function serveExits(vcpu: Vcpu): MmioExit[] {
  const exits: MmioExit[] = [];
  let counter = 0;
  for (let turns = 0; turns < 1000; turns++) {
    const exit = vcpu.run(10_000);
    if (exit.reason === 'hypercall') return exits;
    if (exit.reason !== 'mmio') throw new Error(`unexpected exit ${exit.reason} at 0x${exit.pc.toString(16)}`);
    exits.push(exit);
    const offset = Number(exit.gpa - DEVICE);
    if (exit.write) vcpu.completeMmio();
    else if (offset === 0) vcpu.completeMmio(counter++);
    else vcpu.completeMmio(patternBytes(offset, exit.size));
  }
  throw new Error('no hypercall after 1000 exits');
}

describe('an MMIO device served entirely from vcpu.run() exits', () => {
  it('PowerPC (big-endian): a counter read in a loop, logged writes, sign extension, a load straddling two pages', async () => {
    const program = new PpcProgram().emit(ppc.lis(3, Number(DEVICE >> 16n)), ppc.lis(9, RAM >> 16), ppc.li(5, 0), ppc.li(10, 5), ppc.mtctr(10))
      .label('loop').emit(ppc.lwz(4, 0, 3), ppc.stw(4, 8, 3), ppc.add(5, 5, 4)).branchTo(ppc.bdnz, 'loop')
      .emit(ppc.lha(6, 18, 3), ppc.ld(7, 24, 3), ppc.std(7, 0, 9), ppc.ld(11, 0xffc, 3), ppc.sc());
    const machine = await machineWith(program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', CODE);
    const exits = serveExits(vcpu);

    expect(vcpu.get('r5')).toBe(0n + 1n + 2n + 3n + 4n);
    const writes = exits.filter((exit) => exit.write);
    expect(writes.map((exit) => [exit.gpa, exit.size, exit.value])).toEqual([0n, 1n, 2n, 3n, 4n].map((n) => [DEVICE + 8n, 4, n]));
    expect(writes.map((exit) => exit.write && [...exit.data])).toEqual([0, 1, 2, 3, 4].map((n) => [0, 0, 0, n]));
    expect(vcpu.get('r6')).toBe(signExtend(valueOf(range(18, 2), 'big'), 2));
    expect(vcpu.get('r6') >> 63n).toBe(1n); // the pattern's halfword is negative: lha sign-extended it
    expect(vcpu.get('r7')).toBe(valueOf(range(24, 8), 'big'));
    expect([...machine.readBytes(RAM, 8)]).toEqual(range(24, 8));
    // ld across the page boundary: two fragments, each an exit, completed in turn.
    const straddle = exits.filter((exit) => exit.gpa >= DEVICE + 0xffcn);
    expect(straddle.map((exit) => [exit.gpa, exit.size, exit.write])).toEqual([[DEVICE + 0xffcn, 4, false], [DEVICE + 0x1000n, 4, false]]);
    expect(new Set(straddle.map((exit) => exit.pc)).size).toBe(1);
    expect(vcpu.get('r11')).toBe(valueOf(range(0xffc, 8), 'big'));
    expect(exits.every((exit) => exit.cause === 'unmapped' && exit.addressSpace === 0)).toBe(true);
  });

  it('A64 (little-endian): the same device, LDRSH, LDP and a straddling load', async () => {
    const program = new A64Program().emit(a64.movz(3, 0x6000, 16), a64.movz(9, RAM >> 16, 16), a64.movz(5, 0), a64.movz(2, 5))
      .label('loop').emit(a64.ldr(4, 3, 0, 4), a64.str(4, 3, 8, 4), a64.addRegister(5, 5, 4), a64.subs(2, 2, 1)).branchTo((d) => a64.cbnz(2, d), 'loop')
      .emit(a64.ldrs(6, 3, 18, 2), a64.ldr(7, 3, 24), a64.str(7, 9), a64.ldp(11, 12, 3, 32), a64.add(14, 3, 0xffc), a64.ldr(13, 14), a64.hvc());
    const machine = await machineWith(program.bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', CODE);
    const exits = serveExits(vcpu);

    expect(vcpu.get('x5')).toBe(10n);
    const writes = exits.filter((exit) => exit.write);
    expect(writes.map((exit) => [exit.gpa, exit.size, exit.value])).toEqual([0n, 1n, 2n, 3n, 4n].map((n) => [DEVICE + 8n, 4, n]));
    expect(writes.map((exit) => exit.write && [...exit.data])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 0, 0, 0]));
    expect(vcpu.get('x6')).toBe(signExtend(valueOf(range(18, 2), 'little'), 2));
    expect(vcpu.get('x6') >> 63n).toBe(1n);
    expect(vcpu.get('x7')).toBe(valueOf(range(24, 8), 'little'));
    expect([...machine.readBytes(RAM, 8)]).toEqual(range(24, 8));
    expect([vcpu.get('x11'), vcpu.get('x12')]).toEqual([valueOf(range(32, 8), 'little'), valueOf(range(40, 8), 'little')]);
    expect(vcpu.get('x13')).toBe(valueOf(range(0xffc, 8), 'little'));
  });

  it('without a completion the instruction runs again and exits again; bad completions are refused and change nothing', async () => {
    const program = new PpcProgram().emit(ppc.lis(3, Number(DEVICE >> 16n)), ppc.lhz(4, 2, 3), ppc.sth(4, 4, 3), ppc.sc());
    const machine = await machineWith(program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', CODE);
    expect(() => vcpu.completeMmio(1)).toThrow(EmuError); // no exit yet
    const read = vcpu.run(100);
    expect(read).toMatchObject({ reason: 'mmio', gpa: DEVICE + 2n, size: 2, write: false });
    expect(vcpu.run(100)).toEqual(read);
    for (const bad of [undefined, 0x10000, -0x8001, 1.5, new Uint8Array(3)]) expect(() => vcpu.completeMmio(bad)).toThrow(EmuError);
    vcpu.completeMmio(-2); // a halfword's two's complement: 0xfffe
    expect(() => vcpu.completeMmio(1)).toThrow(/completed already/);
    const write = vcpu.run(100);
    expect(vcpu.get('r4')).toBe(0xfffen); // lhz: zero-extended
    expect(write).toMatchObject({ reason: 'mmio', gpa: DEVICE + 4n, size: 2, write: true, value: 0xfffen });
    expect(() => vcpu.completeMmio(5)).toThrow(/a write exit takes no value/);
    vcpu.completeMmio();
    expect(vcpu.run(100).reason).toBe('hypercall');
  });
});
