// The strategies on vCPU threads (node dist/bench/strategies.js [maxVcpus]): update
// latency and vCPU stall per strategy at 1, 2, … vCPUs; guest throughput at 0, 100,
// 1000 and 10000 updates/s under rcu; the safe-point spacing sweep under
// stop-the-world. Not part of npm run bench (about a minute per vCPU count); numbers
// taken on a machine with fewer cores than vCPU threads + 1 measure the scheduler.

import { availableParallelism } from 'node:os';
import { compare, STRATEGIES } from '../src/index.js';
import { formatTable } from '../src/report/table.js';
import { machineLine } from './machine.js';

const us = (value: number) => value.toFixed(1);

async function strategyTables(maxVcpus: number): Promise<string> {
  const out: string[] = [`Strategies on vCPU threads, bar-remap on ppc64be, 1000 updates/s, safe point every 64 instructions — ${machineLine()}, ${availableParallelism()} CPUs\n`];
  const latency: string[][] = [];
  for (const vcpus of [1, 2, 4, 8, 15].filter((n) => n <= maxVcpus)) {
    for (const row of await compare({ vcpus, duration: 1, invalidation: 'broadcast' })) {
      latency.push([String(vcpus), row.strategy, us(row.updateUs.p50), us(row.updateUs.p99), us(row.stallUs.p50), us(row.stallUs.p99), row.accessesPerSec.toExponential(2)]);
    }
  }
  out.push(formatTable(['vcpus', 'strategy', 'update p50 µs', 'update p99 µs', 'stall p50 µs', 'stall p99 µs', 'accesses/s'], latency));
  // Rows of one second vary by tens of percent from run to run: interleave the rates
  // over several rounds and compare medians.
  const throughput: string[][] = [];
  const rates = [0, 100, 1000, 10000];
  const rounds = 5;
  for (const strategy of ['rcu', 'stop-the-world', 'mutex'] as const) {
    const samples = rates.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, rate] of rates.entries()) {
        samples[i]!.push((await compare({ strategies: [strategy], invalidation: 'broadcast', rate, duration: 0.5 }))[0]!.accessesPerSec);
      }
    }
    const medians = samples.map((values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
    medians.forEach((median, i) => throughput.push([strategy, String(rates[i]), median.toExponential(3), `${((median / medians[0]!) * 100).toFixed(1)}%`]));
  }
  out.push(formatTable([`strategy`, 'updates/s', `accesses/s (median of ${rounds})`, 'of no updates'], throughput));
  const spacing: string[][] = [];
  for (const safepoint of [1, 8, 64, 512, 4096]) {
    const row = (await compare({ strategies: ['stop-the-world'], invalidation: 'broadcast', safepoint, duration: 1 }))[0]!;
    spacing.push([String(safepoint), us(row.updateUs.p50), us(row.updateUs.p99), us(row.stallUs.p50), row.accessesPerSec.toExponential(2)]);
  }
  out.push(formatTable(['safe point every', 'pause p50 µs', 'pause p99 µs', 'stall p50 µs', 'accesses/s'], spacing));
  out.push(`Strategies measured: ${STRATEGIES.join(', ')}.`);
  return out.join('\n');
}

console.log(await strategyTables(Number(process.argv[2] ?? Math.max(2, Math.min(15, availableParallelism() - 1)))));
