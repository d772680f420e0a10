#!/usr/bin/env node
// A small static file server for the end-to-end test: serves a directory (dist/) on 127.0.0.1.
//
//   node tests/e2e/serve.mjs ROOT [--port N] [--port-file FILE] [--csp]
//
// --port 0 (the default) picks a free port; the port is printed and, with --port-file, written to FILE.
// The strict Content-Security-Policy below is sent on every response with --csp, and on demand for any
// path under /csp/ (which serves the same files: /csp/index.html is ROOT/index.html), so that one server
// can load the page both with and without it.

import { createServer } from 'node:http';
import { createReadStream, promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

function parseArgs(argv) {
  const opts = { root: null, port: 0, portFile: null, csp: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--port-file') opts.portFile = argv[++i];
    else if (a === '--csp') opts.csp = true;
    else if (!a.startsWith('--') && opts.root === null) opts.root = a;
    else throw new Error(`serve.mjs: unknown argument ${a}`);
  }
  if (!opts.root) throw new Error('usage: serve.mjs ROOT [--port N] [--port-file FILE] [--csp]');
  return opts;
}

export function startServer({ root, port = 0, csp = false, log = () => {} }) {
  const base = path.resolve(root);
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    try {
      const url = new URL(req.url, 'http://localhost');
      let pathname = decodeURIComponent(url.pathname);
      let strict = csp || url.searchParams.get('csp') === 'strict';
      if (pathname === '/csp' || pathname.startsWith('/csp/')) {
        strict = true;
        pathname = pathname.slice(4) || '/';
      }
      if (strict) headers['Content-Security-Policy'] = STRICT_CSP;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
        return;
      }
      let file = path.join(base, path.normalize(pathname));
      if (file !== base && !file.startsWith(base + path.sep)) {
        res.writeHead(403, headers).end('forbidden\n');
        return;
      }
      let stat = await fs.stat(file).catch(() => null);
      if (stat?.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = await fs.stat(file).catch(() => null);
      }
      if (!stat?.isFile()) {
        log(`404 ${req.url}`);
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      headers['Content-Type'] = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      headers['Content-Length'] = stat.size;
      res.writeHead(200, headers);
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch (e) {
      log(`500 ${req.url}: ${e.message}`);
      if (!res.headersSent) res.writeHead(500, headers);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const opts = parseArgs(process.argv.slice(2));
  const server = await startServer({ ...opts, log: (m) => console.error(`serve: ${m}`) });
  const { port } = server.address();
  if (opts.portFile) writeFileSync(opts.portFile, `${port}\n`);
  console.log(`serve: ${path.resolve(opts.root)} on http://127.0.0.1:${port}/${opts.csp ? ' (strict CSP)' : ''}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
