// hashst, hashstp, hashchk, hashchkp (Power ISA 3.1B). The digest is checked against
// QEMU 7.2 (test/fixtures/ppc-hash-qemu.jsonl, made by test/oracles/hash_vectors.py)
// and against a second implementation below; the instructions end to end on a vCPU.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine, Vcpu, StepRunner, ppc, PpcProgram, type GuestArch } from '../dist/src/index.js';
import { prng } from './helpers.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const MASK64 = (1n << 64n) - 1n;

interface Vector { key: string; ra: string; rb: string; digest: string }
const qemuVectors = readFileSync(new URL('./fixtures/ppc-hash-qemu.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((line) => JSON.parse(line) as Vector);

// ── A second HashDigest, in the ISA's terms: big-endian byte and bit numbering ──────
const rotl16 = (x: number, n: number) => ((x << n) | (x >>> (16 - n))) & 0xffff;
const Z = 0xfa2561cdf44ac398n;

/** SIMON-like 32/64 on one lane: 28 schedule steps from the key's four halfwords, 32 rounds. */
function simonLike(block: number, key: bigint, lane: number): number {
  const k: number[] = [0, 1, 2, 3].map((i) => Number((key >> BigInt(48 - 16 * i)) & 0xffffn));
  for (let i = 0; i < 28; i++) {
    const zBit = Number((Z >> BigInt(63 - i)) & 1n);
    const t = rotl16(k[i + 3]!, 13) ^ k[i + 1]!; // rotate right by 3
    k.push(0xfffc ^ zBit ^ k[i]! ^ t ^ rotl16(t, 15));
  }
  let [x, y] = [block & 0xffff, block >>> 16];
  for (let round = 0; round < 32; round++) {
    const subkey = k[(round & ~3) + ((round + lane) & 3)]!;
    [x, y] = [y ^ ((rotl16(x, 1) & rotl16(x, 8)) ^ rotl16(x, 2)) ^ subkey, x];
  }
  return ((y << 16) | x) >>> 0;
}

/** The 16-byte block rb[7] ra[0] rb[6] ra[1] … rb[0] ra[7] (byte 0 = most significant), four lanes. */
function referenceDigest(ra: bigint, rb: bigint, key: bigint): bigint {
  const byte = (v: bigint, i: number) => (v >> BigInt(56 - 8 * i)) & 0xffn;
  let block = 0n;
  for (let j = 0; j < 8; j++) block = (block << 16n) | (byte(rb, 7 - j) << 8n) | byte(ra, j);
  const word = (i: number) => Number((block >> BigInt(96 - 32 * i)) & 0xffffffffn);
  const lanes = [0, 1, 2, 3].map((i) => BigInt(simonLike(word(i), key, i)));
  return ((lanes[0]! << 32n) | lanes[1]!) ^ ((lanes[2]! << 32n) | lanes[3]!);
}

// ── Guests ─────────────────────────────────────────────────────────────────────────
async function guest(arch: GuestArch, words: number[], dataBase = DATA) {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const endian = arch === 'ppc64le' ? 'little' : 'big';
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: dataBase, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.writeBytes(CODE, new PpcProgram().emit(...words).bytes(endian));
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  return { machine, vcpu, endian } as const;
}

const random64 = (random: ReturnType<typeof prng>) => (BigInt(random.next()) << 32n) | BigInt(random.next());

describe('HashDigest', () => {
  it(`matches QEMU's hashst on ${qemuVectors.length} known answers (five keys), stored in either byte order`, async () => {
    const runner = await StepRunner.create();
    for (const arch of ['ppc64le', 'ppc64be'] as const) {
      for (const v of qemuVectors) {
        const ea = BigInt(v.ra) - 8n;
        const out = runner.step({
          arch, insn: [`0x${ppc.hashst(6, -8, 5).toString(16)}`], regs: { r5: v.ra, r6: v.rb, hashkeyr: v.key },
          mem: [{ addr: `0x${ea.toString(16)}`, hex: '00'.repeat(8) }],
        });
        if ('error' in out) throw new Error(out.error);
        expect(out.fault).toBeNull();
        const bytes = Buffer.from(out.mem[0]!.hex, 'hex');
        const stored = arch === 'ppc64le' ? bytes.readBigUInt64LE(0) : bytes.readBigUInt64BE(0);
        expect(`0x${stored.toString(16)}`, `${arch} ${v.ra} ${v.rb} ${v.key}`).toBe(v.digest);
      }
    }
  });

  it('the reference above also reproduces those known answers', () => {
    for (const v of qemuVectors) expect(referenceDigest(BigInt(v.ra), BigInt(v.rb), BigInt(v.key))).toBe(BigInt(v.digest));
  });

  it('the core agrees with the reference on 5000 random (RA, RB, key) triples and edge values', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0).functions;
    const random = prng(0x4a5b);
    const edges = [0n, MASK64, 1n, 1n << 63n, 0x0123456789abcdefn];
    const triples: Array<[bigint, bigint, bigint]> = edges.flatMap((a) => edges.map((b) => [a, b, edges[(Number(a & 3n) + 1) % 5]!] as [bigint, bigint, bigint]));
    for (let i = 0; i < 5000; i++) triples.push([random64(random), random64(random), random64(random)]);
    for (const [ra, rb, key] of triples) {
      expect(BigInt.asUintN(64, core.hashDigest(ra, rb, key)), `${ra} ${rb} ${key}`).toBe(referenceDigest(ra, rb, key));
    }
  });
});

describe.each(['ppc64be', 'ppc64le'] as const)('hashst and hashchk (%s)', (arch) => {
  const KEY = 0x0f1e2d3c4b5a6978n;
  const RA = DATA + 0x800n;
  const RB = 0xfeedfacecafebeefn;

  /** hashst r6,-16(r5) then the given check; r5 = RA, r6 = RB, HASHKEYR = KEY. */
  async function storedThen(check: number) {
    const g = await guest(arch, [ppc.hashst(6, -16, 5), check, ppc.sc()]);
    g.vcpu.set('r5', RA).set('r6', RB).set('r7', RA + 8n).set('hashkeyr', KEY);
    expect(g.vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    return g;
  }

  it('hashst stores the digest in the data byte order; hashchk with the same operands passes', async () => {
    const { machine, vcpu, endian } = await storedThen(ppc.hashchk(6, -16, 5));
    expect(machine.read(RA - 16n, 8, { endian })).toBe(referenceDigest(RA, RB, KEY));
    expect(vcpu.run(10)).toEqual({ reason: 'hypercall', pc: CODE + 12n });
    expect(vcpu.get('r5')).toBe(RA);
    expect(vcpu.get('r6')).toBe(RB);
  });

  const changes: Array<[string, number, (v: Vcpu, m: Machine) => void]> = [
    ['RB', ppc.hashchk(6, -16, 5), (v) => v.set('r6', RB ^ 1n)],
    ['RA (same EA through another base)', ppc.hashchk(6, -24, 7), () => {}],
    ['the key', ppc.hashchk(6, -16, 5), (v) => v.set('hashkeyr', KEY + 1n)],
    ['the stored doubleword', ppc.hashchk(6, -16, 5), (_, m) => m.write(RA - 16n, 1, 0x5a)],
  ];
  it.each(changes)('hashchk traps when %s changed, leaving registers and memory as they were', async (_, check, change) => {
    const { machine, vcpu } = await storedThen(check);
    change(vcpu, machine);
    const registers = vcpu.registers();
    const memory = machine.readBytes(RA - 0x100n, 0x200);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 4n, kind: 'trap', address: RA - 16n });
    expect(vcpu.registers()).toEqual(registers);
    expect(machine.readBytes(RA - 0x100n, 0x200)).toEqual(memory);
  });

  it('hashstp and hashchkp use HASHPKEYR; a check with the other key traps', async () => {
    const { machine, vcpu, endian } = await guest(arch, [ppc.hashstp(6, -8, 5), ppc.hashchkp(6, -8, 5), ppc.hashchk(6, -8, 5), ppc.sc()]);
    vcpu.set('r5', RA).set('r6', RB).set('hashkeyr', KEY).set('hashpkeyr', ~KEY & MASK64);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 8n, kind: 'trap', address: RA - 8n });
    expect(machine.read(RA - 8n, 8, { endian })).toBe(referenceDigest(RA, RB, ~KEY & MASK64));
  });

  it('mtspr/mfspr 468 and 469 write and read the keys', async () => {
    const { vcpu } = await guest(arch, [ppc.mtspr(468, 3), ppc.mtspr(469, 4), ppc.mfspr(5, 469), ppc.mfspr(6, 468), ppc.sc()]);
    vcpu.set('r3', KEY).set('r4', RB);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('hashkeyr'), vcpu.get('hashpkeyr'), vcpu.get('r5'), vcpu.get('r6')]).toEqual([KEY, RB, RB, KEY]);
  });

  it('an EA outside RAM exits as MMIO (hashst a write, hashchk a read) and a device completes both', async () => {
    const { machine, vcpu, endian } = await guest(arch, [ppc.hashst(6, -8, 5), ppc.hashchk(6, -8, 5), ppc.sc()]);
    const HOLE = 0x9000_0008n;
    vcpu.set('r5', HOLE).set('r6', RB).set('hashkeyr', KEY);
    expect(vcpu.run(10)).toMatchObject({ reason: 'mmio', pc: CODE, gpa: HOLE - 8n, size: 8, write: true });
    vcpu.set('pc', CODE + 4n);
    expect(vcpu.run(10)).toMatchObject({ reason: 'mmio', pc: CODE + 4n, gpa: HOLE - 8n, size: 8, write: false });
    let register = 0n;
    machine.mmio.register({ name: 'hash', base: HOLE - 8n, size: 8, endian, read: () => register, write: (_o, _s, value) => { register = BigInt(value); } });
    vcpu.set('pc', CODE);
    expect(vcpu.run(10)).toEqual({ reason: 'hypercall', pc: CODE + 12n });
    expect(register).toBe(referenceDigest(HOLE, RB, KEY));
    register ^= 1n << 40n;
    vcpu.set('pc', CODE + 4n);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 4n, kind: 'trap', address: HOLE - 8n });
  });

  it('RA = 0 is an invalid form', async () => {
    const { vcpu } = await guest(arch, [ppc.hashst(6, -8, 0)]);
    expect(vcpu.run(1)).toEqual({ reason: 'undefined', pc: CODE, cause: 'invalid-form' });
  });
});

describe('hashst and hashchk on a 32-bit implementation', () => {
  it('hash 32-bit registers and wrap the EA at 4 GiB', async () => {
    const { machine, vcpu } = await guest('ppc32be', [ppc.hashst(6, -16, 5), ppc.hashchk(6, -16, 5), ppc.sc()], 0xffff_f000n);
    vcpu.set('r5', 8n).set('r6', 0xdeadbeef_12345678n).set('hashkeyr', 0x1122334455667788n);
    expect(vcpu.run(10)).toEqual({ reason: 'hypercall', pc: CODE + 12n });
    expect(machine.read(0xffff_fff8n, 8, { endian: 'big' })).toBe(referenceDigest(8n, 0x12345678n, 0x1122334455667788n));
  });
});

describe('the step format', () => {
  it('takes hashkeyr and reports a failed hashchk as a trap at its EA', async () => {
    const runner = await StepRunner.create();
    const out = runner.step({
      arch: 'ppc64be', insn: [`0x${ppc.hashchk(6, -8, 5).toString(16)}`], regs: { r5: '0x2008', r6: '0x1', hashkeyr: '0x2' },
      mem: [{ addr: '0x2000', hex: '00'.repeat(8) }],
    });
    expect(out).toMatchObject({ fault: { kind: 'trap', addr: '0x2000' }, regs: { hashkeyr: '0x2', pc: '0x100000' } });
  });
});
