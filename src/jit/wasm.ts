// A small WebAssembly binary writer for the loop compiler: one module that imports
// the machine's memory (and functions of the core) and exports one function, its body
// written opcode by opcode.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;

/** The opcodes the compiler emits (WebAssembly core spec, section 5.4). */
export const op = {
  if: 0x04, else: 0x05, end: 0x0b, return: 0x0f, call: 0x10, callIndirect: 0x11,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Load8U: 0x2d, i32Load16S: 0x2e, i32Load16U: 0x2f,
  i32Store: 0x36, i64Store: 0x37, i32Store8: 0x3a, i32Store16: 0x3b,
  i64Load32U: 0x35,
  i32Const: 0x41, i64Const: 0x42, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GeU: 0x4f, i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtU: 0x54, i64GeU: 0x5a, f64Lt: 0x63,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76, i32Rotl: 0x77, i32Rotr: 0x78,
  i64Add: 0x7c, i64Sub: 0x7d, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrU: 0x88, i64Rotr: 0x8a,
  f64Neg: 0x9a, i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad, i32Extend16S: 0xc1,
} as const;

/** Prefixed opcodes: saturating truncations (0xfc) and atomic memory (0xfe). */
export const prefixed = {
  i32TruncSatF64U: [0xfc, 3], i64TruncSatF64U: [0xfc, 7],
  i32AtomicLoad: [0xfe, 0x10],
} as const;

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}

function signedLeb(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const name = (text: string) => [...unsignedLeb(text.length), ...new TextEncoder().encode(text)];
const section = (id: number, body: number[]) => [id, ...unsignedLeb(body.length), ...body];

/** A function body under construction. */
export class Body {
  readonly bytes: number[] = [];

  emit(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  i32(value: number): this {
    return this.emit(op.i32Const, ...signedLeb(BigInt(value | 0)));
  }

  i64(value: bigint): this {
    return this.emit(op.i64Const, ...signedLeb(BigInt.asIntN(64, value)));
  }

  get(local: number): this {
    return this.emit(op.localGet, ...unsignedLeb(local));
  }

  set(local: number): this {
    return this.emit(op.localSet, ...unsignedLeb(local));
  }

  tee(local: number): this {
    return this.emit(op.localTee, ...unsignedLeb(local));
  }

  /** A load or store with its memory argument (alignment hint log2, byte offset). */
  memory(opcode: number, alignLog2: number, offset: number): this {
    return this.emit(opcode, ...unsignedLeb(alignLog2), ...unsignedLeb(offset));
  }

  /** A call of function `index` (imported functions come first). */
  call(index: number): this {
    return this.emit(op.call, ...unsignedLeb(index));
  }

  /** A call through the imported table of the function at the index on the stack, of signature `type` (moduleBytes' numbering). */
  callIndirect(type: number): this {
    return this.emit(op.callIndirect, ...unsignedLeb(type), 0);
  }

  /** An atomic (sequentially consistent) i32 load of the address on the stack: on shared memory it sees other threads' stores. */
  atomicLoad32(offset: number): this {
    return this.emit(...prefixed.i32AtomicLoad, 2, ...unsignedLeb(offset));
  }

  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.emit(op.f64Const, ...bytes);
  }

  /** `if (condition on the stack) return value`. */
  returnIf(value: number): this {
    return this.emit(op.if, 0x40).i32(value).emit(op.return, op.end);
  }
}

/** A function signature (no result: `result` undefined). */
export interface Signature {
  params: number[];
  result?: number;
}

/** A function the module imports from `env`: its name and signature. */
export interface FunctionImport extends Signature {
  name: string;
}

/**
 * A module importing `env.memory` (shared or not, up to 65536 pages) and `imports`
 * (function indexes 0..n-1), exporting `name` with this signature and body. With
 * `tableTypes`, it also imports `env.table` (funcref) for callIndirect, whose
 * signatures are numbered after the function's (0) and the imports' (1..n).
 */
export function moduleBytes(shared: boolean, params: number[], result: number, locals: number[], body: Body, exportName: string,
  imports: readonly FunctionImport[] = [], tableTypes?: readonly Signature[]): Uint8Array<ArrayBuffer> {
  const signature = (ins: number[], out?: number) => [0x60, ...unsignedLeb(ins.length), ...ins, ...(out === undefined ? [0] : [1, out])];
  const types = [signature(params, result), ...imports.map((f) => signature(f.params, f.result)), ...(tableTypes ?? []).map((f) => signature(f.params, f.result))];
  const limits = shared ? [0x03, 0, ...unsignedLeb(65536)] : [0x01, 0, ...unsignedLeb(65536)];
  const functionImports = imports.flatMap((f, i) => [...name('env'), ...name(f.name), 0x00, ...unsignedLeb(i + 1)]);
  const tableImport = tableTypes === undefined ? [] : [...name('env'), ...name('table'), 0x01, 0x70, 0x00, 0];
  const groups = locals.map((type) => [1, type]).flat();
  const code = [...unsignedLeb(locals.length), ...groups, ...body.bytes, op.end];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...unsignedLeb(types.length), ...types.flat()]),
    ...section(2, [...unsignedLeb(imports.length + 1 + (tableImport.length > 0 ? 1 : 0)), ...functionImports, ...tableImport, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name(exportName), 0x00, ...unsignedLeb(imports.length)]),
    ...section(10, [1, ...unsignedLeb(code.length), ...code]),
  ]);
}
