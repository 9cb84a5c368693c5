// Vcpu's register and run arguments: a value the register cannot hold, an unknown name
// or a budget the core cannot count ends in EmuError EINVAL and changes nothing.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu } from '../dist/src/index.js';

describe('Vcpu arguments', () => {
  it('refuses register values that do not fit, keeping the register as it was', async () => {
    const machine = await Machine.create();
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    vcpu.set('x1', 0x1234n);
    const hostile: unknown[] = [NaN, Infinity, -Infinity, 1.5, 2n ** 64n, -(2n ** 63n) - 1n, '7', null, undefined, {}];
    for (const value of hostile) {
      expect(() => vcpu.set('x1', value as bigint), String(value)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(vcpu.get('x1')).toBe(0x1234n);
    }
    const arm = new Vcpu(machine, 0, 'arm');
    expect(() => arm.set('r0', 2n ** 64n)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    arm.set('r0', 7);
    expect(arm.get('r0')).toBe(7n);
  });

  it('refuses unknown register names with EINVAL', async () => {
    const vcpu = new Vcpu(await Machine.create(), 0, 'ppc64be');
    expect(() => vcpu.get('x0' as 'r0')).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/unknown register "?x0/) }));
    expect(() => vcpu.set('nope' as 'r0', 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('refuses budgets the core cannot count', async () => {
    const vcpu = new Vcpu(await Machine.create(), 0, 'ppc64be');
    for (const budget of [NaN, -1, 1.5, 2 ** 32, Infinity]) {
      expect(() => vcpu.run(budget), String(budget)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });
});
