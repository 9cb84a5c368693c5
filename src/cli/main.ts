// memslot-emu: the command-line entry. Each subcommand lives in its own file.

import type { CliIo, Command } from './io.js';
import { slotsCommand } from './slots.js';
import { compareCommand } from './compare.js';
import { soakCommand } from './soak.js';
import { sweepCommand } from './sweep.js';
import { reportCommand } from './report.js';
import { decodeCommand } from './decode.js';
import { stepCommand } from './step.js';
import { runCommand } from './run.js';

export const commands: Record<string, Command> = {
  compare: compareCommand,
  soak: soakCommand,
  sweep: sweepCommand,
  report: reportCommand,
  slots: slotsCommand,
  decode: decodeCommand,
  step: stepCommand,
  run: runCommand,
};

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    'memslot-emu: an emulated-MMIO and load/store engine in WebAssembly, with KVM-style',
    'memory slots changed under several atomicity strategies while vCPUs run.',
    '',
    'Usage: memslot-emu <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'memslot-emu <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`memslot-emu: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(`memslot-emu ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
