// memslot-emu run: load a static ELF guest and run it on one vCPU.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ARCHES, isGuestArch } from '../cpu/registers.js';
import { runElf, describeExit, type ElfRunOptions } from '../guest/run.js';
import { DEFAULT_RAM_BASE, DEFAULT_RAM_SIZE } from '../guest/elf.js';
import { parseByteCount, parseU64, hex } from '../values.js';
import { usageError, type Command } from './io.js';

const help = `Usage: memslot-emu run FILE.elf [options]

Loads a static ELF executable (PowerPC 32/64-bit either byte order, AArch64, ARM or
Thumb) into RAM at its segments' physical addresses, with the MMU off, and runs it on
one vCPU until it ends. The guest's console output goes to standard output, then one
line saying how it ended, how many instructions ran and how fast (--json: one JSON
object instead, the output inside it).

Options:
  --arch ARCH      run as ARCH instead of what the file says (${Object.keys(ARCHES).join(', ')});
                   only 'arm' <-> 'thumb' changes anything
  --budget N       most instructions to run (default 100M; suffixes k, M, G)
  --ram-base ADDR  guest-physical base of RAM (default ${hex(DEFAULT_RAM_BASE)})
  --ram-size SIZE  bytes of RAM, the stack at its top, all of it backed (default
                   ${DEFAULT_RAM_SIZE / 1024 / 1024}M, of which only the segments + 1M and the top 1M are backed)
  --device FILE    a device module registered on the bus first (repeatable), as for compare
  --json           print {file, arch, exit, instructions, seconds, rate, reports, output}

The guest ABI (README, "Running your own ELF guests"): a store of a pointer to a
struct ucall { u64 cmd; u64 args[6]; } at 0x0a000000 is a call (1 done, 2 print,
3 report, 4 assert failed); a byte stored at 0x09000000 is console output.
Exit code: 0 when the guest called done with status 0 (or returned 0), 1 otherwise.
`;

const COUNT_SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

function parseCount(text: string): number | undefined {
  const match = /^([0-9]+)([kmg]?)$/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * COUNT_SUFFIX[match[2]!.toLowerCase()]!;
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export const runCommand: Command = {
  summary: 'run a static ELF guest (C compiled for PowerPC or ARM) and report how it ended',
  help,
  async run(args, io) {
    const { values: v, positionals } = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        arch: { type: 'string' }, budget: { type: 'string' }, 'ram-base': { type: 'string' }, 'ram-size': { type: 'string' },
        device: { type: 'string', multiple: true }, json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) return usageError(io, 'run', 'needs exactly one ELF file');
    const options: ElfRunOptions = {};
    if (v.arch !== undefined) {
      if (!isGuestArch(v.arch)) return usageError(io, 'run', `--arch must be one of ${Object.keys(ARCHES).join(', ')}`);
      options.arch = v.arch;
    }
    if (v.budget !== undefined) {
      const budget = parseCount(v.budget);
      if (budget === undefined) return usageError(io, 'run', `--budget must be a positive count (e.g. 5000000, 50M), got '${v.budget}'`);
      options.budget = budget;
    }
    if (v['ram-base'] !== undefined) {
      const base = parseU64(v['ram-base']);
      if (base === undefined) return usageError(io, 'run', `--ram-base must be an address, got '${v['ram-base']}'`);
      options.ramBase = base;
    }
    if (v['ram-size'] !== undefined) {
      const size = parseByteCount(v['ram-size']);
      if (size === undefined) return usageError(io, 'run', `--ram-size must be a byte count (e.g. 16M), got '${v['ram-size']}'`);
      options.ramSize = Number(size);
    }
    if (v.device) {
      options.devices = await Promise.all(v.device.map(async (file) => {
        const loaded = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
        if (typeof loaded.default !== 'function') throw new Error(`${file} has no default export that registers devices`);
        return loaded.default as NonNullable<ElfRunOptions['devices']>[number];
      }));
    }
    const file = positionals[0]!;
    const bytes = new Uint8Array(await readFile(file));
    if (!v.json) options.output = (text) => io.stdout(text);
    const result = await runElf(bytes, options);
    const rate = result.seconds > 0 ? result.instructions / result.seconds : 0;
    const ok = (result.exit.reason === 'done' || result.exit.reason === 'returned') && result.exit.status === 0n;
    if (v.json) {
      io.stdout(`${JSON.stringify({
        file, arch: result.arch, exit: { ...result.exit, description: describeExit(result.exit) },
        where: result.where, instructions: result.instructions, seconds: result.seconds, rate: Math.round(rate),
        reports: result.reports, output: result.output,
      }, (_key, value: unknown) => (typeof value === 'bigint' ? hex(value) : value))}\n`);
    } else {
      const where = result.where ? ` in ${result.where}` : '';
      const reports = result.reports.map((report) => `${report.name}=${report.value}`).join(' ');
      if (result.output !== '' && !result.output.endsWith('\n')) io.stdout('\n');
      io.stdout(`${result.arch}: ${describeExit(result.exit)}${where}; ${result.instructions} instructions in ${result.seconds.toFixed(3)} s (${(rate / 1e6).toFixed(1)}M/s)${reports ? `; reports: ${reports}` : ''}\n`);
    }
    return ok ? 0 : 1;
  },
};
