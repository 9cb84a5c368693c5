#!/usr/bin/python3
"""Unicorn 2 oracle with the guest MMU on: run code at a virtual address through
page tables that are already in the given physical memory.

Reads JSON lines on stdin, writes one JSON line per input line on stdout, in
order.  Format: test/oracles/README.md ("MMU oracle").  Runs only under
Debian's /usr/bin/python3 with python3-unicorn 2.0.1.

Unicorn 2.0.1 translates through QEMU's MMU (SCTLR.M) but checks its own memory
map with the *virtual* address before the walk (cputlb.c load_helper/store_helper:
`memory_mapping(uc, addr)`; 2.1 moved that check to the physical address and
added UC_CTL_TLB_MODE).  So every virtual page the code touches is also mapped as
a zero-filled "shadow" page: it passes that check, and the access itself goes to
the physical page the walk found.  Shadow pages must not overlap the regions;
the output says which of them were written (none, if every access translated).
"""
import json
import sys

try:
    import unicorn as U
    from unicorn import arm64_const as A64
    from unicorn import arm_const as A32
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stdout.write(json.dumps({"error": "cannot import unicorn: %s" % exc}) + "\n")
    sys.exit(2)

PAGE = 0x1000
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1

# QEMU exception numbers seen through UC_HOOK_INTR.
EXCEPTIONS = {1: "undefined", 2: "syscall", 3: "prefetch-abort", 4: "data-abort"}

# AArch64 system registers as (crn, crm, op0, op1, op2).
A64_SYSREGS = {"sctlr_el1": (1, 0, 3, 0, 0), "ttbr0_el1": (2, 0, 3, 0, 0), "ttbr1_el1": (2, 0, 3, 0, 1),
               "tcr_el1": (2, 0, 3, 0, 2), "mair_el1": (10, 2, 3, 0, 0), "esr_el1": (5, 2, 3, 0, 0),
               "far_el1": (6, 0, 3, 0, 0)}
# AArch32 CP15 registers as (cp, is64, crn, crm, opc1, opc2); TTBRn are 64-bit (MCRR) with LPAE.
A32_SYSREGS = {"sctlr": (15, 0, 1, 0, 0, 0), "ttbcr": (15, 0, 2, 0, 0, 2), "dacr": (15, 0, 3, 0, 0, 0),
               "ttbr0": (15, 0, 2, 0, 0, 0), "ttbr1": (15, 0, 2, 0, 0, 1),
               "ttbr0_64": (15, 1, 0, 2, 0, 0), "ttbr1_64": (15, 1, 0, 2, 1, 0)}


class MmuError(Exception):
    """A bad input line; reported as {"error": ...}."""


def parse_int(value, what):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value[:2].lower() == "0x":
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise MmuError("%s: expected a \"0x...\" hex string, got %r" % (what, value))


class Run:
    """One input line: a fresh Uc (so no translation survives from a previous line)."""

    def __init__(self, line):
        self.arch = line.get("arch")
        if self.arch == "aarch64":
            self.uc = U.Uc(U.UC_ARCH_ARM64, U.UC_MODE_ARM)
            self.uc.ctl_set_cpu_model(A64.UC_CPU_ARM64_MAX)
            self.mask = M64
            self.regs = {("x%d" % i): A64.UC_ARM64_REG_X0 + i for i in range(29)}
            self.regs.update(x29=A64.UC_ARM64_REG_X29, x30=A64.UC_ARM64_REG_X30, sp=A64.UC_ARM64_REG_SP,
                             pc=A64.UC_ARM64_REG_PC, nzcv=A64.UC_ARM64_REG_NZCV)
        elif self.arch == "arm":
            self.uc = U.Uc(U.UC_ARCH_ARM, U.UC_MODE_ARM)
            self.mask = M32
            self.regs = {("r%d" % i): A32.UC_ARM_REG_R0 + i for i in range(13)}
            self.regs.update(r13=A32.UC_ARM_REG_R13, r14=A32.UC_ARM_REG_R14, pc=A32.UC_ARM_REG_R15,
                             cpsr=A32.UC_ARM_REG_CPSR)
        else:
            raise MmuError("arch: expected aarch64 or arm")
        self.fault = None
        self.last_pc = None
        self.last_data = None
        self.started = 0

    # -- system registers --------------------------------------------------------
    def sysreg(self, name, value=None):
        """Reads (value None) or writes an MMU register by name."""
        uc = self.uc
        if self.arch == "aarch64":
            if name not in A64_SYSREGS:
                raise MmuError("unknown aarch64 system register %r" % name)
            key = A64_SYSREGS[name]
            if value is None:
                return uc.reg_read(A64.UC_ARM64_REG_CP_REG, key)
            return uc.reg_write(A64.UC_ARM64_REG_CP_REG, key + (value,))
        if name not in A32_SYSREGS:
            raise MmuError("unknown arm system register %r" % name)
        cp, is64, crn, crm, opc1, opc2 = A32_SYSREGS[name]
        if value is None:
            return uc.reg_read(A32.UC_ARM_REG_CP_REG, (cp, is64, 0, crn, crm, opc1, opc2))
        for bank in (0, 1):  # `sec` picks the banked copy (Secure or Non-secure): set both
            uc.reg_write(A32.UC_ARM_REG_CP_REG, (cp, is64, bank, crn, crm, opc1, opc2, value))
        return None

    # -- hooks -------------------------------------------------------------------
    def _on_code(self, uc, address, size, _):
        if self.started >= self.count:
            uc.emu_stop()
            return
        self.started += 1
        self.last_pc = address
        self.last_data = None

    def _on_access(self, uc, access, address, size, value, _):
        self.last_data = address

    def _on_unmapped(self, uc, access, address, size, value, _):
        if self.fault is None:
            self.fault = {"kind": "unmapped", "pc": self.last_pc, "addr": address}
        return False

    def _on_intr(self, uc, intno, _):
        if self.fault is None:
            kind = EXCEPTIONS.get(intno, "exception")
            addr = self.last_data if kind == "data-abort" else None
            self.fault = {"kind": kind, "pc": self.last_pc, "addr": addr, "intno": intno}
        uc.emu_stop()

    # -- the run -----------------------------------------------------------------
    def run(self, line):
        uc = self.uc
        regions = []
        for i, r in enumerate(line.get("regions") or []):
            addr = parse_int(r.get("addr"), "regions[%d].addr" % i)
            data = bytes.fromhex(r.get("hex", ""))
            if addr % PAGE or len(data) % PAGE or not data:
                raise MmuError("regions[%d]: must be whole pages" % i)
            regions.append((addr, data))
        shadow = sorted({parse_int(v, "shadow") & ~(PAGE - 1) for v in line.get("shadow") or []})
        for page in shadow:
            for addr, data in regions:
                if addr <= page < addr + len(data):
                    raise MmuError("shadow page %#x overlaps a region" % page)
        for addr, data in regions:
            uc.mem_map(addr, len(data), U.UC_PROT_ALL)
            uc.mem_write(addr, data)
        for page in shadow:
            uc.mem_map(page, PAGE, U.UC_PROT_ALL)
        if self.arch == "arm":
            uc.reg_write(A32.UC_ARM_REG_CPSR, parse_int((line.get("regs") or {}).get("cpsr", "0x1d3"), "cpsr"))
        sysregs = dict(line.get("sysregs") or {})
        translate = sysregs.pop("sctlr_m", None) if self.arch == "arm" else sysregs.pop("sctlr_el1_m", None)
        for name, raw in sysregs.items():
            self.sysreg(name, parse_int(raw, name))
        if translate is not None:
            sctlr_name = "sctlr_el1" if self.arch == "aarch64" else "sctlr"
            self.sysreg(sctlr_name, self.sysreg(sctlr_name) | 1)
        pc = None
        for name, raw in (line.get("regs") or {}).items():
            if name == "cpsr":
                continue
            if name not in self.regs:
                raise MmuError("unknown register %r" % name)
            value = parse_int(raw, name)
            if name == "pc":
                pc = value
            else:
                uc.reg_write(self.regs[name], value)
        if pc is None:
            raise MmuError("regs.pc is required")
        self.count = int(line.get("count", 1))
        uc.hook_add(U.UC_HOOK_CODE, self._on_code)
        uc.hook_add(U.UC_HOOK_MEM_READ | U.UC_HOOK_MEM_WRITE, self._on_access)
        uc.hook_add(U.UC_HOOK_MEM_UNMAPPED | U.UC_HOOK_MEM_PROT, self._on_unmapped)
        uc.hook_add(U.UC_HOOK_INTR, self._on_intr)
        error = None
        try:
            uc.emu_start(pc, self.mask & ~3, count=self.count)
        except U.UcError as exc:
            error = str(exc)
        fault = self.fault
        if error is not None and fault is None:
            fault = {"kind": "error", "pc": self.last_pc, "addr": None}
        if fault is not None:
            fault = {k: (hex(v) if isinstance(v, int) and k in ("pc", "addr") else v) for k, v in fault.items()}
            if error is not None:
                fault["uc_error"] = error
        out_regs = {name: hex(uc.reg_read(reg) & self.mask) for name, reg in self.regs.items()}
        if fault is not None and self.last_pc is not None:
            out_regs["pc"] = hex(self.last_pc)
        written = [hex(page) for page in shadow if any(uc.mem_read(page, PAGE))]
        out_sys = {name: hex(self.sysreg(name)) for name in (A64_SYSREGS if self.arch == "aarch64" else ("sctlr", "ttbcr", "dacr"))}
        return {"regs": out_regs, "sysregs": out_sys, "fault": fault, "executed": self.started,
                "regions": [{"addr": hex(addr), "hex": bytes(uc.mem_read(addr, len(data))).hex()} for addr, data in regions],
                "shadow_written": written}


def main():
    out = sys.stdout
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        line = None
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise MmuError("expected a JSON object")
            result = Run(line).run(line)
        except MmuError as exc:
            result = {"error": str(exc)}
        except Exception as exc:  # never die on a line
            result = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if isinstance(line, dict) and "id" in line:
            result["id"] = line["id"]
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
