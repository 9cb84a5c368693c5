// Type-level checks of the public API, compiled by test/types.test.ts (tsc --noEmit):
// every `@ts-expect-error` line must fail to compile, so a typo in a register,
// scenario, arch or strategy name, or a read of a field an exit does not have, is a
// compile-time error. Nothing here runs.
import { compare, Machine, Vcpu, type RegisterName, type VcpuExit } from '../../dist/src/index.js';

declare const machine: Machine;

const ppcVcpu = new Vcpu(machine, 0, 'ppc64be');
ppcVcpu.set('r3', 1n).set('lr', 0).set('sr15', 0).set('dbat3l', 0).set('v31', 0).get('hashkeyr');
// @ts-expect-error PowerPC has r0-r31
ppcVcpu.set('r32', 1n);
// @ts-expect-error x0 is an A64 register
ppcVcpu.get('x0');

const a64Vcpu = new Vcpu(machine, 1, 'aarch64_be');
a64Vcpu.set('x30', 0).set('sp', 0).get('sctlr_el1');
// @ts-expect-error x31 is sp or xzr, not a register name
a64Vcpu.set('x31', 0);
// @ts-expect-error a typo of nzcv
a64Vcpu.get('nzvc');

const thumbVcpu = new Vcpu(machine, 0, 'thumb');
thumbVcpu.set('r15', 0).set('cpsr', 0).set('ttbr0', 0).set('d31', 0);
// @ts-expect-error AArch32 has r0-r15
thumbVcpu.set('r16', 0);

// With the architecture unknown at compile time, any architecture's name.
declare const anyVcpu: Vcpu;
anyVcpu.set('x0', 0).set('r31', 0).set('cpsr', 0);
// @ts-expect-error no architecture has rax
anyVcpu.set('rax', 0);
const fromInput: string = 'r3';
// @ts-expect-error a plain string is not a register name: check it with isRegister()
ppcVcpu.set(fromInput, 0);
if (ppcVcpu.isRegister(fromInput)) ppcVcpu.set(fromInput, 0);
const names: readonly RegisterName<'ppc64be'>[] = ppcVcpu.registerNames;
void names;

// reset() changes the architecture, and the names with it.
const switched = ppcVcpu.reset('aarch64');
switched.set('x1', 0);
// @ts-expect-error r3 is not an A64 register
switched.set('r3', 0);

void compare({ scenario: 'bar-remap', arch: 'aarch64', strategies: ['rcu', 'mutex-rwlock'] });
// @ts-expect-error a typo of bar-remap
void compare({ scenario: 'bar-remapp' });
// @ts-expect-error compare's guests run on ppc64be, ppc32be, aarch64, arm and thumb
void compare({ arch: 'x86_64' });
// @ts-expect-error a typo of stop-the-world
void compare({ strategies: ['rcu', 'stop-the-wrld'] });

declare const exit: VcpuExit;
if (exit.reason === 'mmio') {
  const cause: 'unmapped' | 'read-only slot' | 'invalid slot' = exit.cause;
  void cause;
  // @ts-expect-error an MMIO exit always has a cause
  void (exit.cause === 'none');
  if (exit.write) {
    const written: [Uint8Array, bigint] = [exit.data, exit.value];
    void written;
  } else {
    // @ts-expect-error a read exit carries no data: completeMmio() supplies it
    void exit.data;
  }
}
