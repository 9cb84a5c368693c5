// What a CLI command may touch: its arguments and three streams (so tests run
// commands in-process).

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin(): Promise<string>;
  /** Replaces the progress line (a terminal's stderr); absent when there is none. */
  progress?(line: string): void;
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
