// What a CLI command may touch: its arguments and three streams (so tests run
// commands in-process), and the progress bar the long commands draw on a terminal.

import cliProgress from 'cli-progress'; // CommonJS: no named imports

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

/** Reads FILE, or standard input for '-'. */
export async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') return io.stdin();
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}

/** A usage error: prints the message and a pointer to --help; exit code 2. */
export function usageError(io: CliIo, command: string, message: string): number {
  io.stderr(`memslot-emu ${command}: ${message}\nRun 'memslot-emu ${command} --help' for usage.\n`);
  return 2;
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
