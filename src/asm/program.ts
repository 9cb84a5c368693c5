// A guest program under construction: instruction words with labels, branches to a
// label fixed up when the words are read. Every instruction set here has 4-byte words
// (a Power10 prefixed instruction is two of them).

export type Instruction = number | number[];

export class Program {
  private readonly items: Array<number | { branch: (displacement: number) => number; label: string }> = [];
  private readonly labels = new Map<string, number>();

  emit(...instructions: Instruction[]): this {
    for (const instruction of instructions) {
      if (Array.isArray(instruction)) this.items.push(...instruction);
      else this.items.push(instruction);
    }
    return this;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.labels.set(name, this.items.length * 4);
    return this;
  }

  /** A branch to `label`: `branch` builds the word from the byte displacement (e.g. ppc.bdnz). */
  branchTo(branch: (displacement: number) => number, label: string): this {
    this.items.push({ branch, label });
    return this;
  }

  words(): number[] {
    return this.items.map((item, index) => {
      if (typeof item === 'number') return item;
      const target = this.labels.get(item.label);
      if (target === undefined) throw new Error(`label ${item.label} is not defined`);
      return item.branch(target - index * 4);
    });
  }

  /** The program's bytes in the given byte order. */
  bytes(endian: 'big' | 'little'): Uint8Array {
    const words = this.words();
    const out = new Uint8Array(words.length * 4);
    const view = new DataView(out.buffer);
    words.forEach((value, index) => view.setUint32(index * 4, value, endian === 'little'));
    return out;
  }
}
