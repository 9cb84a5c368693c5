// What a report needs to know about the run that made a row, beyond the row itself:
// the command line, the options that are not in the row, and the machine. compare
// --json and sweep put it in every row they write as an optional `meta` field; rows
// without it (older files, the library's own rows) still report, with "not recorded".

import { availableParallelism, cpus, platform, release } from 'node:os';

export interface RunMeta {
  /** The command line, e.g. "memslot-emu sweep --out rows.jsonl --rates 0,1000". */
  command: string;
  /** Seconds each row ran on threads. */
  duration: number;
  /** Updates per row in deterministic mode. */
  updates: number;
  seed: number;
  /** compare only (a sweep's rows carry their own grid point): the update rate (null: back to back), safe-point spacing and slot count. */
  rate?: number | null;
  safepoint?: number;
  slots?: number;
  /** The machine: CPU model, logical cores, Node version, OS. */
  cpu: string;
  cores: number;
  node: string;
  os: string;
  /** When the run started (ISO 8601). */
  started: string;
}

export interface MetaOptions {
  duration?: number;
  updates?: number;
  seed?: number;
  rate?: number;
  safepoint?: number;
  slots?: number;
}

/** The record for a run of `memslot-emu <args…>` with these options (compare's defaults where unset). */
export function runMeta(args: readonly string[], options: MetaOptions, point: 'compare' | 'sweep'): RunMeta {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  const rate = options.rate ?? 1000;
  return {
    command: ['memslot-emu', ...args].map(quote).join(' '),
    duration: options.duration ?? 1,
    updates: options.updates ?? 200,
    seed: options.seed ?? 1,
    ...(point === 'compare' ? { rate: Number.isFinite(rate) ? rate : null, safepoint: options.safepoint ?? 64, slots: options.slots ?? 10 } : {}),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    os: `${platform()} ${release()}`,
    started: new Date().toISOString(),
  };
}
