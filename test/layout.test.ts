import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine, MAP_NAMES, loadCoreModule } from '../dist/src/index.js';

describe('the memory map', () => {
  it('is exported by the core and read, not restated, by the host', async () => {
    const module = await loadCoreModule();
    const exported = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'global').map((e) => e.name));
    for (const name of MAP_NAMES) expect(exported.has(name), name).toBe(true);
    const machine = await Machine.create({ vcpus: 3, arenaBytes: 8 << 20 });
    const instance = machine.attach(0).instance;
    for (const name of MAP_NAMES) {
      expect(machine.map[name], name).toBe(Number((instance.exports[name] as WebAssembly.Global).value));
    }
  });

  it('is the same through an instance made without its constants, which exports every core function and no constant', async () => {
    for (const shared of [true, false]) {
      const machine = await Machine.create({ vcpus: 2, arenaBytes: 1 << 20, shared });
      const full = machine.attach(1);
      const lean = machine.attach(1, undefined, undefined, false);
      const kinds = (instance: WebAssembly.Instance) => Object.entries(instance.exports).map(([name, value]) => [name, typeof value]);
      expect(kinds(lean.instance)).toEqual(kinds(full.instance).filter(([, type]) => type === 'function'));
      expect(lean.map).toEqual(full.map);
      expect(lean.record).toBe(full.record);
      expect(lean.functions.layoutPages(2, 256, 4096, 1 << 20)).toBe(machine.layout.memoryPages);
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10000, memorySize: 4096, userspaceAddr: machine.allocateBacking(4096) });
      lean.write(0x10008, 8, 0x1122334455667788n);
      expect(full.read(0x10008, 8)).toBe(0x1122334455667788n);
    }
  });

  it('chains every region from the previous one without overlap, and the host agrees with the core', async () => {
    const machine = await Machine.create({ vcpus: 3, arenaBytes: 8 << 20, dirtyLogBytes: 4096, tlbEntries: 256 });
    const { map, layout } = machine;
    expect(map.STATIC_BASE).toBe(map.CONTROL_BASE + map.CONTROL_SIZE);
    expect(map.SLOT_TABLES_BASE).toBe(map.STATIC_BASE + map.STATIC_SIZE);
    expect(map.SLOT_TABLES_SIZE).toBe(map.SLOT_TABLE_SIZE * map.AS_COUNT * 2);
    // A table: header, layers 3 and 2, the entries, layer 1 (the few-slot tables' pages: below).
    expect(map.SLOT_LAYER3_OFFSET).toBeGreaterThanOrEqual(map.SLOT_HEADER_SIZE);
    expect(map.SLOT_LAYER2_OFFSET).toBeGreaterThanOrEqual(map.SLOT_LAYER3_OFFSET + 8 * map.SLOT_UPPER_BLOCK);
    expect(map.SLOT_ENTRIES_OFFSET).toBeGreaterThanOrEqual(map.SLOT_LAYER2_OFFSET + 8 * map.SLOT_LEAF_CAPACITY / map.SLOT_LEAF_BLOCK / map.SLOT_UPPER_BLOCK);
    expect(map.SLOT_LAYER1_OFFSET).toBeGreaterThanOrEqual(map.SLOT_ENTRIES_OFFSET + map.SLOT_LEAF_CAPACITY * map.SLOT_ENTRY_SIZE);
    expect(map.SLOT_TABLE_SIZE).toBeGreaterThanOrEqual(map.SLOT_LAYER1_OFFSET + 8 * map.SLOT_LEAF_CAPACITY / map.SLOT_LEAF_BLOCK);
    expect(map.SLOT_TABLE_SIZE % map.PAGE_SIZE).toBe(0);
    // Records start on a page: a record's first page holds all of it before the micro-op cache.
    expect(map.VCPU_BASE).toBe(Math.ceil((map.SLOT_TABLES_BASE + map.SLOT_TABLES_SIZE) / map.PAGE_SIZE) * map.PAGE_SIZE);
    expect(map.REC_UOPS).toBe(map.PAGE_SIZE);
    expect(map.VCPU_RECORD_SIZE % map.PAGE_SIZE).toBe(0);
    expect(layout.vcpuCount).toBe(3);
    expect(layout.tlbBase).toBeGreaterThanOrEqual(map.VCPU_BASE + 4 * map.VCPU_RECORD_SIZE);
    // Inside a record: the CPU state (SLB last), the sync words and checker counters, the
    // TLB's contexts and the compiled loops, then the micro-op cache, none overlapping.
    expect(map.CPU_SYSREGS + 8 * map.SYSREG_COUNT).toBeLessThanOrEqual(map.CPU_SLB);
    expect(map.CPU_END).toBe(map.CPU_SLB + 16 * map.SLB_ENTRIES);
    expect(map.REC_SYNC).toBeGreaterThanOrEqual(map.CPU_END);
    expect(map.REC_TLB_CONTEXTS).toBeGreaterThanOrEqual(map.REC_CHECK + 4 * map.CHECK_COUNT);
    expect(map.REC_JIT_BLOCKS).toBeGreaterThanOrEqual(map.REC_TLB_VICTIM + 4);
    expect(map.REC_DATA64).toBeGreaterThanOrEqual(map.REC_JIT_BLOCKS + map.JIT_BLOCKS * map.JIT_BLOCK_SIZE);
    expect(map.REC_DATA64 % 8).toBe(0); // LS64's doublewords
    expect(map.REC_UOP_MODE).toBe(map.REC_DATA64 + 64);
    expect(map.REC_END).toBe(map.REC_UOP_MODE + 4);
    expect(map.REC_END).toBeLessThanOrEqual(map.REC_UOPS);
    expect(map.VCPU_RECORD_SIZE).toBe(map.REC_UOPS + map.UOP_SIZE * map.UOP_ENTRIES);
    expect(layout.tlbEntries).toBe(256);
    expect(layout.dirtyBase).toBeGreaterThanOrEqual(layout.tlbBase + 4 * 256 * map.TLB_ENTRY_SIZE);
    expect(layout.dirtySize).toBe(4096);
    expect(layout.arenaBase).toBeGreaterThanOrEqual(layout.dirtyBase + layout.dirtySize);
    expect(layout.arenaBase % map.WASM_PAGE).toBe(0);
    expect(layout.arenaSize).toBe(8 << 20);
    expect(machine.memory.buffer.byteLength).toBe(layout.memoryPages * map.WASM_PAGE);
    expect(layout.memoryPages * map.WASM_PAGE).toBeGreaterThanOrEqual(layout.arenaBase + layout.arenaSize);
    const core = machine.attach(0).functions as unknown as Record<string, (...args: number[]) => number | bigint>;
    expect(core.layoutPages!(3, 256, 4096, 8 << 20)).toBe(layout.memoryPages);
    expect(Number(core.arenaBaseFor!(3, 256, 4096))).toBe(layout.arenaBase);
    expect(Number(core.dirtyBaseFor!(3, 256))).toBe(layout.dirtyBase);
    expect(Number(core.tlbBaseFor!(3))).toBe(layout.tlbBase);
  });

  it('places AssemblyScript static data inside its reserved region (asconfig memoryBase = STATIC_BASE)', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    expect(machine.attach(0).functions.staticDataCheck()).toBe(machine.map.INIT_OK);
    const asconfig = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8'));
    expect(asconfig.options.memoryBase).toBe(machine.map.STATIC_BASE);
  });

  it('refuses machines that do not fit, with a clear error', async () => {
    await expect(Machine.create({ arenaBytes: 4096 * 1048575 })).rejects.toThrow(/does not fit/);
    await expect(Machine.create({ arenaBytes: 1000 })).rejects.toThrow(/multiple of 4096/);
    await expect(Machine.create({ vcpus: 0 })).rejects.toThrow(/vcpus/);
    await expect(Machine.create({ tlbEntries: 100 })).rejects.toThrow(/power of two/);
  });
});
