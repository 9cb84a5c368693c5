// The demo server as `npm run demo` starts it: --port, and a clear one-line error
// (no stack, non-zero exit) for a busy port or a bad argument.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';

const SERVER = new URL('../dist/src/demo/server.js', import.meta.url).pathname;

interface Exit { code: number | null; stdout: string; stderr: string }

/** Starts the server with `args`; resolves when it exits, or (killing it) once it printed its URL. */
function runServer(args: string[]): Promise<Exit & { url?: string }> {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = /http:\/\/\S+/.exec(stdout)?.[0];
      if (!url) return;
      fetch(url, { redirect: 'manual' }).then(
        (response) => { child.kill(); resolve({ code: null, stdout, stderr, url: `${url} ${response.status}` }); },
        (error: unknown) => { child.kill(); reject(error); },
      );
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, server })));
}

describe('the demo server (npm run demo)', () => {
  it('on a busy port prints one line that names the port and --port, and exits 1', async () => {
    const { port, server } = await occupiedPort();
    try {
      const { code, stdout, stderr } = await runServer(['--port', String(port)]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^memslot-emu demo: port ${port} is in use`));
      expect(lines[0]).toMatch(/--port N/);
      expect(stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      server.close();
    }
  });

  it('serves on the port --port names (0: any free one) and prints its URL', async () => {
    const { port, server } = await occupiedPort();
    server.close();
    const chosen = await runServer(['--port', String(port)]);
    expect(chosen.url).toBe(`http://127.0.0.1:${port}/demo/index.html 200`);
    const any = await runServer(['--port=0', '--no-isolation']);
    expect(any.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/demo\/index\.html 200$/);
    expect(any.stdout).toMatch(/without COOP\/COEP/);
  });

  it.each([
    [['--port', 'abc'], /--port must be a port number 0\.\.65535, not "abc"/],
    [['--port', '70000'], /--port must be a port number 0\.\.65535, not "70000"/],
    [['--port'], /--port must be a port number 0\.\.65535, not nothing/],
    [['--prot', '9000'], /unknown argument "--prot"/],
  ])('refuses %j with one line and the usage, exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runServer(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage: npm run demo -- \[--port N\] \[--no-isolation\]/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
