import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { a64, A64Program } from '../dist/src/asm/a64.js';

const LLVM_MC = '/usr/bin/llvm-mc';
const haveLlvm = spawnSync(LLVM_MC, ['--version']).status === 0;

const cases: Array<[number, string]> = [
  [a64.ldr(0, 1, 8), 'ldr x0, [x1, #8]'],
  [a64.ldr(3, 31, 4, 4), 'ldr w3, [sp, #4]'],
  [a64.ldr(3, 4, 1, 1), 'ldrb w3, [x4, #1]'],
  [a64.ldr(3, 4, 2, 2), 'ldrh w3, [x4, #2]'],
  [a64.str(30, 29, 32760), 'str x30, [x29, #32760]'],
  [a64.str(2, 3, 0, 1), 'strb w2, [x3]'],
  [a64.ldrs(5, 6, 4, 4), 'ldrsw x5, [x6, #4]'],
  [a64.ldrs(5, 6, 2, 2), 'ldrsh x5, [x6, #2]'],
  [a64.ldrs(5, 6, 1, 1), 'ldrsb x5, [x6, #1]'],
  [a64.ldur(1, 2, -3), 'ldur x1, [x2, #-3]'],
  [a64.stur(1, 2, 255, 4), 'stur w1, [x2, #255]'],
  [a64.ldrPost(1, 2, 16), 'ldr x1, [x2], #16'],
  [a64.strPost(1, 2, -8), 'str x1, [x2], #-8'],
  [a64.ldrPre(1, 2, -256), 'ldr x1, [x2, #-256]!'],
  [a64.strPre(1, 31, -16), 'str x1, [sp, #-16]!'],
  [a64.ldrRegister(1, 2, 3), 'ldr x1, [x2, x3]'],
  [a64.ldrRegister(1, 2, 3, 'lsl', true), 'ldr x1, [x2, x3, lsl #3]'],
  [a64.strRegister(1, 2, 3, 'sxtw', true, 4), 'str w1, [x2, w3, sxtw #2]'],
  [a64.ldrRegister(1, 2, 3, 'uxtw', false, 8), 'ldr x1, [x2, w3, uxtw]'],
  [a64.ldp(1, 2, 3, 16), 'ldp x1, x2, [x3, #16]'],
  [a64.stp(1, 2, 31, -512), 'stp x1, x2, [sp, #-512]'],
  [a64.ldp(1, 2, 3, 8, 4), 'ldp w1, w2, [x3, #8]'],
  [a64.ldpPost(29, 30, 31, 16), 'ldp x29, x30, [sp], #16'],
  [a64.stpPre(29, 30, 31, -16), 'stp x29, x30, [sp, #-16]!'],
  [a64.ldxr(1, 2), 'ldxr x1, [x2]'],
  [a64.stxr(3, 1, 2), 'stxr w3, x1, [x2]'],
  [a64.ldxr(1, 2, 4), 'ldxr w1, [x2]'],
  [a64.ldaxr(1, 2), 'ldaxr x1, [x2]'],
  [a64.stlxr(3, 1, 2, 1), 'stlxrb w3, w1, [x2]'],
  [a64.ldar(1, 2), 'ldar x1, [x2]'],
  [a64.stlr(1, 2, 2), 'stlrh w1, [x2]'],
  [a64.atomic('add', 8, false, false, 1, 2, 3), 'ldadd x1, x2, [x3]'],
  [a64.atomic('add', 4, true, true, 1, 2, 3), 'ldaddal w1, w2, [x3]'],
  [a64.atomic('smin', 2, false, false, 1, 2, 3), 'ldsminh w1, w2, [x3]'],
  [a64.atomic('umax', 1, true, false, 1, 2, 3), 'ldumaxab w1, w2, [x3]'],
  [a64.atomic('swp', 8, false, true, 1, 2, 3), 'swpl x1, x2, [x3]'],
  [a64.atomic('set', 8, false, false, 1, 31, 3), 'stset x1, [x3]'],
  [a64.cas(1, 2, 3), 'cas x1, x2, [x3]'],
  [a64.cas(1, 2, 3, 4, true, true), 'casal w1, w2, [x3]'],
  [a64.ld1(0, 1, '16b', 1), 'ld1 { v0.16b }, [x1]'],
  [a64.st1(3, 2, '4h', 31), 'st1 { v3.4h, v4.4h }, [sp]'],
  [a64.ld1(30, 4, '2d', 2, 'imm'), 'ld1 { v30.2d, v31.2d, v0.2d, v1.2d }, [x2], #64'],
  [a64.st1(31, 3, '8b', 4, 'imm'), 'st1 { v31.8b, v0.8b, v1.8b }, [x4], #24'],
  [a64.ld1(5, 2, '2s', 6, 7), 'ld1 { v5.2s, v6.2s }, [x6], x7'],
  [a64.st1(8, 1, '1d', 9, 10), 'st1 { v8.1d }, [x9], x10'],
  [a64.ld1(1, 3, '8h', 2, 'imm'), 'ld1 { v1.8h, v2.8h, v3.8h }, [x2], #48'],
  [a64.st1(1, 4, '4s', 2, 3), 'st1 { v1.4s, v2.4s, v3.4s, v4.4s }, [x2], x3'],
  [a64.add(1, 2, 4095), 'add x1, x2, #4095'],
  [a64.add(31, 31, 16), 'add sp, sp, #16'],
  [a64.sub(1, 2, 1, false), 'sub w1, w2, #1'],
  [a64.subs(1, 2, 3), 'subs x1, x2, #3'],
  [a64.cmp(2, 0), 'cmp x2, #0'],
  [a64.addRegister(1, 2, 3), 'add x1, x2, x3'],
  [a64.addRegister(1, 2, 3, 'lsl', 4), 'add x1, x2, x3, lsl #4'],
  [a64.subsRegister(1, 2, 3), 'subs x1, x2, x3'],
  [a64.movz(1, 0x1234, 16), 'mov x1, #305397760'],
  [a64.movk(1, 0xbeef, 48), 'movk x1, #48879, lsl #48'],
  [a64.movn(1, 0, 0, false), 'mov w1, #-1'],
  [a64.svc(0), 'svc #0'],
  [a64.hvc(1), 'hvc #0x1'],
  [a64.nop(), 'nop'],
  [a64.dsb(), 'dsb sy'],
  [a64.dsb(0b1011), 'dsb ish'],
  [a64.dmb(0b1011), 'dmb ish'],
  [a64.isb(), 'isb'],
  [a64.tlbiVae1(4), 'tlbi vae1, x4'],
  [a64.tlbiVae1is(3), 'tlbi vae1is, x3'],
  [a64.tlbiVmalle1(), 'tlbi vmalle1'],
  [a64.tlbiAside1(6), 'tlbi aside1, x6'],
  [a64.tlbiAside1is(7), 'tlbi aside1is, x7'],
  [a64.msr('sctlr_el1', 1), 'msr sctlr_el1, x1'],
  [a64.mrs(2, 'tcr_el1'), 'mrs x2, tcr_el1'],
  [a64.msr('ttbr0_el1', 3), 'msr ttbr0_el1, x3'],
  [a64.msr('ttbr1_el1', 3), 'msr ttbr1_el1, x3'],
  [a64.mrs(4, 'mair_el1'), 'mrs x4, mair_el1'],
];

/** Branches (pc-relative) are checked by disassembling our words: llvm-mc prints "#offset". */
const branches: Array<[number, string]> = [
  [a64.b(-8), 'b #-8'],
  [a64.bl(0x100), 'bl #256'],
  [a64.bcond('ne', -16), 'b.ne #-16'],
  [a64.bcond('ge', 8), 'b.ge #8'],
  [a64.cbz(3, 12), 'cbz x3, #12'],
  [a64.cbnz(3, -4, false), 'cbnz w3, #-4'],
];

function llvmEncodings(lines: string[]): number[] {
  const output = execFileSync(LLVM_MC, ['--triple=aarch64', '-mattr=+v8.5a,+lse', '--show-encoding'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  return output.split('\n').filter((line) => line.includes('encoding: [')).map((line) => {
    const bytes = /encoding: \[([^\]]*)\]/.exec(line)![1]!.split(',').map((b) => Number(b.trim()));
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  });
}

function llvmDisassembly(words: number[]): string[] {
  const input = words.map((w) => [0, 8, 16, 24].map((shift) => `0x${((w >>> shift) & 0xff).toString(16)}`).join(' ')).join('\n');
  const output = execFileSync(LLVM_MC, ['--disassemble', '--triple=aarch64', '-mattr=+v8.5a,+lse'], { input, encoding: 'utf8' });
  return output.split('\n').map((line) => line.trim().replace(/\s+/g, ' ')).filter((line) => line && !line.startsWith('.text'));
}

describe('the A64 assembler', () => {
  it.skipIf(!haveLlvm)(`encodes ${cases.length} instructions exactly as llvm-mc 14 does`, () => {
    const expected = llvmEncodings(cases.map(([, text]) => text));
    expect(expected).toHaveLength(cases.length);
    cases.forEach(([actual, text], index) => expect(actual >>> 0, text).toBe(expected[index]));
  });

  it.skipIf(!haveLlvm)('encodes branches as llvm-mc 14 disassembles them', () => {
    expect(llvmDisassembly(branches.map(([word]) => word))).toEqual(branches.map(([, text]) => text));
  });

  it('refuses operands that do not fit', () => {
    expect(() => a64.ldr(0, 1, 7)).toThrow(/multiple of 8/);
    expect(() => a64.ldur(0, 1, 256)).toThrow(RangeError);
    expect(() => a64.add(0, 1, 4096)).toThrow(RangeError);
    expect(() => a64.ldr(32, 1)).toThrow(RangeError);
    expect(() => a64.b(2)).toThrow(/multiple of 4/);
    expect(() => a64.ld1(0, 5, '16b', 1)).toThrow(/1 to 4/);
    expect(() => a64.st1(0, 1, '16b', 1, 31)).toThrow(/imm/);
    expect(() => new A64Program().branchTo(a64.b, 'x').words()).toThrow(/x/);
  });
});
