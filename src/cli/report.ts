// memslot-emu report: charts, a Markdown summary and an HTML page from result rows.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport, CHARTS } from '../report/report.js';
import { readRows } from '../sweep.js';
import { checkInputFile, commandLineMessage, usageError, type Command } from './io.js';

const help = `Usage: memslot-emu report RESULTS.jsonl [MORE.jsonl …] [--out DIR]

Reads result rows (one JSON object per line, as sweep writes them, or compare --json;
several files, such as the shards of a sweep, are merged) and writes into DIR
(default: the first file's name less .jsonl, plus -report/): report.html
(self-contained), the charts as plain SVG files (${CHARTS.map((name) => `${name}.svg`).join(', ')})
and summary.md, which it also prints.

Every chart point and table line is one grid point (strategy, model, vCPUs, rate, …):
the median over the rows that differ only in their repeat. Charts are small multiples,
one per value of the grid's other dimensions. Latencies leave out rows with no updates
(rate 0); back-to-back rows (--rates Infinity) are labelled so. The header gives the
command, grid, duration, seed and machine from the rows' meta records.
`;

export const reportCommand: Command = {
  summary: 'an HTML report, SVG charts and a Markdown summary from result rows',
  help,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { out: { type: 'string' } } });
    } catch (error) {
      return usageError(io, 'report', commandLineMessage(error));
    }
    const files = parsed.positionals;
    if (files.length === 0) return usageError(io, 'report', 'give one or more RESULTS.jsonl files');
    const rows = [];
    for (const file of files) {
      checkInputFile(file);
      const own = readRows(file);
      if (own.length === 0) return usageError(io, 'report', `${file} holds no result rows`);
      rows.push(...own);
    }
    const out = parsed.values.out ?? files[0]!.replace(/\.jsonl?$/, '') + '-report';
    let report;
    try {
      report = buildReport(rows);
    } catch (error) {
      return usageError(io, 'report', `${files.join(', ')}: ${(error as Error).message}`);
    }
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'report.html'), report.html);
    writeFileSync(join(out, 'summary.md'), report.markdown);
    for (const [name, svg] of Object.entries(report.svgs)) writeFileSync(join(out, `${name}.svg`), svg);
    io.stdout(report.markdown + `\nWritten to ${out}/: report.html, summary.md, ${Object.keys(report.svgs).map((name) => `${name}.svg`).join(', ')}\n`);
    return 0;
  },
};
