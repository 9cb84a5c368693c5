import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, commands } from '../dist/src/cli/main.js';

async function run(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: async () => stdin });
  return { code, stdout, stderr };
}

describe('memslot-emu slots', () => {
  it('prints the resulting table sorted by slot, with the input keys', async () => {
    const updates = [
      { slot: 65537, flags: 0, guestPhysAddr: '0x0', memorySize: '0x2000', userspaceAddr: 0 },
      { slot: 3, flags: 1, guestPhysAddr: '0xc0000000', memorySize: 65536, userspaceAddr: '0x10000' },
      { slot: 3, flags: 1, guestPhysAddr: '0xbfff0000', memorySize: 65536, userspaceAddr: '0x10000' },
      { slot: 1, flags: 2, guestPhysAddr: 4096, memorySize: 4096, userspaceAddr: 0 },
    ];
    const { code, stdout } = await run(['slots', '-'], JSON.stringify(updates));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      slots: [
        { slot: 1, flags: 2, guestPhysAddr: '0x1000', memorySize: '0x1000', userspaceAddr: '0x0' },
        { slot: 3, flags: 1, guestPhysAddr: '0xbfff0000', memorySize: '0x10000', userspaceAddr: '0x10000' },
        { slot: 65537, flags: 0, guestPhysAddr: '0x0', memorySize: '0x2000', userspaceAddr: '0x0' },
      ],
    });
  });

  it('stops at the first rejected update with its index, errno and the table as it stood; exit 1', async () => {
    const updates = [
      { slot: 0, flags: 0, guestPhysAddr: '0x100000', memorySize: '0x10000', userspaceAddr: 0 },
      { slot: 1, flags: 0, guestPhysAddr: '0x108000', memorySize: '0x1000', userspaceAddr: 0 },
      { slot: 2, flags: 0, guestPhysAddr: '0x200000', memorySize: '0x1000', userspaceAddr: 0 },
    ];
    const { code, stdout } = await run(['slots', '-'], JSON.stringify(updates));
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.error).toMatchObject({ index: 1, code: 'EEXIST' });
    expect(out.error.message).toMatch(/overlap/);
    expect(out.slots).toEqual([{ slot: 0, flags: 0, guestPhysAddr: '0x100000', memorySize: '0x10000', userspaceAddr: '0x0' }]);
  });

  it('honours --arena and reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memslot-'));
    const file = join(dir, 'updates.json');
    writeFileSync(file, JSON.stringify([{ slot: 0, flags: 0, guestPhysAddr: 0, memorySize: '0x200000', userspaceAddr: 0 }]));
    expect((await run(['slots', '--arena', '2M', file])).code).toBe(0);
    const small = await run(['slots', '--arena', '1M', file]);
    expect(small.code).toBe(1);
    expect(JSON.parse(small.stdout).error).toMatchObject({ index: 0, code: 'EINVAL' });
  });

  it('reports unreadable input as a usage error (exit 2)', async () => {
    expect((await run(['slots', '-'], 'not json')).code).toBe(2);
    expect((await run(['slots', '-'], '{}')).code).toBe(2);
    expect((await run(['slots'])).code).toBe(2);
    const bad = await run(['slots', '--arena', 'lots', '-'], '[]');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--arena/);
  });

  it('rejects a non-object update as EINVAL at its index', async () => {
    const { code, stdout } = await run(['slots', '-'], '[5]');
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error).toMatchObject({ index: 0, code: 'EINVAL' });
  });
});

describe('memslot-emu', () => {
  it('has --help for every subcommand, and a command list', async () => {
    for (const name of Object.keys(commands)) {
      const { code, stdout } = await run([name, '--help']);
      expect(code, name).toBe(0);
      expect(stdout, name).toMatch(new RegExp(`^Usage: memslot-emu ${name}`));
    }
    const overview = await run(['--help']);
    for (const name of Object.keys(commands)) expect(overview.stdout).toContain(name);
    expect((await run(['frobnicate'])).code).toBe(2);
  });

  it('runs as an installed binary', () => {
    const result = spawnSync(process.execPath, [new URL('../bin/memslot-emu.js', import.meta.url).pathname, 'slots', '-'], {
      input: '[{"slot":0,"flags":0,"guestPhysAddr":"0x1000","memorySize":"0x1000","userspaceAddr":0}]',
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).slots).toHaveLength(1);
  });
});

describe('the README embedding example', () => {
  it('runs: the guest writes through RAM to the UART, and the built-in counter advances once per read', () => {
    const result = spawnSync(process.execPath, [new URL('../examples/embed.mjs', import.meta.url).pathname], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('hello from the guest\ncounter advanced by 1 between two reads\n');
  });
});
