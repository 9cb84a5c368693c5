// Devices written in WebAssembly (BUILTIN_WASM): a device module over the shared memory
// exports read(offset: i32, size: i32): i64 and write(offset: i32, size: i32, value: i64);
// the host puts them in this instance's function table (src/wasm-device.ts) and the core
// calls them with call_indirect, a Wasm-to-Wasm call that never enters JavaScript.
// Accesses are split or widened to the widths the device takes, as the host bus does
// for JS devices (src/mmio.ts, QEMU's access_with_adjusted_size).
import { BUILTIN_E_WASM } from "../layout";

/**
 * 1 + the entry of the device call in progress, 0 outside one. A trap inside the device
 * unwinds the core with this still set: wasmDeviceTrapped() tells the host which device
 * trapped (the host makes that a device-error exit) and clears it.
 */
let calling: u32 = 0;

/** 1 + the entry whose device trapped in the last call out of this instance (0: none); clears it. */
export function wasmDeviceTrapped(): u32 {
  const entry = calling;
  calling = 0;
  return entry;
}

/**
 * Performs `size` bytes at `offset` in device entry `index` (its control-block word at
 * `entry`), read into or written from the bytes at `data` (memory order).
 */
export function wasmDeviceAccess(index: u32, entry: usize, offset: u32, size: u32, write: bool, data: usize): void {
  const word = load<u32>(entry, BUILTIN_E_WASM);
  const table = word & 0xffff;
  const widths = (word >>> 16) & 0xf;
  const big = (word >>> 24) & 1;
  calling = index + 1;
  if (size <= 8 && (widths & size) != 0 && (offset & (size - 1)) == 0) {
    registerAccess(table, offset, size, write, data, 0, size, big);
  } else {
    let done: u32 = 0;
    while (done < size) {
      const address = offset + done;
      const width = widthFor(widths, address, size - done);
      const window = address & ~(width - 1);
      const skip = address - window;
      const take = min<u32>(size - done, width - skip);
      registerAccess(table, window, width, write, data + done, skip, take, big);
      done += take;
    }
  }
  calling = 0;
}

/**
 * One aligned `size`-byte register at `offset` of device entry `index` (a width the
 * device takes: the caller checked), the value in a register in memory order: a read
 * returns it (bytes above `size` unspecified), a write stores `value`'s low bytes.
 */
export function wasmDeviceRegister(index: u32, entry: usize, offset: u32, size: u32, write: bool, value: u64): u64 {
  const word = load<u32>(entry, BUILTIN_E_WASM);
  const table = word & 0xffff;
  const big = ((word >>> 24) & 1) != 0;
  calling = index + 1;
  let result: u64 = 0;
  if (write) call_indirect<void>(table + 1, <i32>offset, <i32>size, big ? swapBytes(value, size) : value);
  else {
    result = call_indirect<u64>(table, <i32>offset, <i32>size);
    if (big) result = swapBytes(result, size);
  }
  calling = 0;
  return result;
}

/** The low `size` bytes of `value` in the other byte order. */
@inline function swapBytes(value: u64, size: u32): u64 {
  return size == 1 ? value & 0xff : bswap<u64>(value) >> (<u64>(8 - size) << 3);
}

/** The widest width the device takes that fits `left` bytes aligned at `address`, else its narrowest (widened). */
@inline function widthFor(widths: u32, address: u32, left: u32): u32 {
  for (let width: u32 = 8; width != 0; width >>= 1) {
    if ((widths & width) != 0 && width <= left && (address & (width - 1)) == 0) return width;
  }
  return widths & -widths;
}

// One register of `width` bytes at `window`: bytes [skip, skip + take) of it are the
// access's bytes at `data`. A narrower write sends zeros in the bytes not written.
function registerAccess(table: u32, window: u32, width: u32, write: bool, data: usize, skip: u32, take: u32, big: u32): void {
  if (write) {
    let value: u64 = 0;
    for (let i: u32 = 0; i < take; i++) value |= <u64>load<u8>(data + i) << byteShift(skip + i, width, big);
    call_indirect<void>(table + 1, <i32>window, <i32>width, value);
  } else {
    const value = call_indirect<u64>(table, <i32>window, <i32>width);
    for (let i: u32 = 0; i < take; i++) store<u8>(data + i, <u8>(value >> byteShift(skip + i, width, big)));
  }
}

/** Where byte `at` of a `width`-byte register sits in its value. */
@inline function byteShift(at: u32, width: u32, big: u32): u64 {
  return <u64>((big != 0 ? width - 1 - at : at) << 3);
}
