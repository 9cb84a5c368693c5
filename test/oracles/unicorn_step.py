#!/usr/bin/python3
"""Unicorn 2 oracle: run a few instructions from given registers and memory.

Reads JSON lines on stdin, writes one JSON line per input line on stdout, in
order.  Format and conventions: test/oracles/README.md.  Runs only under
Debian's /usr/bin/python3 with python3-unicorn 2.0.1.

  /usr/bin/python3 test/oracles/unicorn_step.py [--timeout-s SECONDS] [--no-timeout]
"""
import ctypes
import json
import struct
import sys
import threading
import time

try:
    import unicorn as U
    from unicorn import arm64_const as A64
    from unicorn import arm_const as A32
    from unicorn import ppc_const as P
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stdout.write(json.dumps({"error": "cannot import unicorn: %s" % exc}) + "\n")
    sys.exit(2)

PAGE = 0x1000
DEFAULT_PC = 0x100000
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1

# PowerPC MSR bits (ISA numbering 63-n).
MSR_SF, MSR_HV, MSR_VEC, MSR_VSX = 1 << 63, 1 << 60, 1 << 25, 1 << 23
MSR_FP, MSR_ME, MSR_IR, MSR_DR, MSR_LE = 1 << 13, 1 << 12, 1 << 5, 1 << 4, 1
# XER bits that QEMU keeps outside env->xer (SO, OV, CA, OV32, CA32).
XER_SO, XER_OV, XER_CA, XER_OV32, XER_CA32 = 1 << 31, 1 << 30, 1 << 29, 1 << 19, 1 << 18
XER_SPLIT = (XER_SO, XER_OV, XER_CA, XER_OV32, XER_CA32)

ARCHS = ("ppc64be", "ppc64le", "ppc32be", "arm", "thumb", "aarch64", "aarch64_be")

# QEMU exception numbers seen through UC_HOOK_INTR.
PPC_EXCP = {2: "dsi", 3: "isi", 5: "unaligned", 6: "program", 7: "fp-unavailable",
            8: "syscall", 73: "vector-unavailable", 94: "vsx-unavailable", 96: "illegal"}
# EXCP_DATA_ABORT (4): with the MMU off and every unmapped access caught by a
# memory hook, the only data abort left is an alignment fault.
ARM_EXCP = {1: "illegal", 2: "syscall", 3: "prefetch-abort", 4: "unaligned", 7: "breakpoint",
            11: "hvc", 13: "smc", 17: "illegal", 18: "illegal"}
UNMAPPED = {U.UC_MEM_READ_UNMAPPED: "unmapped-read", U.UC_MEM_WRITE_UNMAPPED: "unmapped-write",
            U.UC_MEM_FETCH_UNMAPPED: "unmapped-fetch", U.UC_MEM_READ_PROT: "protected-read",
            U.UC_MEM_WRITE_PROT: "protected-write", U.UC_MEM_FETCH_PROT: "protected-fetch"}
UC_ERRORS = {U.UC_ERR_INSN_INVALID: "illegal", U.UC_ERR_READ_UNALIGNED: "unaligned",
             U.UC_ERR_WRITE_UNALIGNED: "unaligned", U.UC_ERR_FETCH_UNALIGNED: "unaligned-fetch",
             U.UC_ERR_EXCEPTION: "exception", U.UC_ERR_READ_UNMAPPED: "unmapped-read",
             U.UC_ERR_WRITE_UNMAPPED: "unmapped-write", U.UC_ERR_FETCH_UNMAPPED: "unmapped-fetch"}


class StepError(Exception):
    """A bad input line; reported as {"error": ...}."""


def parse_int(value, what):
    if isinstance(value, bool):
        raise StepError("%s: not a number" % what)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value[:2].lower() == "0x":
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise StepError("%s: expected a \"0x...\" hex string, got %r" % (what, value))


def hex128(value):
    return "0x%032x" % value


class Engine:
    """One reusable Uc per arch, reset from a saved base context before each step."""

    def __init__(self, arch):
        self.arch = arch
        self.ppc = arch.startswith("ppc")
        self.ppc64 = arch.startswith("ppc64")
        self.a64 = arch in ("aarch64", "aarch64_be")
        self.wide = self.ppc64 or self.a64
        self.mask = M64 if self.wide else M32
        # Exclusive limit for any address (code or data).
        self.addr_limit = 1 << 64 if self.a64 else 1 << 60 if self.ppc64 else 1 << 32
        self.maps = []
        self.last_code = None
        self.fault = None
        self.last_pc = None
        self.last_data = None
        self.started = self.count = 0
        self.fetch_beyond = False
        if self.ppc:
            mode = (U.UC_MODE_PPC64 if self.ppc64 else U.UC_MODE_PPC32) | U.UC_MODE_BIG_ENDIAN
            self.uc = U.Uc(U.UC_ARCH_PPC, mode)
        elif self.a64:
            # aarch64_be: BE8, big-endian data with little-endian instructions.
            self.uc = U.Uc(U.UC_ARCH_ARM64, U.UC_MODE_ARM | (U.UC_MODE_BIG_ENDIAN if arch == "aarch64_be" else 0))
            # The default (Cortex-A72, ARMv8.0) has no LSE atomics; QEMU's "max" does.
            self.uc.ctl_set_cpu_model(A64.UC_CPU_ARM64_MAX)
        else:
            self.uc = U.Uc(U.UC_ARCH_ARM, U.UC_MODE_THUMB if arch == "thumb" else U.UC_MODE_ARM)
        self._names()
        self._batch_setup()
        uc = self.uc
        self.hooks = [
            uc.hook_add(U.UC_HOOK_CODE, self._on_code),
            uc.hook_add(U.UC_HOOK_MEM_READ | U.UC_HOOK_MEM_WRITE, self._on_access),
            uc.hook_add(U.UC_HOOK_MEM_UNMAPPED | U.UC_HOOK_MEM_PROT, self._on_unmapped),
            uc.hook_add(U.UC_HOOK_INTR, self._on_intr),
        ]
        if self.ppc:
            self.dcache_line = 128 if self.ppc64 else 32
            self._ppc_setup()
        elif self.a64:
            uc.reg_write(A64.UC_ARM64_REG_NZCV, 0)
        else:
            # VFP/NEON are off after reset: CPACR cp10/cp11 full access, FPEXC.EN.
            uc.reg_write(A32.UC_ARM_REG_C1_C0_2, 0xf00000)
            uc.reg_write(A32.UC_ARM_REG_FPEXC, 0x40000000)
        self.base = uc.context_save()
        self.scratch = uc.context_save()
        self.pre = uc.context_save()

    # -- register tables -------------------------------------------------------
    def _names(self):
        regs = {}
        if self.ppc:
            for i in range(32):
                regs["r%d" % i] = P.UC_PPC_REG_0 + i
                regs["f%d" % i] = P.UC_PPC_REG_FPR0 + i
            regs.update(pc=P.UC_PPC_REG_PC, cr=P.UC_PPC_REG_CR, lr=P.UC_PPC_REG_LR,
                        ctr=P.UC_PPC_REG_CTR, xer=P.UC_PPC_REG_XER, msr=P.UC_PPC_REG_MSR,
                        fpscr=P.UC_PPC_REG_FPSCR)
            self.out_order = (["r%d" % i for i in range(32)] + ["pc", "cr", "xer", "lr", "ctr", "msr", "fpscr"]
                              + ["f%d" % i for i in range(32)])
        elif self.a64:
            for i in range(29):
                regs["x%d" % i] = A64.UC_ARM64_REG_X0 + i
            regs.update(x29=A64.UC_ARM64_REG_X29, x30=A64.UC_ARM64_REG_X30, sp=A64.UC_ARM64_REG_SP,
                        pc=A64.UC_ARM64_REG_PC, nzcv=A64.UC_ARM64_REG_NZCV)
            for i in range(32):
                regs["v%d" % i] = A64.UC_ARM64_REG_V0 + i
            self.out_order = ["x%d" % i for i in range(31)] + ["sp", "pc", "nzcv"] + ["v%d" % i for i in range(32)]
        else:
            for i in range(13):
                regs["r%d" % i] = A32.UC_ARM_REG_R0 + i
            regs.update(r13=A32.UC_ARM_REG_R13, r14=A32.UC_ARM_REG_R14, r15=A32.UC_ARM_REG_R15,
                        cpsr=A32.UC_ARM_REG_CPSR)
            for i in range(32):
                regs["d%d" % i] = A32.UC_ARM_REG_D0 + i
            regs["fpscr"] = A32.UC_ARM_REG_FPSCR
            self.out_order = ["r%d" % i for i in range(16)] + ["cpsr"] + ["d%d" % i for i in range(32)] + ["fpscr"]
        self.regs = regs
        self.aliases = {"sp": "r13", "lr": "r14", "pc": "r15"} if self.arch in ("arm", "thumb") else {}

    def _batch_setup(self):
        """One uc_reg_read_batch call reads every output register (72 single
        reg_read calls through the binding cost ~80 us per step)."""
        n = len(self.out_order)
        self.batch_ids = (ctypes.c_int * n)(*[self.regs[name] for name in self.out_order])
        self.batch_buf = (ctypes.c_uint64 * (2 * n))()
        base = ctypes.addressof(self.batch_buf)
        self.batch_vals = (ctypes.c_void_p * n)(*[base + 16 * i for i in range(n)])
        self.batch_fmt = []
        for name in self.out_order:
            if name[0] == "v" and self.a64:
                self.batch_fmt.append(None)
            else:  # PowerPC FPRs and A32 D registers are 64-bit raw bits on 32-bit cores too
                self.batch_fmt.append(M64 if name[0] in "fd" else self.mask)
        self.batch_fn = getattr(U.unicorn, "_uc").uc_reg_read_batch

    def _read_all(self):
        ctypes.memset(self.batch_buf, 0, ctypes.sizeof(self.batch_buf))
        err = self.batch_fn(self.uc._uch, self.batch_ids, self.batch_vals, len(self.out_order))
        if err != U.UC_ERR_OK:
            raise U.UcError(err)
        buf, out = self.batch_buf, {}
        for i, (name, fmt) in enumerate(zip(self.out_order, self.batch_fmt)):
            if fmt is None:
                out[name] = hex128(buf[2 * i] | (buf[2 * i + 1] << 64))
            else:
                out[name] = hex(buf[2 * i] & fmt)
        return out

    # -- PowerPC: MSR[HV] and XER through the saved CPUPPCState -----------------
    def _ctx_bytes(self, ctx):
        return (ctypes.c_ubyte * ctx.size).from_address(ctx.context.value)

    def _find(self, buf, value, width, start=0):
        """Offsets (aligned to width) holding value as a host-endian integer."""
        needle = value.to_bytes(width, sys.byteorder)
        data = bytes(buf)
        hits, pos = [], data.find(needle, start)
        while pos >= 0:
            if pos % width == 0:
                hits.append(pos)
            pos = data.find(needle, pos + 1)
        return hits

    def _ppc_setup(self):
        uc, w = self.uc, (8 if self.ppc64 else 4)
        self.tw = w
        # 1. Locate msr, hflags, immu_idx, dmmu_idx by diffing two MSR values
        #    written through the register API (which recomputes the derived state).
        a = (MSR_SF if self.ppc64 else 0) | MSR_ME | MSR_IR
        b = (MSR_SF if self.ppc64 else 0) | MSR_DR
        uc.reg_write(P.UC_PPC_REG_MSR, a)
        sa = bytes(self._ctx_bytes(uc.context_save()))
        uc.reg_write(P.UC_PPC_REG_MSR, b)
        sb = bytes(self._ctx_bytes(uc.context_save()))

        def word(buf, off, n):
            return int.from_bytes(buf[off:off + n], sys.byteorder)

        msr_off = [o for o in range(0, len(sa) - w, w) if word(sa, o, w) == a and word(sb, o, w) == b]
        hfl_off = [o for o in range(0, len(sa) - w, w)
                   if word(sa, o, w) ^ word(sb, o, w) == MSR_IR | MSR_DR and word(sa, o, w) & MSR_IR]
        immu = [o for o in range(0, len(sa) - 4, 4) if word(sa, o, 4) == 1 and word(sb, o, 4) == 3]
        dmmu = [o for o in range(0, len(sa) - 4, 4) if word(sa, o, 4) == 3 and word(sb, o, 4) == 1]
        if len(msr_off) != 1:
            raise RuntimeError("cannot locate MSR in the saved context: %r" % msr_off)
        self.msr_off = msr_off[0]
        # 2. XER layout (QEMU: xer, so, ov, ca, ov32, ca32 are consecutive target_ulongs
        #    shortly before msr).  Confirm by writing a marker through the API.
        uc.reg_write(P.UC_PPC_REG_XER, 0x5a)
        sx = self._ctx_bytes(uc.context_save())
        xer = [o for o in self._find(sx, 0x5a, w) if self.msr_off - 16 * w < o < self.msr_off]
        self.xer_off = xer[-1] if len(xer) >= 1 else None
        uc.reg_write(P.UC_PPC_REG_XER, 0)
        # 3. Base MSR: FP/VEC/VSX available, machine check on, MMU off, 64-bit,
        #    hypervisor state (POWER10 real mode without HV executes nothing).
        msr = MSR_FP | MSR_ME | MSR_VEC
        if self.ppc64:
            msr |= MSR_SF | MSR_VSX | (MSR_LE if self.arch == "ppc64le" else 0)
        uc.reg_write(P.UC_PPC_REG_MSR, msr)
        if self.ppc64:
            if not (len(hfl_off) == 1 and len(immu) == 1 and len(dmmu) == 1):
                raise RuntimeError("cannot locate hflags/mmu_idx in the saved context")
            ctx = uc.context_save()
            buf = self._ctx_bytes(ctx)
            for off, add in ((self.msr_off, MSR_HV), (hfl_off[0], MSR_HV)):
                buf[off:off + 8] = list((word(bytes(buf), off, 8) | add).to_bytes(8, sys.byteorder))
            for off in (immu[0], dmmu[0]):  # index += 4: hypervisor real mode
                buf[off:off + 4] = list((word(bytes(buf), off, 4) + 4).to_bytes(4, sys.byteorder))
            uc.context_restore(ctx)
            got = uc.reg_read(P.UC_PPC_REG_MSR)
            if got != msr | MSR_HV:
                raise RuntimeError("MSR patch did not stick: %#x" % got)

    def _xer_split_read(self):
        """(so, ov, ca, ov32, ca32) slots from the live state, or None."""
        if self.xer_off is None:
            return None
        self.uc.context_update(self.scratch)
        buf = bytes(self._ctx_bytes(self.scratch))
        w = self.tw
        return [int.from_bytes(buf[self.xer_off + w * (i + 1):self.xer_off + w * (i + 2)], sys.byteorder)
                for i in range(5)]

    def _xer_write(self, value):
        self.uc.reg_write(P.UC_PPC_REG_XER, value & ~sum(XER_SPLIT) & M32)
        if self.xer_off is None:
            if value & sum(XER_SPLIT):
                raise StepError("xer: SO/OV/CA cannot be set in this Unicorn")
            return
        self.uc.context_update(self.scratch)
        buf = self._ctx_bytes(self.scratch)
        w = self.tw
        for i, bit in enumerate(XER_SPLIT):
            off = self.xer_off + w * (i + 1)
            buf[off:off + w] = list((1 if value & bit else 0).to_bytes(w, sys.byteorder))
        self.uc.context_restore(self.scratch)

    # -- hooks -------------------------------------------------------------------
    # Memory is mapped by pages, but only the input ranges (and the code) count
    # as mapped: every access is checked against them here.  Before each
    # instruction the register state is saved and its stores are journalled, so
    # that a data fault can leave the faulting instruction without effect.
    def _inside(self, spans, address, size):
        end = address + size
        for b, e in spans:
            if b <= address and end <= e:
                return True
        return False

    def _on_code(self, uc, address, size, _):
        if self.fault is not None or self.started >= self.count:
            uc.emu_stop()  # all instructions done: QEMU is only looking at the next one
            return
        if not self._inside(self.exec_spans, address, size):
            self.fault = {"kind": "unmapped-fetch", "addr": hex(address & self.mask)}
            self.fetch_pc = address
            uc.emu_stop()
            return
        self.started += 1
        self.last_pc = address
        self.last_data = None
        uc.context_update(self.pre)
        self.journal = []
        if self.ppc:
            self._ppc_helper_check(uc, address)

    def _ppc_helper_check(self, uc, address):
        """QEMU runs lmw/stmw/lsw*/stsw*/dcbz in helpers whose accesses no hook
        sees, so their effective-address range is checked here, before they run."""
        word = int.from_bytes(uc.mem_read(address, 4), "little" if self.arch == "ppc64le" else "big")
        op, rt, ra, rb = word >> 26, (word >> 21) & 31, (word >> 16) & 31, (word >> 11) & 31
        xo = (word >> 1) & 0x3ff
        if op not in (46, 47) and not (op == 31 and xo in (533, 597, 661, 725, 1014)):
            return
        base = uc.reg_read(P.UC_PPC_REG_0 + ra) if ra else 0
        if op in (46, 47):  # lmw, stmw
            disp = word & 0xffff
            ea, n, write, string = base + disp - ((disp & 0x8000) << 1), 4 * (32 - rt), op == 47, True
        elif op == 31 and xo in (597, 725):  # lswi, stswi
            ea, n, write, string = base, rb or 32, xo == 725, True
        elif op == 31 and xo in (533, 661):  # lswx, stswx
            ea = base + uc.reg_read(P.UC_PPC_REG_0 + rb)
            n, write, string = uc.reg_read(P.UC_PPC_REG_XER) & 0x7f, xo == 661, True
        elif op == 31 and xo == 1014:  # dcbz: one cache block
            ea, n, write, string = base + uc.reg_read(P.UC_PPC_REG_0 + rb), 0, True, False
        else:
            return
        ea &= self.mask
        self.last_data = ea
        if string and self.arch == "ppc64le":
            return  # little-endian mode: alignment interrupt comes first
        if string:
            chunks = [((ea + i) & self.mask, min(4, n - i)) for i in range(0, n, 4)]
        else:
            line = self.dcache_line
            chunks = [(ea & ~(line - 1), line)]
        for start, size in chunks:
            if not self._inside(self.data_spans, start, size):
                self.fault = {"kind": "unmapped-write" if write else "unmapped-read",
                              "addr": hex(ea if not string else start)}
                uc.emu_stop()
                return

    def _on_access(self, uc, access, address, size, value, _):
        self.last_data = address
        if access == U.UC_MEM_WRITE:
            for b, e in self.data_spans:  # journal what this store may change
                lo, hi = max(b, address), min(e, address + size)
                if lo < hi:
                    self.journal.append((lo, bytes(uc.mem_read(lo, hi - lo))))
        if self.fault is None and not self._inside(self.data_spans, address, size):
            kind = "unmapped-write" if access == U.UC_MEM_WRITE else "unmapped-read"
            self.fault = {"kind": kind, "addr": hex(address & self.mask)}
            uc.emu_stop()

    def _on_unmapped(self, uc, access, address, size, value, _):
        if access == U.UC_MEM_FETCH_UNMAPPED and self.started >= self.count:
            # QEMU fetches the next block after the last instruction (a branch
            # out of the code, say); that is no fault of the step.
            self.fetch_beyond = True
            return False
        if self.fault is None:
            kind = UNMAPPED.get(access, "unmapped")
            self.fault = {"kind": kind, "addr": hex(address & self.mask)}
            if kind.endswith("fetch"):
                self.fetch_pc = address
        return False

    def _on_intr(self, uc, intno, _):
        if self.fault is None:
            table = PPC_EXCP if self.ppc else ARM_EXCP
            kind = table.get(intno, "exception")
            addr = self.last_data if kind in ("unaligned", "dsi") else None
            self.fault = {"kind": kind, "addr": None if addr is None else hex(addr & self.mask), "intno": intno}
        uc.emu_stop()

    # -- one step ------------------------------------------------------------------
    def encode(self, words):
        out = bytearray()
        for i, raw in enumerate(words):
            v = parse_int(raw, "insn[%d]" % i)
            if self.arch == "thumb":
                if v < 0 or v > M32:
                    raise StepError("insn[%d]: out of range" % i)
                if v <= 0xffff:
                    out += struct.pack("<H", v)
                else:
                    out += struct.pack("<HH", v >> 16, v & 0xffff)
                continue
            if v < 0 or v > M32:
                raise StepError("insn[%d]: not a 32-bit word" % i)
            if self.ppc64 and v >> 26 == 1:
                raise StepError("unsupported")  # Power10 prefixed: no Unicorn model runs them
            out += struct.pack(">I" if self.arch in ("ppc64be", "ppc32be") else "<I", v)
        return bytes(out)

    def step(self, line, watchdog=None):
        uc = self.uc
        insn = line.get("insn")
        if not isinstance(insn, list) or not insn:
            raise StepError("insn: expected a non-empty list")
        code = self.encode(insn)
        regs_in = line.get("regs") or {}
        mem_in = line.get("mem") or []
        if not isinstance(regs_in, dict) or not isinstance(mem_in, list):
            raise StepError("regs must be an object and mem a list")
        regs = {}
        for name, raw in regs_in.items():
            key = self.aliases.get(name, name)
            if key not in self.regs:
                raise StepError("unknown register %r for %s" % (name, self.arch))
            v = parse_int(raw, name)
            limit = ((1 << 128) if key[0] == "v" and self.a64
                     else (1 << 64) if key[0] in "fd" else self.mask + 1)
            if v < 0 or v >= limit:
                raise StepError("%s: value out of range" % name)
            regs[key] = v
        pc_key = "r15" if self.arch in ("arm", "thumb") else "pc"
        pc = regs.pop(pc_key, DEFAULT_PC)
        if pc % (2 if self.arch == "thumb" else 4):
            raise StepError("pc: misaligned code address")
        # Memory layout.
        ranges = []
        for i, r in enumerate(mem_in):
            if not isinstance(r, dict) or not isinstance(r.get("hex"), str):
                raise StepError("mem[%d]: expected {addr, hex}" % i)
            addr = parse_int(r.get("addr"), "mem[%d].addr" % i)
            try:
                data = bytes.fromhex(r["hex"])
            except ValueError:
                raise StepError("mem[%d].hex: not hex" % i)
            if addr < 0 or addr + len(data) > self.addr_limit:
                raise StepError("mem[%d]: address out of range (limit %#x)" % (i, self.addr_limit))
            ranges.append((addr, data, r.get("addr")))
        if pc + len(code) > self.addr_limit:
            raise StepError("pc: code address out of range (limit %#x)" % self.addr_limit)
        spans = sorted([(a, a + len(d)) for a, d, _ in ranges if d] + [(pc, pc + len(code))])
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            if b0 < a1:
                raise StepError("mem ranges overlap each other or the code")
        pages = []
        for a0, a1 in spans:
            p0, p1 = a0 & ~(PAGE - 1), (a1 + PAGE - 1) & ~(PAGE - 1)
            if pages and p0 <= pages[-1][1]:
                pages[-1][1] = max(pages[-1][1], p1)
            else:
                pages.append([p0, p1])
        # Reset: registers from the base context, pages (re)mapped, stale translations dropped.
        uc.context_restore(self.base)
        pages = [tuple(p) for p in pages]
        remap = pages != self.maps
        if remap:  # same pages as last step: keep them (bytes outside the ranges fault anyway)
            for b, e in self.maps:
                uc.mem_unmap(b, e - b)
            self.maps = []
            for b, e in pages:
                uc.mem_map(b, e - b, U.UC_PROT_ALL)
                self.maps.append((b, e))
        # Drop stale translations unless the code is what the previous step ran
        # (ctl_flush_tb costs ~150 ms; retranslating costs ~0.1-0.3 ms).
        if remap or self.last_code != (pc, code):
            uc.ctl_remove_cache(pc & ~(PAGE - 1), (pc + len(code) + PAGE - 1) & ~(PAGE - 1))
            self.last_code = (pc, code)
        for addr, data, _ in ranges:
            if data:
                uc.mem_write(addr, data)
        uc.mem_write(pc, code)
        # Registers: status first (mode switches bank registers), then the rest.
        if self.arch in ("arm", "thumb"):
            cpsr = regs.pop("cpsr", 0x1d3)
            uc.reg_write(A32.UC_ARM_REG_CPSR, (cpsr | 0x20) if self.arch == "thumb" else (cpsr & ~0x20))
        if self.ppc and "msr" in regs:
            uc.reg_write(P.UC_PPC_REG_MSR, regs.pop("msr"))  # HV stays as the base context has it
        xer = regs.pop("xer", None) if self.ppc else None
        for name, v in regs.items():
            uc.reg_write(self.regs[name], v)
        if xer is not None:
            self._xer_write(xer)
        # Run.
        self.fault, self.fetch_pc, self.last_pc, self.last_data, self.journal = None, None, None, None, []
        self.started, self.count, self.fetch_beyond = 0, len(insn), False
        self.data_spans = merge([(a, a + len(d)) for a, d, _ in ranges if d] + [(pc, pc + len(code))])
        self.exec_spans = self.data_spans
        begin = pc | 1 if self.arch == "thumb" else pc
        until = (1 << 64) - 4 if self.wide else M32 - 3
        err = None
        try:
            if watchdog is not None:
                watchdog.arm(uc)
            uc.emu_start(begin, until, count=len(insn))
        except U.UcError as exc:
            err = exc
        finally:
            if watchdog is not None and watchdog.disarm():
                self.fault = {"kind": "timeout", "addr": None}
        fault = self.fault
        if err is not None and fault is None and self.fetch_beyond:
            err = None
        if err is not None and fault is None:
            fault = {"kind": UC_ERRORS.get(err.errno, "error"), "addr": None, "uc_error": str(err)}
        if fault is not None and self.fetch_pc is None and self.last_pc is not None and fault["kind"] != "timeout":
            # Precise fault: the faulting instruction leaves registers and memory as they were.
            uc.context_restore(self.pre)
            for addr, old in reversed(self.journal):
                uc.mem_write(addr, old)
        # Output.
        out = self._read_all()
        if self.ppc:
            split = self._xer_split_read()
            xv = uc.reg_read(P.UC_PPC_REG_XER) & M32
            if split is not None:
                for bit, flag in zip(XER_SPLIT, split):
                    xv = (xv | bit) if flag else (xv & ~bit)
            out["xer"] = hex(xv)
        if fault is not None:
            fpc = self.fetch_pc if self.fetch_pc is not None else self.last_pc
            if fpc is not None:
                out["r15" if self.arch in ("arm", "thumb") else "pc"] = hex(fpc & self.mask)
        mem_out = []
        for addr, data, raw_addr in ranges:
            now = uc.mem_read(addr, len(data)) if data else b""
            mem_out.append({"addr": hex(addr), "hex": bytes(now).hex()})
        return {"regs": out, "mem": mem_out, "fault": fault, "code": hex(pc)}


def merge(spans):
    """Sorted, coalesced [begin, end) intervals."""
    out = []
    for b, e in sorted(spans):
        if out and b <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([b, e])
    return [tuple(x) for x in out]


class Watchdog:
    """Stops a step that runs longer than `limit` seconds.

    Unicorn's own emu_start(timeout=...) starts a thread per call (~0.4 ms, a
    third of the throughput); one polling thread costs nothing per step.
    """

    def __init__(self, limit):
        self.limit = limit
        self.lock = threading.Lock()
        self.uc, self.deadline, self.fired = None, 0.0, False
        threading.Thread(target=self._run, daemon=True).start()

    def arm(self, uc):
        with self.lock:
            self.uc, self.deadline, self.fired = uc, time.monotonic() + self.limit, False

    def disarm(self):
        with self.lock:
            self.uc = None
            return self.fired

    def _run(self):
        while True:
            time.sleep(min(0.05, self.limit / 4))
            with self.lock:
                if self.uc is not None and time.monotonic() > self.deadline:
                    self.fired = True
                    self.uc.emu_stop()  # safe from another thread: sets a stop request
                    self.uc = None


def main(argv):
    args = list(argv)
    limit = 1.0
    if "--timeout-s" in args:
        limit = float(args[args.index("--timeout-s") + 1])
    watchdog = None if "--no-timeout" in args else Watchdog(limit)
    engines = {}
    out = sys.stdout
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        line = None
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise StepError("expected a JSON object")
            arch = line.get("arch")
            if arch not in ARCHS:
                raise StepError("arch: expected one of %s" % ", ".join(ARCHS))
            eng = engines.get(arch)
            if eng is None:
                eng = engines[arch] = Engine(arch)
            result = eng.step(line, watchdog)
            if "id" in line:
                result["id"] = line["id"]
        except StepError as exc:
            result = {"error": str(exc)}
        except Exception as exc:  # never die on a line; a broken engine is rebuilt
            result = {"error": "%s: %s" % (type(exc).__name__, exc)}
            if isinstance(line, dict):
                engines.pop(line.get("arch"), None)
        if isinstance(line, dict) and "id" in line and "id" not in result:
            result["id"] = line["id"]
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
