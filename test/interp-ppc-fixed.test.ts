// The PowerPC fixed-point behaviour Unicorn cannot check: traps as exits, the time
// base, Power10's setbc family, bit ops, byte reverses and paddi, the 64-bit-only forms
// on a 32-bit implementation,
// and the ISA 2.03+ forms on ppc32be (Unicorn's 7457 lacks them) against the 64-bit
// results, which exec-ppc-fixed-unicorn.test.ts checks against Unicorn.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, ppc, type GuestArch } from '../dist/src/index.js';
import { StepRunner } from '../dist/src/step.js';
import { ppc32NewerCases } from './fixtures/ppc-fixed-cases.js';

const CODE = 0x10_0000n;

async function guest(arch: GuestArch, words: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  const code = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: code });
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, arch === 'ppc64le'));
  machine.writeBytes(CODE, bytes);
  return new Vcpu(machine, 0, arch).set('pc', CODE);
}

describe.each(['ppc64be', 'ppc64le', 'ppc32be'] as const)('PowerPC fixed-point extras (%s)', (arch) => {
  it('a trap whose condition holds exits as a trap at itself; one that does not falls through', async () => {
    const vcpu = await guest(arch, [ppc.li(3, 5), ppc.tw(4, 3, 4), ppc.twi(16, 3, -1), ppc.twi(31, 0, 0), ppc.li(5, 1), ppc.sc()]);
    vcpu.set('r4', 6n);
    // 5 == 6 fails, 5 < -1 fails, twi 31 (the unconditional trap) holds.
    expect(vcpu.run(100)).toEqual({ reason: 'fault', pc: CODE + 12n, kind: 'trap', address: CODE + 12n });
    expect(vcpu.get('pc')).toBe(CODE + 12n);
    expect(vcpu.run(100)).toMatchObject({ reason: 'fault', pc: CODE + 12n, kind: 'trap' }); // it stays the pc
    vcpu.set('pc', CODE + 16n); // a handler steps over it
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect(vcpu.get('r5')).toBe(1n);
  });

  it('the time base counts the instructions run before mftb, across runs', async () => {
    const body = [ppc.mftb(3), ...Array.from({ length: 10 }, () => ppc.nop()), ppc.mftb(4), ppc.mftb(5, 269), ppc.sc()];
    // XO 371, the old mftb form, reads the same time base.
    const vcpu = await guest(arch, [...body, 0x7ccc42e6]);
    vcpu.set('tb', 1000n);
    expect(vcpu.run(5)).toMatchObject({ reason: 'budget' });
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect(vcpu.get('r3')).toBe(1000n);
    expect(vcpu.get('r4')).toBe(1011n);
    expect(vcpu.get('r5')).toBe(0n);
    expect(vcpu.run(1)).toMatchObject({ reason: 'budget' });
    expect(vcpu.get('r6')).toBe(1014n); // 14 instructions before it, the sc included
    vcpu.set('tb', 0x1_2345_6789n).set('pc', CODE + 12n * 4n);
    vcpu.run(1);
    expect(vcpu.get('r5')).toBe(1n); // mftbu: the upper word
  });

  it('setbc, setbcr, setnbc and setnbcr write 1, 0 or -1 from one CR bit', async () => {
    const ones = arch === 'ppc32be' ? 0xffffffffn : 0xffffffffffffffffn;
    for (const bit of [0, 13, 31]) {
      for (const value of [0, 1]) {
        const vcpu = await guest(arch, [ppc.setbc(3, bit), ppc.setbcr(4, bit), ppc.setnbc(5, bit), ppc.setnbcr(6, bit), ppc.sc()]);
        vcpu.set('cr', BigInt((value << (31 - bit)) >>> 0));
        expect(vcpu.run(10)).toMatchObject({ reason: 'hypercall' });
        expect([3, 4, 5, 6].map((r) => vcpu.get(`r${r}`))).toEqual(value ? [1n, 0n, ones, 0n] : [0n, 1n, 0n, ones]);
      }
    }
  });
});

/** The Power10 bit ops as the ISA states them, bit by bit (bit 0 the most significant). */
const bitsOf = (value: bigint) => value.toString(2).padStart(64, '0');
const fromBits = (bits: string) => (bits === '' ? 0n : BigInt(`0b${bits}`));
const reference: Record<string, (rs: bigint, rb: bigint) => bigint> = {
  pextd: (rs, rb) => fromBits([...bitsOf(rb)].flatMap((bit, i) => (bit === '1' ? [bitsOf(rs)[i]!] : [])).join('')),
  pdepd: (rs, rb) => {
    const source = [...bitsOf(rs)].reverse();
    let next = 0;
    return fromBits([...bitsOf(rb)].reverse().map((bit) => (bit === '1' ? source[next++]! : '0')).reverse().join(''));
  },
  cfuged: (rs, rb) => {
    const pairs = [...bitsOf(rb)].map((bit, i) => [bit, bitsOf(rs)[i]!] as const);
    return fromBits([...pairs.filter(([bit]) => bit === '0'), ...pairs.filter(([bit]) => bit === '1')].map(([, b]) => b).join(''));
  },
  cntlzdm: (rs, rb) => {
    const picked = [...bitsOf(rb)].flatMap((bit, i) => (bit === '1' ? [bitsOf(rs)[i]!] : []));
    const first = picked.indexOf('1');
    return BigInt(first < 0 ? picked.length : first);
  },
  cnttzdm: (rs, rb) => {
    const picked = [...bitsOf(rb)].flatMap((bit, i) => (bit === '1' ? [bitsOf(rs)[i]!] : [])).reverse();
    const first = picked.indexOf('1');
    return BigInt(first < 0 ? picked.length : first);
  },
  brd: (rs) => fromBits(bitsOf(rs).match(/.{8}/g)!.reverse().join('')),
  brw: (rs) => fromBits(bitsOf(rs).match(/.{32}/g)!.map((w) => w.match(/.{8}/g)!.reverse().join('')).join('')),
  brh: (rs) => fromBits(bitsOf(rs).match(/.{16}/g)!.map((h) => h.match(/.{8}/g)!.reverse().join('')).join('')),
};

describe('Power10 fixed-point instructions (Unicorn 2 has none of them)', () => {
  it.each(['ppc64be', 'ppc64le'] as const)('the bit ops and byte reverses match the ISA\'s bit-by-bit definitions (%s)', async (arch) => {
    const runner = await StepRunner.create();
    let seed = 12345n;
    const next = () => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      return seed;
    };
    for (const [name, model] of Object.entries(reference)) {
      for (let n = 0; n < 60; n++) {
        const rs = next();
        // Masks from sparse to dense, and the all-zero and all-one edges.
        const rb = n === 0 ? 0n : n === 1 ? 0xffffffffffffffffn : n % 3 === 0 ? next() & next() : n % 3 === 1 ? next() | next() : next();
        const word = (ppc as unknown as Record<string, (a: number, b: number, c: number) => number>)[name]!(3, 4, 5);
        const out = runner.step({ arch, insn: [`0x${word.toString(16)}`], regs: { r4: `0x${rs.toString(16)}`, r5: `0x${rb.toString(16)}` } });
        if ('error' in out) throw new Error(out.error);
        expect(out.fault, name).toBeNull();
        expect(BigInt(out.regs.r3!), `${name} 0x${rs.toString(16)} 0x${rb.toString(16)}`).toBe(model(rs, rb));
      }
    }
  });

  it.each(['ppc64be', 'ppc64le'] as const)('paddi, pli and its pc-relative form (%s)', async (arch) => {
    const vcpu = await guest(arch, [...ppc.paddi(3, 4, -(2 ** 33)), ...ppc.paddi(5, 0, 2 ** 33 - 1), ...ppc.paddi(6, 0, -8, true), ppc.sc()]);
    vcpu.set('r0', 1000n).set('r4', 0x1_0000_0000_0000n);
    expect(vcpu.run(10)).toMatchObject({ reason: 'hypercall', pc: CODE + 28n });
    expect(vcpu.get('r3')).toBe(0x1_0000_0000_0000n - 2n ** 33n);
    expect(vcpu.get('r5')).toBe(2n ** 33n - 1n); // RA = 0 reads as 0, not r0
    expect(vcpu.get('r6')).toBe(CODE + 16n - 8n); // the prefix's own address + SI
    const invalid = await guest(arch, [ppc.nop(), ...[ppc.paddi(6, 0, 8, true)[0]!, ppc.paddi(6, 7, 8)[1]!]]);
    expect(invalid.run(10)).toEqual({ reason: 'undefined', pc: CODE + 4n, cause: 'invalid-form' });
  });

  it('ppc32be reverses bytes in words and halfwords too', async () => {
    const runner = await StepRunner.create();
    for (const name of ['brw', 'brh'] as const) {
      const out = runner.step({ arch: 'ppc32be', insn: [`0x${ppc[name](3, 4).toString(16)}`], regs: { r4: '0x89abcdef' } });
      if ('error' in out) throw new Error(out.error);
      expect(BigInt(out.regs.r3!)).toBe(reference[name]!(0x89abcdefn, 0n));
    }
  });
});

describe('PowerPC 32-bit implementation', () => {
  it('exits undefined on each 64-bit-only fixed-point form and runs nothing past it', async () => {
    const forms = [ppc.mulld(3, 4, 5), ppc.mulhd(3, 4, 5), ppc.divd(3, 4, 5), ppc.divdeu(3, 4, 5), ppc.modsd(3, 4, 5),
      ppc.extsw(3, 4), ppc.cntlzd(3, 4), ppc.cnttzd(3, 4), ppc.popcntd(3, 4), ppc.prtyd(3, 4), ppc.bpermd(3, 4, 5),
      ppc.sld(3, 4, 5), ppc.srad(3, 4, 5), ppc.sradi(3, 4, 5), ppc.extswsli(3, 4, 5), ppc.rldicl(3, 4, 5, 6),
      ppc.rldimi(3, 4, 5, 6), ppc.rldcr(3, 4, 5, 6), ppc.td(4, 3, 3), ppc.tdi(4, 3, 0), ppc.cmpeqb(0, 3, 4),
      ppc.brd(3, 4), ppc.pdepd(3, 4, 5), ppc.pextd(3, 4, 5), ppc.cfuged(3, 4, 5), ppc.cntlzdm(3, 4, 5), ppc.cnttzdm(3, 4, 5)];
    for (const word of forms) {
      const vcpu = await guest('ppc32be', [ppc.li(3, 7), word, ppc.li(3, 9)]);
      expect(vcpu.run(10), word.toString(16)).toEqual({ reason: 'undefined', pc: CODE + 4n, cause: 'undefined' });
      expect(vcpu.get('r3')).toBe(7n);
    }
  });

  it('runs the ISA 2.03+ forms Unicorn\'s 7457 lacks as the 64-bit implementation does on the low words', async () => {
    const runner = await StepRunner.create();
    const failures: string[] = [];
    for (const testCase of ppc32NewerCases(2028, 40)) {
      const narrow = runner.step(testCase);
      const wide = runner.step({ ...testCase, arch: 'ppc64be' });
      if ('error' in narrow || 'error' in wide) throw new Error(`${testCase.name}: a step failed`);
      for (const name of [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'lr', 'ctr', 'xer', 'cr']) {
        let expected = BigInt(wide.regs[name]!) & 0xffffffffn;
        if (name === 'xer') expected &= ~0xc0000n; // no OV32/CA32 before ISA 3.0
        // divweu. compares its zero-extended 64-bit result on a 64-bit implementation: CR0 differs there.
        const recordForm = name === 'cr' && /^divweu /.test(testCase.name) && (Number(testCase.insn[0]) & 1) === 1;
        const mask = recordForm ? 0x0fffffffn : 0xffffffffn;
        if ((BigInt(narrow.regs[name]!) & mask) !== (expected & mask)) failures.push(`${testCase.name} ${testCase.insn.join(' ')} ${name}: 32-bit ${narrow.regs[name]}, 64-bit ${wide.regs[name]}`);
      }
      if (narrow.fault || wide.fault) failures.push(`${testCase.name}: faults ${JSON.stringify(narrow.fault)} / ${JSON.stringify(wide.fault)}`);
    }
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
  });
});
