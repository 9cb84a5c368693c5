import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, loadElf, runLoaded } from '../dist/src/index.js';

// Every PowerPC corpus ELF in lock-step with Unicorn 2 (test/oracles/unicorn_elf.py):
// pc and every integer register, CR, XER, LR and CTR before each instruction, for
// as far as this engine runs the program (at most STEPS instructions). Debian's
// python3-unicorn imports only under /usr/bin/python3 (UNICORN_PYTHON overrides).

const PYTHON = process.env.UNICORN_PYTHON ?? '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'test/oracles/unicorn_elf.py');
const STEPS = 20_000;
const TARGETS = ['ppc64', 'ppc64le', 'ppc32'];
const probe = spawnSync(PYTHON, ['-c', 'import unicorn; assert unicorn.__version__.startswith("2")'], { encoding: 'utf8' });
const haveUnicorn = probe.status === 0;
if (!haveUnicorn) console.warn(`elf-lockstep: skipped, ${PYTHON} cannot import unicorn 2 (apt install python3-unicorn): ${probe.stderr ?? probe.error}`);

const hex = (value: bigint) => value.toString(16);

describe.skipIf(!haveUnicorn)('PowerPC corpus in lock-step with Unicorn', () => {
  for (const target of TARGETS) {
    const dir = join(ROOT, 'guests/build', target);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.elf')).sort()) {
      it(`${target}/${file}`, async () => {
        const bytes = new Uint8Array(readFileSync(join(dir, file)));
        const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 18 * 1024 * 1024 });
        const loaded = loadElf(machine, bytes);
        const names = [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'cr', 'xer', 'lr', 'ctr'];
        const ours: string[] = [];
        runLoaded(machine, loaded, { budget: STEPS, beforeInstruction: (vcpu) => ours.push(names.map((name) => hex(vcpu.get(name))).join(' ')) });
        const registers = Object.fromEntries(Object.entries(loaded.registers).map(([name, value]) => [name, `0x${hex(value)}`]));
        const oracle = spawnSync(PYTHON, [SCRIPT, loaded.arch, join(dir, file), String(ours.length), JSON.stringify(registers)], { encoding: 'utf8', maxBuffer: 1 << 28 });
        expect(oracle.status, oracle.stderr).toBe(0);
        const lines = oracle.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(names.join(' '));
        const theirs = lines.slice(1, -1);
        expect(lines.at(-1)).toMatch(/^end /);
        const common = Math.min(ours.length, theirs.length);
        const first = Array.from({ length: common }, (_, i) => i).find((i) => ours[i] !== theirs[i]);
        if (first !== undefined) {
          const a = ours[first]!.split(' ');
          const b = theirs[first]!.split(' ');
          const differing = names.filter((_, k) => a[k] !== b[k]).map((name) => `${name}: ours ${a[names.indexOf(name)]}, Unicorn ${b[names.indexOf(name)]}`);
          const previous = first > 0 ? ours[first - 1]!.split(' ')[32] : 'entry';
          expect.fail(`step ${first}, after the instruction at pc 0x${previous}: ${differing.join('; ')}`);
        }
        // Unicorn ran at least as far as this engine did (unless it stopped on its own error).
        if (!/^end error/.test(lines.at(-1)!)) expect(theirs.length).toBe(ours.length);
      }, 120_000);
    }
  }
});
