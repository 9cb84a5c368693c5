#!/usr/bin/env python3
"""Known-answer vectors for PowerPC hashst, computed by QEMU (not by memslot-emu).

Assembles a small ppc64le Linux program that maps a few regions at fixed addresses,
runs `hashst RB,-8(RA)` for each (RA, RB) pair and writes the stored doublewords to
stdout, and runs it under qemu-ppc64le (user mode, -cpu power10). User code cannot
write HASHKEYR; QEMU's user mode sets it from GLib's g_rand_new(), which seeds
MT19937 with 16 bytes of /dev/urandom. So each run sees a file of known bytes
mounted over /dev/urandom (a private mount namespace: needs root), and the key is
the generator's first two 32-bit outputs, high word first; Python's random module is
the same MT19937 with the same init_by_array seeding. Prints JSON lines
{"key", "ra", "rb", "digest"} (hex). Needs binutils-powerpc64-linux-gnu and
qemu-user-static (Debian 12: QEMU 7.2).

    sudo python3 test/oracles/hash_vectors.py > test/fixtures/ppc-hash-qemu.jsonl
"""
import json
import os
import random
import subprocess
import sys
import tempfile

QEMU = "qemu-ppc64le-static"
REGION_SIZE = 1 << 20
# Where the program maps its regions: different high words of RA, inside 47 bits.
REGIONS = [0x10_0000_0000, 0x2A5_B3C4_0000, 0x5C3_1F00_0000, 0x1_2345_6000]
PAIRS_PER_KEY = 64
# GLib seeds (four 32-bit words, the last non-zero so Python's seeding takes four words too).
SEEDS = [(1, 2, 3, 4), (0xFFFFFFFF, 0, 0, 1), (0x9E3779B9, 0x7F4A7C15, 0xF39CC060, 0x5CEDC834), (0, 0, 0, 0x80000000), (7, 7, 7, 7)]


def program(pairs):
    lines = [
        "  .abiversion 2", "  .text", "  .globl _start", "_start:",
        "  lis 20, regions@ha", "  addi 20, 20, regions@l", f"  li 22, {len(REGIONS)}",
        "map:",
        "  ld 3, 0(20)", "  lis 4, 16", "  li 5, 3", "  lis 6, 0x10", "  ori 6, 6, 0x22",  # RW, FIXED_NOREPLACE|PRIVATE|ANON
        "  li 7, -1", "  li 8, 0", "  li 0, 90", "  sc", "  bso fail", "  ld 9, 0(20)", "  cmpd 3, 9", "  bne fail",
        "  addi 20, 20, 8", "  addi 22, 22, -1", "  cmpdi 22, 0", "  bne map",
        "  lis 20, pairs@ha", "  addi 20, 20, pairs@l", "  lis 21, out@ha", "  addi 21, 21, out@l",
        f"  li 22, {len(pairs)}",
        "hash:",
        "  ld 5, 0(20)", "  ld 6, 8(20)", "  hashst 6, -8(5)", "  ld 7, -8(5)", "  std 7, 0(21)",
        "  addi 20, 20, 16", "  addi 21, 21, 8", "  addi 22, 22, -1", "  cmpdi 22, 0", "  bne hash",
        "  li 0, 4", "  li 3, 1", "  lis 4, out@ha", "  addi 4, 4, out@l", f"  li 5, {8 * len(pairs)}", "  sc",
        "  li 0, 1", "  li 3, 0", "  sc",
        "fail:", "  li 0, 1", "  li 3, 3", "  sc",
        "  .data", "  .balign 8", "regions:",
        *[f"  .quad {region:#x}" for region in REGIONS],
        "pairs:",
        *[f"  .quad {ra:#x}, {rb:#x}" for ra, rb in pairs],
        "  .bss", "  .balign 8", f"out: .space {8 * len(pairs)}",
    ]
    return "\n".join(lines) + "\n"


def build(pairs, workdir):
    source = os.path.join(workdir, "hash.s")
    with open(source, "w") as f:
        f.write(program(pairs))
    subprocess.run(["powerpc64-linux-gnu-as", "-a64", "-mlittle", "-mpower10", "-o", source + ".o", source], check=True)
    binary = os.path.join(workdir, "hash")
    subprocess.run(["powerpc64-linux-gnu-ld", "-EL", "-m", "elf64lppc", "-static", "-o", binary, source + ".o"], check=True)
    return binary


def key_of(seed):
    rng = random.Random(sum(word << (32 * i) for i, word in enumerate(seed)))
    return (rng.getrandbits(32) << 32) | rng.getrandbits(32)


def run(binary, seed, workdir):
    seed_file = os.path.join(workdir, "urandom")
    with open(seed_file, "wb") as f:
        f.write(b"".join(word.to_bytes(4, "little") for word in seed))
    script = f"mount --bind {seed_file} /dev/urandom && exec {QEMU} -cpu power10 {binary}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], check=True, capture_output=True).stdout


def main():
    rng = random.Random(20240607)
    with tempfile.TemporaryDirectory() as workdir:
        for seed in SEEDS:
            key = key_of(seed)
            pairs = []
            for _ in range(PAIRS_PER_KEY):
                ra = rng.choice(REGIONS) + 8 + rng.randrange(0, REGION_SIZE - 8)
                pairs.append((ra, rng.getrandbits(64)))
            out = run(build(pairs, workdir), seed, workdir)
            if len(out) != 8 * len(pairs):
                sys.exit(f"qemu wrote {len(out)} bytes for key {key:#x}")
            for i, (ra, rb) in enumerate(pairs):
                digest = int.from_bytes(out[8 * i:8 * i + 8], "little")
                print(json.dumps({"key": f"{key:#x}", "ra": f"{ra:#x}", "rb": f"{rb:#x}", "digest": f"{digest:#x}"}))


if __name__ == "__main__":
    main()
