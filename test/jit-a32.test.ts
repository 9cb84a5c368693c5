import { describe, expect, it } from 'vitest';
import { a32 } from '../dist/src/index.js';
import { prng } from './helpers.js';
import { CODE, DATA, DEVICE, compareLoopRuns } from './fixtures/jit-pair.js';

// Compiled A32 loops (Machine option `jit`) against the interpreter: the same random
// loops on two machines must end in the same registers, CPSR, memory and exits.

const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'];

function randomBody(random: ReturnType<typeof prng>, length: number, withUncompiled: boolean): number[] {
  const reg = () => 3 + random.below(7); // r3..r9; r10..r12 hold the bases, r2 counts
  const baseReg = () => 10 + random.below(3);
  const signed = (magnitude: number) => (random.below(2) ? magnitude : -magnitude);
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    switch (random.below(8)) {
      case 0: words.push(a32.ldr(reg(), baseReg(), signed(random.below(512) * 4))); break;
      case 1: words.push(a32.str(reg(), baseReg(), signed(random.below(512) * 4))); break;
      case 2: words.push(a32.ldrb(reg(), baseReg(), signed(random.below(2048)))); break;
      case 3: words.push(a32.strb(reg(), baseReg(), signed(random.below(2048)))); break;
      case 4: words.push(a32.ldrh(reg(), baseReg(), signed(random.below(128) * 2 + random.below(2)))); break; // some misaligned
      case 5: words.push(a32.strh(reg(), baseReg(), signed(random.below(128) * 2))); break;
      default: words.push(random.below(2) ? a32.add(reg(), reg(), random.below(256)) : a32.sub(reg(), reg(), random.below(256)));
    }
  }
  if (withUncompiled) words.splice(random.below(words.length + 1), 0, a32.ldr(reg(), baseReg(), 4, 'pre')); // writeback: not compiled
  return words;
}

describe('compiled A32 loops (Machine option jit)', () => {
  it('end random loops closed by SUBS + BNE in the same registers, CPSR, memory and device accesses as the interpreter, LE and BE8', async () => {
    let compiled = 0;
    for (const arch of ['arm', 'armeb'] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const random = prng(seed * 7919);
        const body = randomBody(random, 1 + random.below(12), seed % 5 === 0);
        const words = [a32.mov(2, 30 + random.below(30)), ...body, a32.subs(2, 2, 1), a32.b(-(body.length + 1) * 4, 'ne'), a32.svc()];
        const bytes = new Uint8Array(words.length * 4);
        words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
        compiled += await compareLoopRuns(arch, seed, bytes, REGISTERS, (vcpu, fill) => {
          for (let r = 3; r < 10; r++) vcpu.set(`r${r}`, BigInt(fill.next() >>> 0));
          vcpu.set('r10', DATA + 0x800n).set('r11', DATA + 0x2000n).set('r12', seed % 7 === 0 ? DEVICE + 0x800n : DATA + 0x3000n).set('pc', CODE);
        });
      }
    }
    expect(compiled).toBeGreaterThan(40);
  });
});
