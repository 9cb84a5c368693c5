// npm run demo: serves the demo page, the built package and the core on localhost,
// with the headers that make the page cross-origin isolated (COOP/COEP), so
// SharedArrayBuffer and vCPU Web Workers work. --no-isolation leaves them out;
// --port N picks the port (default 8080, 0: any free one).

import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVED = ['demo', 'dist', 'build'];
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json',
};

export interface DemoServer { url: string; close(): Promise<void> }

const USAGE = 'usage: npm run demo -- [--port N] [--no-isolation]';

/** Serves the demo on 127.0.0.1; rejects with the listen error (EADDRINUSE: the port is taken). */
export function startDemoServer(options: { port?: number; isolation?: boolean } = {}): Promise<DemoServer> {
  const isolation = options.isolation ?? true;
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/') {
      response.writeHead(302, { location: '/demo/index.html' }).end();
      return;
    }
    const file = normalize(join(ROOT, path));
    const top = file.slice(ROOT.length).split(sep)[0] ?? '';
    if (!file.startsWith(ROOT) || !SERVED.includes(top)) {
      response.writeHead(404).end('not found');
      return;
    }
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      if (isolation) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
      }
      response.writeHead(200, headers).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({ url: `http://127.0.0.1:${port}/demo/index.html`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

class UsageError extends Error {}

/** The command line's options; throws UsageError with the reason. */
function parseArguments(args: readonly string[]): { port: number; isolation: boolean } {
  let port = 8080;
  let isolation = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--no-isolation') isolation = false;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? args[++i] : arg.slice('--port='.length);
      port = /^\d+$/.test(value ?? '') ? Number(value) : NaN;
      if (!(port <= 65535)) throw new UsageError(`--port must be a port number 0..65535, not ${value === undefined ? 'nothing' : `"${value}"`}`);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return { port, isolation };
}

/** Why the server could not listen on `port`, in one line. */
function listenProblem(error: unknown, port: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') return `port ${port} is in use (another server listens there); stop it or pick another port with --port N`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; pick a port above 1023 with --port N`;
  return error instanceof Error ? error.message : String(error);
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let parsed: { port: number; isolation: boolean };
  try {
    parsed = parseArguments(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`memslot-emu demo: ${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    const { url } = await startDemoServer(parsed);
    console.log(`memslot-emu demo: ${url}${parsed.isolation ? '' : ' (without COOP/COEP: only the deterministic mode can run)'}`);
    return 0;
  } catch (error) {
    console.error(`memslot-emu demo: ${listenProblem(error, parsed.port)}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
