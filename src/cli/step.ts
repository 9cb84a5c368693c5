// memslot-emu step: JSON lines in, one result line out per input line.

import { StepRunner, DEFAULT_CODE_ADDRESS, type StepInput } from '../step.js';
import { GUEST_ARCHES } from '../cpu/registers.js';
import { hex } from '../values.js';
import { parseCommandLine, type Command } from './io.js';

const help = `Usage: memslot-emu step < INPUT.jsonl

Runs instructions from given registers and memory, one JSON object per input line,
and prints one JSON object per line: every register afterwards, the given memory
ranges afterwards, and the fault (null if none). The MMU is off and only the pages
holding the given ranges and the code are RAM; an access anywhere else is an
unmapped fault.

Input:  {"arch":"${GUEST_ARCHES.join('"|"')}",
         "insn":["0x80830004",…], "regs":{"r3":"0x2000",…}, "mem":[{"addr":"0x2000","hex":"0011…"}]}
        (other keys, such as an "id", are ignored). The code is placed at "pc" (r15 on A32/T32;
        default ${hex(DEFAULT_CODE_ADDRESS)}, a multiple of 4, of 2 on Thumb) and runs in order from
        there; a Power10 prefixed instruction is two words; a 32-bit Thumb instruction is
        one word with its first halfword in the high bits; as many instructions run as
        are given. Registers may also be named by their usual aliases: sp, lr, pc
        (r13, r14, r15) on A32/T32; fp, lr (x29, x30) on A64; sp (r1) on PowerPC.
Output: {"regs":{…every register…}, "mem":[{"addr","hex"}], "fault":null|{"kind","addr"}}
        PowerPC registers: r0-r31 pc cr xer lr ctr msr f0-f31 v0-v31 hashkeyr hashpkeyr;
        A64: x0-x30 sp pc nzcv v0-v31 (vector registers as 32 hex digits);
        A32/T32: r0-r15 cpsr d0-d31 fpscr (set "cpsr" to choose the flags, IT and mode bits).
        fault kinds: unmapped-read, unmapped-write, unmapped-fetch, illegal, unaligned,
        device-error, translation, trap (hashchk's check failed; addr: its EA); on a
        fault "pc" is the faulting instruction's address.
A line that cannot be run (not JSON, a bad field) prints {"error":"…"} and the rest run.

Exit codes: 0 every line ran (a fault is a result), 1 some line printed an error,
2 a bad option.
`;

export const stepCommand: Command = {
  summary: 'run instructions from given registers and memory (JSON lines in and out)',
  help,
  async run(args, io) {
    parseCommandLine({ args, options: {} });
    const runner = await StepRunner.create();
    const lines = (await io.stdin()).split('\n').filter((line) => line.trim() !== '');
    let failed = 0;
    for (const line of lines) {
      let input: StepInput;
      try {
        input = JSON.parse(line) as StepInput;
      } catch (error) {
        io.stdout(`${JSON.stringify({ error: `not JSON: ${error instanceof Error ? error.message : String(error)}` })}\n`);
        failed++;
        continue;
      }
      const output = runner.step(input);
      if ('error' in output) failed++;
      io.stdout(`${JSON.stringify(output)}\n`);
    }
    return failed > 0 ? 1 : 0;
  },
};
