import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, PpcProgram, PpcRadixTables, ppc } from '../dist/src/index.js';
import { prng } from './helpers.js';

// The compiled-loop path (Machine option `jit`) against the interpreter: the same
// programs on two machines, one with it, must end in the same registers, memory and
// exits, whatever the loop meets (MMIO, misses, budgets, slot changes, new code).

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const DATA_BYTES = 0x4000;
const DEVICE = 0x30_0000n;
const AFTER_LOOP = 0x800; // the loop's fall-through lands on `sc` here

type Arch = 'ppc64be' | 'ppc64le';

async function machinePair(arch: Arch, setUp: (machine: Machine) => void = () => {}) {
  const make = async (jit: boolean) => {
    const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: DATA_BYTES, userspaceAddr: machine.allocateBacking(DATA_BYTES) });
    const reads: string[] = [];
    machine.mmio.register({ base: DEVICE, size: 0x1000, read: (offset, size) => { reads.push(`r${offset}/${size}`); return offset * 3 + size; }, write: (offset, size, value) => { reads.push(`w${offset}/${size}=${value}`); } });
    setUp(machine);
    return { machine, vcpu: new Vcpu(machine, 0, arch), reads };
  };
  return [await make(false), await make(true)] as const;
}

/** Whether the vCPU's record holds a compiled loop (a block with a table index). */
function compiledLoops(machine: Machine, vcpu: Vcpu): number {
  const view = new DataView(machine.memory.buffer);
  let count = 0;
  for (let i = 0; i < machine.map.JIT_BLOCKS; i++) {
    if (view.getInt32(vcpu.core.record + machine.map.REC_JIT_BLOCKS + i * machine.map.JIT_BLOCK_SIZE + 8, true) > 0) count++;
  }
  return count;
}

const REGISTERS = [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'ctr', 'pc', 'cr', 'xer', 'lr'];

function state(machine: Machine, vcpu: Vcpu) {
  return { regs: REGISTERS.map((name) => vcpu.get(name)), data: Buffer.from(machine.readBytes(DATA, DATA_BYTES)).toString('hex') };
}

/** A random loop body of `length` instructions the compiler runs, and now and then one it does not. */
function randomBody(random: ReturnType<typeof prng>, length: number, unsupported: boolean): number[] {
  const reg = () => 3 + random.below(10); // r3..r12; r13..r15 hold the bases
  const baseReg = () => 13 + random.below(3);
  const disp = (align: number) => (random.below(64) - 16) * align + (random.below(8) === 0 ? 1 : 0); // sometimes misaligned
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    const pick = random.below(unsupported ? 14 : 13);
    const dsDisp = (random.below(64) - 16) * 8;
    switch (pick) {
      case 0: words.push(ppc.ld(reg(), dsDisp, baseReg())); break;
      case 1: words.push(ppc.lwz(reg(), disp(4), baseReg())); break;
      case 2: words.push(ppc.lbz(reg(), disp(1), baseReg())); break;
      case 3: words.push(ppc.lhz(reg(), disp(2), baseReg())); break;
      case 4: words.push(ppc.lha(reg(), disp(2), baseReg())); break;
      case 5: words.push(ppc.lwa(reg(), dsDisp, baseReg())); break;
      case 6: words.push(ppc.std(reg(), dsDisp, baseReg())); break;
      case 7: words.push(ppc.stw(reg(), disp(4), baseReg())); break;
      case 8: words.push(ppc.sth(reg(), disp(2), baseReg())); break;
      case 9: words.push(ppc.stb(reg(), disp(1), baseReg())); break;
      case 10: words.push(ppc.addi(reg(), random.below(2) ? 0 : reg(), random.below(65536) - 32768)); break;
      case 11: words.push(ppc.addis(reg(), reg(), random.below(65536) - 32768)); break;
      case 12: words.push(ppc.ori(reg(), reg(), random.below(65536))); break;
      default: words.push(ppc.cmpdi(0, reg(), 5)); // not compiled: the loop stays interpreted
    }
  }
  return words;
}

function loopProgram(body: number[], iterations: number): PpcProgram {
  return new PpcProgram().emit(ppc.li(0, iterations), ppc.mtctr(0)).label('loop').emit(...body).branchTo(ppc.bdnz, 'loop');
}

function load(machine: Machine, vcpu: Vcpu, program: PpcProgram, arch: Arch, seed: number) {
  const endian = arch === 'ppc64be' ? 'big' : 'little';
  machine.writeBytes(CODE, program.bytes(endian));
  machine.writeBytes(CODE + BigInt(AFTER_LOOP), new PpcProgram().emit(ppc.sc()).bytes(endian));
  const random = prng(seed);
  machine.writeBytes(DATA, Uint8Array.from({ length: DATA_BYTES }, () => random.below(256)));
  for (let r = 3; r < 13; r++) vcpu.set(`r${r}`, BigInt(random.next()) << 20n | BigInt(random.next()));
  vcpu.set('r13', DATA + 0x800n).set('r14', DATA + 0x2000n).set('r15', random.below(6) === 0 ? DEVICE + 0x400n : DATA + 0x3000n);
  vcpu.set('pc', CODE);
}

describe('compiled PowerPC loops (Machine option jit)', () => {
  it('end random loops in the same registers, memory, device accesses and exits as the interpreter, big- and little-endian', async () => {
    let compiled = 0;
    for (const arch of ['ppc64be', 'ppc64le'] as const) {
      for (let seed = 1; seed <= 60; seed++) {
        const random = prng(seed * 7919);
        const body = randomBody(random, 1 + random.below(16), seed % 10 === 0);
        // The loop falls through to `sc` after AFTER_LOOP bytes: pad with nops.
        const program = loopProgram(body, 40 + random.below(40));
        while (program.words().length * 4 < AFTER_LOOP) program.emit(ppc.nop());
        const [plain, jit] = await machinePair(arch);
        const exits = [plain, jit].map(({ machine, vcpu }) => {
          load(machine, vcpu, program, arch, seed);
          const budgets = prng(seed);
          const seen: unknown[] = [];
          for (let run = 0; run < 40; run++) {
            const exit = vcpu.run(37 + budgets.below(500)); // budgets that end mid-iteration
            seen.push(exit);
            if (exit.reason !== 'budget') break;
          }
          return seen;
        });
        expect(exits[1], `${arch} seed ${seed}`).toEqual(exits[0]);
        expect(state(jit.machine, jit.vcpu), `${arch} seed ${seed}`).toEqual(state(plain.machine, plain.vcpu));
        expect(jit.reads).toEqual(plain.reads);
        compiled += compiledLoops(jit.machine, jit.vcpu);
      }
    }
    expect(compiled).toBeGreaterThan(60); // most loops were compiled, not just interpreted
  });

  it('sees a slot change between runs, a dirty-logged slot, and code the host rewrote', async () => {
    const [plain, jit] = await machinePair('ppc64be');
    for (const { machine, vcpu } of [plain, jit]) {
      const program = loopProgram([ppc.ld(3, 0, 13), ppc.std(3, 8, 14), ppc.addi(4, 4, 1)], 1000);
      machine.writeBytes(CODE, program.bytes('big'));
      machine.write(DATA, 8, 11n, { endian: 'big' });
      vcpu.set('pc', CODE).set('r13', DATA).set('r14', DATA + 0x1000n).set('r4', 0);
      expect(vcpu.run(300).reason).toBe('budget');
      // Another backing for the data page, dirty-logged: loads see it, stores are logged.
      const backing = machine.allocateBacking(DATA_BYTES);
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 });
      machine.setUserMemoryRegion({ slot: 1, flags: 1, guestPhysAddr: DATA, memorySize: DATA_BYTES, userspaceAddr: backing });
      machine.write(DATA, 8, 22n, { endian: 'big' });
      expect(vcpu.run(300).reason).toBe('budget');
      expect(machine.getDirtyLog(1)[0]! & 0b10).toBe(0b10); // the loop's stores (page 1) are logged
      // The host rewrites the loop's first instruction: ld r3 from 8(r13) now.
      machine.writeBytes(CODE + 8n, new PpcProgram().emit(ppc.ld(3, 8, 13)).bytes('big'));
      machine.write(DATA + 8n, 8, 33n, { endian: 'big' });
      expect(vcpu.run(300).reason).toBe('budget');
    }
    expect(state(jit.machine, jit.vcpu)).toEqual(state(plain.machine, plain.vcpu));
    expect(jit.machine.read(DATA + 0x1008n, 8, { endian: 'big' })).toBe(33n);
    expect(compiledLoops(jit.machine, jit.vcpu)).toBeGreaterThan(0);
  });

  it('hands a page-crossing access back to the interpreter: two guest pages in separate backings', async () => {
    const trails: bigint[][] = [];
    for (const jit of [false, true]) {
      const machine = await Machine.create({ arenaBytes: 4 << 20, jit });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      const first = machine.allocateBacking(0x1000);
      machine.allocateBacking(0x1000); // host memory between the two guest pages
      const second = machine.allocateBacking(0x1000);
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: first });
      machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: DATA + 0x1000n, memorySize: 0x1000, userspaceAddr: second });
      machine.writeBytes(DATA + 0xffcn, Uint8Array.of(1, 2, 3, 4));
      machine.writeBytes(DATA + 0x1000n, Uint8Array.of(5, 6, 7, 8));
      // Each iteration stores what it loaded at the next doubleword of a trail.
      machine.writeBytes(CODE, loopProgram([ppc.ld(3, 0, 13), ppc.std(3, 0, 14), ppc.addi(14, 14, 8)], 100).bytes('big'));
      const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', CODE).set('r13', DATA + 0xffcn).set('r14', DATA + 0x1400n);
      vcpu.run(402); // the prologue and 100 iterations
      const trail = machine.readBytes(DATA + 0x1400n, 800, { endian: 'big' });
      trails.push(Array.from({ length: 100 }, (_, i) => new DataView(trail.buffer, trail.byteOffset).getBigUint64(i * 8)));
      if (jit) expect(compiledLoops(machine, vcpu)).toBe(1);
    }
    expect(trails[0]).toEqual(Array(100).fill(0x0102_0304_0506_0708n));
    expect(trails[1]).toEqual(trails[0]);
  });

  it('runs a loop through the radix MMU the same way, faults included', async () => {
    const [plain, jit] = await machinePair('ppc64be', (machine) => {
      machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: 0x8000_0000n, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    });
    for (const { machine, vcpu } of [plain, jit]) {
      const tables = new PpcRadixTables(machine, 0x8000_0000n, 0x10_0000);
      tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
      tables.map({ va: 0x5000_0000n, pa: DATA, size: 0x1000 });
      tables.map({ va: 0x5000_1000n, pa: DATA + 0x1000n, size: 0x1000, writable: false });
      machine.writeBytes(CODE, loopProgram([ppc.ld(3, 0, 13), ppc.addi(3, 3, 1), ppc.std(3, 0, 13), ppc.addi(13, 13, 64)], 200).bytes('big'));
      tables.enable(vcpu).set('pc', CODE).set('r13', 0x5000_0000n);
    }
    const exits = [plain, jit].map(({ vcpu }) => vcpu.run(100_000));
    expect(exits[1]).toEqual(exits[0]);
    expect(exits[0]).toMatchObject({ reason: 'fault', kind: 'translation', address: 0x5000_1000n }); // the read-only page
    expect(state(jit.machine, jit.vcpu)).toEqual(state(plain.machine, plain.vcpu));
    expect(compiledLoops(jit.machine, jit.vcpu)).toBeGreaterThan(0);
  });
});
