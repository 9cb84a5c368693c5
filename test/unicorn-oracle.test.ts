import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The Unicorn oracle (test/oracles/unicorn_step.py) against what the ISA says.
// Debian's python3-unicorn imports only under /usr/bin/python3 (UNICORN_PYTHON overrides).
const PYTHON = process.env.UNICORN_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./oracles/unicorn_step.py', import.meta.url));
const SAMPLES = fileURLToPath(new URL('./oracles/samples/', import.meta.url));

const probe = spawnSync(PYTHON, ['-c', 'import unicorn; assert unicorn.__version__.startswith("2")'], { encoding: 'utf8' });
const haveUnicorn = probe.status === 0;
if (!haveUnicorn) {
  console.warn(`unicorn-oracle: skipped, ${PYTHON} cannot import unicorn 2 (apt install python3-unicorn): ${probe.stderr ?? probe.error}`);
}

type Fault = { kind: string; addr: string | null; intno?: number } | null;
type Result = { id?: string; error?: string; regs: Record<string, string>; mem: Array<{ addr: string; hex: string }>; fault: Fault };

function step(lines: object[], args: string[] = []): Result[] {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], {
    input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Result);
}

const MEM = '00112233445566778899aabbccddeeff';
const bytesOf = (hex: string) => hex.match(/../g)!;
/** The `size`-byte value at `offset` of the sample memory, in the given byte order. */
function load(offset: number, size: number, order: 'be' | 'le'): bigint {
  const bytes = bytesOf(MEM).slice(offset, offset + size);
  if (order === 'le') bytes.reverse();
  return BigInt('0x' + bytes.join(''));
}
const hex = (v: bigint) => '0x' + v.toString(16);
const le = (v: bigint, size: number) => bytesOf(v.toString(16).padStart(size * 2, '0')).reverse().join('');

describe.skipIf(!haveUnicorn)('unicorn oracle', () => {
  const files = haveUnicorn ? readdirSync(SAMPLES).filter((f) => f.endsWith('.jsonl')).sort() : [];
  const inputs = files.flatMap((f) =>
    readFileSync(join(SAMPLES, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { id: string }));
  const results = new Map<string, Result>();
  if (haveUnicorn) for (const r of step(inputs)) results.set(r.id!, r);
  const get = (id: string) => {
    const r = results.get(id);
    expect(r, id).toBeDefined();
    expect(r!.error, id).toBeUndefined();
    return r!;
  };
  const unchanged = (r: Result) => expect(r.mem).toEqual([{ addr: '0x2000', hex: MEM }]);

  it('answers every sample line, in order', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(30);
    expect([...results.keys()]).toEqual(inputs.map((i) => i.id));
  });

  describe('ppc64be', () => {
    it('lwz r4,4(r3) loads the big-endian word', () => {
      const r = get('ppc64be/lwz');
      expect(r.fault).toBeNull();
      expect(r.regs.r4).toBe(hex(load(4, 4, 'be')));
      expect(r.regs.pc).toBe('0x100004');
      expect(BigInt(r.regs.msr!) >> 60n).toBe(0x9n); // SF and HV on
      unchanged(r);
    });
    it('lwzu updates the base register', () => {
      const r = get('ppc64be/lwzu');
      expect([r.regs.r4, r.regs.r3]).toEqual([hex(load(4, 4, 'be')), '0x2004']);
    });
    it('stwu r4,-16(r1) stores and updates r1', () => {
      const r = get('ppc64be/stwu');
      expect(r.regs.r1).toBe('0x2000');
      expect(r.mem[0]!.hex).toBe('deadbeef' + MEM.slice(8));
    });
    it('ldbrx loads the doubleword byte-reversed', () => {
      expect(get('ppc64be/ldbrx').regs.r5).toBe(hex(load(0, 8, 'le')));
    });
    it('std stores big-endian', () => {
      expect(get('ppc64be/std').mem[0]!.hex).toBe(MEM.slice(0, 16) + '0102030405060708');
    });
    it('lfd loads raw IEEE bits into f1', () => {
      expect(get('ppc64be/lfd').regs.f1).toBe(hex(load(0, 8, 'be')));
    });
    it('stmw r28 stores four words (a helper Unicorn does not hook; checked by the harness)', () => {
      expect(get('ppc64be/stmw').mem[0]!.hex).toBe('a1a2a3a4b1b2b3b4c1c2c3c4d1d2d3d4');
    });
    it('an unmapped load faults with its address, at the faulting instruction, r4 untouched', () => {
      const r = get('ppc64be/lwz-unmapped');
      expect(r.fault).toEqual({ kind: 'unmapped-read', addr: '0x9004' });
      expect(r.regs.pc).toBe('0x100004');
      expect(r.regs.r4).toBe('0x5555');
    });
    it('a store straddling the end of a range faults and writes nothing', () => {
      const r = get('ppc64be/stw-straddle');
      expect(r.fault).toEqual({ kind: 'unmapped-write', addr: '0x200e' });
      expect(r.regs.pc).toBe('0x100000');
      unchanged(r);
    });
    it('stmw running past the range faults before writing', () => {
      const r = get('ppc64be/stmw-straddle');
      expect(r.fault).toEqual({ kind: 'unmapped-write', addr: '0x2010' });
      unchanged(r);
    });
    it('unaligned lwarx raises an alignment interrupt', () => {
      const r = get('ppc64be/lwarx-unaligned');
      expect(r.fault).toMatchObject({ kind: 'unaligned', addr: '0x2002' });
      expect(r.regs.pc).toBe('0x100000');
    });
    it('word 0 is illegal, reported at its own address', () => {
      const r = get('ppc64be/illegal');
      expect(r.fault).toMatchObject({ kind: 'illegal', addr: null });
      expect(r.regs.pc).toBe('0x100000');
    });
    it('XER CA (kept outside env->xer by QEMU) is read through the saved context', () => {
      const r = get('ppc64be/addic-ca');
      expect(r.regs.r3).toBe('0x0');
      expect(r.regs.xer).toBe('0x20040000'); // CA and CA32
    });
    it('a fetch outside the code faults at the fetch address', () => {
      const r = get('ppc64be/fetch-past-code');
      expect(r.fault).toEqual({ kind: 'unmapped-fetch', addr: '0x100008' });
      expect(r.regs.pc).toBe('0x100008');
    });
    it('a branch out of the code as the last instruction is no fault (QEMU peeks at the next block)', () => {
      const r = get('ppc64be/branch-out-last');
      expect(r.fault).toBeNull();
      expect(r.regs.pc).toBe('0x110000');
    });
    it('rejects Power10 prefixed instructions and addresses at or above 2^60', () => {
      expect(results.get('ppc64be/prefixed')!.error).toBe('unsupported');
      expect(results.get('ppc64be/above-2^60')!.error).toMatch(/out of range/);
    });
  });

  describe('ppc64le', () => {
    it('lwz loads little-endian', () => {
      const r = get('ppc64le/lwz');
      expect(r.regs.r4).toBe(hex(load(4, 4, 'le')));
      expect(BigInt(r.regs.msr!) & 1n).toBe(1n);
    });
    it('stwu stores little-endian and updates r1', () => {
      const r = get('ppc64le/stwu');
      expect(r.regs.r1).toBe('0x2000');
      expect(r.mem[0]!.hex).toBe('efbeadde' + MEM.slice(8));
    });
    it('ldbrx loads big-endian in LE mode', () => {
      expect(get('ppc64le/ldbrx').regs.r5).toBe(hex(load(0, 8, 'be')));
    });
    it('lmw in little-endian mode takes an alignment interrupt', () => {
      expect(get('ppc64le/lmw-alignment').fault).toMatchObject({ kind: 'unaligned' });
    });
  });

  describe('ppc32be', () => {
    it('lwz and stwu', () => {
      expect(get('ppc32be/lwz').regs.r4).toBe(hex(load(4, 4, 'be')));
      const r = get('ppc32be/stwu');
      expect(r.regs.r1).toBe('0x2000');
      expect(r.mem[0]!.hex).toBe('deadbeef' + MEM.slice(8));
    });
    it('an unmapped store faults with its address', () => {
      const r = get('ppc32be/stw-unmapped');
      expect(r.fault).toEqual({ kind: 'unmapped-write', addr: '0x9000' });
      expect(r.regs.pc).toBe('0x100000');
    });
    it('XER SO in, CA out', () => {
      const r = get('ppc32be/xer');
      expect(r.regs.r5).toBe('0x8000001f'); // mfxer sees SO and the byte count
      expect(r.regs.xer).toBe('0xa000001f'); // addic carried
    });
  });

  describe('aarch64', () => {
    it('ldr x0,[x1,#8] loads little-endian', () => {
      const r = get('aarch64/ldr');
      expect(r.regs.x0).toBe(hex(load(8, 8, 'le')));
      expect(r.regs.pc).toBe('0x100004');
    });
    it('stp x0,x1,[sp,#-16]! writes both registers and updates sp', () => {
      const r = get('aarch64/stp-pre');
      expect(r.regs.sp).toBe('0x2000');
      expect(r.mem[0]!.hex).toBe(le(0x1122334455667788n, 8) + le(0x99aabbccddeeff00n, 8));
    });
    it('an unmapped load faults at the faulting instruction', () => {
      const r = get('aarch64/ldr-unmapped');
      expect(r.fault).toEqual({ kind: 'unmapped-read', addr: '0x9008' });
      expect(r.regs.pc).toBe('0x100000');
    });
    it('a pre-index stp straddling the range end writes nothing and leaves sp', () => {
      const r = get('aarch64/stp-straddle');
      expect(r.fault).toEqual({ kind: 'unmapped-write', addr: '0x2010' });
      expect(r.regs.sp).toBe('0x2018');
      unchanged(r);
    });
    it('unaligned ldxr faults (data abort reported as unaligned)', () => {
      const r = get('aarch64/ldxr-unaligned');
      expect(r.fault).toMatchObject({ kind: 'unaligned', addr: '0x2001' });
      expect(r.regs.pc).toBe('0x100004');
    });
    it('ldr q0 fills v0 as 32 hex digits', () => {
      expect(get('aarch64/ldr-q').regs.v0).toBe('0x' + load(0, 16, 'le').toString(16).padStart(32, '0'));
    });
    it('ldadd (LSE, needs the max CPU model) returns the old value and adds', () => {
      const r = get('aarch64/ldadd');
      expect(r.regs.x2).toBe(hex(load(0, 8, 'le')));
      expect(r.mem[0]!.hex).toBe('01' + MEM.slice(2));
    });
  });

  describe('arm', () => {
    it('ldr r0,[r1,#4]', () => {
      const r = get('arm/ldr');
      expect(r.regs.r0).toBe(hex(load(4, 4, 'le')));
      expect(r.regs.r15).toBe('0x100004');
    });
    it('str r0,[r1,#-4]! writes and updates r1', () => {
      const r = get('arm/str-pre');
      expect(r.regs.r1).toBe('0x2004');
      expect(r.mem[0]!.hex).toBe(MEM.slice(0, 8) + '0df0feca' + MEM.slice(16));
    });
    it('ldm r1,{r2-r5}', () => {
      const r = get('arm/ldm');
      expect([r.regs.r2, r.regs.r3, r.regs.r4, r.regs.r5]).toEqual([0, 4, 8, 12].map((o) => hex(load(o, 4, 'le'))));
    });
    it('an unmapped load faults; pc is the faulting instruction', () => {
      const r = get('arm/ldr-unmapped');
      expect(r.fault).toEqual({ kind: 'unmapped-read', addr: '0x9004' });
      expect(r.regs.r15).toBe('0x100004');
    });
    it('documented quirk: unaligned ldrd does not fault in Unicorn', () => {
      const r = get('arm/ldrd-unaligned');
      expect(r.fault).toBeNull();
      expect([r.regs.r2, r.regs.r3]).toEqual([hex(load(2, 4, 'le')), hex(load(6, 4, 'le'))]);
    });
  });

  describe('thumb', () => {
    it('16-bit ldr r0,[r1,#4]', () => {
      const r = get('thumb/ldr');
      expect(r.regs.r0).toBe(hex(load(4, 4, 'le')));
      expect(r.regs.r15).toBe('0x100002');
      expect(BigInt(r.regs.cpsr!) & 0x20n).toBe(0x20n);
    });
    it('32-bit ldr.w (first halfword in the high 16 bits)', () => {
      const r = get('thumb/ldr.w');
      expect(r.regs.r0).toBe(hex(load(4, 4, 'le')));
      expect(r.regs.r15).toBe('0x100004');
    });
    it('push {r0,r1}', () => {
      const r = get('thumb/push');
      expect(r.regs.r13).toBe('0x2008');
      expect(r.mem[0]!.hex).toBe(MEM.slice(0, 16) + '1111111122222222');
    });
    it('an unmapped load faults at the second instruction', () => {
      const r = get('thumb/ldr-unmapped');
      expect(r.fault).toEqual({ kind: 'unmapped-read', addr: '0x9004' });
      expect(r.regs.r15).toBe('0x100002');
    });
  });

  it('never dies on a bad line and keeps the order', () => {
    const out = step([
      { id: 1, arch: 'mips', insn: ['0x0'] },
      { id: 2, arch: 'arm', insn: ['0xe5910004'], regs: { x9: '0x1' } },
      { id: 3, arch: 'arm', insn: ['0xe5910004'], regs: { r1: '0x2000' }, mem: [{ addr: '0x2000', hex: MEM }] },
    ]);
    expect(out.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(out[0]!.error).toMatch(/arch/);
    expect(out[1]!.error).toMatch(/unknown register/);
    expect(out[2]!.regs.r0).toBe(hex(load(4, 4, 'le')));
    const raw = spawnSync(PYTHON, [SCRIPT], { input: 'not json\n{"arch":"thumb","insn":[]}\n', encoding: 'utf8' });
    const lines = raw.stdout.trim().split('\n').map((l) => JSON.parse(l) as Result);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => typeof l.error === 'string')).toBe(true);
  });

  it('reuses one engine per arch: code changed at the same address is not stale', () => {
    const mem = [{ addr: '0x2000', hex: MEM }];
    const out = step([0, 4, 8, 12, 0].map((d) => ({ arch: 'arm', insn: [hex(0xe5910000n + BigInt(d))], regs: { r1: '0x2000' }, mem })));
    expect(out.map((r) => r.regs.r0)).toEqual([0, 4, 8, 12, 0].map((d) => hex(load(d, 4, 'le'))));
  });
});
