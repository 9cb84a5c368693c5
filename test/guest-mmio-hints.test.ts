// The TLB's device hints (assembly/mem/access.ts mmioLoad/mmioStore): a guest access to
// a page whose MMIO mark names a device reaches it in one register-path call, and does
// exactly what the general path does: the same handler calls, values, exits and
// counters, whatever the size, alignment, straddle, or device moves and additions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Machine, Vcpu, A64Program, A64PageTables, a64, type MmioRegistration } from '../dist/src/index.js';
import { recordingDevice } from './fixtures/device-modules.js';
import { ENTER_AFTER } from '../dist/src/accessor.js';

const CODE = 0x1_0000;
const RAM_TOP = 0x2_0000; // RAM [CODE, RAM_TOP): its last page borders the devices
const TABLES = 0x10_0000;
const SPARE = 0x40_0000; // a one-page slot toggled to flush the reference's TLB
const A = 0x2_0000; // JS, little-endian, every width: [A, A + 0x800)
const B = 0x2_0800; // JS, big-endian, 4-byte registers only: [B, B + 0x800) (A/B share a page)
const SCRATCH = 0x2_1000; // built-in scratch [SCRATCH, SCRATCH + 0x800); unclaimed above, to 0x2_2000
const C = 0x2_2000; // JS, little-endian, widths 2 and 1: [C, C + 0x1000)
const MOVED = 0x2_4000; // where A moves to (and back)
const POINTS = [RAM_TOP - 8, A, A + 0x10, B - 4, B + 8, SCRATCH, SCRATCH + 0x7fc, C - 4, C + 0x20, MOVED, MOVED + 0x7fc];
const SIZES = [1, 2, 4, 8] as const;

type Log = (string | number)[];

/** Handler calls the register path made (not inside the bus's general path), over the whole property; general: bus.access calls under way. */
const registerPath = { calls: 0, general: 0 };

/** A register file: bytes kept per offset (a pattern at first); the log gets every handler call. */
function registerFile(name: string, base: number, size: number, log: Log[], options: { endian?: 'big'; widths?: number[] } = {}) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 151 + name.charCodeAt(0)) & 0xff);
  const big = options.endian === 'big';
  return {
    name, base, size, ...options,
    read(offset: number, width: number) {
      if (registerPath.general === 0) registerPath.calls++;
      let value = 0n;
      for (let i = 0; i < width; i++) value |= BigInt(bytes[offset + (big ? width - 1 - i : i)]!) << BigInt(8 * i);
      log.push([name, 'read', offset, width, value.toString(16)]);
      return width === 8 && value >= 1n << 53n ? value : Number(value); // 8 bytes: a bigint, or a number where it is exact
    },
    write(offset: number, width: number, value: number | bigint) {
      if (registerPath.general === 0) registerPath.calls++;
      const bits = BigInt(value);
      for (let i = 0; i < width; i++) bytes[offset + (big ? width - 1 - i : i)] = Number((bits >> BigInt(8 * i)) & 0xffn);
      log.push([name, 'write', offset, width, bits.toString(16)]);
    },
  };
}

/** A machine with the devices above, and two vCPUs (MMU off, MMU on with identity tables) whose code holds one ldr and one str of each size. */
async function rig() {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: RAM_TOP - CODE, userspaceAddr: machine.allocateBacking(RAM_TOP - CODE) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: TABLES, memorySize: 0x2_0000, userspaceAddr: machine.allocateBacking(0x2_0000) });
  const spare = machine.allocateBacking(0x1000);
  const log: Log[] = [];
  const a = registerFile('A', A, 0x800, log);
  let aRegistration: MmioRegistration = machine.mmio.register(a);
  machine.mmio.register(registerFile('B', B, 0x800, log, { endian: 'big', widths: [4] }));
  machine.mmio.register(registerFile('C', C, 0x1000, log, { widths: [2, 1] }));
  const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x800 });
  const bus = machine.mmio;
  const general = bus.access.bind(bus);
  bus.access = (...args) => {
    registerPath.general++;
    try {
      return general(...args);
    } finally {
      registerPath.general--;
    }
  };
  const program = new A64Program();
  for (const size of SIZES) program.emit(a64.ldr(5, 3, 0, size), a64.str(5, 3, 0, size));
  machine.writeBytes(CODE, program.bytes());
  const tables = new A64PageTables(machine, BigInt(TABLES), 0x2_0000);
  for (let page = CODE; page < 0x3_0000; page += 0x1000) tables.map({ va: BigInt(page), pa: BigInt(page), size: 0x1000 });
  const vcpus = [new Vcpu(machine, 0, 'aarch64'), tables.enable(new Vcpu(machine, 1, 'aarch64'))];
  let spareMapped = false;
  let builtins = 0;
  return {
    machine, log, scratch,
    /** One guest access; `flush` first empties the vCPU's TLB (a slot change), so it takes the general path. */
    access(vcpu: number, write: boolean, size: 1 | 2 | 4 | 8, address: number, value: bigint, flush: boolean) {
      if (flush) {
        spareMapped = !spareMapped;
        machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: SPARE, memorySize: spareMapped ? 0x1000 : 0, userspaceAddr: spare });
      }
      const cpu = vcpus[vcpu]!;
      cpu.set('pc', BigInt(CODE + SIZES.indexOf(size) * 8 + (write ? 4 : 0))).set('x3', BigInt(address)).set('x5', value);
      const exit = cpu.run(1);
      return { reason: exit.reason, gpa: 'gpa' in exit ? exit.gpa : undefined, x5: cpu.get('x5'), mmio: cpu.core.counters().mmio };
    },
    /** Moves device A between A and MOVED (its hint index then names a device elsewhere, or another one). */
    moveA() {
      aRegistration.unregister();
      a.base = a.base === A ? MOVED : A;
      aRegistration = machine.mmio.register(a);
    },
    /** A built-in scratch device over part of C (built-in devices are tried first): every hint must go. */
    addBuiltin() {
      if (builtins < 4) machine.addBuiltinDevice({ kind: 'scratch', base: C + 0x100 * builtins++, size: 0x80 });
    },
  };
}

const step = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('access' as const), vcpu: fc.integer({ min: 0, max: 1 }), write: fc.boolean(), size: fc.constantFrom(...SIZES), point: fc.constantFrom(...POINTS), delta: fc.integer({ min: -7, max: 7 }), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), repeat: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'move' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'builtin' as const }) },
);

describe('guest MMIO through the TLB device hints', () => {
  it('reaches a marked page\'s device in one register-path call, without the bus look-up', async () => {
    const { machine, access } = await rig();
    const before = registerPath.calls;
    let general = 0;
    const bus = machine.mmio;
    const access0 = bus.access.bind(bus);
    bus.access = (...args) => { general++; return access0(...args); };
    const accesses = ENTER_AFTER + 18;
    for (let i = 0; i < accesses; i++) expect(access(0, false, 4, A + 0x10, 0n, false).reason).toBe('budget');
    // The first accesses mark the page (and drop the marks made before the built-in
    // device was added), the next ones find the device and keep its hint, its entry goes
    // in at its ENTER_AFTER-th locate; the rest use it.
    expect(registerPath.calls - before + general).toBe(accesses);
    expect(general).toBeLessThanOrEqual(ENTER_AFTER + 2);
  });

  it('agrees with the general path on random accesses of every size, alignment and straddle, through device moves and additions', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const fast = await rig();
      const slow = await rig();
      // Reads that leave every point's page marked with its device's hint, its entry in, on both vCPUs.
      const warm = POINTS.flatMap((point) => [0, 1].map((vcpu) => ({ kind: 'access' as const, vcpu, write: false, size: 1 as const, point, delta: 0, value: 0n, repeat: ENTER_AFTER + 2 })));
      for (const s of [...warm, ...steps]) {
        if (s.kind === 'move') { fast.moveA(); slow.moveA(); continue; }
        if (s.kind === 'builtin') { fast.addBuiltin(); slow.addBuiltin(); continue; }
        const address = s.point + s.delta;
        for (let i = 0; i < s.repeat; i++) {
          expect(fast.access(s.vcpu, s.write, s.size, address, s.value, false)).toEqual(slow.access(s.vcpu, s.write, s.size, address, s.value, true));
        }
      }
      expect(fast.log).toEqual(slow.log);
      expect(fast.machine.backing(fast.scratch, 0x800)).toEqual(slow.machine.backing(slow.scratch, 0x800));
      expect(fast.machine.readBytes(RAM_TOP - 0x100, 0x100)).toEqual(slow.machine.readBytes(RAM_TOP - 0x100, 0x100));
    }), { numRuns: 40 });
    expect(registerPath.calls).toBeGreaterThan(400); // the hints served many of them
  });
});

describe('compiled loops and built-in devices', () => {
  const SCRATCH_AT = 0x30_3000n; // TLB data entries 3, 1 and 0: no two of the pages evict each other
  const COUNTER_AT = 0x30_1000n;
  const DATA_AT = 0x20_0000n;
  const WASM_AT = 0x30_2000; // a Wasm device of 4-byte registers: other sizes are not its register path's

  async function loopMachine(jit: boolean, arch: 'aarch64' | 'aarch64_be', code: Uint8Array) {
    const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: BigInt(CODE), memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA_AT, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH_AT, size: 0x1000 });
    machine.addBuiltinDevice({ kind: 'counter', base: COUNTER_AT, size: 8 });
    const wasm = machine.addWasmDevice({ name: 'rec4', base: WASM_AT, size: 0x100, bytes: recordingDevice(), widths: [4] }).state;
    machine.writeBytes(CODE, code);
    const vcpu = new Vcpu(machine, 0, arch).set('pc', BigInt(CODE)).set('x13', SCRATCH_AT).set('x14', COUNTER_AT).set('x15', DATA_AT)
      .set('x16', BigInt(WASM_AT));
    for (let r = 3; r < 13; r++) vcpu.set(`x${r}` as 'x3', 0x0102_0304_0506_0708n * BigInt(r));
    return { machine, vcpu, scratch, wasm };
  }

  it('serve a built-in device from inside the loop exactly as the interpreter does, LE and BE8', async () => {
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (const size of SIZES) {
        // loop: str x(3+k) / ldr x(8+k) through the scratch device, ldr from the counter, one RAM store, a store to the
        // Wasm device (one core call for 4 bytes; other sizes handed back to the interpreter), the counter set back; 40 times.
        const program = new A64Program().emit(a64.movz(2, 40)).label('loop').emit(
          a64.str(3, 13, size * 2, size), a64.ldr(8, 13, size * 2, size), a64.str(4, 13, 0x800, size), a64.ldr(9, 13, 0x800, size),
          a64.ldr(10, 14, 0, 8), a64.str(8, 15, 8, 8), a64.str(3, 16, 8, size), a64.str(9, 14, 0, size), a64.add(3, 3, 1),
        ).emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
        const [plain, jit] = await Promise.all([false, true].map((on) => loopMachine(on, arch, program.bytes())));
        const end = (m: typeof plain) => {
          const exits = [];
          for (let run = 0; run < 20; run++) {
            const exit = m!.vcpu.run(37);
            exits.push(exit.reason);
            if (exit.reason !== 'budget') break;
          }
          return {
            exits, regs: ['x3', 'x8', 'x9', 'x10', 'pc'].map((name) => m!.vcpu.get(name as 'x3')), scratch: [...m!.machine.backing(m!.scratch, 0x1000)],
            ram: [...m!.machine.readBytes(DATA_AT, 16)], mmio: m!.vcpu.core.counters().mmio, wasmLog: [...m!.machine.backing(m!.wasm, 0x1000)],
          };
        };
        expect(end(jit), `${arch} size ${size}`).toEqual(end(plain));
      }
    }
  });
});

describe('a JS device that throws on the hinted path', () => {
  it('a store whose handler throws ends the run with device-error, after the page is hinted as before', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const writes: number[] = [];
    machine.mmio.register({
      name: 'bell', base: 0x0a00_0000, size: 0x1000, read: () => 0,
      write: (_offset, _size, value) => {
        writes.push(Number(value));
        if (Number(value) === 4) throw new Error('stop here');
      },
    });
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    // x1 = the bell; store 1, 2, 3, 4, 5 (x2 counts up); x3 = 6 ends the loop.
    const program = new A64Program().emit(a64.movz(1, 0x0a00, 16), a64.movz(2, 1), a64.movz(3, 6))
      .label('ring').emit(a64.str(2, 1, 0, 8), a64.add(2, 2, 1), a64.subsRegister(31, 2, 3))
      .branchTo((offset: number) => a64.bcond('ne', offset), 'ring')
      .emit(a64.svc());
    machine.writeBytes(0x10_0000n, program.bytes());
    vcpu.set('pc', 0x10_0000n);
    const exit = vcpu.run(1000);
    expect(exit.reason).toBe('device-error');
    expect(writes).toEqual([1, 2, 3, 4]);
  });
});

describe('interpreted loads and stores through a hinted mark', () => {
  it('reach the device once per access with the instruction\'s pc in the record and the access counted, every size', async () => {
    for (const size of SIZES) {
      const machine = await Machine.create({ arenaBytes: 1 << 20 });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      const vcpu = new Vcpu(machine, 0, 'aarch64');
      const seen: string[] = [];
      machine.mmio.register({
        name: 'regs', base: 0x0a00_0000, size: 0x1000,
        read: (offset, width) => { seen.push(`read ${offset} ${width} @${vcpu.get('pc').toString(16)}`); return offset; },
        write: (offset, width, value) => { seen.push(`write ${offset} ${width} ${value} @${vcpu.get('pc').toString(16)}`); },
      });
      // 10 times: ldr x5, [x1, #size] then str x5, [x1]; the loop at 0x10_000c.
      const program = new A64Program().emit(a64.movz(1, 0x0a00, 16), a64.movz(2, 10), a64.movz(3, 0))
        .label('loop').emit(a64.ldr(5, 1, size, size), a64.str(5, 1, 0, size), a64.subs(2, 2, 1))
        .branchTo((offset: number) => a64.bcond('ne', offset), 'loop')
        .emit(a64.svc());
      machine.writeBytes(0x10_0000n, program.bytes());
      vcpu.set('pc', 0x10_0000n);
      const before = vcpu.core.counters().mmio;
      expect(vcpu.run(1000).reason).toBe('hypercall');
      const once = [`read ${size} ${size} @10000c`, `write 0 ${size} ${size} @100010`];
      expect(seen, `size ${size}`).toEqual(Array.from({ length: 10 }, () => once).flat());
      expect(vcpu.core.counters().mmio - before).toBe(20n);
    }
  });
  it('a handler that switches a RAM bank: the block\'s next access sees the new bank', async () => {
    const DATA = 0x20_0000;
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    const banks = [machine.allocateBacking(0x1000), machine.allocateBacking(0x1000)];
    let mapped = 0;
    const map = (which: number) => {
      mapped = which;
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 });
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: banks[which]! });
    };
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: banks[0]! });
    // A write maps bank (value & 1); a read maps the other bank and returns its number.
    machine.mmio.register({
      name: 'bank', base: 0x0a00_0000, size: 0x1000,
      read: () => { map(1 - mapped); return mapped; },
      write: (_offset, _size, value) => map(Number(value) & 1),
    });
    // 12 times: str x2 -> the bank register, str x2 -> DATA + 8i, ldr x5 <- the bank register, str x5 -> DATA + 0x800 + 8i.
    const program = new A64Program().emit(a64.movz(1, 0x0a00, 16), a64.movz(2, 12), a64.movz(15, 0x20, 16))
      .label('loop').emit(a64.str(2, 1, 0, 8), a64.str(2, 15, 0, 8), a64.ldr(5, 1, 0, 8), a64.str(5, 15, 0x800, 8), a64.add(15, 15, 8), a64.subs(2, 2, 1))
      .branchTo((offset: number) => a64.bcond('ne', offset), 'loop')
      .emit(a64.svc());
    machine.writeBytes(0x10_0000n, program.bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', 0x10_0000n);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    const expected = banks.map(() => new Uint8Array(0x1000));
    for (let i = 0; i < 12; i++) {
      const value = 12 - i;
      new DataView(expected[value & 1]!.buffer).setBigUint64(8 * i, BigInt(value), true);
      new DataView(expected[1 - (value & 1)]!.buffer).setBigUint64(0x800 + 8 * i, BigInt(1 - (value & 1)), true);
    }
    expect(banks.map((at) => [...machine.backing(at, 0x1000)])).toEqual(expected.map((bytes) => [...bytes]));
  });
});
