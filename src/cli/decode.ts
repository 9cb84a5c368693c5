// memslot-emu decode: instruction words → load/store descriptors as JSON lines.

import { Machine } from '../machine.js';
import { decodePpcWords, type PpcArch } from '../decode/ppc.js';
import { decodeArmWords, type ArmArch } from '../decode/arm.js';
import { parseU64 } from '../values.js';
import { GUEST_ARCHES } from '../cpu/registers.js';
import { archOption, parseCommandLine, usageError, UsageError, type Command } from './io.js';

/** BE8 instructions are little-endian: aarch64_be and armeb decode as aarch64 and arm. */
const DECODER_ARCH = { aarch64_be: 'aarch64', armeb: 'arm' } as const;

const help = `Usage: memslot-emu decode --arch A [WORD…]

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

Options:
  --arch A      ${GUEST_ARCHES.join(' | ')} (required)

Exit codes: 0 every word printed (a word that is no load/store is a line with ok false),
2 a bad option or a word that is not 32-bit hex.
`;

export const decodeCommand: Command = {
  summary: 'decode load/store instruction words into JSON descriptors',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({ args, options: { arch: { type: 'string' } }, allowPositionals: true });
    const arch = archOption('decode', values.arch, GUEST_ARCHES);
    if (arch === undefined) throw new UsageError(`--arch is required: one of ${GUEST_ARCHES.join(', ')}`);
    const texts = positionals.length > 0 ? positionals : (await io.stdin()).split(/\s+/).filter((text) => text !== '');
    const words: number[] = [];
    for (const text of texts) {
      const value = parseU64(/^0x/i.test(text) ? text : `0x${text}`);
      if (value === undefined || value > 0xffffffffn) return usageError(io, 'decode', `'${text}' is not a 32-bit hex word`);
      words.push(Number(value));
    }
    const decoderArch = arch === 'aarch64_be' || arch === 'armeb' ? DECODER_ARCH[arch] : arch;
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const core = machine.attach(0);
    const decoded = decoderArch === 'ppc64be' || decoderArch === 'ppc64le' || decoderArch === 'ppc32be'
      ? decodePpcWords(core, words, decoderArch satisfies PpcArch)
      : decodeArmWords(core, words, decoderArch satisfies ArmArch);
    for (const object of decoded) io.stdout(`${JSON.stringify(object)}\n`);
    return 0;
  },
};
