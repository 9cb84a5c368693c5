// memslot-emu step: JSON lines in, one result line out per input line.

import { parseArgs } from 'node:util';
import { StepRunner, DEFAULT_CODE_ADDRESS, type StepInput } from '../step.js';
import { hex } from '../values.js';
import type { Command } from './io.js';

const help = `Usage: memslot-emu step < INPUT.jsonl

Runs instructions from given registers and memory, one JSON object per input line,
and prints one JSON object per line: every register afterwards, the given memory
ranges afterwards, and the fault (null if none). The MMU is off and only the pages
holding the given ranges and the code are RAM; an access anywhere else is an
unmapped fault.

Input:  {"arch":"ppc64be"|"ppc64le"|"ppc32be"|"aarch64"|"arm"|"thumb", "insn":["0x80830004",…],
         "regs":{"r3":"0x2000",…}, "mem":[{"addr":"0x2000","hex":"0011…"}]}
        insn runs in order from "pc" (default ${hex(DEFAULT_CODE_ADDRESS)}); a Power10
        prefixed instruction is two words; a 32-bit Thumb instruction is one word with
        its first halfword in the high bits; as many instructions run as are given.
Output: {"regs":{…every register…}, "mem":[{"addr","hex"}], "fault":null|{"kind","addr"}}
        PowerPC registers: r0-r31 pc cr xer lr ctr msr f0-f31 v0-v31 hashkeyr hashpkeyr;
        A64: x0-x30 sp pc nzcv v0-v31 (vector registers as 32 hex digits);
        A32/T32: r0-r15 cpsr d0-d31 (set "cpsr" to choose the flags, IT and mode bits).
        fault kinds: unmapped-read, unmapped-write, unmapped-fetch, illegal, unaligned,
        device-error, translation, trap (hashchk's check failed; addr: its EA); on a
        fault "pc" is the faulting instruction's address.
A line that cannot be run prints {"error":"…"}.
`;

export const stepCommand: Command = {
  summary: 'run instructions from given registers and memory (JSON lines in and out)',
  help,
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const runner = await StepRunner.create();
    const lines = (await io.stdin()).split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) {
      let input: StepInput;
      try {
        input = JSON.parse(line) as StepInput;
      } catch (error) {
        io.stdout(`${JSON.stringify({ error: `not JSON: ${error instanceof Error ? error.message : String(error)}` })}\n`);
        continue;
      }
      io.stdout(`${JSON.stringify(runner.step(input))}\n`);
    }
    return 0;
  },
};
