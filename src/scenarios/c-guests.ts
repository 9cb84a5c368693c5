// Scenario guests compiled from C (`guest: 'c'`, `compare --guest c`): KVM's selftest
// guest code in guests/src/selftest.c, built by scripts/build-guests.sh into
// guests/build/TARGET/selftest-O2.elf. The ELF goes into the code slot in place of the
// hand-emitted loops; each vCPU enters selftest_vcpu(index) on a stack of its own and
// runs the job the host wrote into selftest_jobs[index]:
//
//   selftest_jobs[v]  16 words of 8 bytes, in the guest's byte order (JOB_FIELDS)
//   host → guest      kind, base, stride, cells, first, second, read_back, rounds, sync,
//                     old_entry, new_entry, hosted
//   guest → host      accesses (its loads and stores so far: ScenarioRun.accesses),
//                     fail_line/file/expr/a/b (a failed guest assertion; it then traps)
//
// Which scenario runs which C program is the table C_GUESTS (a program follows the
// job ABI above: selftest_jobs[64] and selftest_vcpu); the ELF files are read once per
// program and architecture by loadCGuest() (Node: the package's guests/build; a
// browser: fetched beside the package).

import { EmuError, texts } from '../errors.js';
import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';
import type { RegisterName } from '../cpu/registers.js';
import { loadElf, type LoadedElf } from '../guest/elf.js';
import type { ScenarioArch } from './guest.js';
import type { ScenarioName } from './index.js';

export const GUEST_KINDS = ['asm', 'c'] as const;
export type GuestKind = (typeof GUEST_KINDS)[number];

export function isGuestKind(name: string): name is GuestKind {
  return (GUEST_KINDS as readonly string[]).includes(name);
}

type CGuestEntry = { program: string };

/** The C program (guests/src/PROGRAM.c) each scenario runs with `guest: 'c'`. */
export const C_GUESTS: Readonly<Record<ScenarioName, CGuestEntry>> = {
  move: { program: 'selftest' },
  delete: { program: 'selftest' },
  'move-active': { program: 'selftest' },
  'move-inactive': { program: 'selftest' },
  'add-delete-stress': { program: 'selftest' },
  'dirty-log-toggle': { program: 'selftest' },
  'bar-remap': { program: 'selftest' },
  'tlb-shootdown': { program: 'selftest' },
  map: { program: 'selftest' },
  unmap: { program: 'selftest' },
  rw: { program: 'selftest' },
};

/** Throws EmuError EINVAL unless `guest` is a guest kind that `scenario` can run. */
export function checkGuestKind(scenario: string, guest: string): void {
  if (!isGuestKind(guest)) throw new EmuError('EINVAL', texts.badOption('guest', `unknown guest kind "${guest}"; one of ${GUEST_KINDS.join(', ')}`));
  if (guest === 'c') cGuestProgram(scenario);
}

/** The C program `scenario` runs; throws EmuError EINVAL when it has none. */
export function cGuestProgram(scenario: string): string {
  const entry = (C_GUESTS as Readonly<Record<string, CGuestEntry | undefined>>)[scenario];
  if (entry === undefined) throw new EmuError('EINVAL', texts.badOption('guest', `${scenario} has no C guest`));
  return entry.program;
}

/** guests/build folder of each scenario architecture. */
const BUILD_TARGET: Record<ScenarioArch, string> = { ppc64be: 'ppc64', ppc32be: 'ppc32', aarch64: 'aarch64', arm: 'arm', thumb: 'thumb' };
const LEVEL = 'O2';
/** ELF files read so far, by "PROGRAM/ARCH". */
const loaded = new Map<string, Uint8Array>();

/** The URL of C program `program` built for `arch` (inside the package). */
export function cGuestUrl(arch: ScenarioArch, program: string): URL {
  return new URL(`../../../guests/build/${BUILD_TARGET[arch]}/${program}-${LEVEL}.elf`, import.meta.url);
}

/** Reads the C program `scenario` runs on `arch` (once); setUpScenario with `guest: 'c'` needs it read first. */
export async function loadCGuest(scenario: string, arch: ScenarioArch): Promise<void> {
  const program = cGuestProgram(scenario);
  const key = `${program}/${arch}`;
  if (loaded.has(key)) return;
  const url = cGuestUrl(arch, program);
  let bytes: Uint8Array;
  if (typeof process !== 'undefined' && process.versions?.node !== undefined) {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(url).catch((error: Error) => {
      throw new EmuError('ENOENT', `the C guest ${program} for ${arch} is missing (${error.message}); build it with scripts/build-guests.sh`);
    });
  } else {
    const response = await fetch(url);
    if (!response.ok) throw new EmuError('ENOENT', `the C guest ${program} for ${arch} could not be fetched from ${url.href} (HTTP ${response.status})`);
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  loaded.set(key, bytes);
}

/** The job fields of struct selftest_job, in order (8 bytes each). */
const JOB_FIELDS = ['kind', 'base', 'stride', 'cells', 'first', 'second', 'readBack', 'rounds', 'sync', 'oldEntry', 'newEntry', 'hosted', 'accesses', 'failLine', 'failFile', 'failExpr', 'failA', 'failB'] as const;
type JobField = (typeof JOB_FIELDS)[number];
const JOB_BYTES = JOB_FIELDS.length * 8;
const MAX_VCPUS = 64;
/** Each vCPU's stack, below the previous one's from the top of the code slot. */
const STACK_BYTES = 8 * 1024;
const PAGE = 4096;
const KIND = { reader: 1, writer: 2, map: 3, unmap: 4, rw: 5, migrate: 6 } as const;

/**
 * A vCPU's job: a reader or a writer (the loops of kernels.ts), a memslot_perf_test step loop (perf-kernels.ts),
 * or tlb-shootdown's migrator (remapLoop): `va`'s leaf entry at `entry` maps frames[0] (entries[0]) first.
 */
export type CJob =
  | { kind: 'reader'; address: bigint; allowed: readonly [bigint, bigint] }
  | { kind: 'writer'; base: bigint; stride: number; cells: number; firstSeq: bigint; readBack: boolean }
  | { kind: 'map' | 'unmap' | 'rw'; area: bigint; pages: number; sync: bigint; values: readonly [bigint, bigint] }
  | { kind: 'migrate'; entry: bigint; va: bigint; frames: readonly [bigint, bigint]; entries: readonly [bigint, bigint]; cells: number };

/** The job fields `job` sets (the others are 0). */
function jobWords(job: CJob): Partial<Record<JobField, bigint>> {
  switch (job.kind) {
    case 'reader': return { kind: BigInt(KIND.reader), base: job.address, first: job.allowed[0], second: job.allowed[1] };
    case 'writer': return { kind: BigInt(KIND.writer), base: job.base, stride: BigInt(job.stride), cells: BigInt(job.cells), first: job.firstSeq, readBack: job.readBack ? 1n : 0n };
    case 'migrate': return {
      kind: BigInt(KIND.migrate), base: job.entry, stride: job.va, cells: BigInt(job.cells),
      first: job.frames[0], second: job.frames[1], oldEntry: job.entries[0], newEntry: job.entries[1],
    };
    default: return { kind: BigInt(KIND[job.kind]), base: job.area, stride: BigInt(PAGE), cells: BigInt(job.pages), first: job.values[0], second: job.values[1], sync: job.sync };
  }
}

/** The C guest loaded into a scenario's code slot. */
export class CGuest {
  private readonly elf: LoadedElf;
  private readonly jobs: bigint;
  private readonly entry: bigint;
  private readonly endian: 'big' | 'little';
  private readonly started: number[] = [];

  /** Loads the C program of `scenario` for the vCPUs' arch into slot 0 at [base, base + bytes). */
  constructor(private readonly machine: Machine, private readonly vcpus: readonly Vcpu[], scenario: string, arch: ScenarioArch, base: bigint, bytes: number) {
    const program = cGuestProgram(scenario);
    const elf = loaded.get(`${program}/${arch}`);
    if (elf === undefined) throw new EmuError('EINVAL', `the C guest ${program} for ${arch} is not loaded: await loadCGuest('${scenario}', '${arch}') first`);
    if (vcpus.length > MAX_VCPUS) throw new EmuError('EINVAL', texts.badOption('vcpus', `the C scenario guest runs at most ${MAX_VCPUS}`));
    this.elf = loadElf(machine, elf, { arch, ramBase: base, ramSize: bytes, slot: 0 });
    this.endian = this.elf.image.endian;
    const jobs = this.elf.image.objects.get('selftest_jobs');
    const entry = this.elf.image.functions.find((f) => f.name === 'selftest_vcpu');
    if (jobs === undefined || entry === undefined || jobs.size < BigInt(MAX_VCPUS * JOB_BYTES)) {
      throw new EmuError('EINVAL', `${cGuestUrl(arch, program).pathname} lacks selftest_jobs[${MAX_VCPUS}] or selftest_vcpu: rebuild it with scripts/build-guests.sh`);
    }
    this.jobs = jobs.address;
    this.entry = entry.address & ~1n;
  }

  private field(v: number, name: JobField): bigint {
    return this.jobs + BigInt(v * JOB_BYTES + JOB_FIELDS.indexOf(name) * 8);
  }

  private get(v: number, name: JobField): bigint {
    return this.machine.read(this.field(v, name), 8, { endian: this.endian });
  }

  /** Writes vCPU `v`'s job and points the vCPU at selftest_vcpu(v) with its own stack. */
  start(v: number, job: CJob): void {
    const words = jobWords(job);
    for (const name of JOB_FIELDS) this.machine.write(this.field(v, name), 8, name === 'hosted' ? 1n : words[name] ?? 0n, { endian: this.endian });
    const vcpu = this.vcpus[v]!;
    const stackTop = this.elf.ram.base + BigInt(this.elf.ram.size - v * STACK_BYTES);
    const { arch } = this.elf;
    const set = (name: string, value: bigint) => vcpu.set(name as RegisterName, value);
    for (const [name, value] of Object.entries(this.elf.registers)) set(name, value);
    set('pc', this.entry);
    if (arch.startsWith('ppc')) {
      set('r1', stackTop - 128n);
      set('r3', BigInt(v));
      // ELFv2's global entry point computes the TOC from r12.
      if (this.elf.image.ppcAbi === 2) set('r12', this.entry);
    } else if (arch === 'aarch64') {
      set('sp', stackTop);
      set('x0', BigInt(v));
    } else {
      set('r13', stackTop);
      set('r0', BigInt(v));
    }
    this.started.push(v);
  }

  /** Loads and stores vCPU `v`'s guest has counted. */
  accesses(v: number): number {
    return Number(this.get(v, 'accesses'));
  }

  /** One line per vCPU whose guest assertion failed: file, line, expression, values. */
  errors(): string[] {
    return this.started.flatMap((v) => {
      const line = this.get(v, 'failLine');
      if (line === 0n) return [];
      const hex = (value: bigint) => `0x${value.toString(16)}`;
      const text = (name: JobField) => this.string(this.get(v, name));
      return [`vCPU ${v}: guest assertion failed at ${text('failFile')}:${line}: ${text('failExpr')} (values ${hex(this.get(v, 'failA'))}, ${hex(this.get(v, 'failB'))})`];
    });
  }

  private string(gpa: bigint): string {
    const bytes: number[] = [];
    for (let at = gpa; bytes.length < 256; at++) {
      const byte = Number(this.machine.read(at, 1));
      if (byte === 0) break;
      bytes.push(byte);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }
}
