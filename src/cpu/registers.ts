// Each guest architecture's registers in a vCPU record, by the names the step format
// uses: where each lives and how wide it is, its run entry point and mode bits.

import type { CoreFunctions, MemoryMap } from '../core.js';
import { thumbBytes } from '../asm/aarch32.js';

/** Every guest architecture, the one list every command's help and errors name. */
export const GUEST_ARCHES = ['ppc64be', 'ppc64le', 'ppc32be', 'aarch64', 'aarch64_be', 'arm', 'armeb', 'thumb'] as const;

export type GuestArch = (typeof GUEST_ARCHES)[number];

export type RegisterValues = Record<string, bigint>;

/** 0 … N-1 as a union of literals. */
type Below<N extends number, Counted extends number[] = []> = Counted['length'] extends N ? Counted[number] : Below<N, [...Counted, Counted['length']]>;

/** PowerPC: GPRs, FPRs, VRs, the special registers and the MMU's (segment registers and BATs for 32-bit). */
export type PpcRegisterName =
  | `r${Below<32>}` | `f${Below<32>}` | `v${Below<32>}` | 'pc' | 'cr' | 'xer' | 'lr' | 'ctr' | 'msr'
  | 'ptcr' | 'pid' | 'lpcr' | 'sdr1' | 'hashkeyr' | 'hashpkeyr' | `sr${Below<16>}` | `${'i' | 'd'}bat${Below<4>}${'u' | 'l'}`;
/** A64: x0-x30, sp, pc, NZCV, the SIMD registers, the MMU's system registers and the EL0 ones (thread pointers, FPCR/FPSR, the counter). */
export type A64RegisterName = `x${Below<31>}` | 'sp' | 'pc' | 'nzcv' | `v${Below<32>}` | 'sctlr_el1' | 'tcr_el1' | 'ttbr0_el1' | 'ttbr1_el1' | 'mair_el1'
  | 'tpidr_el0' | 'tpidrro_el0' | 'fpcr' | 'fpsr' | 'cntvct_el0';
/** AArch32 (A32 and T32): r0-r15, pc, CPSR, d0-d31 (also as q0-q15 and s0-s31), FPSCR, FPEXC, the MMU's registers, the thread pointers and CNTKCTL. */
export type A32RegisterName =
  | `r${Below<16>}` | 'pc' | 'cpsr' | `d${Below<32>}` | `q${Below<16>}` | `s${Below<32>}` | 'fpscr' | 'fpexc'
  | 'sctlr' | 'ttbcr' | 'dacr' | 'contextidr' | 'ttbr0' | 'ttbr1' | 'mair0' | 'mair1' | 'tpidruro' | 'tpidrurw' | 'tpidrprw' | 'cntkctl';

/** The register names `Vcpu.set`/`get` take on architecture `A` (every architecture's, for GuestArch). */
export type RegisterName<A extends GuestArch = GuestArch> =
  A extends 'ppc64be' | 'ppc64le' | 'ppc32be' ? PpcRegisterName : A extends 'aarch64' | 'aarch64_be' ? A64RegisterName : A32RegisterName;

/** The usual aliases `Vcpu.set`/`get` also take on architecture `A` (each architecture's `aliases` table). */
export type RegisterAlias<A extends GuestArch = GuestArch> =
  A extends 'ppc64be' | 'ppc64le' | 'ppc32be' ? 'sp' : A extends 'aarch64' | 'aarch64_be' ? 'fp' | 'lr' : 'sp' | 'lr' | 'pc';

interface Slot {
  offset: number;
  bytes: 4 | 8 | 16;
  /** 16-byte registers: true when the most significant doubleword is at +0 (PowerPC). */
  highFirst?: boolean;
}

export interface ArchSpec {
  readonly names: readonly string[];
  /** Other names of registers in `names` (the ABI's and assemblers' usual ones): alias → name. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly endian: 'big' | 'little';
  mode(map: MemoryMap): number;
  slot(map: MemoryMap, name: string): Slot | undefined;
  run(functions: CoreFunctions, budget: number): number;
  /** The code bytes of instruction words as the step format gives them. */
  code(words: number[]): Uint8Array;
  /** How many instructions those words are. */
  count(words: number[]): number;
}

const fourBytes = (endian: 'big' | 'little') => (words: number[]) => {
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, endian === 'little'));
  return bytes;
};

/** A Power10 prefix (primary opcode 1) and its suffix are one instruction. */
function ppcCount(words: number[]): number {
  let count = 0;
  for (let i = 0; i < words.length; i++, count++) if (words[i]! >>> 26 === 1) i++;
  return count;
}



const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const numberIn = (name: string, prefix: string, count: number): number | undefined => {
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  const n = Number(digits);
  return /^(0|[1-9][0-9]?)$/.test(digits) && n < count ? n : undefined;
};

/** The 32-bit PowerPC BATs in SPR order (528-543): ibat0u, ibat0l, … ibat3l, dbat0u, … dbat3l. */
export const BAT_NAMES = ['i', 'd'].flatMap((side) => [0, 1, 2, 3].flatMap((n) => [`${side}bat${n}u`, `${side}bat${n}l`])) as readonly PpcRegisterName[];

function ppcSlot(map: MemoryMap, name: string): Slot | undefined {
  const gpr = numberIn(name, 'r', 32);
  if (gpr !== undefined) return { offset: map.CPU_GPR + gpr * 8, bytes: 8 };
  const fpr = numberIn(name, 'f', 32);
  if (fpr !== undefined) return { offset: map.CPU_VSR + fpr * 16, bytes: 8 };
  const vr = numberIn(name, 'v', 32);
  if (vr !== undefined) return { offset: map.CPU_VSR + (32 + vr) * 16, bytes: 16, highFirst: true };
  const special: Record<string, Slot> = {
    pc: { offset: map.CPU_PC, bytes: 8 }, lr: { offset: map.CPU_LR, bytes: 8 }, ctr: { offset: map.CPU_CTR, bytes: 8 },
    xer: { offset: map.CPU_XER, bytes: 8 }, msr: { offset: map.CPU_MSR, bytes: 8 }, cr: { offset: map.CPU_CR, bytes: 4 },
    ptcr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_PTCR, bytes: 8 }, pid: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_PID, bytes: 8 },
    lpcr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_LPCR, bytes: 8 }, sdr1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_SDR1, bytes: 8 },
    hashkeyr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_HASHKEYR, bytes: 8 },
    hashpkeyr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_HASHPKEYR, bytes: 8 },
    tar: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TAR, bytes: 8 }, tb: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TB, bytes: 8 },
  };
  const sr = numberIn(name, 'sr', 16);
  if (sr !== undefined) return { offset: map.CPU_SYSREGS + 8 * (map.SYSREG_SR0 + sr), bytes: 8 };
  const bat = BAT_NAMES.findIndex((bat) => bat === name);
  if (bat >= 0) return { offset: map.CPU_SYSREGS + 8 * (map.SYSREG_BAT0 + bat), bytes: 8 };
  return special[name];
}

function a64Slot(map: MemoryMap, name: string): Slot | undefined {
  const x = numberIn(name, 'x', 31);
  if (x !== undefined) return { offset: map.CPU_GPR + x * 8, bytes: 8 };
  const v = numberIn(name, 'v', 32);
  if (v !== undefined) return { offset: map.CPU_VSR + v * 16, bytes: 16 };
  const special: Record<string, Slot> = {
    pc: { offset: map.CPU_PC, bytes: 8 }, sp: { offset: map.CPU_SP, bytes: 8 }, nzcv: { offset: map.CPU_NZCV, bytes: 4 },
    sctlr_el1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_SCTLR_EL1, bytes: 8 },
    tcr_el1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TCR_EL1, bytes: 8 },
    ttbr0_el1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TTBR0_EL1, bytes: 8 },
    ttbr1_el1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TTBR1_EL1, bytes: 8 },
    mair_el1: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_MAIR_EL1, bytes: 8 },
    tpidr_el0: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TPIDR_EL0, bytes: 8 },
    tpidrro_el0: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_TPIDRRO_EL0, bytes: 8 },
    fpcr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_FPCR, bytes: 8 },
    fpsr: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_FPSR, bytes: 8 },
    cntvct_el0: { offset: map.CPU_SYSREGS + 8 * map.SYSREG_CNTVCT_EL0, bytes: 8 },
  };
  return special[name];
}

function a32Slot(map: MemoryMap, name: string): Slot | undefined {
  const r = numberIn(name, 'r', 16);
  if (r !== undefined) return { offset: r === 15 ? map.CPU_PC : map.CPU_GPR + r * 8, bytes: 8 };
  const d = numberIn(name, 'd', 32);
  if (d !== undefined) return { offset: map.CPU_VSR + d * 8, bytes: 8 };
  // Qn is d(2n+1):d(2n), S(2n) and S(2n+1) the low and high words of Dn (little-endian, packed from CPU_VSR).
  const q = numberIn(name, 'q', 16);
  if (q !== undefined) return { offset: map.CPU_VSR + q * 16, bytes: 16 };
  const s = numberIn(name, 's', 32);
  if (s !== undefined) return { offset: map.CPU_VSR + s * 4, bytes: 4 };
  if (name === 'cpsr') return { offset: map.CPU_NZCV, bytes: 4 };
  if (name === 'fpscr') return { offset: map.CPU_FPSCR, bytes: 4 };
  // The MMU registers by the architectural mapping onto the AArch64 array (settable, not in the step format's list).
  const sysreg = (index: number, bytes: 4 | 8, half = 0): Slot => ({ offset: map.CPU_SYSREGS + 8 * index + 4 * half, bytes });
  const mmu: Record<string, Slot> = {
    sctlr: sysreg(map.SYSREG_SCTLR_EL1, 4), ttbcr: sysreg(map.SYSREG_TCR_EL1, 4), dacr: sysreg(map.SYSREG_DACR, 4), contextidr: sysreg(map.SYSREG_CONTEXTIDR, 4),
    ttbr0: sysreg(map.SYSREG_TTBR0_EL1, 8), ttbr1: sysreg(map.SYSREG_TTBR1_EL1, 8),
    mair0: sysreg(map.SYSREG_MAIR_EL1, 4), mair1: sysreg(map.SYSREG_MAIR_EL1, 4, 1),
    tpidruro: sysreg(map.SYSREG_TPIDRRO_EL0, 4), tpidrurw: sysreg(map.SYSREG_TPIDR_EL0, 4), tpidrprw: sysreg(map.SYSREG_TPIDR_EL1, 4),
    cntkctl: sysreg(map.SYSREG_CNTKCTL, 4), fpexc: sysreg(map.SYSREG_FPEXC, 4),
  };
  return Object.hasOwn(mmu, name) ? mmu[name] : undefined;
}

const PPC_NAMES = [
  ...numbered('r', 32), 'pc', 'cr', 'xer', 'lr', 'ctr', 'msr', ...numbered('f', 32), ...numbered('v', 32), 'hashkeyr', 'hashpkeyr',
];

const ppc = (mode: (map: MemoryMap) => number, endian: 'big' | 'little'): ArchSpec => ({
  names: PPC_NAMES, aliases: { sp: 'r1' }, endian, mode, slot: ppcSlot, run: (functions, budget) => functions.ppcRun(budget),
  code: fourBytes(endian), count: ppcCount,
});

/** BE8: big-endian data, little-endian instructions (so `endian`, the code's order, stays little). */
const aarch32 = (thumb: boolean, bigData = false): ArchSpec => ({
  names: [...numbered('r', 16), 'cpsr', ...numbered('d', 32), 'fpscr'],
  aliases: { sp: 'r13', lr: 'r14', pc: 'r15' },
  endian: 'little',
  mode: (map) => map.MODE_ARM | (bigData ? 0 : map.MODE_LE) | (thumb ? map.MODE_THUMB : 0),
  slot: a32Slot,
  run: (functions, budget) => functions.a32Run(budget),
  code: thumb ? thumbBytes : fourBytes('little'),
  count: (words) => words.length,
});

/** A64; `bigData` is BE8 (big-endian data, little-endian instructions). */
const a64 = (bigData: boolean): ArchSpec => ({
  names: [...numbered('x', 31), 'sp', 'pc', 'nzcv', ...numbered('v', 32), 'sctlr_el1', 'tcr_el1', 'ttbr0_el1', 'ttbr1_el1', 'mair_el1'],
  aliases: { fp: 'x29', lr: 'x30' },
  endian: 'little',
  mode: (map) => map.MODE_ARM | map.MODE_64 | (bigData ? 0 : map.MODE_LE),
  slot: a64Slot,
  run: (functions, budget) => functions.a64Run(budget),
  code: fourBytes('little'),
  count: (words) => words.length,
});

export const ARCHES: Readonly<Record<GuestArch, ArchSpec>> = {
  ppc64be: ppc((map) => map.MODE_64, 'big'),
  ppc64le: ppc((map) => map.MODE_64 | map.MODE_LE, 'little'),
  ppc32be: ppc(() => 0, 'big'),
  aarch64: a64(false),
  aarch64_be: a64(true),
  arm: aarch32(false),
  armeb: aarch32(false, true),
  thumb: aarch32(true),
};

export function isGuestArch(arch: string): arch is GuestArch {
  return Object.hasOwn(ARCHES, arch);
}

/** The register an alias names (A32 `pc` → `r15`, A64 `lr` → `x30`, PowerPC `sp` → `r1`), or `name` itself. */
export function canonicalRegister(spec: ArchSpec, name: string): string {
  return Object.hasOwn(spec.aliases, name) ? spec.aliases[name]! : name;
}

export function readRegister(view: DataView, at: number, slot: Slot): bigint {
  if (slot.bytes === 4) return BigInt(view.getUint32(at, true));
  if (slot.bytes === 8) return view.getBigUint64(at, true);
  const first = view.getBigUint64(at, true);
  const second = view.getBigUint64(at + 8, true);
  return slot.highFirst ? (first << 64n) | second : (second << 64n) | first;
}

export function writeRegister(view: DataView, at: number, slot: Slot, value: bigint): void {
  if (slot.bytes === 4) view.setUint32(at, Number(BigInt.asUintN(32, value)), true);
  else if (slot.bytes === 8) view.setBigUint64(at, BigInt.asUintN(64, value), true);
  else {
    const high = BigInt.asUintN(64, value >> 64n);
    const low = BigInt.asUintN(64, value);
    view.setBigUint64(at, slot.highFirst ? high : low, true);
    view.setBigUint64(at + 8, slot.highFirst ? low : high, true);
  }
}
