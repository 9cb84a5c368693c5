// What a CLI command may touch: its arguments and three streams (so tests run
// commands in-process), the checks every command makes of its arguments (a bad
// command line throws UsageError, which main prints as one line and exits 2), and the
// progress bar the long commands draw on a terminal.

import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import cliProgress from 'cli-progress'; // CommonJS: no named imports
import { GUEST_ARCHES } from '../cpu/registers.js';
import { isScenario, scenarioNeedsMmu } from '../scenarios/index.js';
import { mmuGuestCode } from '../scenarios/guest.js';
import { EmuError } from '../errors.js';

const { Format, SingleBar } = cliProgress;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin(): Promise<string>;
  /** Where progress bars go: stderr when it is a terminal; absent otherwise (no bar). */
  terminal?: NodeJS.WriteStream;
}

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** The whole --help text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A bad command line (not a failed run): main prints `memslot-emu CMD: message` and a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The one line a usage error prints: the message and where the usage is. */
export function usageLine(command: string, message: string): string {
  return `memslot-emu ${command}: ${message.replace(/\s*\n\s*/g, ' ')}; run 'memslot-emu help ${command}' for usage\n`;
}

/** Prints a usage error; resolves to exit code 2. */
export function usageError(io: CliIo, command: string, message: string): number {
  io.stderr(usageLine(command, message));
  return 2;
}

/** node:util parseArgs (strict unless told otherwise); its errors (unknown option, missing value, stray argument) become UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(commandLineMessage(error));
  }
}

/** A short line for a node:util parseArgs error (its own texts run to three sentences). */
export function commandLineMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(text)?.[1] ?? '';
  const option = quoted.split(' ')[0];
  if (/^Unknown option/.test(text)) return `unknown option '${quoted}'`;
  if (/^Unexpected argument/.test(text)) return `unexpected argument '${quoted}'`;
  if (/argument missing/.test(text)) return `option '${option}' needs a value`;
  if (/argument is ambiguous/.test(text)) return `option '${option}' needs a value (write ${option}=-… for one that starts with '-')`;
  if (/does not take an argument/.test(text)) return `option '${option}' takes no value`;
  return text.split(/\.\s/)[0]!;
}

/** Reads FILE, or standard input for '-'; a missing file or a directory is a UsageError. */
export async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') return io.stdin();
  checkInputFile(file);
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}

/** Throws a UsageError unless `file` names an existing file (not a directory). */
export function checkInputFile(file: string): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`${file}: no such file`);
  if (stat.isDirectory()) throw new UsageError(`${file} is a directory, not a file`);
}

const DECIMAL_OR_HEX = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** An integer option, decimal or 0x, in min..max; undefined when the option was not given. */
export function integerOption(option: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = DECIMAL_OR_HEX.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) throw new UsageError(`--${option}: '${text}' is not an integer ${min}..${max}`);
  return value;
}

/** The scheduler's seed: an integer 0..2^32-1 (it is a 32-bit state); undefined when not given. */
export function seedOption(text: string | undefined): number | undefined {
  return integerOption('seed', text, 0, 2 ** 32 - 1);
}

/**
 * A number option (decimal, fractions and exponents allowed, "Infinity" too); NaN for a
 * blank or non-numeric text, so the library's range check refuses it by name.
 */
export function numberText(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return text.trim() === '' ? NaN : Number(text);
}

/** A comma-separated list of numbers (each as numberText reads it); an empty item is a UsageError. */
export function numberListOption(option: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const value = numberText(part);
    if (value === undefined || Number.isNaN(value)) throw new UsageError(`--${option}: '${part.trim()}' in '${text}' is not a number`);
    return value;
  });
}

/** The arch list for a command's help: the architectures it runs, and which guest architectures it does not. */
export function archHelp(supported: readonly string[] = GUEST_ARCHES): string {
  const others = GUEST_ARCHES.filter((arch) => !supported.includes(arch));
  return supported.join(' | ') + (others.length > 0 ? ` (not ${others.join(', ')})` : '');
}

/** Checks --arch against the guest architectures and the command's subset of them; undefined when not given. */
export function archOption<A extends string>(command: string, text: string | undefined, supported: readonly A[]): A | undefined {
  if (text === undefined || (supported as readonly string[]).includes(text)) return text as A | undefined;
  if ((GUEST_ARCHES as readonly string[]).includes(text)) {
    throw new UsageError(`--arch: ${command} runs on ${supported.join(', ')}, not ${text}`);
  }
  throw new UsageError(`--arch: '${text}' is not a guest architecture (${GUEST_ARCHES.join(', ')})`);
}

/** Checks a scenario makes only once a row runs (its guest MMU, its vCPU minimum), so they fail before any row does. */
export function checkScenario(scenario: string | undefined, arch: string | undefined, vcpuCounts: readonly number[]): void {
  if (scenario === undefined || !isScenario(scenario) || !scenarioNeedsMmu(scenario)) return;
  try {
    if (arch !== undefined) mmuGuestCode(arch);
  } catch (error) {
    throw new UsageError(`--arch: ${scenario} ${error instanceof EmuError ? error.detail.replace(/^option arch: /, '') : String(error)}`);
  }
  if (vcpuCounts.some((count) => count < 2)) throw new UsageError(`--vcpus: ${scenario} needs at least 2 (one remaps, the rest write)`);
}

/** A bar over a run's rows: `done` counts rows finished plus the running row's fraction. */
export interface RowBar {
  update(done: number, label: string): void;
  /** Erases the bar (call before printing the results). */
  stop(): void;
}

/**
 * A progress bar on the terminal (cli-progress): the bar, an ETA from the progress so far and
 * the row being run (a label). `startAt` rows count as done already (a resumed sweep). Without a
 * terminal it draws nothing.
 */
export function rowBar(io: CliIo, command: string, total: number, startAt = 0): RowBar {
  if (!io.terminal) return { update() {}, stop() {} };
  const bar = new SingleBar({
    stream: io.terminal,
    barsize: 24,
    clearOnComplete: true,
    linewrap: true, // cut to the terminal's width; never switch the terminal's wrapping off
    etaBuffer: 100,
    format: (options, params, payload: { label?: string }) => {
      const eta = typeof params.eta === 'number' ? Format.TimeFormat(params.eta, options, 1) : '…';
      return `${command} [${Format.BarFormat(params.progress, options)}] ETA ${eta} | ${payload.label ?? ''}`; // a narrow terminal cuts the label's end
    },
  });
  bar.start(total, startAt, { label: 'starting' });
  return {
    update: (done, label) => bar.update(Math.min(done, total), { label }),
    stop: () => bar.stop(),
  };
}
