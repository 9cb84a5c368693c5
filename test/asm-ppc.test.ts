import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ppc, PpcProgram } from '../dist/src/asm/ppc.js';

const LLVM_MC = '/usr/bin/llvm-mc';
const haveLlvm = spawnSync(LLVM_MC, ['--version']).status === 0;

/** [assembler call result, the same instruction in llvm-mc's syntax] */
const cases: Array<[number | number[], string]> = [
  ...(['lwz', 'lwzu', 'lbz', 'lbzu', 'stw', 'stwu', 'stb', 'stbu', 'lhz', 'lhzu', 'lha', 'lhau', 'sth', 'sthu',
    'lmw', 'stmw', 'lfs', 'lfsu', 'lfd', 'lfdu', 'stfs', 'stfsu', 'stfd', 'stfdu'] as const)
    .flatMap((name) => [[ppc[name](3, 8, 4), `${name} 3, 8(4)`], [ppc[name](30, -32768, 31), `${name} 30, -32768(31)`]] as Array<[number, string]>),
  ...(['ld', 'ldu', 'lwa', 'std', 'stdu'] as const).map((name) => [ppc[name](5, -16, 6), `${name} 5, -16(6)`] as [number, string]),
  [ppc.stq(6, 32, 7), 'stq 6, 32(7)'],
  [ppc.lq(4, 32, 5), 'lq 4, 32(5)'],
  ...(['lwarx', 'ldx', 'lwzx', 'lbarx', 'ldux', 'lwzux', 'ldarx', 'lbzx', 'lvx', 'lharx', 'lbzux', 'stdx', 'stwx',
    'stdux', 'stwux', 'stbx', 'stvx', 'stbux', 'lqarx', 'lhzx', 'lhzux', 'lwax', 'lhax', 'lwaux', 'lhaux', 'sthx',
    'sthux', 'ldbrx', 'lwbrx', 'lfsx', 'lfsux', 'lfdx', 'lfdux', 'stdbrx', 'stwbrx', 'stfsx',
    'stfsux', 'stfdx', 'stfdux', 'lhbrx', 'sthbrx', 'lfiwax', 'lfiwzx', 'stfiwx'] as const)
    .map((name) => [ppc[name](2, 3, 4), `${name} 2, 3, 4`] as [number, string]),
  ...(['stwcx', 'stdcx', 'stbcx', 'sthcx', 'stqcx'] as const).map((name) => [ppc[name](4, 5, 6), `${name}. 4, 5, 6`] as [number, string]),
  [ppc.lswi(5, 6, 7), 'lswi 5, 6, 7'],
  [ppc.stswi(5, 6, 32), 'stswi 5, 6, 0'],
  [ppc.dcbz(3, 4), 'dcbz 3, 4'],
  ...(['hashst', 'hashstp', 'hashchk', 'hashchkp'] as const).flatMap((name) => [
    [ppc[name](5, -8, 1), `${name} 5, -8(1)`], [ppc[name](31, -512, 3), `${name} 31, -512(3)`],
    [ppc[name](0, -264, 31), `${name} 0, -264(31)`]] as Array<[number, string]>),
  [ppc.pld(3, 8, 4), 'pld 3, 8(4), 0'],
  [ppc.pld(3, -(2 ** 33), 0, true), `pld 3, ${-(2 ** 33)}(0), 1`],
  [ppc.pstd(9, 0x1234567, 10), 'pstd 9, 19088743(10), 0'],
  ...(['plwa', 'plwz', 'plbz', 'plhz', 'plha', 'pstw', 'pstb', 'psth', 'plfs', 'plfd', 'pstfs', 'pstfd'] as const)
    .map((name) => [ppc[name](7, -70000, 8), `${name} 7, -70000(8), 0`] as [number[], string]),
  [ppc.addi(3, 4, -1), 'addi 3, 4, -1'],
  [ppc.addis(3, 4, 0x7fff), 'addis 3, 4, 32767'],
  [ppc.li(3, 5), 'li 3, 5'],
  [ppc.ori(3, 4, 0xffff), 'ori 3, 4, 65535'],
  [ppc.oris(3, 4, 0x8000), 'oris 3, 4, 32768'],
  [ppc.nop(), 'nop'],
  [ppc.add(3, 4, 5), 'add 3, 4, 5'],
  [ppc.subf(3, 4, 5), 'subf 3, 4, 5'],
  [ppc.or(3, 4, 5), 'or 3, 4, 5'],
  [ppc.mr(3, 4), 'mr 3, 4'],
  [ppc.and(3, 4, 5), 'and 3, 4, 5'],
  [ppc.xor(3, 4, 5), 'xor 3, 4, 5'],
  [ppc.rlwinm(3, 4, 5, 6, 7), 'rlwinm 3, 4, 5, 6, 7'],
  [ppc.rldicl(3, 4, 35, 40), 'rldicl 3, 4, 35, 40'],
  [ppc.rldicr(3, 4, 8, 40), 'rldicr 3, 4, 8, 40'],
  [ppc.mtspr(48, 5), 'mtspr 48, 5'],
  [ppc.mtspr(468, 5), 'mtspr 468, 5'],
  [ppc.mfspr(6, 469), 'mfspr 6, 469'],
  [ppc.cmpwi(1, 5, -3), 'cmpwi 1, 5, -3'],
  [ppc.cmpdi(7, 5, 3), 'cmpdi 7, 5, 3'],
  [ppc.cmplwi(2, 5, 65535), 'cmplwi 2, 5, 65535'],
  [ppc.cmpw(0, 5, 6), 'cmpw 0, 5, 6'],
  [ppc.cmpd(3, 5, 6), 'cmpd 3, 5, 6'],
  [ppc.cmplw(4, 5, 6), 'cmplw 4, 5, 6'],
  [ppc.cmpld(5, 5, 6), 'cmpld 5, 5, 6'],
  [ppc.blr(), 'blr'],
  [ppc.bctr(), 'bctr'],
  [ppc.mtctr(3), 'mtctr 3'],
  [ppc.mfctr(3), 'mfctr 3'],
  [ppc.mtlr(4), 'mtlr 4'],
  [ppc.mflr(4), 'mflr 4'],
  [ppc.sc(), 'sc'],
  [ppc.sync(), 'sync'],
  [ppc.lwsync(), 'lwsync'],
  [ppc.ptesync(), 'ptesync'],
  [ppc.eieio(), 'eieio'],
  [ppc.isync(), 'isync'],
  [ppc.tlbie(5, 6), 'tlbie 5, 6'],
  [ppc.tlbiel(5), 'tlbiel 5'],
  [ppc.tlbsync(), 'tlbsync'],
  [ppc.slbie(5), 'slbie 5'],
  [ppc.slbia(), 'slbia'],
  [ppc.mtmsr(5), 'mtmsr 5'],
  [ppc.mtmsrd(5), 'mtmsrd 5'],
  [ppc.mfmsr(5), 'mfmsr 5'],
  [ppc.slbmte(5, 6), 'slbmte 5, 6'],
  [ppc.slbmfee(5, 6), 'slbmfee 5, 6'],
  [ppc.slbmfev(5, 6), 'slbmfev 5, 6'],
  [ppc.slbfee(5, 6), 'slbfee. 5, 6'],
  [ppc.mtsr(15, 5), 'mtsr 15, 5'],
  [ppc.mfsr(5, 9), 'mfsr 5, 9'],
  [ppc.mtsrin(5, 6), 'mtsrin 5, 6'],
  [ppc.mfsrin(5, 6), 'mfsrin 5, 6'],
  [ppc.mtspr(25, 5), 'mtsdr1 5'],
  [ppc.mtspr(528, 5), 'mtspr 528, 5'],
  [ppc.mfspr(5, 543), 'mfspr 5, 543'],
];

/** Relative branches and the string forms llvm-mc 14 cannot assemble: checked by disassembling our words. */
const disassembled: Array<[number, string]> = [
  [ppc.b(-8), 'b .-8'],
  [ppc.b(0x100, true), 'bl .+256'],
  [ppc.bdnz(-32), 'bdnz .-32'],
  // llvm-mc prints conditional branches on one CR bit as bt/bf (bit 4*cr + lt/gt/eq).
  [ppc.beq(12), 'bt 2, .+12'],
  [ppc.bne(-12, 3), 'bf 14, .-12'],
  [ppc.blt(16), 'bt 0, .+16'],
  [ppc.bge(16, 1), 'bf 4, .+16'],
];

/** The string forms LLVM 14 does not know, checked with GNU objdump. */
const objdumpChecked: Array<[number, string]> = [
  [ppc.lswx(5, 6, 7), 'lswx r5,r6,r7'],
  [ppc.stswx(5, 6, 7), 'stswx r5,r6,r7'],
];
const OBJDUMP = '/usr/bin/powerpc64-linux-gnu-objdump';
const haveObjdump = spawnSync(OBJDUMP, ['--version']).status === 0;

function objdumpDisassembly(words: number[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'asm-'));
  const file = join(dir, 'words.bin');
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w));
  writeFileSync(file, bytes);
  const output = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'powerpc:common64', '-M', 'power10', '-EB', file], { encoding: 'utf8' });
  return output.split('\n').filter((line) => /^\s+[0-9a-f]+:\t/.test(line)).map((line) => line.split('\t').slice(2).join(' ').trim().replace(/\s+/g, ' '));
}

/** llvm-mc's disassembly of each word, whitespace normalised. */
function llvmDisassembly(words: number[]): string[] {
  const input = words.map((w) => [24, 16, 8, 0].map((shift) => `0x${((w >>> shift) & 0xff).toString(16)}`).join(' ')).join('\n');
  const output = execFileSync(LLVM_MC, ['--disassemble', '--triple=powerpc64-unknown-linux-gnu', '-mcpu=pwr10'], { input, encoding: 'utf8' });
  return output.split('\n').map((line) => line.trim().replace(/\s+/g, ' ')).filter((line) => line && !line.startsWith('.text'));
}

/** llvm-mc's encoding of each line, as 32-bit big-endian words. */
function llvmEncodings(lines: string[]): number[][] {
  const output = execFileSync(LLVM_MC, ['--triple=powerpc64-unknown-linux-gnu', '-mcpu=pwr10', '--show-encoding'], {
    input: lines.map((line) => `${line}\n`).join(''),
    encoding: 'utf8',
  });
  return output.split('\n').filter((line) => line.includes('encoding: [')).map((line) => {
    const bytes = /encoding: \[([^\]]*)\]/.exec(line)![1]!.split(',').map((byte) => Number(byte.trim()));
    const words: number[] = [];
    for (let i = 0; i < bytes.length; i += 4) words.push(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
    return words;
  });
}

describe('the PowerPC assembler', () => {
  it.skipIf(!haveLlvm)(`encodes ${cases.length} instructions exactly as llvm-mc 14 does`, () => {
    const expected = llvmEncodings(cases.map(([, text]) => text));
    expect(expected).toHaveLength(cases.length);
    cases.forEach(([actual, text], index) => {
      expect([actual].flat(), text).toEqual(expected[index]);
    });
  });

  it.skipIf(!haveLlvm)('encodes branches and string forms as llvm-mc 14 disassembles them', () => {
    expect(llvmDisassembly(disassembled.map(([word]) => word))).toEqual(disassembled.map(([, text]) => text));
  });

  it.skipIf(!haveObjdump)('encodes lswx and stswx as GNU objdump disassembles them', () => {
    expect(objdumpDisassembly(objdumpChecked.map(([word]) => word))).toEqual(objdumpChecked.map(([, text]) => text));
  });

  it('refuses operands that do not fit their fields', () => {
    expect(() => ppc.lwz(32, 0, 1)).toThrow(RangeError);
    expect(() => ppc.lwz(1, 40000, 1)).toThrow(RangeError);
    expect(() => ppc.ld(1, 6, 1)).toThrow(/multiple of 4/);
    expect(() => ppc.pld(1, 2 ** 33, 1)).toThrow(RangeError);
    expect(() => ppc.pld(1, 0, 1, true)).toThrow(/ra = 0/);
    expect(() => ppc.bdnz(6)).toThrow(/multiple of 4/);
    for (const disp of [0, -4, -520, 8]) expect(() => ppc.hashst(1, disp, 1)).toThrow(/hash displacement/);
    expect(() => ppc.mtsr(16, 1)).toThrow(/sr must be 0..15/);
  });

  it('resolves labels in programs, backwards and forwards', () => {
    const program = new PpcProgram()
      .emit(ppc.li(3, 0))
      .label('loop')
      .emit(ppc.addi(3, 3, 1))
      .branchTo(ppc.beq, 'done')
      .branchTo(ppc.bdnz, 'loop')
      .label('done')
      .emit(ppc.sc());
    const words = program.words();
    expect(words).toEqual([ppc.li(3, 0), ppc.addi(3, 3, 1), ppc.beq(8), ppc.bdnz(-8), ppc.sc()]);
    expect([...program.bytes('big').slice(0, 4)]).toEqual([0x38, 0x60, 0x00, 0x00]);
    expect([...program.bytes('little').slice(0, 4)]).toEqual([0x00, 0x00, 0x60, 0x38]);
    expect(() => new PpcProgram().branchTo(ppc.b, 'nowhere').words()).toThrow(/nowhere/);
  });
});
