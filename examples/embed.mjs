// A minimal emulator loop around the engine: a toy CPU model issues guest loads and
// stores; the engine resolves each through the memory slots to RAM, to a JS device (a
// UART) or to a device built into the core (a counter). Runs as `node examples/embed.mjs`
// in this repository (after a build) and as `node embed.mjs` in a project that installed
// memslot-emu.
import { Machine } from 'memslot-emu';

const machine = await Machine.create({ arenaBytes: 16 << 20 });
machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 1 << 20, userspaceAddr: machine.allocateBacking(1 << 20) });
let uart = '';
machine.mmio.register({
  name: 'uart', base: 0x1000_0000n, size: 8, widths: [1],
  read: () => 0,
  write: (offset, size, value) => { uart += String.fromCharCode(Number(value)); },
});
machine.addBuiltinDevice({ kind: 'counter', base: 0x1000_1000n, size: 8 });

// The "CPU": store a message in RAM, read it back byte by byte into the UART, then
// read the counter twice.
function* program() {
  const message = 'hello from the guest\n';
  for (let i = 0; i < message.length; i++) yield { write: true, address: 0x2000 + i, size: 1, value: message.charCodeAt(i) };
  for (let i = 0; i < message.length; i++) {
    const byte = yield { write: false, address: 0x2000 + i, size: 1 };
    yield { write: true, address: 0x1000_0000, size: 1, value: byte };
  }
  const first = yield { write: false, address: 0x1000_1000, size: 8 };
  const second = yield { write: false, address: 0x1000_1000, size: 8 };
  yield { write: true, address: 0x3000, size: 8, value: second - first };
}

// The typed accessors: numbers in and out (a bigint for 8 bytes), no parsing per call.
const load = (address, size) => (size === 1 ? machine.read8(address) : size === 2 ? machine.read16(address)
  : size === 4 ? machine.read32(address) : machine.read64(address));
const store = (address, size, value) => (size === 1 ? machine.write8(address, value) : size === 2 ? machine.write16(address, value)
  : size === 4 ? machine.write32(address, value) : machine.write64(address, value));

const cpu = program();
for (let step = cpu.next(), result; !step.done; step = cpu.next(result)) {
  const access = step.value;
  result = access.write ? store(access.address, access.size, access.value) : load(access.address, access.size);
}
process.stdout.write(uart);
console.log(`counter advanced by ${machine.read64(0x3000)} between two reads`);
