// Static server for measurements: cross-origin isolated (COOP/COEP/CORP on every response), no caching.
// /pollstream-worker.js gets a prelude that keeps the worker's wasm memory and answers '__mem' messages.
// /example-post.html?clients=N appends &clients=N to every data-pollstream attribute.
import { createServer } from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const WORKER_PRELUDE = `
const __abs = () => performance.timeOrigin + performance.now();
self.__t = { origin: performance.timeOrigin, prelude: __abs() };
self.addEventListener('message', () => { self.__t.firstMsg ??= __abs(); });
const __origInst = WebAssembly.instantiate;
WebAssembly.instantiate = async (...a) => { self.__t.instStart = __abs(); const r = await __origInst(...a); self.__t.instEnd = __abs(); const i = r.instance ?? r; self.__wasmMem = i.exports.memory; return r; };
self.addEventListener('message', (e) => {
  if (e.data === '__mem') { e.stopImmediatePropagation(); self.postMessage({ __mem: self.__wasmMem ? self.__wasmMem.buffer.byteLength : -1, t: self.__t }); }
});
`;

export function start(root, port = 0) {
  const base = path.resolve(root);
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
    try {
      const url = new URL(req.url, 'http://localhost');
      let p = decodeURIComponent(url.pathname);
      if (p.endsWith('/')) p += 'index.html';
      const file = path.join(base, p);
      if (!file.startsWith(base)) throw new Error('outside');
      let body = await fs.readFile(file);
      const name = path.basename(file);
      if (name === 'pollstream-worker.js' && url.searchParams.get('plain') === null) {
        const text = body.toString();
        // after the import line (imports must stay first; the prelude runs before the body)
        const m = /import[^;]*?from\s*["'][^"']*["'];?/.exec(text);
        const i = m.index + m[0].length;
        body = Buffer.from(text.slice(0, i) + '\n' + WORKER_PRELUDE + text.slice(i));
      }
      const clients = url.searchParams.get('clients');
      const all = url.searchParams.get('all'), keep = url.searchParams.get('keep');
      if (name === 'example-post.html' && (all !== null || keep !== null)) {
        let k = 0;
        body = Buffer.from(body.toString().replace(/(<div id="[^"]*") data-pollstream="([^"]*)"/g, (m, a, q) =>
          (keep !== null && k++ >= Number(keep)) ? a : `${a} data-pollstream="${all !== null ? all.replace(/&/g, '&amp;') : q}"`));
      }
      if (name === 'example-post.html' && clients) {
        body = Buffer.from(body.toString().replace(/(<div[^>]*data-pollstream=")([^"]*)"/g, (m, a, q) => `${a}${q}&amp;clients=${clients}"`));
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch (e) {
      res.writeHead(404, headers);
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await start(process.argv[2], Number(process.argv[3] ?? 0));
  console.log(`serving ${process.argv[2]} on http://127.0.0.1:${s.address().port}/`);
}
