// A UART written in AssemblyScript: a device module the core calls through its function
// table (no JavaScript on the path). Built by scripts/build.mjs into build/devices/uart.wasm;
// register it with machine.addWasmDevice({ bytes, base, size: 0x100, widths: [4] }).
//
// Registers (32-bit, little-endian; the rest of the window reads 0 and ignores writes):
//   0x00 DATA     R: pops the receive FIFO (0 when empty)  W: pushes the low byte to transmit
//   0x04 STATUS   R: STATUS_* bits
//   0x08 IER      RW: interrupt enable, INT_* bits
//   0x0C ISR      R: INT_* raised (levels and latched overruns)  W: 1 clears a latched bit
//   0x10 IRQ      R: 1 while ISR & IER is non-zero (the interrupt line)
//   0x14 CTRL     RW: bit 0 loopback (transmitted bytes arrive in the receive FIFO)
//   0x18 RXCOUNT  R: bytes in the receive FIFO
//   0x1C TXCOUNT  R: bytes in the transmit FIFO
// The line side, for the embedder (the other end of the wire):
//   0x20 LINE_RX  W: a byte arrives from the line (into the receive FIFO)
//   0x24 LINE_TX  R: 0x100 | the next transmitted byte, popped; 0 when none is waiting
//
// State (the host's region at STATE, zero at reset; every vCPU thread sees this one):
// ┌──────┬─────┬───────┬─────┬─────────┬─────────┬─────────┬─────────┬──────────┬──────────┐
// │ lock │ ier │ latch │ ctl │ rx head │ rx tail │ tx head │ tx tail │ rx[FIFO] │ tx[FIFO] │
// └──────┴─────┴───────┴─────┴─────────┴─────────┴─────────┴─────────┴──────────┴──────────┘
//  0      4     8       12    16        20        24        28        32         32 + FIFO
// Heads and tails count bytes ever taken and put (u32, wrapping); used = tail - head.

@external("env", "state") declare const STATE: u32;

export const FIFO: u32 = 64;
export const STATUS_RX_READY: u32 = 1;
export const STATUS_TX_FULL: u32 = 2;
export const STATUS_TX_EMPTY: u32 = 4;
export const STATUS_RX_FULL: u32 = 8;
export const INT_RX_READY: u32 = 1;
export const INT_TX_EMPTY: u32 = 2;
export const INT_RX_OVERRUN: u32 = 4;
export const INT_TX_OVERRUN: u32 = 8;

const LOCK: u32 = 0;
const IER: u32 = 4;
const LATCH: u32 = 8;
const CTL: u32 = 12;
const RX_HEAD: u32 = 16;
const RX_TAIL: u32 = 20;
const TX_HEAD: u32 = 24;
const TX_TAIL: u32 = 28;
const RX_BUFFER: u32 = 32;
const TX_BUFFER: u32 = RX_BUFFER + FIFO;
/** Bytes of state the device uses. */
export const STATE_BYTES: u32 = TX_BUFFER + FIFO;

// Every register access but IER's and CTL's runs under one spin lock in the state: vCPUs on
// several threads push and pop the same FIFOs, and a pop reads a head, a byte and writes
// the head back. IER and CTL are single words that a write replaces whole, so they are read
// and written with one atomic access each, without the lock (also where a locked access reads them).
// Wasm atomics are sequentially consistent: the compare-exchange that takes the lock
// orders every access after it, and the store that frees it orders every access before
// it, so the next holder sees the whole update. Inside the lock plain loads and stores
// are enough. A holder never waits on anything, so the spin is a few accesses long.
function lock(): void {
  while (atomic.cmpxchg<u32>(STATE + LOCK, 0, 1) != 0) {}
}

function unlock(): void {
  atomic.store<u32>(STATE + LOCK, 0);
}

@inline function word(at: u32): u32 {
  return load<u32>(STATE + at);
}

@inline function setWord(at: u32, value: u32): void {
  store<u32>(STATE + at, value);
}

function used(head: u32, tail: u32): u32 {
  return word(tail) - word(head);
}

/** Puts `byte` in the FIFO at `buffer`; false (and nothing put) when it is full. */
function push(head: u32, tail: u32, buffer: u32, byte: u32): bool {
  const at = word(tail);
  if (at - word(head) >= FIFO) return false;
  store<u8>(STATE + buffer + at % FIFO, <u8>byte);
  setWord(tail, at + 1);
  return true;
}

/** Takes the oldest byte of the FIFO at `buffer`: 0x100 | byte, or 0 when it is empty. */
function pop(head: u32, tail: u32, buffer: u32): u32 {
  const at = word(head);
  if (at == word(tail)) return 0;
  setWord(head, at + 1);
  return 0x100 | load<u8>(STATE + buffer + at % FIFO);
}

function status(): u32 {
  const rx = used(RX_HEAD, RX_TAIL);
  const tx = used(TX_HEAD, TX_TAIL);
  return (rx != 0 ? STATUS_RX_READY : 0) | (tx == FIFO ? STATUS_TX_FULL : 0)
    | (tx == 0 ? STATUS_TX_EMPTY : 0) | (rx == FIFO ? STATUS_RX_FULL : 0);
}

function raised(): u32 {
  const now = status();
  return ((now & STATUS_RX_READY) != 0 ? INT_RX_READY : 0) | ((now & STATUS_TX_EMPTY) != 0 ? INT_TX_EMPTY : 0) | word(LATCH);
}

function transmit(byte: u32): void {
  const loopback = (atomic.load<u32>(STATE + CTL) & 1) != 0;
  const sent = loopback ? push(RX_HEAD, RX_TAIL, RX_BUFFER, byte) : push(TX_HEAD, TX_TAIL, TX_BUFFER, byte);
  if (!sent) setWord(LATCH, word(LATCH) | (loopback ? INT_RX_OVERRUN : INT_TX_OVERRUN));
}

function receive(byte: u32): void {
  if (!push(RX_HEAD, RX_TAIL, RX_BUFFER, byte)) setWord(LATCH, word(LATCH) | INT_RX_OVERRUN);
}

/** The register at `offset` (the core calls with size 4 when registered with widths [4]). */
export function read(offset: u32, size: u32): u64 {
  if (offset == 0x08) return atomic.load<u32>(STATE + IER);
  if (offset == 0x14) return atomic.load<u32>(STATE + CTL);
  lock();
  let value: u32 = 0;
  switch (offset) {
    case 0x00: value = pop(RX_HEAD, RX_TAIL, RX_BUFFER) & 0xff; break;
    case 0x04: value = status(); break;
    case 0x0c: value = raised(); break;
    case 0x10: value = (raised() & atomic.load<u32>(STATE + IER)) != 0 ? 1 : 0; break;
    case 0x18: value = used(RX_HEAD, RX_TAIL); break;
    case 0x1c: value = used(TX_HEAD, TX_TAIL); break;
    case 0x24: value = pop(TX_HEAD, TX_TAIL, TX_BUFFER); break;
  }
  unlock();
  return value;
}

export function write(offset: u32, size: u32, value: u64): void {
  const bits = <u32>value;
  if (offset == 0x08) {
    atomic.store<u32>(STATE + IER, bits & 0xf);
    return;
  }
  if (offset == 0x14) {
    atomic.store<u32>(STATE + CTL, bits & 1);
    return;
  }
  lock();
  switch (offset) {
    case 0x00: transmit(bits & 0xff); break;
    case 0x0c: setWord(LATCH, word(LATCH) & ~bits); break;
    case 0x20: receive(bits & 0xff); break;
  }
  unlock();
}
