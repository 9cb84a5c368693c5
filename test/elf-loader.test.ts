import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, loadElf, parseElf, runElf, ElfError, RETURN_ADDRESS, SlotError } from '../dist/src/index.js';
import { makeElf, words, EM_PPC, EM_PPC64, EM_ARM, EM_AARCH64, type ElfShape } from './elf-helpers.js';

const machine = () => Machine.create({ vcpus: 1, shared: false, arenaBytes: 32 * 1024 * 1024 });

describe('parseElf: each malformed file is refused with what is wrong', () => {
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['bad magic', () => Uint8Array.of(0x7f, 0x45, 0x4c, 0x47, ...new Array(60).fill(0)), /not an ELF file/],
    ['empty file', () => new Uint8Array(0), /not an ELF file/],
    ['bad class', () => { const b = makeElf(); b[4] = 3; return b; }, /EI_CLASS 3/],
    ['bad byte order', () => { const b = makeElf(); b[5] = 0; return b; }, /EI_DATA 0/],
    ['truncated header', () => makeElf().subarray(0, 40), /truncated: 40 bytes is shorter than the 64-byte ELF header/],
    ['not ET_EXEC', () => makeElf({ type: 3 }), /e_type 3 is not ET_EXEC/],
    ['unknown machine', () => makeElf({ machine: 62 }), /e_machine 62 is not PowerPC/],
    ['64-bit machine in a 32-bit file', () => makeElf({ bits: 32, machine: EM_PPC64 }), /needs ELFCLASS64, the file is 32-bit/],
    ['32-bit machine in a 64-bit file', () => makeElf({ bits: 64, machine: EM_ARM, little: true }), /needs ELFCLASS32/],
    ['little-endian ppc32', () => makeElf({ bits: 32, machine: EM_PPC, little: true }), /32-bit little-endian PowerPC/],
    ['BE32 ARM', () => makeElf({ bits: 32, machine: EM_ARM, little: false }), /BE32/],
    ['program headers past the end', () => makeElf().subarray(0, 100), /truncated: 1 program headers at 0x40 end past the 100-byte file/],
    ['segment bytes past the end', () => { const b = makeElf({ segments: [{ address: 0x100000n, data: new Uint8Array(64) }] }); return b.subarray(0, b.length - 1); }, /truncated: segment 0's 0x40 bytes/],
    ['filesz over memsz', () => makeElf({ segments: [{ address: 0x100000n, data: new Uint8Array(16), memSize: 8 }] }), /p_filesz 0x10 exceeds p_memsz 0x8/],
    ['no PT_LOAD', () => makeElf({ segments: [{ address: 0x100000n, data: new Uint8Array(4), type: 4 }] }), /no PT_LOAD segment/],
    ['dynamically linked', () => makeElf({ segments: [{ address: 0x100000n, data: new Uint8Array(4) }, { address: 0, data: new Uint8Array(4), type: 3 }] }), /dynamically linked/],
    ['overlapping segments', () => makeElf({ segments: [{ address: 0x100000n, data: new Uint8Array(16) }, { address: 0x100008n, data: new Uint8Array(8) }] }), /overlap/],
    ['entry outside the segments', () => makeElf({ entry: 0x200000n, flags: 2 }), /entry point 0x200000 lies in no PT_LOAD segment/],
  ];
  for (const [name, build, message] of cases) {
    it(name, () => {
      const bytes = build();
      expect(() => parseElf(bytes)).toThrow(ElfError);
      expect(() => parseElf(bytes)).toThrow(message);
    });
  }

  it('a wrong e_phentsize', () => {
    const bytes = makeElf();
    new DataView(bytes.buffer).setUint16(54, 32, false);
    expect(() => parseElf(bytes)).toThrow(/e_phentsize 32 is not 56/);
  });
});

describe('parseElf: architecture from e_machine, class and byte order', () => {
  const cases: Array<[ElfShape, string]> = [
    [{ bits: 64, little: false, machine: EM_PPC64, flags: 1 }, 'ppc64be'],
    [{ bits: 64, little: true, machine: EM_PPC64, flags: 2 }, 'ppc64le'],
    [{ bits: 32, little: false, machine: EM_PPC }, 'ppc32be'],
    [{ bits: 64, little: true, machine: EM_AARCH64 }, 'aarch64'],
    [{ bits: 64, little: false, machine: EM_AARCH64 }, 'aarch64_be'],
    [{ bits: 32, little: true, machine: EM_ARM }, 'arm'],
    [{ bits: 32, little: true, machine: EM_ARM, entry: 0x100001n }, 'thumb'],
    [{ bits: 32, little: false, machine: EM_ARM, flags: 0x0080_0000 }, 'armeb'],
  ];
  for (const [shape, arch] of cases) {
    it(arch, () => {
      const little = shape.little ?? false;
      const image = parseElf(makeElf({ ...shape, segments: [{ address: 0x100000n, data: words([0, 0, 0, 0], little) }] }));
      expect(image.arch).toBe(arch);
      expect(image.bits).toBe(shape.bits);
    });
  }
});

describe('loadElf', () => {
  it('copies each segment to its address and zeroes its bss, in one RAM slot', async () => {
    const m = await machine();
    const code = words([0x11111111, 0x22222222], false);
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const loaded = loadElf(m, makeElf({ flags: 2, segments: [{ address: 0x100000n, data: code }, { address: 0x101000n, data, memSize: 0x2000 }] }));
    expect(m.slots()).toEqual([expect.objectContaining({ slot: 0, guestPhysAddr: 0x100000n, memorySize: 16n * 1024n * 1024n })]);
    expect(m.read(0x100004, 4, { endian: 'big' })).toBe(0x22222222n);
    expect([...m.readBytes(0x101000, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect([...m.readBytes(0x101005, 0x2000 - 5)].every((byte) => byte === 0)).toBe(true);
    expect(loaded.ram).toMatchObject({ slot: 0, base: 0x100000n, size: 16 * 1024 * 1024 });
  });

  it('ELFv1 (64-bit big-endian PowerPC): the entry is a descriptor giving pc, TOC (r2) and r11', async () => {
    const descriptor = new Uint8Array(24);
    const view = new DataView(descriptor.buffer);
    view.setBigUint64(0, 0x100100n);
    view.setBigUint64(8, 0x108000n);
    view.setBigUint64(16, 0x42n);
    const loaded = loadElf(await machine(), makeElf({ flags: 1, entry: 0x102000n, segments: [{ address: 0x100000n, data: new Uint8Array(0x200) }, { address: 0x102000n, data: descriptor }] }));
    expect(loaded.arch).toBe('ppc64be');
    expect(loaded.registers).toEqual({ pc: 0x100100n, r2: 0x108000n, r11: 0x42n, r1: 0x1100000n - 128n, lr: RETURN_ADDRESS });
  });

  it('ELFv2 gets r12 = the global entry; ppc32, AArch64 and Thumb their stack and link registers', async () => {
    const v2 = loadElf(await machine(), makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: new Uint8Array(8) }] }));
    expect(v2.registers).toEqual({ pc: 0x100000n, r12: 0x100000n, r1: 0x1100000n - 128n, lr: RETURN_ADDRESS });
    const ppc32 = loadElf(await machine(), makeElf({ bits: 32, machine: EM_PPC, segments: [{ address: 0x100000n, data: new Uint8Array(8) }] }));
    expect(ppc32.registers).toEqual({ pc: 0x100000n, r1: 0x1100000n - 128n, lr: RETURN_ADDRESS });
    const a64 = loadElf(await machine(), makeElf({ little: true, machine: EM_AARCH64, segments: [{ address: 0x100000n, data: new Uint8Array(8) }] }));
    expect(a64.registers).toEqual({ pc: 0x100000n, sp: 0x1100000n, x30: RETURN_ADDRESS });
    const thumb = loadElf(await machine(), makeElf({ bits: 32, little: true, machine: EM_ARM, entry: 0x100003n, segments: [{ address: 0x100000n, data: new Uint8Array(8) }] }));
    expect(thumb.arch).toBe('thumb');
    expect(thumb.registers).toEqual({ pc: 0x100002n, r13: 0x1100000n, r14: RETURN_ADDRESS });
    const forced = loadElf(await machine(), makeElf({ bits: 32, little: true, machine: EM_ARM, entry: 0x100003n, segments: [{ address: 0x100000n, data: new Uint8Array(8) }] }), { arch: 'arm' });
    expect(forced.arch).toBe('arm');
  });

  it('refuses a segment outside RAM, another family\'s --arch or a slot in use, and leaves the machine as it was', async () => {
    const m = await machine();
    const outside = makeElf({ flags: 2, segments: [{ address: 0x100000n, data: new Uint8Array(8) }, { address: 0x10ff000n, data: new Uint8Array(8), memSize: 0x2000 }] });
    expect(() => loadElf(m, outside)).toThrow(/segment 0x10ff000\.\.0x1101000 lies outside RAM 0x100000\.\.0x1100000/);
    expect(() => loadElf(m, makeElf({ flags: 2 }), { arch: 'aarch64' })).toThrow(/--arch aarch64 cannot run this ppc64be file/);
    expect(() => loadElf(m, makeElf({ flags: 2 }), { ramBase: 0x100001 })).toThrow(/not a page-aligned address/);
    expect(() => loadElf(m, makeElf({ flags: 2 }), { ramSize: 1000 })).toThrow(/not a positive multiple of 4096/);
    expect(m.slots()).toEqual([]);
    m.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x4000_0000, memorySize: 4096, userspaceAddr: m.allocateBacking(4096) });
    expect(() => loadElf(m, makeElf({ flags: 2 }))).toThrow(SlotError);
    expect(m.slots().length).toBe(1);
    // Every byte the refused loads allocated was given back: the rest of the arena is still free.
    expect(() => m.allocateBacking(32 * 1024 * 1024 - 8192)).not.toThrow();
  });
});

describe('runElf and Vcpu.completed', () => {
  it('counts the instructions before an undefined one, and names where it stopped', async () => {
    // addi r3,r3,1 three times, then the all-zero word (no PowerPC instruction).
    const result = await runElf(makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x38630001, 0x38630001, 0x38630001, 0], true) }] }));
    expect(result.exit).toMatchObject({ reason: 'undefined', pc: 0x10000cn, word: 0 });
    expect(result.instructions).toBe(3);
  });

  it('a return from the entry function ends the run with the return register', async () => {
    // li r3,7; blr (LR = RETURN_ADDRESS)
    const result = await runElf(makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x38600007, 0x4e800020], true) }] }));
    expect(result.exit).toEqual({ reason: 'returned', status: 7n });
    expect(result.instructions).toBe(2);
  });

  it('a budget exit completes the whole budget, across several run calls', async () => {
    // b . (an endless loop)
    const result = await runElf(makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x48000000], true) }] }), { budget: 5_000_001 });
    expect(result.exit).toEqual({ reason: 'budget', pc: 0x100000n });
    expect(result.instructions).toBe(5_000_001);
  });

  it('Vcpu.completed after a budget and after an exit mid-run', async () => {
    const m = await machine();
    loadElf(m, makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x38630001, 0x38630001, 0], true) }] }));
    const vcpu = new Vcpu(m, 0, 'ppc64le').set('pc', 0x100000n);
    expect(vcpu.run(1).reason).toBe('budget');
    expect(vcpu.completed).toBe(1);
    expect(vcpu.run(10).reason).toBe('undefined');
    expect(vcpu.completed).toBe(1);
    expect(vcpu.get('r3')).toBe(2n);
  });
});
