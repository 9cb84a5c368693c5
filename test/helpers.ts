// Shared test helpers: a seeded PRNG (tests must be reproducible) and machine set-up.

/** xorshift32: deterministic from its seed. */
export function prng(seed: number): { next(): number; below(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    next,
    below: (n) => next() % n,
    pick: (items) => items[next() % items.length]!,
  };
}

type Access = 'read' | 'write' | 'fetch';
type WalkExport = 'a64Translate' | 'armTranslate' | 'ppcTranslate';
interface ProbedVcpu {
  readonly core: { readonly record: number; readonly functions: Record<WalkExport, (va: bigint, write: number, fetch: number) => number> };
}

/**
 * A host-side walk through the core's `walk` export for a vCPU: `{ pa }`, or the
 * fault's syndrome and address under the architecture's names (`esr`/`far`,
 * `fsr`/`far`, `dsisr`/`dar`).
 */
export function walkProbe<S extends string, A extends string>(
  machine: { readonly memory: WebAssembly.Memory; readonly map: { readonly REC_DATA: number; readonly REC_FAULT_SYNDROME: number; readonly REC_FAULT_ADDR: number } },
  walk: WalkExport, [syndrome, address]: [S, A], vcpu: ProbedVcpu,
): (va: bigint, access?: Access, on?: ProbedVcpu) => { pa: bigint } | Record<S | A, bigint> {
  const view = new DataView(machine.memory.buffer);
  return (va, access = 'read', on = vcpu) => {
    const status = on.core.functions[walk](va, access === 'write' ? 1 : 0, access === 'fetch' ? 1 : 0);
    const at = (offset: number) => view.getBigUint64(on.core.record + offset, true);
    if (status === 0) return { pa: at(machine.map.REC_DATA) };
    return { [syndrome]: at(machine.map.REC_FAULT_SYNDROME), [address]: at(machine.map.REC_FAULT_ADDR) } as Record<S | A, bigint>;
  };
}
