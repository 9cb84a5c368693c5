// VSX and ISA 3.0 scalar-vector loads and stores (Power ISA 3.1, 7.6), by mnemonic.
// VSR n is two doublewords, dword 0 (the most significant in the ISA's numbering) at
// +0. Element order is the ISA's: lxvd2x/lxvw4x/lxvh8x keep elements in address
// order in both byte orders; lxvx/lxv reverse the whole quadword in little-endian
// mode; lxvb16x is always the big-endian image. ISA 2.06/2.07 scalar loads leave
// dword 1 as it was (it is undefined; QEMU keeps it); ISA 3.0 ones clear it.
import { EXIT_NONE } from "../../exits";
import { D_MNEMONIC, D_RT, D_RS, D_FLAGS, F_VSR, OP_LOAD } from "../../decode/descriptor";
import { gpr } from "../../cpu/regs";
import {
  M_LXSDX, M_LXSD, M_PLXSD, M_STXSDX, M_STXSD, M_PSTXSD, M_LXSSPX, M_LXSSP, M_PLXSSP, M_STXSSPX, M_STXSSP, M_PSTXSSP,
  M_LXSIWAX, M_LXSIWZX, M_STXSIWX, M_LXSIBZX, M_LXSIHZX, M_STXSIBX, M_STXSIHX, M_LXVD2X, M_STXVD2X, M_LXVDSX,
  M_LXVW4X, M_STXVW4X, M_LXVH8X, M_STXVH8X, M_LXVB16X, M_STXVB16X, M_LXVX, M_STXVX, M_LXV, M_STXV, M_PLXV, M_PSTXV,
  M_LXVWSX, M_LXVL, M_LXVLL, M_STXVL, M_STXVLL, M_LXVRBX, M_LXVRHX, M_LXVRWX, M_LXVRDX, M_STXVRBX, M_STXVRHX, M_STXVRWX,
  M_STXVRDX, M_LXVP, M_STXVP, M_LXVPX, M_STXVPX, M_PLXVP, M_PSTXVP,
} from "../../decode/ppc-tables";
import { vsrWord, setVsrWord } from "../../cpu/regs";
import { readValue, writeValue, accessExit } from "../guest-memory";
import { singleToDouble, doubleToSingle } from "./float";

/** ppcVsx's answer for a form it does not run. */
export const VSX_UNSUPPORTED: u32 = 0xfffe;

/** Runs a VSX/scalar-vector load or store; EXIT_NONE, an access's exit, or VSX_UNSUPPORTED. */
export function ppcVsx(desc: usize, op: u8, ea: u64, bigEndian: bool): u32 {
  const mnemonic = load<u16>(desc, D_MNEMONIC);
  // VSX forms number all 64 VSRs; the ISA 3.0 DS-form ones (lxsd…) name a VR (VSR 32+n).
  const vsr = (load<u32>(desc, D_FLAGS) & F_VSR) != 0 ? <u32>load<u8>(desc, D_RT) : <u32>load<u8>(desc, D_RT) + 32;
  switch (mnemonic) {
    case M_LXVL: case M_LXVLL: case M_STXVL: case M_STXVLL: {
      // Length in bits 0:7 of RB (at most 16); lxvll/stxvll are left-justified in either byte order.
      const length = <u32>min<u64>(gpr(load<u8>(desc, D_RS)) >> 56, 16);
      const reversed = !bigEndian && (mnemonic == M_LXVL || mnemonic == M_STXVL);
      return op == OP_LOAD ? loadBytes(vsr, ea, length, reversed) : storeBytes(vsr, ea, length, reversed);
    }
    case M_LXVRBX: case M_LXVRHX: case M_LXVRWX: case M_LXVRDX: {
      const size: u32 = mnemonic == M_LXVRBX ? 1 : mnemonic == M_LXVRHX ? 2 : mnemonic == M_LXVRWX ? 4 : 8;
      const value = readValue(ea, size, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setVsrWord(vsr, 0, 0);
      setVsrWord(vsr, 1, value); // the rightmost element; everything else zero
      return EXIT_NONE;
    }
    case M_STXVRBX: case M_STXVRHX: case M_STXVRWX: case M_STXVRDX: {
      const size: u32 = mnemonic == M_STXVRBX ? 1 : mnemonic == M_STXVRHX ? 2 : mnemonic == M_STXVRWX ? 4 : 8;
      writeValue(ea, size, vsrWord(vsr, 1), bigEndian);
      return accessExit;
    }
    case M_LXVP: case M_LXVPX: case M_PLXVP: case M_STXVP: case M_STXVPX: case M_PSTXVP: {
      // The pair is one 32-byte image: VSR XTp first in big-endian mode, XTp+1 first in little-endian.
      const first = bigEndian ? vsr : vsr + 1;
      const second = bigEndian ? vsr + 1 : vsr;
      if (op == OP_LOAD) {
        const exit = loadQuadword(first, ea, bigEndian);
        return exit != EXIT_NONE ? exit : loadQuadword(second, ea + 16, bigEndian);
      }
      const exit = storeQuadword(first, ea, bigEndian);
      return exit != EXIT_NONE ? exit : storeQuadword(second, ea + 16, bigEndian);
    }
    default:
      return op == OP_LOAD ? load16(mnemonic, vsr, ea, bigEndian) : store16(mnemonic, vsr, ea, bigEndian);
  }
}

/** VSR byte i (big-endian numbering) ← MEM(ea+i) for i < length, or byte 15-i when `reversed`; the rest zero. */
function loadBytes(vsr: u32, ea: u64, length: u32, reversed: bool): u32 {
  let high: u64 = 0, low: u64 = 0;
  for (let i: u32 = 0; i < length; i++) {
    const byte = readValue(ea + <u64>i, 1, true);
    if (accessExit != EXIT_NONE) return accessExit;
    const position = reversed ? 15 - i : i;
    const shift = <u64>((7 - (position & 7)) << 3);
    if (position < 8) high |= byte << shift;
    else low |= byte << shift;
  }
  setVsrWord(vsr, 0, high);
  setVsrWord(vsr, 1, low);
  return EXIT_NONE;
}

function storeBytes(vsr: u32, ea: u64, length: u32, reversed: bool): u32 {
  for (let i: u32 = 0; i < length; i++) {
    const position = reversed ? 15 - i : i;
    const byte = (vsrWord(vsr, position >>> 3) >> <u64>((7 - (position & 7)) << 3)) & 0xff;
    writeValue(ea + <u64>i, 1, byte, true);
    if (accessExit != EXIT_NONE) return accessExit;
  }
  return EXIT_NONE;
}

function load16(mnemonic: u16, vsr: u32, ea: u64, bigEndian: bool): u32 {
  switch (mnemonic) {
    case M_LXSDX: case M_LXSD: case M_PLXSD: {
      const value = readValue(ea, 8, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setVsrWord(vsr, 0, value);
      if (mnemonic != M_LXSDX) setVsrWord(vsr, 1, 0);
      return EXIT_NONE;
    }
    case M_LXSSPX: case M_LXSSP: case M_PLXSSP: {
      const value = readValue(ea, 4, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setVsrWord(vsr, 0, singleToDouble(<u32>value));
      if (mnemonic != M_LXSSPX) setVsrWord(vsr, 1, 0);
      return EXIT_NONE;
    }
    case M_LXSIWAX: case M_LXSIWZX: case M_LXSIBZX: case M_LXSIHZX: {
      const size: u32 = mnemonic == M_LXSIBZX ? 1 : mnemonic == M_LXSIHZX ? 2 : 4;
      const value = readValue(ea, size, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setVsrWord(vsr, 0, mnemonic == M_LXSIWAX ? <u64><i64><i32>value : value);
      if (size != 4) setVsrWord(vsr, 1, 0);
      return EXIT_NONE;
    }
    case M_LXVD2X: case M_LXVDSX: {
      const first = readValue(ea, 8, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      const second = mnemonic == M_LXVDSX ? first : readValue(ea + 8, 8, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setVsrWord(vsr, 0, first);
      setVsrWord(vsr, 1, second);
      return EXIT_NONE;
    }
    case M_LXVW4X: case M_LXVH8X: case M_LXVWSX:
      return loadElements(mnemonic == M_LXVH8X ? 2 : 4, mnemonic == M_LXVWSX, vsr, ea, bigEndian);
    case M_LXVB16X: return loadQuadword(vsr, ea, true);
    case M_LXVX: case M_LXV: case M_PLXV: return loadQuadword(vsr, ea, bigEndian);
    default: return VSX_UNSUPPORTED;
  }
}

function store16(mnemonic: u16, vsr: u32, ea: u64, bigEndian: bool): u32 {
  switch (mnemonic) {
    case M_STXSDX: case M_STXSD: case M_PSTXSD: writeValue(ea, 8, vsrWord(vsr, 0), bigEndian); return accessExit;
    case M_STXSSPX: case M_STXSSP: case M_PSTXSSP: writeValue(ea, 4, doubleToSingle(vsrWord(vsr, 0)), bigEndian); return accessExit;
    case M_STXSIWX: writeValue(ea, 4, vsrWord(vsr, 0), bigEndian); return accessExit;
    case M_STXSIBX: writeValue(ea, 1, vsrWord(vsr, 0), bigEndian); return accessExit;
    case M_STXSIHX: writeValue(ea, 2, vsrWord(vsr, 0), bigEndian); return accessExit;
    case M_STXVD2X:
      writeValue(ea, 8, vsrWord(vsr, 0), bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      writeValue(ea + 8, 8, vsrWord(vsr, 1), bigEndian);
      return accessExit;
    case M_STXVW4X: return storeElements(4, vsr, ea, bigEndian);
    case M_STXVH8X: return storeElements(2, vsr, ea, bigEndian);
    case M_STXVB16X: return storeQuadword(vsr, ea, true);
    case M_STXVX: case M_STXV: case M_PSTXV: return storeQuadword(vsr, ea, bigEndian);
    default: return VSX_UNSUPPORTED;
  }
}

/** The register's big-endian image in address order (big-endian mode), or byte-reversed (little-endian). */
export function loadQuadword(vsr: u32, ea: u64, bigEndian: bool): u32 {
  const low = readValue(ea, 8, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  const high = readValue(ea + 8, 8, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  setVsrWord(vsr, 0, bigEndian ? low : high);
  setVsrWord(vsr, 1, bigEndian ? high : low);
  return EXIT_NONE;
}

export function storeQuadword(vsr: u32, ea: u64, bigEndian: bool): u32 {
  writeValue(ea, 8, vsrWord(vsr, bigEndian ? 0 : 1), bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  writeValue(ea + 8, 8, vsrWord(vsr, bigEndian ? 1 : 0), bigEndian);
  return accessExit;
}

/** Elements of `size` bytes in address order, each in the mode's byte order; `splat` repeats the first. */
function loadElements(size: u32, splat: bool, vsr: u32, ea: u64, bigEndian: bool): u32 {
  let dword0: u64 = 0, dword1: u64 = 0;
  const count: u32 = 16 / size;
  const bits = <u64>(size << 3);
  let first: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let element: u64;
    if (splat && i > 0) element = first;
    else {
      element = readValue(ea + <u64>(i * size), size, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      first = i == 0 ? element : first;
    }
    if (i < count / 2) dword0 = (dword0 << bits) | element;
    else dword1 = (dword1 << bits) | element;
  }
  setVsrWord(vsr, 0, dword0);
  setVsrWord(vsr, 1, dword1);
  return EXIT_NONE;
}

function storeElements(size: u32, vsr: u32, ea: u64, bigEndian: bool): u32 {
  const count: u32 = 16 / size;
  const perDword = count / 2;
  const bits = <u64>(size << 3);
  const mask: u64 = (<u64>1 << bits) - 1;
  for (let i: u32 = 0; i < count; i++) {
    const dword = vsrWord(vsr, i < perDword ? 0 : 1);
    const shift = <u64>((perDword - 1 - (i % perDword)) * (size << 3));
    writeValue(ea + <u64>(i * size), size, (dword >> shift) & mask, bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
  }
  return EXIT_NONE;
}
