// tlb-shootdown: the stale-translation race itself. vCPU 0 migrates one virtual page
// between two physical pages (break, broadcast invalidation and its barrier, copy,
// make, reuse the old page) while the others store through it and read back, and the
// host re-registers the data pages (bar-remap's cycle) so some of those stores take
// the MMIO path. On aarch64 (4 KiB stage 1, TLBI VAE1IS + DSB) or ppc64be (radix,
// tlbie + tlbsync + ptesync). The host builds the page tables either way; with
// `guest: 'c'` the migrator and the writers are selftest.c's migrate and writer jobs
// (the code slot is then writable: the C guest's data and stacks live in it).

import { A64PageTables } from '../mmu/a64-tables.js';
import { PpcRadixTables } from '../mmu/ppc-radix-tables.js';
import { EmuError, texts } from '../errors.js';
import { mmuGuestCode } from './guest.js';
import { remapLoop, writerLoop, SEQ_REGISTER } from './kernels.js';
import { barTransaction, counter, region, run, startLoop, CODE_BYTES, CODE_GPA, PAGE, SEQ_SHIFT, type ScenarioRun, type SetupContext } from './index.js';

const TABLES_GPA = 0x8000_0000n;
const TABLES_BYTES = 0x20_0000;
const DATA_GPA = 0x4000_0000n;
const SHARED_VA = 0x5000_0000n;
/** A second mapping, never used by the guest, whose leaf is the template for the other page. */
const TEMPLATE_VA = SHARED_VA + 0x20_0000n;
const POISON = 0xdeadn;

interface GuestMmu {
  /** Maps [va, va + bytes) to [pa, …) in 4 KiB pages. */
  map(va: bigint, pa: bigint, bytes: number, writable?: boolean): void;
  leafAddress(va: bigint): bigint;
  /** The leaf entry's value as the guest's stores write it. */
  readLeaf(address: bigint): bigint;
  /** Points a vCPU at the tables and turns translation on. */
  enable(vcpu: SetupContext['vcpus'][number]): void;
}

function aarch64Mmu(context: SetupContext): GuestMmu {
  const { machine } = context;
  const tables = new A64PageTables(machine, TABLES_GPA, TABLES_BYTES);
  return {
    map(va, pa, bytes, writable = true) {
      for (let at = 0n; at < BigInt(bytes); at += BigInt(PAGE)) tables.map({ va: va + at, pa: pa + at, size: PAGE, writable });
    },
    leafAddress(va) {
      let table = tables.root;
      for (let level = 0; level < 3; level++) table = machine.read(table + ((va >> BigInt(39 - 9 * level)) & 511n) * 8n, 8) & 0x0000_ffff_ffff_f000n;
      return table + ((va >> 12n) & 511n) * 8n;
    },
    readLeaf: (address) => machine.read(address, 8),
    enable: (vcpu) => tables.enable(vcpu),
  };
}

function ppcRadixMmu(context: SetupContext): GuestMmu {
  const { machine } = context;
  const tables = new PpcRadixTables(machine, TABLES_GPA, TABLES_BYTES);
  return {
    map(va, pa, bytes, writable = true) {
      for (let at = 0n; at < BigInt(bytes); at += BigInt(PAGE)) tables.map({ va: va + at, pa: pa + at, size: PAGE, writable });
    },
    leafAddress: (va) => tables.leafAddress(va),
    readLeaf: (address) => machine.read(address, 8, { endian: 'big' }),
    enable: (vcpu) => tables.enable(vcpu),
  };
}

export function tlbShootdown(context: SetupContext): ScenarioRun {
  const { machine, vcpus, options } = context;
  if (vcpus.length < 2) throw new EmuError('EINVAL', texts.badOption('vcpus', 'tlb-shootdown needs at least 2 (one remaps, the rest write)'));
  machine.setUserMemoryRegion(region(1, TABLES_GPA, TABLES_BYTES, machine.allocateBacking(TABLES_BYTES)));
  const uaddr = machine.allocateBacking(2 * PAGE);
  machine.setUserMemoryRegion(region(10, DATA_GPA, PAGE, uaddr));
  machine.setUserMemoryRegion(region(11, DATA_GPA + BigInt(PAGE), PAGE, uaddr + PAGE));
  const mmu = options.arch === 'aarch64' ? aarch64Mmu(context) : ppcRadixMmu(context);
  mmu.map(CODE_GPA, CODE_GPA, CODE_BYTES, context.c !== undefined);
  mmu.map(TABLES_GPA, TABLES_GPA, TABLES_BYTES);
  mmu.map(DATA_GPA, DATA_GPA, 2 * PAGE);
  mmu.map(SHARED_VA, DATA_GPA, PAGE);
  mmu.map(TEMPLATE_VA, DATA_GPA + BigInt(PAGE), PAGE);
  const descriptor = mmu.leafAddress(SHARED_VA);
  const descriptors = [mmu.readLeaf(descriptor), mmu.readLeaf(mmu.leafAddress(TEMPLATE_VA))] as const;
  for (const vcpu of vcpus) mmu.enable(vcpu);
  const frames = [DATA_GPA, DATA_GPA + BigInt(PAGE)] as const;
  const migrate = { kind: 'migrate', entry: descriptor, va: SHARED_VA, frames, entries: descriptors, cells: vcpus.length } as const;
  const migrations = startLoop(context, 0, migrate, () => {
    const remapper = context.load(0, remapLoop(mmuGuestCode(options.arch), {
      descriptor, va: SHARED_VA, pages: frames, descriptors, cells: vcpus.length, poison: POISON,
    }));
    return counter(vcpus[0]!, remapper, 0, 0n, 4 + 3 * vcpus.length);
  });
  const writers = vcpus.slice(1).map((vcpu, i) => {
    const v = i + 1;
    const firstSeq = BigInt(v + 1) << SEQ_SHIFT;
    const layout = { base: SHARED_VA + BigInt(v * 8), stride: 8, cells: 1, firstSeq, readBack: true };
    return startLoop(context, v, { kind: 'writer', ...layout }, () => {
      const code = mmuGuestCode(options.arch);
      context.load(v, writerLoop(code, layout));
      return counter(vcpu, code, SEQ_REGISTER, firstSeq, 2);
    });
  });
  return run((n) => barTransaction(n, DATA_GPA, PAGE, uaddr), [migrations, ...writers]);
}
