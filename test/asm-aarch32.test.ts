import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { a32, t32 } from '../dist/src/asm/aarch32.js';

const LLVM_MC = '/usr/bin/llvm-mc';
const haveLlvm = spawnSync(LLVM_MC, ['--version']).status === 0;

const armCases: Array<[number, string]> = [
  [a32.ldr(0, 1, 4), 'ldr r0, [r1, #4]'],
  [a32.ldr(0, 1, -4, 'pre'), 'ldr r0, [r1, #-4]!'],
  [a32.ldr(5, 4, 4, 'post'), 'ldr r5, [r4], #4'],
  [a32.str(3, 6, 0, 'offset', 'ne'), 'strne r3, [r6]'],
  [a32.ldrb(1, 2, 255), 'ldrb r1, [r2, #255]'],
  [a32.strb(1, 2, -1), 'strb r1, [r2, #-1]'],
  [a32.ldrh(1, 2, 6), 'ldrh r1, [r2, #6]'],
  [a32.strh(1, 2, -6), 'strh r1, [r2, #-6]'],
  [a32.ldrsb(1, 2, 1), 'ldrsb r1, [r2, #1]'],
  [a32.ldrsh(1, 2, 2), 'ldrsh r1, [r2, #2]'],
  [a32.ldrd(2, 4, 8), 'ldrd r2, r3, [r4, #8]'],
  [a32.strd(2, 4, -8), 'strd r2, r3, [r4, #-8]'],
  [a32.ldm(4, [0, 1, 7], true), 'ldm r4!, {r0, r1, r7}'],
  [a32.stmdb(5, [1, 2], false), 'stmdb r5, {r1, r2}'],
  [a32.push([4, 14]), 'push {r4, lr}'],
  [a32.pop([4, 15]), 'pop {r4, pc}'],
  [a32.ldrex(1, 6), 'ldrex r1, [r6]'],
  [a32.strex(0, 3, 6, 'eq'), 'strexeq r0, r3, [r6]'],
  [a32.mov(2, 16), 'mov r2, #16'],
  [a32.mov(2, 0xff000000), 'mov r2, #4278190080'],
  [a32.movw(8, 0x1234), 'movw r8, #4660'],
  [a32.movt(8, 0x5678), 'movt r8, #22136'],
  [a32.add(1, 2, 4), 'add r1, r2, #4'],
  [a32.adds(1, 2, 4), 'adds r1, r2, #4'],
  [a32.subs(2, 2, 1), 'subs r2, r2, #1'],
  [a32.sub(13, 13, 8), 'sub sp, sp, #8'],
  [a32.cmp(0, 10), 'cmp r0, #10'],
  [a32.addRegister(3, 3, 5), 'add r3, r3, r5'],
  [a32.bx(14), 'bx lr'],
  [a32.svc(0), 'svc #0'],
  [a32.dsb(), 'dsb sy'],
  [a32.isb(), 'isb sy'],
  [a32.nop(), 'nop'],
  [a32.mcr(15, 0, 0, 1, 0, 0), 'mcr p15, #0, r0, c1, c0, #0'],
  [a32.mrc(15, 0, 3, 2, 0, 2), 'mrc p15, #0, r3, c2, c0, #2'],
  [a32.mcr(15, 0, 12, 8, 3, 1, 'ne'), 'mcrne p15, #0, r12, c8, c3, #1'],
  [a32.mrc(15, 7, 14, 15, 15, 7), 'mrc p15, #7, lr, c15, c15, #7'],
  [a32.mcrr(15, 0, 0, 1, 2), 'mcrr p15, #0, r0, r1, c2'],
  [a32.mrrc(15, 1, 4, 5, 2, 'eq'), 'mrrceq p15, #1, r4, r5, c2'],
  [a32.mcrr(15, 15, 10, 9, 15), 'mcrr p15, #15, r10, r9, c15'],
];

const thumbCases: Array<[number, string]> = [
  [t32.movs(2, 8), 'movs r2, #8'],
  [t32.cmp(0, 1), 'cmp r0, #1'],
  [t32.addsImm(3, 200), 'adds r3, #200'],
  [t32.subsImm(2, 1), 'subs r2, #1'],
  [t32.adds(3, 3, 5), 'adds r3, r3, r5'],
  [t32.subs(1, 2, 3), 'subs r1, r2, r3'],
  [t32.ldr(0, 1, 4), 'ldr r0, [r1, #4]'],
  [t32.str(3, 6, 124), 'str r3, [r6, #124]'],
  [t32.ldrb(1, 2, 31), 'ldrb r1, [r2, #31]'],
  [t32.strh(1, 2, 62), 'strh r1, [r2, #62]'],
  [t32.push([4], true), 'push {r4, lr}'],
  [t32.pop([0, 7]), 'pop {r0, r7}'],
  [t32.ldrPost(5, 4, 4), 'ldr r5, [r4], #4'],
  [t32.ldrWide(5, 9, 4095), 'ldr.w r5, [r9, #4095]'],
  [t32.strWide(10, 11, 8), 'str.w r10, [r11, #8]'],
  [t32.movw(8, 0xbeef), 'movw r8, #48879'],
  [t32.movt(9, 0x1234), 'movt r9, #4660'],
  [t32.mov(9, 2), 'mov r9, r2'],
  [t32.addRegister(9, 12), 'add r9, r12'],
  [t32.cmpRegister(9, 8), 'cmp r9, r8'],
  [t32.bx(14), 'bx lr'],
  [t32.svc(1), 'svc #1'],
  [t32.nop(), 'nop'],
  [t32.dsb(), 'dsb sy'],
  [t32.isb(), 'isb sy'],
  [t32.mcr(15, 0, 0, 1, 0, 0), 'mcr p15, #0, r0, c1, c0, #0'],
  [t32.mrc(15, 0, 9, 3, 0, 0), 'mrc p15, #0, r9, c3, c0, #0'],
  [t32.mcr(15, 0, 1, 8, 7, 3), 'mcr p15, #0, r1, c8, c7, #3'],
  [t32.mcrr(15, 1, 2, 3, 2), 'mcrr p15, #1, r2, r3, c2'],
  [t32.mrrc(15, 0, 11, 12, 2), 'mrrc p15, #0, r11, r12, c2'],
];

/** IT instructions cannot stand alone in assembly text: checked by disassembly. */
const itCases: Array<[number, string]> = [
  [t32.it('eq', 'e'), 'ite eq'],
  [t32.it('ne'), 'it ne'],
  [t32.it('gt', 'tet'), 'ittet gt'],
];

/** Branches are pc-relative: checked by disassembling our words (llvm-mc prints "#offset" from pc). */
const thumbBranches: Array<[number, string]> = [
  [t32.bcond('ne', -8), 'bne #-12'],
  [t32.b(100), 'b #96'],
  [t32.bl(0x1000), 'bl #4092'],
];
const armBranches: Array<[number, string]> = [
  [a32.b(-16), 'b #-24'],
  [a32.bl(0x100, 'ne'), 'blne #248'],
];

function encodings(triple: string, lines: string[]): number[] {
  const output = execFileSync(LLVM_MC, [`--triple=${triple}`, '--show-encoding'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  return output.split('\n').filter((line) => line.includes('encoding: [')).map((line) => {
    const bytes = /encoding: \[([^\]]*)\]/.exec(line)![1]!.split(',').map((b) => Number(b.trim()));
    if (bytes.length === 2) return bytes[0]! | (bytes[1]! << 8);
    if (triple.startsWith('thumb')) return (((bytes[0]! | (bytes[1]! << 8)) << 16) | bytes[2]! | (bytes[3]! << 8)) >>> 0;
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  });
}

function disassembly(triple: string, words: number[]): string[] {
  const input = words.map((w) => {
    const halves = triple.startsWith('thumb') ? (w > 0xffff ? [w >>> 16, w & 0xffff] : [w]).flatMap((h) => [h & 0xff, h >>> 8])
      : [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24];
    return halves.map((b) => `0x${b.toString(16)}`).join(' ');
  }).join('\n');
  const output = execFileSync(LLVM_MC, ['--disassemble', `--triple=${triple}`], { input, encoding: 'utf8' });
  return output.split('\n').map((line) => line.trim().replace(/\s+/g, ' ')).filter((line) => line && !line.startsWith('.text'));
}

describe('the A32 and T32 assemblers', () => {
  it.skipIf(!haveLlvm)(`encode ${armCases.length} A32 instructions as llvm-mc 14 does`, () => {
    const expected = encodings('armv8a', armCases.map(([, text]) => text));
    expect(expected).toHaveLength(armCases.length);
    armCases.forEach(([actual, text], i) => expect(actual >>> 0, text).toBe(expected[i]));
  });

  it.skipIf(!haveLlvm)(`encode ${thumbCases.length} T32 instructions as llvm-mc 14 does`, () => {
    const expected = encodings('thumbv7a', thumbCases.map(([, text]) => text));
    expect(expected).toHaveLength(thumbCases.length);
    thumbCases.forEach(([actual, text], i) => expect(actual >>> 0, text).toBe(expected[i]));
  });

  it.skipIf(!haveLlvm)('encode branches as llvm-mc 14 disassembles them', () => {
    expect(disassembly('thumbv7a', thumbBranches.map(([w]) => w))).toEqual(thumbBranches.map(([, t]) => t));
    expect(disassembly('armv8a', armBranches.map(([w]) => w))).toEqual(armBranches.map(([, t]) => t));
    for (const [w, text] of itCases) expect(disassembly('thumbv7a', [w])[0]).toBe(text);
  });

  it.skipIf(!haveLlvm)('encode the coprocessor transfers as llvm-mc 14 does for ARMv7 (--arch=arm / thumb, +v7)', () => {
    const transfers = (arch: string, cases: Array<[number, string]>) => {
      const lines = cases.filter(([, text]) => /^m(cr|rr?c)/.test(text));
      const output = execFileSync(LLVM_MC, [`--arch=${arch}`, '-mattr=+v7', '--show-encoding'], { input: lines.map(([, t]) => t).join('\n') + '\n', encoding: 'utf8' });
      const bytes = output.split('\n').filter((line) => line.includes('encoding: [')).map((line) => /encoding: \[([^\]]*)\]/.exec(line)![1]!.split(',').map((b) => Number(b.trim())));
      expect(bytes).toHaveLength(lines.length);
      lines.forEach(([actual, text], i) => {
        const [b0, b1, b2, b3] = bytes[i]!;
        const expected = arch === 'thumb' ? (((b0! | (b1! << 8)) << 16) | b2! | (b3! << 8)) >>> 0 : (b0! | (b1! << 8) | (b2! << 16) | (b3! << 24)) >>> 0;
        expect(actual >>> 0, text).toBe(expected);
      });
      return lines.length;
    };
    expect(transfers('arm', armCases)).toBe(7);
    expect(transfers('thumb', thumbCases)).toBe(5);
  });

  it('refuses operands that do not fit', () => {
    expect(() => a32.mov(0, 0x101)).toThrow(/modified immediate/);
    expect(() => a32.ldr(0, 1, 4096)).toThrow(RangeError);
    expect(() => t32.movs(8, 1)).toThrow(RangeError);
    expect(() => t32.it('eq', 'x')).toThrow(RangeError);
    expect(() => t32.b(3)).toThrow(/multiple of 2/);
    expect(() => a32.mcr(15, 8, 0, 1, 0, 0)).toThrow(/opc1/);
    expect(() => a32.mrc(15, 0, 0, 16, 0, 0)).toThrow(/crn/);
    expect(() => t32.mcrr(15, 16, 0, 1, 2)).toThrow(/opc1/);
  });
});
