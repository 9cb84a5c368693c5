// The device module bench/guest-mmio-threads.ts loads on its vCPU thread: one JS device
// at THREAD_DEVICE_BASE whose read counts (as guest-mmio.ts's devices do).

import type { MmioBus } from '../src/mmio.js';

export const THREAD_DEVICE_BASE = 0x9000_0000;

export default function register(bus: MmioBus): void {
  let reads = 0;
  bus.register({ name: 'bench', base: THREAD_DEVICE_BASE, size: 0x1000, read: () => ++reads, write: () => {} });
}
