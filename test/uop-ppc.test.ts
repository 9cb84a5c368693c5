// The PowerPC micro-op cache (assembly/exec/ppc/uops.ts, uop-fill.ts) on both widths:
// the first run of a word decodes it, later runs take the cached op, and either way a
// 32-bit implementation's results, written-back addresses, CTR and LR stay 32 bits wide,
// the barriers run as no-ops, a word the host rewrites runs as rewritten, and the
// reservation ops (l?arx, st?cx.) hold and end the reservation as loadstore.ts does.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, ppc, type GuestArch } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

async function guest(arch: GuestArch, words: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  const code = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: code });
  const data = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: data });
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, arch === 'ppc64le'));
  machine.writeBytes(CODE, bytes);
  return { machine, vcpu: new Vcpu(machine, 0, arch).set('pc', CODE) };
}

const CR0_LT = 0x8000_0000n;
const XER_CA = 0x2000_0000n;

/** A body of hot forms whose results differ between a 32-bit and a 64-bit implementation, then sc. */
const WIDTH_PROGRAM = [
  ppc.li(3, -1), //                  r3 = -1
  ppc.addi(4, 3, 2), //              r4 = r3 + 2 (wraps to 1 in 32 bits)
  ppc.lis(5, -0x8000), //            r5 = 0x8000_0000 sign-extended
  ppc.rc(ppc.or(6, 5, 5)), //        or. r6: CR0 from r6
  ppc.mullw(7, 5, 5), //             2^62: low word 0
  ppc.rlwinm(8, 3, 4, 28, 3), //     a wrapping mask
  ppc.srawi(9, 5, 4), //             no one bits shifted out: CA clear
  ppc.lha(10, 0, 11), //             0x8000 sign-extended
  ppc.lwzx(12, 11, 13), //           indexed
  ppc.li(14, 0),
  ppc.mtctr(14),
  ppc.bdnz(8), //                    CTR 0 - 1: taken
  ppc.nop(),
  ppc.mfctr(15),
  ppc.stwu(3, 8, 11), //             writes back DATA + 8
  ppc.sc(),
];

async function runWidthProgram(arch: GuestArch) {
  const { machine, vcpu } = await guest(arch, WIDTH_PROGRAM);
  machine.write(DATA, 2, 0x8000n, { endian: arch === 'ppc64le' ? 'little' : 'big' });
  machine.write(DATA + 4n, 4, 0x1234_5678n, { endian: arch === 'ppc64le' ? 'little' : 'big' });
  const results = [];
  for (let pass = 0; pass < 2; pass++) { // the second pass runs every word from the cache
    vcpu.set('pc', CODE).set('r11', DATA).set('r13', 4n).set('xer', XER_CA).set('cr', 0n);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    results.push(Object.fromEntries(['r3', 'r4', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r15', 'ctr', 'cr', 'xer'].map((name) => [name, vcpu.get(name)])));
  }
  expect(results[1]).toEqual(results[0]);
  return results[0]!;
}

describe('PowerPC micro-ops', () => {
  it('a 32-bit implementation keeps results, written-back addresses and CTR to 32 bits', async () => {
    const r = await runWidthProgram('ppc32be');
    expect(r.r3).toBe(0xffff_ffffn);
    expect(r.r4).toBe(1n);
    expect(r.r6).toBe(0x8000_0000n);
    expect(r.cr! & 0xf000_0000n).toBe(CR0_LT); // negative as a word
    expect(r.r7).toBe(0n);
    expect(r.r8).toBe(0xf000_000fn);
    expect(r.r9).toBe(0xf800_0000n);
    expect(r.xer! & XER_CA).toBe(0n);
    expect(r.r10).toBe(0xffff_8000n);
    expect(r.r12).toBe(0x1234_5678n);
    expect(r.ctr).toBe(0xffff_ffffn);
    expect(r.r15).toBe(0xffff_ffffn);
    expect(r.r11).toBe(DATA + 8n);
  });

  it.each(['ppc64be', 'ppc64le'] as const)('a 64-bit implementation (%s) keeps them to 64 bits', async (arch) => {
    const r = await runWidthProgram(arch);
    expect(r.r3).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.r4).toBe(1n);
    expect(r.r6).toBe(0xffff_ffff_8000_0000n);
    expect(r.cr! & 0xf000_0000n).toBe(CR0_LT);
    expect(r.r7).toBe(0x4000_0000_0000_0000n);
    expect(r.r8).toBe(0xffff_ffff_f000_000fn); // ROTL32's doubled word under the wrapping mask
    expect(r.r9).toBe(0xffff_ffff_f800_0000n);
    expect(r.xer! & XER_CA).toBe(0n);
    expect(r.r10).toBe(0xffff_ffff_ffff_8000n);
    expect(r.r12).toBe(0x1234_5678n);
    expect(r.ctr).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.r11).toBe(DATA + 8n);
  });

  it.each(['ppc32be', 'ppc64be', 'ppc64le'] as const)('a word the host rewrites runs as rewritten (%s)', async (arch) => {
    const { machine, vcpu } = await guest(arch, [ppc.addi(3, 3, 1), ppc.bdnz(-4), ppc.sc()]);
    vcpu.set('ctr', 10n).set('r3', 0n);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect(vcpu.get('r3')).toBe(10n);
    const rewritten = new Uint8Array(4);
    new DataView(rewritten.buffer).setUint32(0, ppc.addi(3, 3, 100), arch === 'ppc64le');
    machine.writeBytes(CODE, rewritten);
    vcpu.set('pc', CODE).set('ctr', 10n).set('r3', 0n);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect(vcpu.get('r3')).toBe(1000n);
  });

  it.each(['ppc32be', 'ppc64be', 'ppc64le'] as const)('sync, lwsync, eieio and isync run as no-ops that complete (%s)', async (arch) => {
    const SYNC = 0x7c00_04ac, LWSYNC = 0x7c20_04ac, EIEIO = 0x7c00_06ac, ISYNC = 0x4c00_012c;
    const { vcpu } = await guest(arch, [ppc.addi(3, 3, 1), LWSYNC, SYNC, EIEIO, ISYNC, ppc.bdnz(-20), ppc.sc()]);
    for (let pass = 0; pass < 2; pass++) { // the second pass runs every word from the cache
      vcpu.set('pc', CODE).set('ctr', 5n).set('r3', 0n).set('cr', 0x1234_5678n);
      expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
      expect(vcpu.completed).toBe(5 * 6 + 1); // sc included
      expect([vcpu.get('r3'), vcpu.get('ctr'), vcpu.get('cr')]).toEqual([5n, 0n, 0x1234_5678n]);
    }
  });

  // The cache's entries hold for the mode they were decoded for, whichever instance ran
  // them: two Vcpu objects on one record, one of them reset to another byte order, must
  // not run the other's entries. The bytes 38 60 00 38 are li r3, 56 big-endian and
  // li r0, 0x6038 little-endian.
  it('a Vcpu does not run entries another Vcpu on its record decoded for another mode', async () => {
    const { machine, vcpu: big } = await guest('ppc64be', [0x3860_0038, ppc.sc()]);
    const run = (vcpu: Vcpu) => vcpu.set('pc', CODE).set('r0', 0n).set('r3', 0n).run(10);
    expect(run(big)).toMatchObject({ reason: 'hypercall' });
    expect(big.get('r3')).toBe(56n);
    const little = new Vcpu(machine, 0, 'ppc64le');
    run(little); // li r0, 0x6038, then the sc's bytes, which are no instruction little-endian
    expect(little.get('r0')).toBe(0x6038n);
    big.reset('ppc64be');
    expect(run(big)).toMatchObject({ reason: 'hypercall' });
    expect([big.get('r3'), big.get('r0')]).toEqual([56n, 0n]);
  });

  // The run loop checks slot changes at block starts only (assembly/exec/ppc/run.ts); a
  // device that changes the RAM slots in the middle of a straight run (its access ends the
  // block, and the MMIO path syncs the TLB after a JS handler) must still be seen by the
  // very next load, not by the TLB entry the load before it filled.
  it.each(['ppc32be', 'ppc64be', 'ppc64le'] as const)('%s: slots a device changes during a load are seen by the next instruction', async (arch) => {
    const DEVICE = 0xa000_0000n;
    const { machine, vcpu } = await guest(arch, [
      ppc.lwz(5, 0, 11), //  DATA through the old slot: the TLB now holds it
      ppc.lwz(3, 0, 20), //  the device, which deletes slot 1 and moves slot 2 to DATA
      ppc.lwz(4, 0, 11), //  DATA again, no branch in between
      ppc.sc(),
    ]);
    const endian = arch === 'ppc64le' ? 'little' : 'big';
    const moved = machine.allocateBacking(0x10000);
    let reads = 0;
    machine.mmio.register({
      name: 'mover', base: DEVICE, size: 0x10, endian,
      read() {
        reads++;
        machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 }); // deleted
        machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: moved }); // moved there
        return 7;
      },
      write() {},
    });
    machine.write(DATA, 4, 0x1111_1111n, { endian });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: DATA + 0x10000n, memorySize: 0x10000, userspaceAddr: moved });
    machine.write(DATA + 0x10000n, 4, 0x2222_2222n, { endian }); // the other backing, through its own slot
    vcpu.set('r11', DATA).set('r20', DEVICE);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect(reads).toBe(1);
    expect([vcpu.get('r5'), vcpu.get('r3'), vcpu.get('r4')]).toEqual([0x1111_1111n, 7n, 0x2222_2222n]);
  });

  // What the ISA leaves undefined follows loadstore.ts: a st?cx. of another size than the
  // reservation's, or at another address, does not store.
  it.each(['ppc32be', 'ppc64be', 'ppc64le'] as const)('%s: l?arx and st?cx. hold, match and end the reservation', async (arch) => {
    const { machine, vcpu } = await guest(arch, [
      ppc.lwarx(3, 0, 11),
      ppc.stbcx(4, 0, 11), //  another size: fails
      ppc.mfcr(5),
      ppc.lbarx(3, 11, 12),
      ppc.stbcx(4, 0, 13), //  another address: fails
      ppc.mfcr(6),
      ppc.lharx(3, 0, 11),
      ppc.sthcx(4, 0, 11), //  stores
      ppc.mfcr(7),
      ppc.sthcx(4, 0, 11), //  the reservation ended: fails
      ppc.mfcr(8),
      ppc.lwarx(9, 0, 20), //  a device's register
      ppc.stwcx(4, 0, 20), //  stores to the device
      ppc.mfcr(10),
      ppc.sc(),
    ]);
    const endian = arch === 'ppc64le' ? 'little' : 'big';
    const DEVICE = 0xa000_0000n;
    const writes: bigint[] = [];
    machine.mmio.register({ name: 'register', base: DEVICE, size: 0x10, endian, read: () => 0x55, write: (_offset, _size, value) => { writes.push(BigInt(value)); } });
    const results = [];
    for (let pass = 0; pass < 2; pass++) { // the second pass runs every word from the cache
      machine.write(DATA, 4, 0x1122_3344n, { endian });
      vcpu.set('pc', CODE).set('r11', DATA).set('r12', 1n).set('r13', DATA).set('r20', DEVICE).set('r4', 0xa5b6_c7d8n).set('cr', 0n).set('xer', 0x8000_0000n);
      expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
      results.push([...['r3', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10'].map((name) => vcpu.get(name)), machine.read(DATA, 4, { endian })]);
    }
    expect(results[1]).toEqual(results[0]);
    const SO = 0x1000_0000n, EQ = 0x2000_0000n;
    const [r3, r5, r6, r7, r8, r9, r10, memory] = results[0]!;
    expect([r5, r6, r7, r8, r10]).toEqual([SO, SO, EQ | SO, SO, EQ | SO]);
    expect(r3).toBe(endian === 'big' ? 0x1122n : 0x3344n);
    expect(r9).toBe(0x55n);
    expect(memory).toBe(endian === 'big' ? 0xc7d8_3344n : 0x1122_c7d8n);
    expect(writes).toEqual([0xa5b6_c7d8n, 0xa5b6_c7d8n]);
  });

  // lxvd2x/stxvd2x run as micro-ops on the TLB's hit path and through the full path off it
  // (a misaligned doubleword misses): both keep the doublewords in address order.
  it.each(['ppc64be', 'ppc64le'] as const)('%s: lxvd2x and stxvd2x on and off the TLB hit path', async (arch) => {
    const xx1 = (xo: number, vsr: number, ra: number, rb: number) => ((31 << 26) | ((vsr & 31) << 21) | (ra << 16) | (rb << 11) | (xo << 1) | (vsr >> 5)) >>> 0;
    const LXVD2X = 844, STXVD2X = 972;
    const { machine, vcpu } = await guest(arch, [
      ppc.ld(5, 0, 11), //               the TLB holds DATA for reading
      ppc.std(5, 0, 11), //              and for writing
      xx1(LXVD2X, 33, 0, 11), //         v1: aligned, a hit
      xx1(LXVD2X, 34, 11, 12), //        v2: DATA + 4, a miss
      xx1(STXVD2X, 33, 11, 13), //       v1 at DATA + 0x20
      xx1(STXVD2X, 34, 11, 14), //       v2 at DATA + 0x34
      ppc.sc(),
    ]);
    const little = arch === 'ppc64le';
    const pattern = Uint8Array.from({ length: 24 }, (_, i) => 0x10 + i * 7);
    const doubleword = (offset: number) => new DataView(pattern.buffer).getBigUint64(offset, little);
    const results = [];
    for (let pass = 0; pass < 2; pass++) { // the second pass runs every word from the cache
      machine.writeBytes(DATA, pattern);
      machine.writeBytes(DATA + 0x20n, new Uint8Array(0x30));
      vcpu.set('pc', CODE).set('r11', DATA).set('r12', 4n).set('r13', 0x20n).set('r14', 0x34n).set('v1', 0n).set('v2', 0n);
      expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
      results.push([vcpu.get('v1'), vcpu.get('v2'), [...machine.readBytes(DATA + 0x20n, 0x30)]]);
    }
    expect(results[1]).toEqual(results[0]);
    const [v1, v2, stored] = results[0] as [bigint, bigint, number[]];
    expect(v1).toBe((doubleword(0) << 64n) | doubleword(8));
    expect(v2).toBe((doubleword(4) << 64n) | doubleword(12));
    expect(stored.slice(0, 16)).toEqual([...pattern.slice(0, 16)]);
    expect(stored.slice(0x14, 0x24)).toEqual([...pattern.slice(4, 20)]);
  });
});
