import { describe, expect, it } from 'vitest';
import { ppcCases } from './fixtures/ppc-cases.js';
import { haveUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';

// XER is compared by neither side: Debian's Unicorn 2.0.1 cannot read SO/OV/CA.
const REGISTERS = [
  ...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'cr', 'lr', 'ctr',
  ...Array.from({ length: 32 }, (_, i) => `f${i}`),
];
const PER_CLASS = Number(process.env.PPC_CASES_PER_CLASS ?? 30);

describe('PowerPC execution against Unicorn 2', () => {
  it.skipIf(!haveUnicorn)('every load/store class leaves the same registers, memory and faults', async () => {
    const cases = ppcCases(2026, PER_CLASS);
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => `${testCase.name} ${testCase.insn.join(' ')}`);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });
});
