// memslot-emu decode: instruction words → load/store descriptors as JSON lines.

import { parseArgs } from 'node:util';
import { Machine } from '../machine.js';
import { decodePpcWords, type PpcArch } from '../decode/ppc.js';
import { decodeArmWords, type ArmArch } from '../decode/arm.js';
import { parseU64 } from '../values.js';
import { usageError, type Command } from './io.js';

const ARCHES = ['ppc64be', 'ppc64le', 'ppc32be', 'arm', 'thumb', 'aarch64'] as const;

const help = `Usage: memslot-emu decode --arch ${ARCHES.join('|')} [WORD…]

Decodes instruction words (hex, "0x" optional; read from standard input, separated
by white space, when none are given) and prints one JSON object per instruction:
  word, ok, reason, mnemonic (as llvm-mc prints it), op, size, count, signed, regs,
  base, index, disp, postDisp, writeback, postIndex, byteReverse, exclusive, acquire,
  release, fp, vector, subtract, shift {type, amount}, extend
ok is true for a load/store; otherwise reason is not-load-store, undefined,
truncated (a prefix without its suffix) or invalid-form.
PowerPC: a Power10 prefixed instruction is two words, prefix first.
Thumb: a 32-bit instruction is one word with its first halfword in the high bits;
an IT instruction's condition applies to the words after it.
`;

export const decodeCommand: Command = {
  summary: 'decode load/store instruction words into JSON descriptors',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { arch: { type: 'string' } }, allowPositionals: true, strict: true });
    const arch = values.arch as (typeof ARCHES)[number] | undefined;
    if (!arch || !ARCHES.includes(arch)) return usageError(io, 'decode', `--arch must be one of ${ARCHES.join(', ')}`);
    const texts = positionals.length > 0 ? positionals : (await io.stdin()).split(/\s+/).filter((text) => text !== '');
    const words: number[] = [];
    for (const text of texts) {
      const value = parseU64(/^0x/i.test(text) ? text : `0x${text}`);
      if (value === undefined || value > 0xffffffffn) return usageError(io, 'decode', `'${text}' is not a 32-bit hex word`);
      words.push(Number(value));
    }
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const decoded = arch === 'ppc64be' || arch === 'ppc64le' || arch === 'ppc32be'
      ? decodePpcWords(core, words, arch as PpcArch)
      : decodeArmWords(core, words, arch as ArmArch);
    for (const object of decoded) io.stdout(`${JSON.stringify(object)}\n`);
    return 0;
  },
};
