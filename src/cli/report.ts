// memslot-emu report: charts, a Markdown summary and an HTML page from result rows.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport } from '../report/report.js';
import { readRows } from '../sweep.js';
import { checkInputFile, commandLineMessage, usageError, type Command } from './io.js';

const help = `Usage: memslot-emu report RESULTS.jsonl... [--out DIR]

Reads result rows (one JSON object per line, as sweep writes them, or compare --json)
from one or more files (the shards of a sweep: all their rows together) and writes into
DIR (default: the first file's name less .jsonl, plus -report/): report.html
(self-contained), the charts as plain SVG files (latency-cdf.svg, throughput-vs-rate.svg, stall-vs-vcpus.svg,
violations.svg) and summary.md, which it also prints.
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
    const report = buildReport(rows);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'report.html'), report.html);
    writeFileSync(join(out, 'summary.md'), report.markdown);
    for (const [name, svg] of Object.entries(report.svgs)) writeFileSync(join(out, `${name}.svg`), svg);
    io.stdout(report.markdown + `\nWritten to ${out}/: report.html, summary.md, ${Object.keys(report.svgs).map((name) => `${name}.svg`).join(', ')}\n`);
    return 0;
  },
};
