// The step format's input: the code is placed at the given pc on every architecture
// (by its name or an alias), registers take their usual aliases (in step and in the
// Vcpu API), and a line of the wrong shape gets an error that names the bad field.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { GUEST_ARCHES, Machine, StepRunner, Vcpu, type GuestArch, type StepInput } from '../dist/src/index.js';

const AT = 0x7000n;

/** One instruction per architecture that adds 1 to a register, and that register. */
const ADD_ONE: Record<GuestArch, { word: string; register: string; size: bigint }> = {
  ppc64be: { word: '0x38630001', register: 'r3', size: 4n }, // addi r3, r3, 1
  ppc64le: { word: '0x38630001', register: 'r3', size: 4n },
  ppc32be: { word: '0x38630001', register: 'r3', size: 4n },
  aarch64: { word: '0x91000400', register: 'x0', size: 4n }, // add x0, x0, #1
  aarch64_be: { word: '0x91000400', register: 'x0', size: 4n },
  arm: { word: '0xe2800001', register: 'r0', size: 4n }, // add r0, r0, #1
  armeb: { word: '0xe2800001', register: 'r0', size: 4n },
  thumb: { word: '0x3001', register: 'r0', size: 2n }, // adds r0, #1
};

const PC_NAME = (arch: GuestArch) => (arch === 'arm' || arch === 'armeb' || arch === 'thumb' ? 'r15' : 'pc');

function ran(output: ReturnType<StepRunner['step']>) {
  if ('error' in output) throw new Error(`step failed: ${output.error}`);
  return output;
}

describe('step places the code at the given pc', () => {
  it.each(GUEST_ARCHES.flatMap((arch) => (PC_NAME(arch) === 'r15' ? ['pc', 'r15'] : ['pc']).map((key) => [arch, key] as const)))(
    '%s with "%s"', async (arch, key) => {
      const runner = await StepRunner.create();
      const { word, register, size } = ADD_ONE[arch];
      const out = ran(runner.step({ arch, insn: [word], regs: { [key]: `0x${AT.toString(16)}` } }));
      expect(out.fault).toBeNull();
      expect(out.regs[register]).toBe('0x1');
      expect(out.regs[PC_NAME(arch)]).toBe(`0x${(AT + size).toString(16)}`);
    },
  );

  it('keeps the default code address when no pc is given', async () => {
    const out = ran((await StepRunner.create()).step({ arch: 'arm', insn: ['0xe2800001'] }));
    expect(out.regs.r15).toBe('0x100004');
  });
});

describe('register aliases', () => {
  const cases: Array<[GuestArch, Record<string, string>, Record<string, string>]> = [
    ['arm', { sp: '0x11', lr: '0x22' }, { r13: '0x11', r14: '0x22' }],
    ['thumb', { sp: '0x10', lr: '0x21' }, { r13: '0x10', r14: '0x21' }],
    ['aarch64', { fp: '0x33', lr: '0x44', sp: '0x50' }, { x29: '0x33', x30: '0x44', sp: '0x50' }],
    ['ppc64be', { sp: '0x55', lr: '0x66' }, { r1: '0x55', lr: '0x66' }],
    ['ppc32be', { sp: '0x77' }, { r1: '0x77' }],
  ];

  it.each(cases)('step on %s: %j names %j', async (arch, given, expected) => {
    const out = ran((await StepRunner.create()).step({ arch, insn: [ADD_ONE[arch].word], regs: given }));
    expect(out.regs).toMatchObject(expected);
  });

  it.each(cases)('Vcpu on %s: set and get by alias', async (arch, given, expected) => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const vcpu = new Vcpu(machine, 0, arch);
    for (const [name, value] of Object.entries(given)) vcpu.set(name, BigInt(value));
    for (const [name, value] of Object.entries(expected)) expect(vcpu.get(name), name).toBe(BigInt(value));
    for (const [name, value] of Object.entries(given)) expect(vcpu.get(name), name).toBe(BigInt(value));
  });

  it('Vcpu on A32 runs code placed where pc says', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: AT, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.write(AT, 4, 0xe2800001);
    const vcpu = new Vcpu(machine, 0, 'arm').set('pc', AT);
    expect(vcpu.run(1).reason).toBe('budget');
    expect([vcpu.get('r0'), vcpu.get('pc'), vcpu.get('r15')]).toEqual([1n, AT + 4n, AT + 4n]);
  });
});

describe('step refuses a bad line with a message naming the field', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['null', null, /^a line must be a JSON object/],
    ['an array', [1], /^a line must be a JSON object/],
    ['no arch', { insn: ['0xe2800001'] }, /^arch undefined is not one of ppc64be, /],
    ['insn not an array', { arch: 'arm', insn: 'x' }, /^insn must be a non-empty array/],
    ['a bad word', { arch: 'arm', insn: ['0x1ffffffff'] }, /^insn\[0\]: "0x1ffffffff" is not a 32-bit value/],
    ['regs an array', { arch: 'arm', insn: ['0xe2800001'], regs: [1] }, /^regs must be an object/],
    ['a bad value', { arch: 'arm', insn: ['0xe2800001'], regs: { r0: 'zz' } }, /^regs\.r0: "zz" is not a 64-bit value/],
    ['a vector value over 128 bits', { arch: 'aarch64', insn: ['0x91000400'], regs: { v0: `0x1${'0'.repeat(32)}` } }, /^regs\.v0: .* is not a 128-bit value/],
    ['an unknown register', { arch: 'arm', insn: ['0xe2800001'], regs: { x0: '1' } }, /^regs: unknown register "x0" for arm/],
    ['pc given twice', { arch: 'arm', insn: ['0xe2800001'], regs: { pc: '0x2000', r15: '0x2000' } }, /^regs: "pc" and "r15" both name r15/],
    ['a misaligned pc', { arch: 'thumb', insn: ['0x3001'], regs: { pc: '0x2001' } }, /^regs: r15 0x2001 \(the code address\) is not a multiple of 2/],
    ['a pc past 32 bits', { arch: 'arm', insn: ['0xe2800001'], regs: { pc: '0x100002000' } }, /past arm's 32-bit address space/],
    ['code in the last page', { arch: 'aarch64', insn: ['0x91000400'], regs: { pc: '0xfffffffffffffffc' } }, /reaches the last page below 2\^64/],
    ['mem not an array', { arch: 'arm', insn: ['0xe2800001'], mem: 5 }, /^mem must be an array/],
    ['a null range', { arch: 'arm', insn: ['0xe2800001'], mem: [null] }, /^mem\[0\] needs an "addr"/],
    ['odd hex', { arch: 'arm', insn: ['0xe2800001'], mem: [{ addr: '0x2000', hex: 'abc' }] }, /^mem\[0\] needs an "addr"/],
  ];

  it.each(bad)('%s', async (_name, input, message) => {
    const output = (await StepRunner.create()).step(input as StepInput);
    expect(output).toEqual({ error: expect.stringMatching(message) });
  });
});

describe('memslot-emu step', () => {
  it('runs every line, and exits 1 when any line failed', () => {
    const lines = ['{"arch":"arm","insn":["0xe2800001"]}', '{"arch":"arm","insn":["0xe2800001"],"mem":5}', 'not json', '{"arch":"thumb","insn":["0x3001"]}'];
    const result = spawnSync(process.execPath, [new URL('../bin/memslot-emu.js', import.meta.url).pathname, 'step'], { input: lines.join('\n'), encoding: 'utf8' });
    expect(result.status).toBe(1);
    const outputs = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(outputs.map((output) => ('error' in output ? 'error' : 'ran'))).toEqual(['ran', 'error', 'error', 'ran']);
    expect(outputs[1].error).toBe('mem must be an array of {"addr", "hex"}');
  });

  it('exits 0 when every line ran, faults included', () => {
    const line = '{"arch":"aarch64","insn":["0xf9400020"],"regs":{"x1":"0x5000"}}'; // ldr x0, [x1]: an unmapped read
    const result = spawnSync(process.execPath, [new URL('../bin/memslot-emu.js', import.meta.url).pathname, 'step'], { input: line, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).fault).toEqual({ kind: 'unmapped-read', addr: '0x5000' });
  });
});
