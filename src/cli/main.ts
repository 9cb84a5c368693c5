// memslot-emu: the command-line entry. Each subcommand lives in its own file.

import { readFileSync } from 'node:fs';
import { UsageError, usageLine, type CliIo, type Command } from './io.js';
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
    '       memslot-emu help [<command>]',
    '       memslot-emu --version',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'memslot-emu help <command>' (or 'memslot-emu <command> --help') for a command's options.",
    'Exit codes: 0 done, 1 the run failed or found a violation, 2 a usage error.',
    '',
  ].join('\n');
}

/** The package's version, from its package.json (dist/src/cli/ → the package root). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(overview());
    return 2;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(overview());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`memslot-emu ${version()}\n`);
    return 0;
  }
  if (name === 'help') {
    const topic = commands[rest[0]!];
    if (!topic || rest.length > 1) return unknownCommand(io, rest.join(' '));
    io.stdout(topic.help);
    return 0;
  }
  const command = commands[name];
  if (!command) return unknownCommand(io, name);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(usageLine(name, error.message));
      return 2;
    }
    io.stderr(`memslot-emu ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function unknownCommand(io: CliIo, name: string): number {
  io.stderr(`memslot-emu: unknown command '${name}' (commands: ${Object.keys(commands).join(', ')}); run 'memslot-emu help' for usage\n`);
  return 2;
}
