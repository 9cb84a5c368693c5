// Peers in the same run, where the machine has them: Unicorn 2 through a small Python
// harness (bench/peers/unicorn_peer.py) running AArch64 loops our assembler builds.
// Where Python or the binding is missing, the result says why and the bench prints it.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { A64Program, a64 } from '../src/index.js';

export interface UnicornFigures {
  loadsPerSec: number;
  storesPerSec: number;
  mmioReadsPerSec: number;
  /** Guest str to the same MMIO region: its write callback. */
  mmioWritesPerSec: number;
  /** Calls of the write callback in that run (16 per pass, a warm-up and two timed: each 8-byte str is two 4-byte calls). */
  mmioWrites: number;
  /** How its MMIO callbacks were written: 'C' (compiled from bench/peers/mmio_callbacks.c) or 'python' where no C compiler is found. */
  mmioCallback: string;
  /** µs to unmap and map a 2 MiB region while stopped. */
  remapMicros: number;
  /** The same plus restarting emulation, as a VMM without atomic updates does. */
  remapRestartMicros: number;
}

export type PeerResult = { skipped: string } | UnicornFigures;

const HARNESS = fileURLToPath(new URL('../../bench/peers/unicorn_peer.py', import.meta.url));

/** 8 loads or stores from x3 + 8i, then subs x2 + b.ne: the same loop shape as bench/interp. */
function loop(store: boolean): string {
  const program = new A64Program().label('loop');
  for (let i = 0; i < 8; i++) program.emit(store ? a64.str(5 + i, 3, i * 8) : a64.ldr(5 + i, 3, i * 8));
  program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop');
  return Buffer.from(program.bytes()).toString('hex');
}

/** Runs the Unicorn harness with `python` (default /usr/bin/python3, where Debian's binding imports). */
export function unicornPeer(options: { python?: string; pythonArgs?: string[]; iterations?: number } = {}): PeerResult {
  const python = options.python ?? process.env.MEMSLOT_PYTHON ?? '/usr/bin/python3';
  const input = JSON.stringify({
    iterations: options.iterations ?? 1 << 20,
    loads: loop(false),
    stores: loop(true),
    nop: Buffer.from(new A64Program().emit(a64.nop()).bytes()).toString('hex'),
  });
  const run = spawnSync(python, [...(options.pythonArgs ?? []), HARNESS], { input, encoding: 'utf8', timeout: 120_000 });
  if (run.error) return { skipped: `Unicorn 2 peer skipped: cannot run ${python} (${run.error.message})` };
  if (run.status !== 0) return { skipped: `Unicorn 2 peer skipped: the harness failed (${run.stderr.trim().split('\n').pop()})` };
  const result = JSON.parse(run.stdout) as PeerResult;
  return 'skipped' in result ? { skipped: `Unicorn 2 peer skipped: ${result.skipped}` } : result;
}
