"""Unicorn 2 as a peer for bench/: run the AArch64 guest loops the Node side built
(given as hex on stdin, JSON) and time them, to RAM and to MMIO callbacks (guest ldr and
str), and time unmapping and mapping a 2 MiB
region while emulation is stopped. Prints one JSON object; {"skipped": why} when the
binding cannot be imported."""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM, UC_PROT_ALL
    from unicorn.arm64_const import UC_ARM64_REG_X2, UC_ARM64_REG_X3
except Exception as error:  # the package is absent or broken: the bench prints a notice
    print(json.dumps({"skipped": f"python3-unicorn cannot be imported: {error}"}))
    sys.exit(0)

CODE, DATA, MMIO, BIG = 0x100000, 0x200000, 0x300000, 0x40000000
request = json.loads(sys.stdin.read())


def machine(code):
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(CODE, 0x10000)
    uc.mem_map(DATA, 0x10000)
    uc.mem_write(CODE, code)
    return uc


def timed_loop(code, iterations, setup=None):
    """Seconds for `iterations` passes of the loop (after one warm-up pass that translates it)."""
    uc = machine(code)
    if setup:
        setup(uc)
    best = None
    for count in (1, iterations, iterations):
        uc.reg_write(UC_ARM64_REG_X3, DATA if not setup else MMIO)
        uc.reg_write(UC_ARM64_REG_X2, count)
        start = time.perf_counter()
        uc.emu_start(CODE, CODE + len(code))
        elapsed = time.perf_counter() - start
        if count == iterations:
            best = elapsed if best is None else min(best, elapsed)
    return best


iterations = request["iterations"]
loads = bytes.fromhex(request["loads"])
stores = bytes.fromhex(request["stores"])
result = {
    "loadsPerSec": 8 * iterations / timed_loop(loads, iterations),
    "storesPerSec": 8 * iterations / timed_loop(stores, iterations),
}
reads = [0]
writes = [0]


def mmio_read(uc, offset, size, user):
    reads[0] += 1
    return offset


def mmio_write(uc, offset, size, value, user):
    writes[0] += 1


def c_callbacks():
    """The callbacks of mmio_callbacks.c as a loaded library, or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    out = os.path.join(tempfile.mkdtemp(), "mmio_callbacks.so")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mmio_callbacks.c")
    if subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", out, source]).returncode != 0:
        return None
    return ctypes.CDLL(out)


library = c_callbacks()


def mmio_setup(uc):
    if library is None:
        uc.mmio_map(MMIO, 0x1000, mmio_read, None, mmio_write, None)
        return
    # The binding only wraps Python callables: hand the C functions to uc_mmio_map itself.
    from unicorn.unicorn import _uc
    read = ctypes.cast(library.peer_mmio_read, ctypes.c_void_p)
    write = ctypes.cast(library.peer_mmio_write, ctypes.c_void_p)
    status = _uc.uc_mmio_map(uc._uch, MMIO, 0x1000, read, None, write, None)
    if status != 0:
        raise RuntimeError(f"uc_mmio_map failed: {status}")


mmio_iterations = max(1, iterations // 4)
result["mmioReadsPerSec"] = 8 * mmio_iterations / timed_loop(loads, mmio_iterations, mmio_setup)
result["mmioWritesPerSec"] = 8 * mmio_iterations / timed_loop(stores, mmio_iterations, mmio_setup)
if library is not None:
    library.peer_mmio_writes.restype = ctypes.c_uint64
# The write callback's calls: the stores loop's passes (a warm-up and two timed), 8 stores
# each, every 8-byte store two calls (uc_mmio_map splits accesses wider than 4 bytes, reads too).
result["mmioWrites"] = writes[0] if library is None else library.peer_mmio_writes()
result["mmioCallback"] = "python" if library is None else "C"

# A 2 MiB region unmapped and mapped again while stopped, then the vCPU restarted
# (one instruction), as a VMM without atomic slot updates must do.
uc = machine(bytes.fromhex(request["nop"]))
uc.mem_map(BIG, 0x200000, UC_PROT_ALL)
pairs = 200
start = time.perf_counter()
for _ in range(pairs):
    uc.mem_unmap(BIG, 0x200000)
    uc.mem_map(BIG, 0x200000, UC_PROT_ALL)
result["remapMicros"] = (time.perf_counter() - start) * 1e6 / pairs
start = time.perf_counter()
for _ in range(pairs):
    uc.mem_unmap(BIG, 0x200000)
    uc.mem_map(BIG, 0x200000, UC_PROT_ALL)
    uc.emu_start(CODE, CODE + 4)
result["remapRestartMicros"] = (time.perf_counter() - start) * 1e6 / pairs
print(json.dumps(result))
