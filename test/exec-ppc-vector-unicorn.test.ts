import { describe, expect, it } from 'vitest';
import { ppcVectorCases } from './fixtures/ppc-vector-cases.js';
import { haveUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';

const REGISTERS = [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'pc', 'cr'];
const PER_CLASS = Number(process.env.PPC_VECTOR_CASES_PER_CLASS ?? 12);

describe('PowerPC VMX/VSX integer instructions against Unicorn 2', () => {
  it.skipIf(!haveUnicorn)('every class stores the same vector, and leaves the same GPRs and CR', async () => {
    const cases = ppcVectorCases(2029, PER_CLASS);
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => `${testCase.name} ${testCase.insn.join(' ')}`);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  }, 600_000);
});
