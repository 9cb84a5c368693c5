// npm run demo: serves the demo page, the built package and the core on localhost,
// with the headers that make the page cross-origin isolated (COOP/COEP), so
// SharedArrayBuffer and vCPU Web Workers work. --no-isolation leaves them out.

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
  return new Promise((resolve) => {
    server.listen(options.port ?? 8080, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({ url: `http://127.0.0.1:${port}/demo/index.html`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const isolation = !process.argv.includes('--no-isolation');
  const portFlag = process.argv.indexOf('--port');
  const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 8080;
  const { url } = await startDemoServer({ port, isolation });
  console.log(`memslot-emu demo: ${url}${isolation ? '' : ' (without COOP/COEP: only the deterministic mode can run)'}`);
}
