#!/usr/bin/python3
"""Unicorn 2 trace of an ELF guest, for lock-step comparison with memslot-emu.

  /usr/bin/python3 test/oracles/unicorn_elf.py ARCH FILE.elf STEPS REGS_JSON

Loads FILE's PT_LOAD segments (physical addresses) into RAM 0x100000..0x1100000,
maps the guest ABI's ucall and console pages as RAM (the stores land there), sets
the registers REGS_JSON gives ({"pc": "0x...", "r1": ...}: memslot-emu's loader's
entry registers; the rest start at 0) and runs at most STEPS instructions. Before
each instruction it prints one line: the values of the names on the first line, in
hex (A32/T32: r0-r15 and CPSR's NZCV bits). The last line is "end KIND" (steps, or
what stopped it).

Thumb IT blocks: Unicorn 2.0.1 runs an instruction that its IT block skips (condition
false) without calling the code hook, so its trace would jump over it, where the
architecture (and memslot-emu) executes it as a no-op that advances pc and ITSTATE.
ItTracker follows ITSTATE itself (IT sets it, ITAdvance after every Thumb instruction,
as the Arm ARM defines them) and writes each skipped instruction's line: a skipped
instruction changes nothing but pc, so its line is the next hooked instruction's
registers with the skipped instruction's pc, exactly what a CPU that stops before
every instruction shows. A gap the tracker cannot explain is left in the trace, so the
comparison reports it.
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unicorn as U  # noqa: E402
from unicorn_step import Engine, XER_SPLIT  # noqa: E402

RAM_BASE, RAM_SIZE = 0x100000, 16 << 20
DEVICE_PAGES = (0x09000000, 0x0A000000)


def segments(data):
    little = data[5] == 1
    wide = data[4] == 2
    e = "<" if little else ">"
    if wide:
        phoff, = struct.unpack_from(e + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(e + "I", data, 28)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 42)
    for i in range(phnum):
        at = phoff + i * phentsize
        if wide:
            kind, _flags, offset, _vaddr, paddr, filesz, memsz = struct.unpack_from(e + "IIQQQQQ", data, at)
        else:
            kind, offset, _vaddr, paddr, filesz, memsz = struct.unpack_from(e + "IIIIII", data, at)
        if kind == 1:
            yield paddr, data[offset:offset + filesz], memsz


def condition_holds(cond, nzcv):
    """The Arm ARM's ConditionHolds for a 4-bit condition and CPSR[31:28]."""
    n, z, c, v = (nzcv >> 3) & 1, (nzcv >> 2) & 1, (nzcv >> 1) & 1, nzcv & 1
    base = (z, c, n, v, c and not z, n == v, n == v and not z, True)[cond >> 1]
    return bool(base) != bool(cond & 1 and cond != 15)


class ItTracker:
    """ITSTATE for the instruction about to run, and the fall-through pc of the last one."""

    def __init__(self, uc):
        self.uc = uc
        self.state = 0
        self.next_pc = None

    def size(self, address):
        first = int.from_bytes(self.uc.mem_read(address, 2), "little")
        return 4 if first >= 0xE800 else 2

    def advance(self, address):
        """After the Thumb instruction at address: ITSTATE for the next one."""
        first = int.from_bytes(self.uc.mem_read(address, 2), "little")
        if self.state == 0 and first & 0xFF00 == 0xBF00 and first & 0xF:
            self.state = first & 0xFF
        elif self.state & 0x7 == 0:
            self.state = 0
        else:
            self.state = (self.state & 0xE0) | ((self.state << 1) & 0x1F)
        self.next_pc = address + self.size(address)

    def skipped(self, address, nzcv):
        """The pcs of the IT-block instructions Unicorn skipped before hooking address."""
        out = []
        while self.state and self.next_pc is not None and self.next_pc != address \
                and not condition_holds(self.state >> 4, nzcv):
            out.append(self.next_pc)
            self.advance(self.next_pc)
        return out


def main(argv):
    arch, path, steps, regs = argv[1], argv[2], int(argv[3]), json.loads(argv[4])
    engine = Engine(arch)
    uc = engine.uc
    for hook in engine.hooks:
        uc.hook_del(hook)
    uc.context_restore(engine.base)
    uc.mem_map(RAM_BASE, RAM_SIZE, U.UC_PROT_ALL)
    for page in DEVICE_PAGES:
        uc.mem_map(page, 0x1000, U.UC_PROT_ALL)
    with open(path, "rb") as f:
        for address, data, _memsz in segments(f.read()):
            uc.mem_write(address, data)  # RAM starts zeroed: bss needs nothing
    pc = int(regs.pop("pc"), 16)
    if arch in ("arm", "thumb"):
        # Supervisor mode with interrupts masked and the flags clear, as unicorn_step.py starts.
        uc.reg_write(engine.regs["cpsr"], 0x1D3 | (0x20 if arch == "thumb" else 0))
    for name, value in regs.items():
        uc.reg_write(engine.regs[engine.aliases.get(name, name)], int(value, 16))
    ppc = arch.startswith("ppc")
    if ppc:
        names = ["r%d" % i for i in range(32)] + ["pc", "cr", "xer", "lr", "ctr"]
    elif arch.startswith("aarch64"):
        names = ["x%d" % i for i in range(31)] + ["sp", "pc", "nzcv"]
    else:
        names = ["r%d" % i for i in range(16)] + ["cpsr"]  # cpsr: its NZCV bits only
    out = sys.stdout
    out.write(" ".join(names) + "\n")
    count = [0]
    it = ItTracker(uc) if arch in ("arm", "thumb") else None

    def on_code(uc, address, size, _):
        if count[0] >= steps:
            uc.emu_stop()
            return
        values = engine._read_all()
        if it is not None:
            cpsr = int(values["cpsr"], 16)
            values["cpsr"] = hex(cpsr & 0xF0000000)
            thumb = cpsr & 0x20
            for skipped in it.skipped(address, cpsr >> 28) if thumb else ():
                if count[0] >= steps:
                    uc.emu_stop()
                    return
                count[0] += 1
                values["r15"] = hex(skipped)
                out.write(" ".join(values[n][2:] for n in names) + "\n")
            if thumb:
                it.advance(address)
            else:
                it.state, it.next_pc = 0, None
            if count[0] >= steps:
                uc.emu_stop()
                return
        count[0] += 1
        values["pc" if "pc" in values else "r15"] = hex(address)
        if ppc:
            split = engine._xer_split_read()
            if split is not None:
                xer = int(values["xer"], 16) & ~sum(XER_SPLIT)
                for bit, on in zip(XER_SPLIT, split):
                    xer |= bit if on else 0
                values["xer"] = hex(xer)
        out.write(" ".join(values[n][2:] for n in names) + "\n")

    uc.hook_add(U.UC_HOOK_CODE, on_code)
    kind = "steps"
    try:
        uc.emu_start(pc | (1 if arch == "thumb" else 0), 1 << 62 if arch != "ppc32be" and arch not in ("arm", "thumb") else 0xFFFFFFF0)
    except U.UcError as error:
        kind = "error %s" % error
    out.write("end %s\n" % kind)


if __name__ == "__main__":
    main(sys.argv)
