import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Machine } from '../dist/src/index.js';

const GPA = 0x4000_0000n;
const workers: Worker[] = [];

function spawn(machine: Machine, record: number): Worker {
  const worker = new Worker(new URL('./fixtures/core-worker.mjs', import.meta.url), {
    workerData: { module: machine.module, memory: machine.memory, record, gpa: GPA },
  });
  workers.push(worker);
  return worker;
}

function ask(worker: Worker, message: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
    worker.once('error', reject);
    worker.postMessage(message);
  });
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

describe('core instances on worker threads sharing one memory', () => {
  it('one instance writes through a slot, another reads the same bytes; static data and heap stay intact', async () => {
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 1 << 20 });
    const uaddr = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 0x1000, userspaceAddr: uaddr });
    const { STATIC_BASE, STATIC_SIZE } = machine.map;
    const staticBefore = new Uint8Array(machine.memory.buffer, STATIC_BASE, STATIC_SIZE).slice();

    const writer = spawn(machine, 0);
    const reader = spawn(machine, 1);
    await ask(writer, { op: 'write', value: '0x1122334455667788' });
    expect((await ask(reader, { op: 'read' })).value).toBe(String(0x1122334455667788n));
    expect(machine.read(GPA, 8)).toBe(0x1122334455667788n);
    expect(machine.backing(uaddr, 2)).toEqual(new Uint8Array([0x88, 0x77]));

    // Instantiating more instances rewrote no byte of the static region, and nothing
    // allocated on a shared heap (the region past the static data stays zero).
    expect(new Uint8Array(machine.memory.buffer, STATIC_BASE, STATIC_SIZE)).toEqual(staticBefore);
    // Each instance used its own record: both workers searched once, the host once.
    const searches = (record: number) =>
      new DataView(machine.memory.buffer).getBigUint64(
        machine.map.VCPU_BASE + record * machine.map.VCPU_RECORD_SIZE + machine.map.REC_COUNTERS + machine.map.CNT_LOOKUP_SEARCHES, true);
    expect([searches(0), searches(1), searches(2)]).toEqual([1n, 1n, 1n]);
  });

  it('aligned 8-byte guest writes are never seen torn or out of order by another thread', async () => {
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    const writer = spawn(machine, 0);
    const reader = spawn(machine, 1);
    const n = 200_000;
    const watching = ask(reader, { op: 'watch', n });
    await ask(writer, { op: 'count-up', n });
    const result = await watching;
    expect(result.violations).toBe(0);
    expect(Number(result.reads)).toBeGreaterThan(0);
    expect(machine.read(GPA, 8)).toBe((BigInt(n) << 32n) | BigInt(n));
  });
});
