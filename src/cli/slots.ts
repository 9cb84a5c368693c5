// memslot-emu slots FILE: replay a VMM's KVM_SET_USER_MEMORY_REGION sequence.

import { Machine, DEFAULT_ARENA_BYTES } from '../machine.js';
import { EmuError, SlotError } from '../errors.js';
import type { MemoryRegion, SlotInfo } from '../slots.js';
import { hex, parseByteCount, parseU64 } from '../values.js';
import { parseCommandLine, readInput, usageError, UsageError, type Command } from './io.js';

const help = `Usage: memslot-emu slots [--arena BYTES] FILE

Applies a JSON array of KVM_SET_USER_MEMORY_REGION updates, in order, to a fresh
machine and prints the resulting slot table. FILE '-' reads standard input.

Each update: { "slot", "flags", "guestPhysAddr", "memorySize", "userspaceAddr" }
  numbers or "0x…" strings; slot = (address space << 16) | id, id < 32764;
  flags: 1 = LOG_DIRTY_PAGES, 2 = READONLY; memorySize 0 deletes;
  userspaceAddr is an offset in the guest-RAM arena.

Output (one JSON line):
  {"slots":[…]}                                   exit 0
  {"error":{"index":i,"code":"EINVAL","message":"…"},"slots":[…]}   exit 1
  (a bad option, an unreadable FILE or input that is not a JSON array: exit 2)
  where slots is the table sorted by slot, with the same keys, and on error the
  table as it stood before the rejected update (a rejected update changes nothing).

Options:
  --arena BYTES   guest-RAM arena size (K/M/G suffixes), default 64M: a multiple of 4K
                  that fits in 4G with the engine's own memory
  -h, --help      this text
`;

export function slotJson(slot: SlotInfo): Record<string, number | string> {
  return {
    slot: slot.slot,
    flags: slot.flags,
    guestPhysAddr: hex(slot.guestPhysAddr),
    memorySize: hex(slot.memorySize),
    userspaceAddr: hex(slot.userspaceAddr),
  };
}

/** An update as the library takes it: slot and flags given as decimal or "0x…" strings become numbers. */
function regionFromJson(update: Record<string, unknown>): MemoryRegion {
  return { ...update, slot: u32FromJson(update.slot), flags: u32FromJson(update.flags) } as MemoryRegion;
}

/** A string that names a u32 as its number; anything else unchanged, for the library to accept or refuse. */
function u32FromJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parsed = parseU64(value);
  return parsed !== undefined && parsed <= 0xffff_ffffn ? Number(parsed) : value;
}

export const slotsCommand: Command = {
  summary: 'replay a JSON list of memory-slot updates and print the slot table',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({ args, options: { arena: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) return usageError(io, 'slots', 'expected exactly one FILE (or - for standard input)');
    const arenaBytes = values.arena === undefined ? DEFAULT_ARENA_BYTES : parseByteCount(values.arena);
    if (arenaBytes === undefined) return usageError(io, 'slots', `--arena: '${values.arena}' is not a byte count`);
    const machine = await Machine.create({ arenaBytes }).catch((error: unknown) => {
      throw error instanceof EmuError ? new UsageError(`--arena: '${values.arena}': ${error.detail.replace(/^option arenaBytes: /, '')}`) : error;
    });
    let updates: unknown;
    try {
      updates = JSON.parse(await readInput(positionals[0]!, io));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      return usageError(io, 'slots', `cannot read the updates: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(updates)) return usageError(io, 'slots', 'the input must be a JSON array of updates');
    for (const [index, update] of updates.entries()) {
      try {
        if (typeof update !== 'object' || update === null) throw new SlotError('EINVAL', `update ${index} is not an object`);
        machine.setUserMemoryRegion(regionFromJson(update as Record<string, unknown>));
      } catch (error) {
        if (!(error instanceof SlotError)) throw error;
        io.stdout(`${JSON.stringify({ error: { index, code: error.code, message: error.detail }, slots: machine.slots().map(slotJson) })}\n`);
        return 1;
      }
    }
    io.stdout(`${JSON.stringify({ slots: machine.slots().map(slotJson) })}\n`);
    return 0;
  },
};
