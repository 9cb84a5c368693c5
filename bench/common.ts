// Shared bench plumbing: run cases with benny (JSON and chart kept under
// bench/results/), turn ops/s into per-item rates, print a table with the machine.

import b from 'benny';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/report/table.js';

export interface BenchCase {
  name: string;
  /** Items (loads, lookups, words…) one call performs. */
  itemsPerCall: number;
  unit: string;
  run(): unknown;
}

export interface BenchRow {
  name: string;
  /** Items per second. */
  perSecond: number;
  /** Nanoseconds per item. */
  nsPerItem: number;
  unit: string;
  /** ± percent, from benny. */
  margin: number;
}

/** Runs a guest loop and insists it spent its whole budget: an early exit would time something else. */
export function spendBudget(vcpu: { run(budget: number): { reason: string; pc: bigint } }, budget: number): void {
  const exit = vcpu.run(budget);
  if (exit.reason !== 'budget') throw new Error(`benchmark loop left early: ${exit.reason} at pc 0x${exit.pc.toString(16)}`);
}

export const resultsFolder = fileURLToPath(new URL('../../bench/results/', import.meta.url));

export async function runSuite(name: string, cases: BenchCase[], maxTime = 1): Promise<BenchRow[]> {
  const summary = await b.suite(
    name,
    ...cases.map((benchCase) => b.add(benchCase.name, () => { benchCase.run(); })),
    b.configure({ cases: { maxTime, minSamples: 5 } }),
    b.save({ file: name, folder: resultsFolder, format: 'json', version: null }),
    b.save({ file: name, folder: resultsFolder, format: 'chart.html', version: null }),
  );
  return summary.results.map((result, index) => {
    const benchCase = cases[index]!;
    const perSecond = result.ops * benchCase.itemsPerCall;
    return { name: benchCase.name, perSecond, nsPerItem: 1e9 / perSecond, unit: benchCase.unit, margin: result.margin };
  });
}

export { machineLine } from './machine.js';

/** Rows as a table, each with its ratio to the row named `reference` (if given). */
export function rowsTable(rows: BenchRow[], reference?: string): string {
  const base = rows.find((row) => row.name === reference);
  return formatTable(
    ['case', 'rate', 'ns/item', '±%', ...(base ? [`x ${reference}`] : [])],
    rows.map((row) => [
      row.name,
      `${(row.perSecond / 1e6).toFixed(1)}M ${row.unit}/s`,
      row.nsPerItem.toFixed(2),
      row.margin.toFixed(1),
      ...(base ? [(base.nsPerItem / row.nsPerItem).toFixed(3)] : []),
    ]),
  );
}

/** True when the module at `url` is the script node was started with. */
/** The example device in WebAssembly, as scripts/build.mjs builds it (bench runs from dist/bench/). */
export function uartBytes(): Uint8Array {
  return readFileSync(new URL('../../build/devices/uart.wasm', import.meta.url));
}

export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1];
}
