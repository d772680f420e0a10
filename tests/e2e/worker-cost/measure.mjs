// Worker cost measurements: start-up times and memory per instance, in headless Chromium via ChromeDriver.
//   node measure.mjs DIST LABEL=PATH ... [--wait-ms 10000] [--reps 3] [--noworker]
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { start } from './serve-coi.mjs';

const args = process.argv.slice(2);
const DIST = args.shift();
const opt = (k, d) => { const i = args.indexOf(k); if (i < 0) return d; const v = args[i + 1]; args.splice(i, 2); return v; };
const WAIT_MS = Number(opt('--wait-ms', 10000));
const REPS = Number(opt('--reps', 3));
const WIN = opt('--window', '1280,8000');
const NOWORKER = args.includes('--noworker') ? (args.splice(args.indexOf('--noworker'), 1), true) : false;
const PAGES = args.map((a) => { const i = a.indexOf('='); return [a.slice(0, i), a.slice(i + 1)]; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('measure:', ...a);
const MB = (b) => (b / 1e6).toFixed(2);

let DRIVER = '', sessionId = null;
async function wd(method, route, body, timeoutMs = 120_000) {
  const res = await fetch(DRIVER + route, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  const json = JSON.parse(await res.text()); const v = json.value;
  if (!res.ok || (v && typeof v === 'object' && 'error' in v)) throw new Error(`WebDriver ${method} ${route}: ${v?.error}: ${String(v?.message).split('\n')[0]}`);
  return v;
}
const S = (r) => `/session/${sessionId}${r}`;
const exec = (script, a = []) => wd('POST', S('/execute/sync'), { script, args: a });
const execAsync = (script, a = []) => wd('POST', S('/execute/async'), { script, args: a }, 180_000);
const cdp = (cmd, params = {}) => wd('POST', S('/goog/cdp/execute'), { cmd, params });
const freePort = () => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

const HOOK = `(() => {
  if (window.__mh) return; window.__mh = { workers: [], canvases: [], pageMem: null, noworker: ${NOWORKER} };
  const H = window.__mh;
  const W = window.Worker;
  if (H.noworker) { window.Worker = function () { throw new Error('no worker (measurement)'); }; }
  else window.Worker = class extends W {
    constructor(u, o) {
      const created = performance.now();
      super(u, o);
      const rec = { created, constructed: performance.now(), msgs: 0, ready: null, firstFrame: null, mem: null };
      H.workers.push(rec); this.__rec = rec; H.workerObjs = H.workerObjs || []; H.workerObjs.push(this);
      this.addEventListener('message', (e) => {
        if (e.data && typeof e.data === 'object' && '__mem' in e.data) { rec.mem = e.data.__mem; rec.t = Object.fromEntries(Object.entries(e.data.t).map(([k, v]) => [k, Math.round(v - performance.timeOrigin)])); e.stopImmediatePropagation(); return; }
        rec.msgs++;
        // The worker's first message is its first frame (it sends no "ready" of its own any more).
        if (rec.msgs === 1) rec.ready = rec.firstFrame = performance.now();
      });
    }
  };
  for (const k of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[k];
    WebAssembly[k] = async (...a) => { const r = await orig.apply(WebAssembly, a); const i = r.instance ?? r; if (i.exports && i.exports.memory) H.pageMem = i.exports.memory; return r; };
  }
  const seen = new WeakSet();
  for (const m of ['fillText', 'stroke', 'fillRect', 'fill', 'drawImage']) {
    const orig = CanvasRenderingContext2D.prototype[m];
    CanvasRenderingContext2D.prototype[m] = function (...a) {
      const c = this.canvas;
      if (c && !seen.has(c) && c.isConnected) {
        seen.add(c);
        const host = c.closest('[data-pollstream]');
        const all = [...document.querySelectorAll('[data-pollstream]')];
        H.canvases.push({ t: performance.now(), instance: host ? all.indexOf(host) : 0, chart: !!c.closest('.ps-chart') });
      }
      return orig.apply(this, a);
    };
  }
})();`;

function rendererPss() {
  // PSS (kB) of every Chromium renderer process, from /proc/PID/smaps_rollup.
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium') || !cmd.includes('--type=renderer') || !cmd.includes(PROFILE_TAG)) continue;
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const g = (k) => Number(new RegExp('^' + k + ':\\s+(\\d+)', 'm').exec(roll)[1]);
      const pss = g('Pss'), rss = g('Rss'), uss = g('Private_Clean') + g('Private_Dirty'), anon = g('Anonymous');
      const tasks = readdirSync(`/proc/${pid}/task`);
      const threads = tasks.length;
      const workerThreads = tasks.filter((t) => { try { return /DedicatedWorker/i.test(readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8')); } catch { return false; } }).length;
      const main = /CrRendererMain/.test(tasks.map((t) => { try { return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8'); } catch { return ''; } }).join(','));
      out.push({ pid, pss, rss, uss, anon, threads, workerThreads, main, extension: cmd.includes('--extension-process'), clientId: (/--renderer-client-id=(\d+)/.exec(cmd) || [])[1] });
    } catch {}
  }
  return out;
}
let PROFILE_TAG = '';

async function one(base, label, pagePath) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pm-'));
  PROFILE_TAG = tmp;
  const port = await freePort();
  const driver = spawn('/usr/bin/chromedriver', [`--port=${port}`], { detached: true, stdio: 'ignore' });
  DRIVER = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) { try { if ((await wd('GET', '/status', undefined, 2000))?.ready) break; } catch {} if (i > 100) throw new Error('no driver'); await sleep(200); }
    const caps = await wd('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'chrome',
      timeouts: { script: 180_000, pageLoad: 120_000, implicit: 0 },
      'goog:chromeOptions': { binary: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu',
        '--disable-background-networking', '--no-first-run', '--disable-quic', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage', '--enable-blink-features=ForceEagerMeasureMemory', `--user-data-dir=${tmp}/profile`, `--window-size=${WIN}`] } } } });
    sessionId = caps.sessionId;
    const [w, h] = WIN.split(',').map(Number);
    await cdp('Emulation.setDeviceMetricsOverride', { width: w, height: h, deviceScaleFactor: 1, mobile: false });
    await cdp('Page.addScriptToEvaluateOnNewDocument', { source: HOOK });
    await cdp('Performance.enable', {});
    const pssBlank = rendererPss();
    await wd('POST', S('/url'), { url: new URL(pagePath, base).href });
    await sleep(WAIT_MS);
    const st = await exec(`const H = window.__mh; for (const w of H.workerObjs || []) w.postMessage('__mem');
      return { isolated: crossOriginIsolated, engines: [...document.querySelectorAll('[data-engine]')].map((e) => e.getAttribute('data-engine')),
        clock: [...document.querySelectorAll('[id$=sim-clock]')].map((e) => e.getAttribute('data-value') || e.textContent) }`);
    await sleep(500);
    const H = await exec(`const H = window.__mh; return { workers: H.workers, canvases: H.canvases, pageMem: H.pageMem ? H.pageMem.buffer.byteLength : null,
      nav: performance.getEntriesByType('navigation')[0].toJSON() }`);
    const metrics = Object.fromEntries((await cdp('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const uasm = await execAsync(`const done = arguments[arguments.length - 1];
      performance.measureUserAgentSpecificMemory().then((r) => done(r), (e) => done({ error: String(e) }));`);
    const pss = rendererPss();
    return { label, st, H, metrics, uasm, pss, pssBlank, clock: st.clock };
  } finally {
    try { await wd('DELETE', S('')); } catch {}
    try { process.kill(-driver.pid); } catch {}
    rmSync(tmp, { recursive: true, force: true });
  }
}

const server = await start(DIST, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; wait ${WAIT_MS} ms; window ${WIN}; noworker ${NOWORKER}`);
const results = [];
for (const [label, p] of PAGES) {
  for (let r = 0; r < REPS; r++) {
    if (process.env.IDLE) { try { execSync('./waitidle.sh 180', { stdio: 'ignore' }); } catch { log('not idle'); } }
    const res = await one(base, label, p);
    results.push(res);
    const { H, uasm, metrics, pss } = res;
    const perInst = {};
    for (const c of H.canvases) { const k = c.instance; perInst[k] ??= { firstCanvas: null, firstChart: null }; perInst[k].firstCanvas ??= c.t; if (c.chart) perInst[k].firstChart ??= c.t; }
    const bd = (uasm.breakdown || []).filter((b) => b.bytes > 0);
    const entries = bd.map((b) => `${+MB(b.bytes)} ${b.types.join('+') || '-'} @ ${b.attribution.map((a) => a.scope + (a.url ? ':' + a.url.replace(base, '/') : '')).join(',') || '(none)'}`);
    const workerMB = {};
    for (const b of bd) for (const a of b.attribution) if (a.scope === 'DedicatedWorkerGlobalScope') workerMB[JSON.stringify(a)] = (workerMB[JSON.stringify(a)] || 0) + b.bytes;
    const page = [...pss].sort((x, y) => (y.workerThreads - x.workerThreads) || (y.pss - x.pss))[0];
    const wk = bd.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).map((b) => +MB(b.bytes));
    const win = bd.filter((b) => b.attribution.some((a) => a.scope === 'Window'));
    const summary = { label, rep: r, iso: res.st.isolated, engines: res.st.engines.join(','), clock: res.clock.join(' | '),
      dcl: Math.round(H.nav.domContentLoadedEventEnd),
      wt: H.workers.map((w) => w.t),
      workers: H.workers.map((w) => `new@${Math.round(w.created)} ready@${Math.round(w.ready)} (+${Math.round(w.ready - w.created)}) frame@${Math.round(w.firstFrame)} wasm ${w.mem == null ? '?' : MB(w.mem)} MB`),
      firstChart: Object.entries(perInst).map(([k, v]) => `#${k}@${Math.round(v.firstChart ?? v.firstCanvas)}`).join(' '),
      pageWasmMB: H.pageMem == null ? null : +MB(H.pageMem), mainJSHeapUsedMB: +MB(metrics.JSHeapUsedSize),
      uasm: { totalMB: uasm.bytes ? +MB(uasm.bytes) : uasm, workersJS_MB: wk, window: win.map((b) => `${b.types.join('+')} ${MB(b.bytes)}`).join(', '),
        other: bd.filter((b) => !b.attribution.length).map((b) => `${b.types.join('+')} ${MB(b.bytes)}`).join(', ') },
      pageRenderer: `uss ${(page.uss / 1000).toFixed(1)} MB anon ${(page.anon / 1000).toFixed(1)} MB pss ${(page.pss / 1000).toFixed(1)} MB rss ${(page.rss / 1000).toFixed(1)} MB, ${page.threads} threads (${page.workerThreads} DedicatedWorker)` };
    console.log(JSON.stringify(summary));
  }
}
server.close();
