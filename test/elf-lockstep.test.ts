import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, loadElf, runLoaded } from '../dist/src/index.js';

// Every corpus ELF in lock-step with Unicorn 2 (test/oracles/unicorn_elf.py): pc and
// every integer register before each instruction (PowerPC: CR, XER, LR and CTR too;
// A64: SP and NZCV; A32/T32: CPSR's NZCV), for as far as this engine runs the program
// (at most STEPS instructions). The divergences elf-lockstep-known.json records (engine
// bugs found this way) must stay exactly as recorded until fixed; then
// UPDATE_ELF_KNOWN=1 npx vitest run test/elf-lockstep.test.ts rewrites the list.
// Debian's python3-unicorn imports only under /usr/bin/python3 (UNICORN_PYTHON overrides).

const PYTHON = process.env.UNICORN_PYTHON ?? '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'test/oracles/unicorn_elf.py');
const STEPS = 20_000;
const TARGETS = ['ppc64', 'ppc64le', 'ppc32', 'aarch64', 'arm', 'thumb'];
const KNOWN_FILE = join(ROOT, 'test/elf-lockstep-known.json');
const known = JSON.parse(readFileSync(KNOWN_FILE, 'utf8')) as Record<string, string>;
const update = process.env.UPDATE_ELF_KNOWN === '1';
const divergences: Record<string, string> = {};
const NAMES: Record<string, string[]> = {
  ppc: [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'cr', 'xer', 'lr', 'ctr'],
  a64: [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'],
  a32: [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'],
};
const probe = spawnSync(PYTHON, ['-c', 'import unicorn; assert unicorn.__version__.startswith("2")'], { encoding: 'utf8' });
const haveUnicorn = probe.status === 0;
if (!haveUnicorn) console.warn(`elf-lockstep: skipped, ${PYTHON} cannot import unicorn 2 (apt install python3-unicorn): ${probe.stderr ?? probe.error}`);

const hex = (value: bigint) => value.toString(16);

describe.skipIf(!haveUnicorn)('the corpus in lock-step with Unicorn', () => {
  for (const target of TARGETS) {
    const dir = join(ROOT, 'guests/build', target);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.elf')).sort()) {
      const key = `${target}/${file}`;
      it(key, async () => {
        const bytes = new Uint8Array(readFileSync(join(dir, file)));
        const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 18 * 1024 * 1024 });
        const loaded = loadElf(machine, bytes);
        const names = NAMES[loaded.arch.startsWith('ppc') ? 'ppc' : loaded.arch.startsWith('aarch64') ? 'a64' : 'a32']!;
        const pcIndex = names.indexOf(names.includes('pc') ? 'pc' : 'r15');
        const value = (vcpu: { get(name: string): bigint }, name: string) => (name === 'cpsr' ? vcpu.get(name) & 0xf000_0000n : vcpu.get(name));
        const ours: string[] = [];
        runLoaded(machine, loaded, { budget: STEPS, beforeInstruction: (vcpu) => ours.push(names.map((name) => hex(value(vcpu, name))).join(' ')) });
        const registers = Object.fromEntries(Object.entries(loaded.registers).map(([name, value]) => [name, `0x${hex(value)}`]));
        const oracle = spawnSync(PYTHON, [SCRIPT, loaded.arch, join(dir, file), String(ours.length), JSON.stringify(registers)], { encoding: 'utf8', maxBuffer: 1 << 28 });
        expect(oracle.status, oracle.stderr).toBe(0);
        const lines = oracle.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(names.join(' '));
        const theirs = lines.slice(1, -1);
        expect(lines.at(-1)).toMatch(/^end /);
        const common = Math.min(ours.length, theirs.length);
        const first = Array.from({ length: common }, (_, i) => i).find((i) => ours[i] !== theirs[i]);
        let got = 'agrees';
        if (first !== undefined) {
          const a = ours[first]!.split(' ');
          const b = theirs[first]!.split(' ');
          const differing = names.filter((_, k) => a[k] !== b[k]).map((name) => `${name}: ours ${a[names.indexOf(name)]}, Unicorn ${b[names.indexOf(name)]}`);
          const previous = first > 0 ? `pc 0x${ours[first - 1]!.split(' ')[pcIndex]}` : 'entry';
          got = `step ${first}, after the instruction at ${previous}: ${differing.join('; ')}`;
        } else if (!/^end error/.test(lines.at(-1)!) && theirs.length !== ours.length) {
          // Unicorn runs at least as far as this engine did, unless it stopped on its own error.
          got = `Unicorn stopped after ${theirs.length} of ${ours.length} steps: ${lines.at(-1)}`;
        }
        if (got !== 'agrees') divergences[key] = got;
        if (update) return;
        expect(got, known[key] === undefined ? undefined : `${key} is in elf-lockstep-known.json; update that list if it changed`).toBe(known[key] ?? 'agrees');
      }, 120_000);
    }
  }

  afterAll(() => {
    if (update) writeFileSync(KNOWN_FILE, `${JSON.stringify(Object.fromEntries(Object.entries(divergences).sort()), null, 2)}\n`);
  });
});
