// A64 system instructions beyond the EL0 registers (issue 18, item 2 of the helper's
// brief): DC ZVA as a 64-byte zeroing store, the cache maintenance instructions as
// address-translating no-ops, CFINV, the DAIF masks, and BRK as a documented `trap` exit.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program, a64 } from '../dist/src/index.js';
import { haveUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'];
const hex = (value: bigint) => `0x${value.toString(16)}`;
const DATA = 0x10000n;
const dc = (op1: number, crm: number, op2: number, rt: number) => (0xd508_7000 | (op1 << 16) | (crm << 8) | (op2 << 5) | rt) >>> 0;
const DC_ZVA = (rt: number) => dc(3, 4, 1, rt);
const MRS_X2_DCZID = 0xd53b_00e2;
const CACHE_BY_ADDRESS: Array<[string, number]> = [
  ['dc civac', dc(3, 14, 1, 0)], ['dc cvac', dc(3, 10, 1, 0)], ['dc cvau', dc(3, 11, 1, 0)], ['dc ivac', dc(0, 6, 1, 0)], ['ic ivau', dc(3, 5, 1, 0)],
];
const CACHE_WHOLE: Array<[string, number]> = [['ic iallu', dc(0, 5, 0, 31)], ['ic ialluis', dc(0, 1, 0, 31)]];

/** 256 bytes of 0xa5.. at DATA and x0 somewhere inside. */
function zvaCase(random: ReturnType<typeof prng>, word: number) {
  const bytes = Array.from({ length: 256 }, () => random.below(256).toString(16).padStart(2, '0')).join('');
  return { arch: 'aarch64', insn: [hex(BigInt(word)), hex(BigInt(MRS_X2_DCZID))], regs: { x0: hex(DATA + BigInt(random.below(256))), x5: hex(DATA + BigInt(random.below(256))) }, mem: [{ addr: hex(DATA), hex: bytes }] };
}

describe.skipIf(!haveUnicorn)('A64 DC ZVA, cache maintenance and CFINV against Unicorn 2', () => {
  it('DC ZVA zeroes the 64-byte block holding Xt (any offset in it) and DCZID_EL0 says 64 bytes, permitted', async () => {
    const random = prng(0x2a7a);
    const cases = Array.from({ length: 120 }, () => zvaCase(random, DC_ZVA(random.pick([0, 5]))));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => `${testCase.insn[0]} x0=${testCase.regs.x0} x5=${testCase.regs.x5}`);
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
  });

  it.each([...CACHE_BY_ADDRESS, ...CACHE_WHOLE])('%s changes no register or byte and goes on', async (_name, word) => {
    const random = prng(word);
    const cases = Array.from({ length: 8 }, () => zvaCase(random, word));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => `${testCase.insn[0]} x0=${testCase.regs.x0}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('MSR DAIFSet/DAIFClr and MSR DAIF change the masks MRS DAIF reads (from all masked at reset)', async () => {
    const MRS_X0_DAIF = 0xd53b_4220, MSR_DAIF_X1 = 0xd51b_4221;
    const daif = (clear: boolean, imm: number) => (0xd503_40df | (imm << 8) | (clear ? 0x20 : 0)) >>> 0;
    const cases = Array.from({ length: 16 }, (_, imm) => [
      { arch: 'aarch64', insn: [daif(true, imm), MRS_X0_DAIF].map((w) => hex(BigInt(w))), regs: {} },
      { arch: 'aarch64', insn: [daif(true, 15), daif(false, imm), MRS_X0_DAIF].map((w) => hex(BigInt(w))), regs: {} },
      { arch: 'aarch64', insn: [MSR_DAIF_X1, MRS_X0_DAIF].map((w) => hex(BigInt(w))), regs: { x1: hex((BigInt(imm) << 6n) | 0xffff_f83fn) } },
    ]).flat();
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.insn.join(' '));
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('RMIF, SETF8 and SETF16 (the rest of FEAT_FlagM) set the flags they name from Xn, keeping the others', async () => {
    const random = prng(0xf1a9);
    const rmif = (rn: number, shift: number, mask: number) => (0xba00_0400 | (shift << 15) | (rn << 5) | mask) >>> 0;
    const setf = (rn: number, sixteen: boolean) => (0x3a00_080d | (sixteen ? 0x4000 : 0) | (rn << 5)) >>> 0;
    const value = () => random.pick([0n, 0x80n, 0x100n, 0x180n, 0x7fn, 0x8000n, 0x1_0000n, 0x1_8000n, 0xffffn]) ^ (BigInt(random.below(2 ** 30)) << BigInt(random.pick([0, 17, 34])));
    const cases = Array.from({ length: 200 }, (_, i) => {
      const rn = random.below(31);
      const word = i % 2 === 0 ? rmif(rn, random.below(64), random.below(16)) : setf(rn, random.below(2) === 1);
      return { arch: 'aarch64', insn: [hex(BigInt(word))], regs: { [`x${rn}`]: hex(value()), nzcv: hex(BigInt(random.below(16)) << 28n) } };
    });
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => `${testCase.insn[0]} ${JSON.stringify(testCase.regs)}`);
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
  });

  it('CFINV inverts C and nothing else', async () => {
    const cases = Array.from({ length: 16 }, (_, nzcv) => ({ arch: 'aarch64', insn: ['0xd500401f'], regs: { nzcv: hex(BigInt(nzcv) << 28n) } }));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.regs.nzcv);
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

describe('A64 DC ZVA, cache maintenance and BRK on the machine', () => {
  const CODE = 0x10_0000n;
  const RAM = 0x20_0000n;
  const DEVICE = 0x3000_0000n;

  async function guest(words: number[]) {
    const machine = await Machine.create({ arenaBytes: 4 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.writeBytes(CODE, new A64Program().emit(...words).bytes());
    return { machine, vcpu: new Vcpu(machine, 0, 'aarch64').set('pc', CODE) };
  }

  it('DC ZVA on a device (Device memory) is an alignment fault at Xt, as the Arm ARM says: no write reaches it', async () => {
    const { machine, vcpu } = await guest([DC_ZVA(1), a64.svc()]);
    const writes: Array<[number, number, bigint]> = [];
    machine.mmio.register({ base: DEVICE, size: 0x100, read: () => 0, write: (offset, size, value) => { writes.push([offset, size, BigInt(value)]); } });
    vcpu.set('x1', DEVICE + 0x4bn);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: DEVICE + 0x4bn });
    expect(writes).toEqual([]);
  });

  it('DC ZVA on a read-only slot (RAM, not Device memory) still stores: its writes exit as MMIO', async () => {
    const { machine, vcpu } = await guest([DC_ZVA(1)]);
    machine.setUserMemoryRegion({ slot: 2, flags: 2, guestPhysAddr: 0x40_0000n, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    vcpu.set('x1', 0x40_0048n);
    expect(vcpu.run(10)).toMatchObject({ reason: 'mmio', pc: CODE, gpa: 0x40_0040n, size: 8, write: true, cause: 'read-only slot' });
  });

  it('BC.cond (FEAT_HBC, newer than Unicorn 2.0.1) branches exactly as B.cond does, every condition and flag value', async () => {
    // bc.cond +8; mov x0, #1; mov x1, #2; svc: taken skips the first mov.
    const run = async (hint: boolean, cond: number, nzcv: number) => {
      const { vcpu } = await guest([(0x5400_0040 | (hint ? 0x10 : 0) | cond) >>> 0, a64.movz(0, 1), a64.movz(1, 2), a64.svc()]);
      vcpu.set('nzcv', BigInt(nzcv) << 28n);
      return { exit: vcpu.run(10).reason, x0: vcpu.get('x0'), x1: vcpu.get('x1'), pc: vcpu.get('pc') };
    };
    let taken = 0;
    for (let cond = 0; cond < 16; cond++) {
      for (let nzcv = 0; nzcv < 16; nzcv++) {
        const expected = await run(false, cond, nzcv);
        expect(await run(true, cond, nzcv), `cond ${cond} nzcv ${nzcv}`).toEqual(expected);
        expect(expected.exit).toBe('hypercall');
        if (expected.x0 === 0n) taken++;
      }
    }
    expect(taken).toBeGreaterThan(100);
  });

  it('DC ZVA with XZR zeroes the block at address 0 (here unmapped, Device memory: an alignment fault at 0)', async () => {
    const { vcpu } = await guest([DC_ZVA(31)]);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: 0n });
  });

  it('BRK ends the run with a trap fault at the BRK, which stays the pc', async () => {
    const { vcpu } = await guest([a64.movz(1, 5), 0xd420_1240]); // brk #0x92
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 4n, kind: 'trap', address: CODE + 4n });
    expect(vcpu.get('x1')).toBe(5n);
    expect(vcpu.get('pc')).toBe(CODE + 4n);
  });

  it('MSR SPSel, PAN, UAO, DIT, SSBS and TCO (immediate) are undefined: one stack pointer, none of those features', async () => {
    for (const word of [0xd500_41bf, 0xd500_419f, 0xd500_407f, 0xd503_415f, 0xd503_413f, 0xd503_419f]) {
      expect((await guest([word])).vcpu.run(5), word.toString(16)).toMatchObject({ reason: 'undefined', pc: CODE });
    }
  });

  it('UDF and HLT are undefined (no halting debug)', async () => {
    expect((await guest([0x0000_1234])).vcpu.run(5)).toMatchObject({ reason: 'undefined', pc: CODE });
    expect((await guest([0xd440_0000])).vcpu.run(5)).toMatchObject({ reason: 'undefined', pc: CODE });
  });

  it('the cache maintenance instructions reach no device', async () => {
    const { machine, vcpu } = await guest([...CACHE_BY_ADDRESS.map(([, word]) => word), ...CACHE_WHOLE.map(([, word]) => word), a64.svc()]);
    let accesses = 0;
    machine.mmio.register({ base: DEVICE, size: 0x100, read: () => { accesses++; return 0; }, write: () => { accesses++; } });
    vcpu.set('x0', DEVICE + 8n);
    expect(vcpu.run(20).reason).toBe('hypercall');
    expect(accesses).toBe(0);
  });
});

describe('A64 cache maintenance and DC ZVA with the MMU on', () => {
  const CODE = 0x10_0000n;
  const RAM = 0x20_0000n;
  const TABLES = 0x8000_0000n;
  const CODE_VA = 0x4000_0000n;
  const WRITABLE_VA = 0x5000_0000n;
  const READ_ONLY_VA = 0x5000_1000n;

  async function mmuGuest(words: number[]) {
    const machine = await Machine.create({ arenaBytes: 8 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    machine.writeBytes(CODE, new A64Program().emit(...words).bytes());
    const tables = new A64PageTables(machine, TABLES, 0x10_0000);
    tables.map({ va: CODE_VA, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: WRITABLE_VA, pa: RAM, size: 0x1000 });
    tables.map({ va: READ_ONLY_VA, pa: RAM + 0x1000n, size: 0x1000, writable: false });
    const vcpu = tables.enable(new Vcpu(machine, 0, 'aarch64'), { translate: false }).set('sctlr_el1', 1).set('pc', CODE_VA);
    return { machine, vcpu, tables };
  }

  it.each(CACHE_BY_ADDRESS)('%s of an unmapped address is a translation fault at it (a data abort), pc at the instruction', async (_name, word) => {
    const { vcpu } = await mmuGuest([word]);
    vcpu.set('x0', 0x6000_0040n);
    const exit = vcpu.run(5) as { reason: string; kind: string; pc: bigint; address: bigint; syndrome: bigint };
    expect([exit.reason, exit.kind, exit.pc, exit.address]).toEqual(['fault', 'translation', CODE_VA, 0x6000_0040n]);
    expect([exit.syndrome >> 26n, exit.syndrome & 0x3cn]).toEqual([0x25n, 0x04n]);
  });

  it('DC IVAC needs write permission, DC CIVAC/CVAC only read: a read-only page faults the first alone', async () => {
    const { vcpu } = await mmuGuest([dc(3, 14, 1, 0), dc(3, 10, 1, 0), dc(0, 6, 1, 0)]);
    vcpu.set('x0', READ_ONLY_VA + 0x80n);
    const exit = vcpu.run(5) as { kind: string; pc: bigint; syndrome: bigint };
    expect([exit.kind, exit.pc, exit.syndrome & 0x3cn, (exit.syndrome >> 6n) & 1n]).toEqual(['translation', CODE_VA + 8n, 0x0cn, 1n]);
  });

  it('DC ZVA stores through the tables: zeroes a writable page\'s block, faults on a read-only one', async () => {
    const { machine, vcpu } = await mmuGuest([DC_ZVA(1), DC_ZVA(2)]);
    machine.writeBytes(RAM + 0x80n, new Uint8Array(0x80).fill(0x5a));
    vcpu.set('x1', WRITABLE_VA + 0xc7n).set('x2', READ_ONLY_VA);
    const exit = vcpu.run(5) as { kind: string; pc: bigint; syndrome: bigint };
    expect([exit.kind, exit.pc, exit.syndrome & 0x3cn, (exit.syndrome >> 6n) & 1n]).toEqual(['translation', CODE_VA + 4n, 0x0cn, 1n]);
    expect(machine.readBytes(RAM + 0x80n, 0x80)).toEqual(new Uint8Array([...new Uint8Array(0x40).fill(0x5a), ...new Uint8Array(0x40)]));
  });

  it('DC ZVA to a page mapped to a device is an alignment fault, before a read-only mapping\'s permission fault', async () => {
    const { machine, vcpu, tables } = await mmuGuest([DC_ZVA(1)]);
    tables.map({ va: 0x5000_2000n, pa: 0x3000_0000n, size: 0x1000, writable: false });
    let writes = 0;
    machine.mmio.register({ base: 0x3000_0000n, size: 0x1000, read: () => 0, write: () => { writes++; } });
    vcpu.set('x1', 0x5000_2088n);
    expect(vcpu.run(5)).toEqual({ reason: 'fault', pc: CODE_VA, kind: 'alignment', address: 0x5000_2088n });
    expect(writes).toBe(0);
  });
});
