"""Unicorn 2 as a peer for bench/corpus: run corpus ELFs end to end and time them.

Reads one JSON object on stdin: {"runs": N, "programs": [{"key", "arch", "path",
"registers": {"pc": "0x...", ...}}]} (the registers memslot-emu's loader sets at entry;
the rest start at 0). Each program runs N times, each time from nothing: a new Uc with
the CPU set up as test/oracles/unicorn_step.py sets it (PowerPC: 64-bit hypervisor real
mode, FP/VMX/VSX on), RAM mapped, the file's PT_LOAD segments written, the guest ABI's
ucall doorbell and console mapped as MMIO (Python callbacks, called only for those
pages), then run until UCALL_DONE or UCALL_ASSERT stops it. Prints one JSON object:
{key: {"outcome": "passed" | why not, "seconds": [end-to-end seconds of each run],
"runSeconds": [emu_start's seconds of each run]}},
or {"skipped": why} when the binding cannot be imported.
"""
import gc
import json
import os
import struct
import sys
import time

ORACLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "oracles")
sys.path.insert(0, ORACLES)
try:
    import unicorn as U
    from unicorn_step import Engine
    from unicorn_elf import segments, RAM_BASE, RAM_SIZE
except Exception as error:  # the package is absent or broken: the bench prints a notice
    print(json.dumps({"skipped": f"python3-unicorn cannot be imported: {error}"}))
    sys.exit(0)

UCALL_GPA, CONSOLE_GPA = 0x0A000000, 0x09000000
UCALL_DONE, UCALL_PRINT, UCALL_REPORT, UCALL_ASSERT = 1, 2, 3, 4
MAX_STRING = 4096
TIMEOUT_US = 30_000_000


def bare_engine(arch):
    """unicorn_step's CPU setup without its oracle hooks: a deleted hook stays in
    Unicorn's lists until the next emu_start ends, and a code hook there would make
    every translated instruction call out, so the hooks are never added at all."""
    add = U.Uc.hook_add
    U.Uc.hook_add = lambda *args, **kwargs: 0
    try:
        engine = Engine(arch)
    finally:
        U.Uc.hook_add = add
    engine.uc.context_restore(engine.base)
    return engine


def run_once(program):
    """(outcome, end-to-end seconds, emu_start's seconds) of one fresh run of `program`."""
    arch = program["arch"]
    registers = dict(program["registers"])
    started = time.perf_counter()
    engine = bare_engine(arch)
    uc = engine.uc
    uc.mem_map(RAM_BASE, RAM_SIZE, U.UC_PROT_ALL)
    with open(program["path"], "rb") as f:
        for address, data, _memsz in segments(f.read()):
            uc.mem_write(address, data)  # RAM starts zeroed: bss needs nothing
    order = "<" if arch in ("ppc64le", "aarch64", "arm", "thumb") else ">"
    state = {"outcome": "no UCALL_DONE", "passed": False}

    def word(address):
        return struct.unpack(order + "Q", uc.mem_read(address, 8))[0]

    def string(address):
        data = bytes(uc.mem_read(address, max(1, min(MAX_STRING, RAM_BASE + RAM_SIZE - address))))
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")

    # Unicorn hands an 8-byte MMIO store over as two 4-byte ones, each value read in its
    # target's byte order (PowerPC big-endian even in LE mode): the pointer is put back
    # together from memory-order bytes once its last piece arrives.
    width = 4 if arch in ("ppc32be", "arm", "thumb") else 8
    pieces = bytearray(8)
    target_order = "big" if arch.startswith("ppc") else "little"

    def ucall(uc, offset, size, value, user):
        pieces[offset:offset + size] = value.to_bytes(size, target_order)
        if offset + size != width:
            return
        value = int.from_bytes(pieces[:width], "little" if order == "<" else "big")
        cmd = word(value)
        args = [word(value + 8 + 8 * i) for i in range(6)]
        if cmd == UCALL_REPORT and string(args[0]) == "passed" and args[1] > 0:
            state["passed"] = True
        elif cmd == UCALL_DONE:
            state["outcome"] = "passed" if args[0] == 0 and state["passed"] else f"done, status {args[0]}"
            uc.emu_stop()
        elif cmd == UCALL_ASSERT:
            state["outcome"] = f"assertion failed at {string(args[0])}:{args[1]}"
            uc.emu_stop()

    uc.mmio_map(UCALL_GPA, 0x1000, lambda *args: 0, None, ucall, None)
    uc.mmio_map(CONSOLE_GPA, 0x1000, lambda *args: 0, None, lambda *args: None, None)
    pc = int(registers.pop("pc"), 16)
    if arch in ("arm", "thumb"):
        # Supervisor mode with interrupts masked and the flags clear, as unicorn_elf.py starts.
        uc.reg_write(engine.regs["cpsr"], 0x1D3 | (0x20 if arch == "thumb" else 0))
    for name, value in registers.items():
        uc.reg_write(engine.regs[engine.aliases.get(name, name)], int(value, 16))
    until = 0xFFFFFFF0 if arch in ("ppc32be", "arm", "thumb") else 1 << 62
    run_started = time.perf_counter()
    try:
        uc.emu_start(pc | (1 if arch == "thumb" else 0), until, timeout=TIMEOUT_US)
    except U.UcError as error:
        state["outcome"] = f"error {error}"
    ended = time.perf_counter()
    return state["outcome"], ended - started, ended - run_started


def main():
    request = json.loads(sys.stdin.read())
    result = {}
    for program in request["programs"]:
        seconds, run_seconds = [], []
        outcome = "not run"
        for _ in range(request["runs"]):
            outcome, elapsed, running = run_once(program)
            gc.collect()  # the ucall closure and the Uc refer to each other: free the Uc now
            if outcome != "passed":
                break
            seconds.append(elapsed)
            run_seconds.append(running)
        result[program["key"]] = {"outcome": outcome, "seconds": seconds, "runSeconds": run_seconds}
    print(json.dumps(result))


main()
