// Compiled loops and JS devices: an access whose TLB mark names a JS device calls that
// device's table entry from inside the loop (assembly/exec/jit.ts, src/device-entries.ts).
// It must do exactly what the interpreter does: the same handler calls in the same order,
// values, exits and counters, whatever the width rules and byte order, and a handler that
// throws mid-iteration ends the run with device-error at that instruction, called once.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, a64 } from '../dist/src/index.js';

// TLB data entries 2, 3 and 1 (64 entries): no two of the pages evict each other.
const CODE = 0x1_0000;
const DATA = 0x20_2000;
const DEVICE = 0x30_3000; // little-endian, every width
const NARROW = 0x30_1000; // big-endian, 2-byte registers only (wider accesses split, 1-byte ones widened)
const SIZES = [1, 2, 4, 8] as const;

type Log = (string | number)[];

/** Handler calls that throw: a write of `write`, a read that finds `read`. */
interface Failing { write?: bigint; read?: bigint }

/** A register file that logs every handler call, and throws as `failing` says. */
function registerFile(name: string, base: number, log: Log[], failing: Failing, options: { endian?: 'big'; widths?: number[] } = {}) {
  const bytes = Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 97 + 13) & 0xff);
  const big = options.endian === 'big';
  return {
    name, base, size: 0x1000, ...options,
    read(offset: number, width: number) {
      let value = 0n;
      for (let i = 0; i < width; i++) value |= BigInt(bytes[offset + (big ? width - 1 - i : i)]!) << BigInt(8 * i);
      log.push([name, 'read', offset, width, value.toString(16)]);
      if (value === failing.read) throw new Error(`${name} refuses to read ${value}`);
      return width === 8 ? value : Number(value);
    },
    write(offset: number, width: number, value: number | bigint) {
      const bits = BigInt(value);
      log.push([name, 'write', offset, width, bits.toString(16)]);
      if (bits === failing.write) throw new Error(`${name} refuses ${bits}`);
      for (let i = 0; i < width; i++) bytes[offset + (big ? width - 1 - i : i)] = Number((bits >> BigInt(8 * i)) & 0xffn);
    },
  };
}

async function loopMachine(jit: boolean, arch: 'aarch64' | 'aarch64_be', code: Uint8Array, failing: Failing = {}) {
  const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  const log: Log[] = [];
  machine.mmio.register(registerFile('dev', DEVICE, log, failing));
  machine.mmio.register(registerFile('narrow', NARROW, log, failing, { endian: 'big', widths: [2] }));
  machine.writeBytes(CODE, code);
  const vcpu = new Vcpu(machine, 0, arch).set('pc', BigInt(CODE)).set('x13', BigInt(DEVICE)).set('x14', BigInt(NARROW)).set('x15', BigInt(DATA));
  for (let r = 3; r < 13; r++) vcpu.set(`x${r}` as 'x3', 0x0102_0304_0506_0708n * BigInt(r));
  return { machine, vcpu, log };
}

/** loop: str/ldr through both devices at `size`, a RAM store, x3 += 1; `count` times, then svc. */
function program(size: 1 | 2 | 4 | 8, count: number): Uint8Array {
  return new A64Program().emit(a64.movz(2, count)).label('loop').emit(
    a64.str(3, 13, size * 2, size), a64.ldr(8, 13, size * 2, size), a64.str(4, 14, size * 4, size), a64.ldr(9, 14, size * 4, size),
    a64.ldr(10, 13, 0x800, size), a64.str(8, 15, 8, 8), a64.add(3, 3, 1),
  ).emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc()).bytes();
}

function finish(m: Awaited<ReturnType<typeof loopMachine>>) {
  const exits: { reason: string; pc: bigint }[] = [];
  for (let run = 0; run < 20; run++) {
    const exit = m.vcpu.run(37);
    exits.push({ reason: exit.reason, pc: m.vcpu.get('pc') });
    if (exit.reason !== 'budget') break;
  }
  return {
    exits, log: m.log, regs: ['x2', 'x3', 'x8', 'x9', 'x10'].map((name) => m.vcpu.get(name as 'x3')),
    ram: [...m.machine.readBytes(DATA, 16)], mmio: m.vcpu.core.counters().mmio,
  };
}

describe('compiled loops and JS devices', () => {
  it('serve JS devices from inside the loop exactly as the interpreter does, every size, LE and BE8', async () => {
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (const size of SIZES) {
        const [plain, jit] = await Promise.all([false, true].map((on) => loopMachine(on, arch, program(size, 40))));
        const expected = finish(plain!);
        expect(expected.exits.at(-1)!.reason).toBe('hypercall');
        expect(finish(jit!), `${arch} size ${size}`).toEqual(expected);
      }
    }
  });

  it('a handler that throws mid-iteration ends the run with device-error at that access, called once for it', async () => {
    // x3 counts up from 0x1d: the 20th iteration (long after the loop compiled) stores 0x30
    // to the little-endian device, whose write throws, or whose read of it back throws.
    for (const kind of ['write', 'read'] as const) {
      for (const size of SIZES) {
        const failing: Failing = { [kind]: 0x30n };
        const [plain, jit] = await Promise.all([false, true].map(async (on) => {
          const m = await loopMachine(on, 'aarch64', program(size, 40), failing);
          m.vcpu.set('x3', 0x1dn);
          return finish(m);
        }));
        const what = `${kind} size ${size}`;
        expect(plain!.exits.at(-1)!.reason, what).toBe('device-error');
        expect(plain!.exits.at(-1)!.pc, what).toBe(BigInt(CODE + (kind === 'write' ? 4 : 8)));
        expect(plain!.log.filter((entry) => entry[0] === 'dev' && entry[1] === kind && entry[4] === '30'), what).toHaveLength(1);
        expect(jit, what).toEqual(plain);
      }
    }
  });
  it('a handler that switches a RAM bank mid-iteration: the loop\'s next accesses see the new bank, as interpreted', async () => {
    // loop: str x2 -> the bank register, str x2 -> DATA + 8i; 40 times. A write of a multiple of 4 maps
    // bank (x2 / 4) & 1 at DATA; the others change nothing, so the device page keeps its hint between switches.
    const code = new A64Program().emit(a64.movz(2, 40)).label('loop').emit(a64.str(2, 13, 0, 4), a64.str(2, 15, 0, 4), a64.add(15, 15, 8))
      .emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc()).bytes();
    const banks = await Promise.all([false, true].map(async (jit) => {
      const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      const bank = [machine.allocateBacking(0x1000), machine.allocateBacking(0x1000)];
      const map = (which: number) => {
        machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 });
        machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: bank[which]! });
      };
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: bank[0]! });
      machine.mmio.register({ name: 'bank', base: DEVICE, size: 0x1000, read: () => 0, write: (_offset, _size, value) => {
        if (Number(value) % 4 === 0) map((Number(value) / 4) & 1);
      } });
      machine.writeBytes(CODE, code);
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x13', BigInt(DEVICE)).set('x15', BigInt(DATA));
      let exit;
      for (let run = 0; run < 20 && (exit = vcpu.run(37)).reason === 'budget'; run++);
      expect(exit!.reason).toBe('hypercall');
      return bank.map((at) => [...machine.backing(at, 8 * 40)]);
    }));
    expect(banks[1]).toEqual(banks[0]);
  });
});

describe('compiled loops and device hints', () => {
  it('a built-in device added over a hinted JS device mid-run: the loop\'s next loads reach it, as interpreted', async () => {
    // loop: ldr x5 <- the device, str x5 -> DATA + 8i; 40 times. After 24 iterations (the loop compiled, the
    // page hinted to the JS device) a scratch device is added over the JS one: it shadows it from then on.
    const code = new A64Program().emit(a64.movz(2, 40)).label('loop').emit(a64.ldr(5, 13, 8, 4), a64.str(5, 15, 0, 8), a64.add(15, 15, 8))
      .emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc()).bytes();
    const runs = await Promise.all([false, true].map(async (jit) => {
      const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      const log: Log[] = [];
      machine.mmio.register(registerFile('dev', DEVICE, log, {}));
      machine.writeBytes(CODE, code);
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x13', BigInt(DEVICE)).set('x15', BigInt(DATA));
      expect(vcpu.run(1 + 24 * 5).reason).toBe('budget');
      const calls = log.length;
      const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: DEVICE, size: 0x1000 });
      machine.backing(scratch, 0x1000).fill(0x5a);
      expect(vcpu.run(1000).reason).toBe('hypercall');
      return { calls, later: log.slice(calls), data: [...machine.readBytes(DATA, 8 * 40)] };
    }));
    expect(runs[0]!.calls).toBe(24);
    expect(runs[0]!.later).toEqual([]);
    expect(runs[0]!.data.slice(8 * 24, 8 * 25)).toEqual([0x5a, 0x5a, 0x5a, 0x5a, 0, 0, 0, 0]);
    expect(runs[1]).toEqual(runs[0]);
  });
});

describe('JS device entries through registration', () => {
  it('a removed device is never called again through a stale hint, even when another takes its bus index', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    const calls: string[] = [];
    const device = (name: string, base: number) => ({
      name, base, size: 0x1000,
      read: (offset: number) => { calls.push(`${name} read ${offset}`); return 7; },
      write: (offset: number) => { calls.push(`${name} write ${offset}`); },
    });
    const x = machine.mmio.register(device('X', DEVICE));
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(5, 3, 0, 4), a64.str(5, 3, 0, 4)).bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    const access = (address: number, write: boolean) => {
      const exit = vcpu.set('pc', BigInt(CODE + (write ? 4 : 0))).set('x3', BigInt(address)).run(1);
      return exit.reason;
    };
    // The first accesses mark the page and give the mark X's hint; the later ones use X's entry.
    for (let i = 0; i < 4; i++) expect([access(DEVICE + 8, false), access(DEVICE + 8, true)]).toEqual(['budget', 'budget']);
    x.unregister();
    machine.mmio.register(device('Y', NARROW)); // X's bus index, free again
    calls.length = 0;
    expect([access(DEVICE + 8, false), access(DEVICE + 8, true)]).toEqual(['mmio', 'mmio']);
    expect(calls).toEqual([]);
    for (let i = 0; i < 3; i++) expect(access(NARROW + 16, false)).toBe('budget');
    expect(calls).toEqual(['Y read 16', 'Y read 16', 'Y read 16']);
  });
});
