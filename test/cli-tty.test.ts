// The CLI as a person sees it in a terminal: each command runs under a pseudo-terminal
// (util-linux `script`), and the transcript is replayed through a small screen model
// (carriage return, line feed and the escapes a progress bar uses) to get the screen.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/memslot-emu.js', import.meta.url));
const SCRIPT = '/usr/bin/script';

/** Runs `memslot-emu ARGS` (a shell command line) with stdout and stderr on a 160-column pseudo-terminal. */
function inTerminal(args: string): { code: number | null; transcript: string; screen: string[] } {
  const result = spawnSync(SCRIPT, ['-qec', `stty cols 160 rows 50; ${process.execPath} ${BIN} ${args}`, '/dev/null'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
  });
  return { code: result.status, transcript: result.stdout, screen: screenOf(result.stdout) };
}

/** The screen's lines after `transcript` (every line kept: no height, no scrolling). */
function screenOf(transcript: string): string[] {
  const lines = [''];
  let row = 0;
  let column = 0;
  let saved = [0, 0] as [number, number];
  for (let i = 0; i < transcript.length; i++) {
    const char = transcript[i]!;
    if (char === '\x1b') {
      const escape = /^\x1b(?:\[([?\d;]*)([A-Za-z])|([78]))/.exec(transcript.slice(i, i + 16));
      if (!escape) throw new Error(`unexpected escape ${JSON.stringify(transcript.slice(i, i + 8))}`);
      i += escape[0].length - 1;
      const [, parameter = '', command, saveOrRestore] = escape;
      const line = lines[row]!;
      if (saveOrRestore === '7') saved = [row, column];
      else if (saveOrRestore === '8') [row, column] = saved;
      else if (command === 'G') column = Number(parameter || 1) - 1;
      else if (command === 'K' && (parameter || '0') === '0') lines[row] = line.slice(0, column);
      else if (command === 'K' && parameter === '1') lines[row] = ' '.repeat(column) + line.slice(column);
      else if (command === 'K' && parameter === '2') lines[row] = '';
      else if (command !== 'h' && command !== 'l') throw new Error(`unexpected escape ${JSON.stringify(escape[0])}`);
      continue;
    }
    if (char === '\r') {
      column = 0;
    } else if (char === '\n') {
      row++;
      lines[row] ??= '';
    } else {
      const line = lines[row]!.padEnd(column);
      lines[row] = line.slice(0, column) + char + line.slice(column + 1);
      column++;
    }
  }
  return lines.map((line) => line.trimEnd());
}

/** The progress frames drawn (the text between escapes that holds a bar). */
function frames(transcript: string, command: string): string[] {
  return transcript.split(/\x1b(?:\[[?\d;]*[A-Za-z]|[78])/).filter((part) => part.startsWith(`${command} [`));
}

const COMPARE = 'compare --deterministic --updates 20 --strategies naive,kvm --invalidation broadcast';

describe.skipIf(!existsSync(SCRIPT))('the CLI in a terminal', () => {
  it('compare draws a bar with the running row and an ETA, erases it, then prints the table; exit 0', () => {
    const { code, transcript, screen } = inTerminal(COMPARE);
    expect(code, transcript).toBe(0);
    const drawn = frames(transcript, 'compare');
    expect(drawn.some((frame) => /^compare \[[=-]{24}\] ETA \S+ \| row [12]\/2: (naive|kvm)\/broadcast$/.test(frame)), drawn.join('\n')).toBe(true);
    expect(transcript.indexOf(drawn[0]!)).toBeLessThan(transcript.indexOf('strategy '));
    expect(screen.some((line) => line.includes('compare ['))).toBe(false);
    expect(screen[0]).toBe('bar-remap on ppc64be, 2 vCPUs, deterministic (seed 1), 20 updates per row');
    const header = screen.findIndex((line) => line.startsWith('strategy '));
    expect(header).toBeGreaterThan(0);
    expect(screen[header + 2]).toMatch(/^naive\s+broadcast\s+20\s/);
    expect(screen[header + 3]).toMatch(/^kvm\s+broadcast\s+20\s/);
    expect(screen.some((line) => line.startsWith('holes '))).toBe(true);
  });

  it('compare on worker threads (what npm start runs) ends with the table too', () => {
    const { code, transcript, screen } = inTerminal('compare --strategies naive,rcu --invalidation ipi --duration 0.2');
    expect(code, transcript).toBe(0);
    expect(frames(transcript, 'compare').length).toBeGreaterThan(0);
    expect(screen[0]).toMatch(/^bar-remap on ppc64be, 2 vCPUs, worker threads \(no seed: timing decides\), 0.2 s per row at 1000 updates\/s$/);
    expect(screen.filter((line) => /^(naive|rcu)\s+ipi\s+\d+\s/.test(line))).toHaveLength(2);
  });

  it('compare --json on a terminal shows the bar, then JSON lines only', () => {
    const { code, transcript, screen } = inTerminal(`${COMPARE} --json`);
    expect(code, transcript).toBe(0);
    expect(frames(transcript, 'compare').length).toBeGreaterThan(0);
    const shown = screen.filter((line) => line !== '');
    expect(shown.map((line) => JSON.parse(line).strategy)).toEqual(['naive', 'kvm']);
  });

  it('compare --json > FILE: valid JSON reaches stdout while the bar is on the terminal', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tty-')), 'rows.jsonl');
    const { code, transcript, screen } = inTerminal(`${COMPARE} --json > ${file}`);
    expect(code, transcript).toBe(0);
    expect(frames(transcript, 'compare').length).toBeGreaterThan(0);
    expect(screen.join('')).toBe('');
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((row) => `${row.strategy}/${row.invalidation}/${row.updates}`)).toEqual(['naive/broadcast/20', 'kvm/broadcast/20']);
  });

  it('sweep draws its bar with the grid point being run, then says what it did', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tty-')), 'rows.jsonl');
    const { code, transcript, screen } = inTerminal(`sweep --out ${file} --deterministic --updates 10 --strategies naive,rcu --invalidation broadcast --vcpus 1,2`);
    expect(code, transcript).toBe(0);
    const drawn = frames(transcript, 'sweep');
    expect(drawn.some((frame) => /^sweep \[[=-]{24}\] ETA \S+ \| row [1-4]\/4: (naive|rcu)\/broadcast, [12] vCPUs, 1000\/s, safepoint 64, 10 slots$/.test(frame)), drawn.join('\n')).toBe(true);
    expect(screen.filter((line) => line !== '')).toEqual([`4 rows run, 0 already in ${file}; 4 in the grid.`]);
  });

  it('with stderr not a terminal, no bar and no escapes', () => {
    const result = spawnSync(process.execPath, [BIN, ...COMPARE.split(' ')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).toMatch(/^kvm\s+broadcast\s+20\s/m);
  });
});
