import { describe, expect, it } from 'vitest';
import { A64Program, a64 } from '../dist/src/index.js';
import { prng } from './helpers.js';
import { CODE, DATA, DEVICE, compareLoopRuns } from './fixtures/jit-pair.js';

// Compiled A64 loops (Machine option `jit`) against the interpreter: the same random
// loops on two machines must end in the same registers, flags, memory and exits.

const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'];

/** LDRSW Xt, [Xn, #offset] (unsigned offset). */
const ldrsw = (rt: number, rn: number, offset: number) => (0xb980_0000 | ((offset / 4) << 10) | (rn << 5) | rt) >>> 0;

function randomBody(random: ReturnType<typeof prng>, length: number): number[] {
  const reg = () => 3 + random.below(10); // x3..x12; x13..x15 hold the bases
  const baseReg = () => 13 + random.below(3);
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    const bytes = [1, 2, 4, 8][random.below(4)]!;
    const offset = random.below(256) * bytes;
    switch (random.below(6)) {
      case 0: case 1: words.push(a64.ldr(reg(), baseReg(), offset, bytes)); break;
      case 2: case 3: words.push(a64.str(reg(), baseReg(), offset, bytes)); break;
      case 4: words.push(ldrsw(reg(), baseReg(), random.below(256) * 4)); break;
      default: words.push(random.below(2) ? a64.add(reg(), reg(), random.below(4096)) : a64.sub(reg(), reg(), random.below(4096)));
    }
  }
  return words;
}

describe('compiled A64 loops (Machine option jit)', () => {
  it('end random loops closed by SUBS + B.NE or CBNZ in the same state, flags, memory and device accesses as the interpreter, LE and BE8', async () => {
    let compiled = 0;
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const random = prng(seed * 104729);
        const body = randomBody(random, 1 + random.below(12));
        const byCbnz = seed % 3 === 0;
        const program = new A64Program().emit(a64.movz(2, 30 + random.below(30))).label('loop').emit(...body);
        if (byCbnz) program.emit(a64.sub(2, 2, 1)).branchTo((offset) => a64.cbnz(2, offset), 'loop');
        else program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop');
        program.emit(a64.svc());
        compiled += await compareLoopRuns(arch, seed, program.bytes(), REGISTERS, (vcpu, fill) => {
          for (let r = 3; r < 13; r++) vcpu.set(`x${r}`, BigInt(fill.next()) << 24n | BigInt(fill.next()));
          vcpu.set('x13', DATA).set('x14', DATA + 0x1800n).set('x15', seed % 7 === 0 ? DEVICE : DATA + 0x2000n).set('pc', CODE);
        });
      }
    }
    expect(compiled).toBeGreaterThan(40);
  });
});
