// Loads and stores with the MMU on, against Unicorn 2 (test/oracles/unicorn_mmu.py):
// random 4 KiB mappings built by our table builders (A64PageTables, ArmShortTables,
// ArmLpaeTables) in our Machine, the same physical memory (tables included) dumped into
// Unicorn, the same code run at a virtual address in both. Unicorn 2.0.1's A64 walk is
// right only for VAs below 1 GiB with a 39-bit input size (test/oracles/README.md, "MMU
// oracle"), so A64 VAs lie there; AArch32 VAs cover [2 GiB, 4 GiB).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, ArmShortTables, ArmLpaeTables, a64, a32 } from '../dist/src/index.js';
import { haveUnicorn } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./oracles/unicorn_mmu.py', import.meta.url));
const CODE = 0x4000_0000n; // physical
const DATA = 0x4010_0000n;
const DATA_PAGES = 1024;
const TABLES = 0x4080_0000n;
const TABLE_BYTES = 0x10_0000;
const CASES = 8;
const MAPPINGS = 60;
const ACCESSES = 40;

if (!haveUnicorn) console.warn('mmu-unicorn: python3-unicorn is absent, skipping the Unicorn MMU comparisons');

const hex = (value: bigint) => `0x${value.toString(16)}`;
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

interface Access { load: boolean; rt: number; va: bigint; bytes: 1 | 2 | 4 | 8 }
interface Tables { map(mapping: { va: bigint; pa: bigint; size: 0x1000; writable?: boolean; executable?: boolean }): void; readonly root: bigint }

/** One table format: its builder, the registers that turn it on in both engines, its VAs and its code. */
interface Format {
  arch: 'aarch64' | 'arm';
  /** VAs are VA_BASE + page * 4 KiB, page < vaPages: none overlaps the physical regions. */
  vaBase: bigint;
  vaPages: number;
  registers: string[];
  tables(machine: Machine): Tables;
  /** Our vCPU with the MMU on, and the same registers for Unicorn. */
  enable(vcpu: Vcpu, tables: Tables): Record<string, string | number>;
  /** Three instructions: the VA into the base register, then the access. */
  access(access: Access): number[];
  /** Random transfer register for an access of `bytes`. */
  transfer(bytes: number, random: ReturnType<typeof prng>): number;
}

const A64: Format = {
  arch: 'aarch64', vaBase: 0x1000_0000n, vaPages: 0x3_0000,
  registers: Array.from({ length: 9 }, (_, i) => `x${i + 1}`),
  tables: (machine) => new A64PageTables(machine, TABLES, TABLE_BYTES, 39),
  enable: (vcpu, tables) => {
    const tcr = (tables as A64PageTables).tcr();
    vcpu.set('ttbr0_el1', tables.root).set('tcr_el1', tcr).set('sctlr_el1', 1);
    return { mair_el1: '0xff', tcr_el1: hex(tcr), ttbr0_el1: hex(tables.root), sctlr_el1_m: 1 };
  },
  access: ({ load, rt, va, bytes }) => [a64.movz(9, Number(va & 0xffffn)), a64.movk(9, Number((va >> 16n) & 0xffffn), 16),
    load ? a64.ldr(rt, 9, 0, bytes) : a64.str(rt, 9, 0, bytes)],
  transfer: (_, random) => 1 + random.below(8),
};

/** A32 accesses: LDR/STR(B/H) and, for 8 bytes, LDRD/STRD of an even pair. */
function a32Access({ load, rt, va, bytes }: Access): number[] {
  const op = { 1: [a32.ldrb, a32.strb], 2: [a32.ldrh, a32.strh], 4: [a32.ldr, a32.str], 8: [a32.ldrd, a32.strd] }[bytes];
  return [a32.movw(9, Number(va & 0xffffn)), a32.movt(9, Number((va >> 16n) & 0xffffn)), op[load ? 0 : 1]!(rt, 9)];
}

const a32Format = (lpae: boolean): Format => ({
  arch: 'arm', vaBase: 0x8000_0000n, vaPages: 0x7_fff0,
  registers: Array.from({ length: 9 }, (_, i) => `r${i + 1}`),
  tables: (machine) => lpae ? new ArmLpaeTables(machine, TABLES, TABLE_BYTES) : new ArmShortTables(machine, TABLES, TABLE_BYTES),
  enable: (vcpu, tables): Record<string, string | number> => {
    if (tables instanceof ArmLpaeTables) {
      tables.enable(vcpu);
      return { ttbcr: hex(vcpu.get('ttbcr') as bigint), ttbr0_64: hex(tables.root), sctlr_m: 1 };
    }
    (tables as ArmShortTables).enable(vcpu);
    return { ttbcr: hex(vcpu.get('ttbcr') as bigint), dacr: hex(vcpu.get('dacr') as bigint), ttbr0: hex(tables.root), sctlr_m: 1 };
  },
  access: a32Access,
  transfer: (bytes, random) => bytes === 8 ? 2 + 2 * random.below(3) : 1 + random.below(8),
});

/** One case: random mappings, a run of accesses through them, and a last access that faults. */
async function buildCase(format: Format, seed: number) {
  const random = prng(seed);
  const machine = await Machine.create({ arenaBytes: 16 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: DATA_PAGES * 0x1000, userspaceAddr: machine.allocateBacking(DATA_PAGES * 0x1000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: TABLE_BYTES, userspaceAddr: machine.allocateBacking(TABLE_BYTES) });
  machine.writeBytes(DATA, new Uint8Array(DATA_PAGES * 0x1000).map(() => random.below(256)));
  const tables = format.tables(machine);
  const used = new Set<bigint>();
  const freshVa = () => {
    for (;;) {
      const va = format.vaBase + BigInt(random.below(format.vaPages)) * 0x1000n;
      if (!used.has(va)) { used.add(va); return va; }
    }
  };
  const codeVa = freshVa();
  tables.map({ va: codeVa, pa: CODE, size: 0x1000, writable: false });
  const pages: Array<{ va: bigint; writable: boolean }> = [];
  for (let i = 0; i < MAPPINGS; i++) {
    const page = { va: freshVa(), writable: random.below(4) !== 0 };
    tables.map({ va: page.va, pa: DATA + BigInt(random.below(DATA_PAGES)) * 0x1000n, size: 0x1000, writable: page.writable, executable: false });
    pages.push(page);
  }
  const words: number[] = [];
  for (let i = 0; i < ACCESSES; i++) {
    const bytes = random.pick([1, 2, 4, 8] as const);
    const page = random.pick(pages);
    const load = !page.writable || random.below(2) === 0;
    words.push(...format.access({ load, rt: format.transfer(bytes, random), bytes, va: page.va + BigInt(random.below(0x1000 / bytes) * bytes) }));
  }
  // The last access: a load from a VA no table maps, or a store to a read-only page.
  const readOnly = pages.find((page) => !page.writable);
  const store = readOnly !== undefined && random.below(2) === 0;
  const faultVa = (store ? readOnly.va : freshVa()) + BigInt(random.below(512) * 8);
  words.push(...format.access({ load: !store, rt: 2, bytes: 8, va: faultVa }));
  const code = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(code.buffer).setUint32(i * 4, word, true));
  machine.writeBytes(CODE, code);
  const vcpu = new Vcpu(machine, 0, format.arch);
  const sysregs = format.enable(vcpu, tables);
  const regs: Record<string, bigint> = { pc: codeVa };
  for (const name of format.registers.slice(0, 8)) regs[name] = format.arch === 'arm' ? BigInt(random.next()) : BigInt(random.next()) << 32n | BigInt(random.next());
  for (const [name, value] of Object.entries(regs)) vcpu.set(name, value);
  const line = {
    arch: format.arch, count: words.length,
    regions: ([[CODE, 0x1000], [DATA, DATA_PAGES * 0x1000], [TABLES, TABLE_BYTES]] as const)
      .map(([addr, bytes]) => ({ addr: hex(addr), hex: toHex(machine.readBytes(addr, bytes)) })),
    shadow: [codeVa, ...pages.map((page) => page.va), faultVa].map(hex),
    sysregs,
    regs: Object.fromEntries(Object.entries(regs).map(([name, value]) => [name, hex(value)])),
  };
  return { machine, vcpu, line, faultPc: codeVa + BigInt(words.length - 1) * 4n, faultVa };
}

type MmuResult = {
  regs: Record<string, string>; fault: { kind: string; pc: string; addr: string } | null;
  regions: Array<{ addr: string; hex: string }>; shadow_written: string[]; error?: string;
};

function runUnicornMmu(lines: object[]): MmuResult[] {
  const result = spawnSync('/usr/bin/python3', [SCRIPT], { input: lines.map((line) => JSON.stringify(line)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`unicorn_mmu.py failed: ${result.stderr}`);
  return result.stdout.trim().split('\n').map((out) => JSON.parse(out) as MmuResult);
}

const FORMATS: Array<[string, Format]> = [['A64, 4 KiB granule, 39-bit VAs', A64], ['AArch32 short descriptors', a32Format(false)], ['AArch32 LPAE', a32Format(true)]];

describe.each(FORMATS)('%s with the MMU on, against Unicorn 2', (_, format) => {
  it.skipIf(!haveUnicorn)(`${CASES} cases of ${MAPPINGS} random 4 KiB mappings: ${ACCESSES} loads/stores leave the same registers and memory, and the last access faults at the same pc and address`, async () => {
    const cases = await Promise.all(Array.from({ length: CASES }, (_, i) => buildCase(format, 0x5eed + i)));
    const theirs = runUnicornMmu(cases.map((c) => c.line));
    const failures: string[] = [];
    cases.forEach(({ machine, vcpu, line, faultPc, faultVa }, index) => {
      const exit = vcpu.run(line.count + 10) as { reason: string; kind?: string; pc?: bigint; address?: bigint };
      const unicorn = theirs[index]!;
      const where = `case ${index}`;
      if (unicorn.error) { failures.push(`${where}: unicorn error ${unicorn.error}`); return; }
      const ours = `${exit.reason}/${exit.kind}@${hex(exit.pc ?? 0n)}:${hex(exit.address ?? 0n)}`;
      if (ours !== `fault/translation@${hex(faultPc)}:${hex(faultVa)}`) failures.push(`${where}: our exit ${ours}`);
      const fault = unicorn.fault;
      if (fault?.kind !== 'data-abort' || fault.pc !== hex(faultPc) || fault.addr !== hex(faultVa)) failures.push(`${where}: unicorn fault ${JSON.stringify(fault)}`);
      if (unicorn.shadow_written.length > 0) failures.push(`${where}: stores reached untranslated pages ${unicorn.shadow_written.join(' ')}`);
      for (const name of format.registers) {
        const mine = hex(vcpu.get(name) as bigint);
        if (mine !== unicorn.regs[name]) failures.push(`${where}: ${name} ours ${mine}, unicorn ${unicorn.regs[name]}`);
      }
      if (toHex(machine.readBytes(DATA, DATA_PAGES * 0x1000)) !== unicorn.regions[1]!.hex) failures.push(`${where}: data memory differs`);
    });
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });
});
