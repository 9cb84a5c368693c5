import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runElf, describeExit, type ElfRunResult } from '../dist/src/index.js';

// Every corpus program (guests/src) on every target and level (guests/build) runs to
// its own "passed" report, except the ones in elf-corpus-known.json: those must still
// stop exactly as recorded there (the first instruction the engine cannot run, named
// by Capstone), so a regression and a newly passing program both fail this test.
// After the engine learns instructions: UPDATE_ELF_KNOWN=1 npx vitest run test/elf-corpus.test.ts
// rewrites the list from what happens now (review the diff).

const BUILD = fileURLToPath(new URL('../guests/build/', import.meta.url));
const KNOWN_FILE = fileURLToPath(new URL('./elf-corpus-known.json', import.meta.url));
const known = JSON.parse(readFileSync(KNOWN_FILE, 'utf8')) as Record<string, string>;
const update = process.env.UPDATE_ELF_KNOWN === '1';
const failures: Record<string, string> = {};
const counts = new Map<string, { passed: number; total: number }>();

const require = createRequire(import.meta.url);
type Capstone = { disasm(bytes: Uint8Array, address: number): Array<{ mnemonic: string; op_str: string }> };
const cs = await (require('@alexaltea/capstone-js') as () => Promise<Record<string, number> & { Capstone: new (arch: number, mode: number) => Capstone }>)();
const disassemblers: Record<string, Capstone> = {
  ppc64be: new cs.Capstone(cs.ARCH_PPC!, cs.MODE_64! | cs.MODE_BIG_ENDIAN!),
  ppc64le: new cs.Capstone(cs.ARCH_PPC!, cs.MODE_64! | cs.MODE_LITTLE_ENDIAN!),
  ppc32be: new cs.Capstone(cs.ARCH_PPC!, cs.MODE_32! | cs.MODE_BIG_ENDIAN!),
  aarch64: new cs.Capstone(cs.ARCH_ARM64!, cs.MODE_LITTLE_ENDIAN!),
  arm: new cs.Capstone(cs.ARCH_ARM!, cs.MODE_ARM!),
  thumb: new cs.Capstone(cs.ARCH_ARM!, cs.MODE_THUMB!),
};

/** Capstone's text for the instruction the engine stopped at (in the state the engine was in). */
function mnemonic(result: ElfRunResult, word: number, thumbState: boolean): string {
  const arch = thumbState ? 'thumb' : result.arch;
  let bytes: Uint8Array;
  if (arch === 'thumb') {
    bytes = word > 0xffff ? Uint8Array.of((word >>> 16) & 0xff, word >>> 24, word & 0xff, (word >>> 8) & 0xff) : Uint8Array.of(word & 0xff, word >>> 8);
  } else {
    bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, word >>> 0, result.arch !== 'ppc64be' && result.arch !== 'ppc32be');
  }
  const decoded = disassemblers[arch]?.disasm(bytes, 0)[0];
  return decoded ? `${decoded.mnemonic} ${decoded.op_str}`.trim() : 'not an instruction for Capstone';
}

/** 'passed', or how the run ended instead. */
function outcome(result: ElfRunResult): string {
  const exit = result.exit;
  const passed = result.reports.find((report) => report.name === 'passed');
  if (exit.reason === 'done' && exit.status === 0n && passed !== undefined && passed.value > 0n) return 'passed';
  let text = describeExit(exit);
  if (result.where) text += ` in ${result.where}`;
  if (exit.reason === 'undefined') text += ` (${mnemonic(result, exit.word, exit.thumb)})`;
  return text;
}

const targets = existsSync(BUILD) ? readdirSync(BUILD).filter((name) => !name.includes('.')).sort() : [];

describe('the C corpus on every target and level', () => {
  it('has build products for every target', () => {
    expect(targets).toEqual(['aarch64', 'arm', 'ppc32', 'ppc64', 'ppc64le', 'thumb']);
  });

  for (const target of targets) {
    const files = readdirSync(`${BUILD}/${target}`).filter((name) => name.endsWith('.elf')).sort();
    for (const file of files) {
      const key = `${target}/${file}`;
      it(key, async () => {
        const result = await runElf(new Uint8Array(readFileSync(`${BUILD}/${target}/${file}`)), { budget: 200_000_000, ramSize: 1024 * 1024 });
        const got = outcome(result);
        const tally = counts.get(target) ?? { passed: 0, total: 0 };
        tally.total++;
        if (got === 'passed') tally.passed++;
        else failures[key] = got;
        counts.set(target, tally);
        if (update) return;
        if (known[key] === undefined) expect(got, `${key} must reach its "passed" report`).toBe('passed');
        else expect(got, `${key} is in elf-corpus-known.json; if it now passes or stops elsewhere, update that list`).toBe(known[key]);
      }, 60_000);
    }
  }

  afterAll(() => {
    const lines = [...counts].map(([target, { passed, total }]) => `  ${target.padEnd(8)} ${String(passed).padStart(3)} of ${total} passed`);
    console.log(`ELF corpus:\n${lines.join('\n')}`);
    if (update) writeFileSync(KNOWN_FILE, `${JSON.stringify(Object.fromEntries(Object.entries(failures).sort()), null, 2)}\n`);
  });
});
