#!/usr/bin/env node
// The end-to-end test of the app (issue #3): drives headless Chromium through ChromeDriver's W3C WebDriver
// HTTP API with Node's global fetch (no npm packages, no browser download) and checks, as a reader would,
// that the page loads cleanly and that its numbers and charts behave as MODEL.md says.
//
// Started by tests/e2e/run.sh, which builds dist/, serves it and starts ChromeDriver. Environment:
//   E2E_DRIVER_URL   ChromeDriver, e.g. http://127.0.0.1:9515 (required)
//   E2E_BASE_URL     the served app, e.g. http://127.0.0.1:8000/ (required)
//   E2E_TMP          a fresh temporary directory (Chromium profile, downloads) (required)
//   E2E_OUT          where screenshots go (default target/e2e)
//   CHROMIUM         the browser binary (default /usr/bin/chromium)
//   E2E_SPEED        the app's simulation speed to select in #speed (default 10: ten simulated seconds a second)
//   E2E_CSP          1: also load the page under the strict Content-Security-Policy (the server's /csp/ path)
//   E2E_SUMMARY_FILE where to write "N passed, M failed" (run.sh prints it last) instead of printing it
// Prints one line per check and, last, "N passed, M failed" alone on a line; exits 1 on any failure.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const env = process.env;
const DRIVER = (env.E2E_DRIVER_URL ?? '').replace(/\/$/, '');
const BASE = env.E2E_BASE_URL ?? '';
const TMP = env.E2E_TMP ?? '';
const OUT = path.resolve(env.E2E_OUT ?? 'target/e2e');
const CHROMIUM = env.CHROMIUM ?? '/usr/bin/chromium';
const SPEED = env.E2E_SPEED ?? '10';
const CSP = env.E2E_CSP === '1';
const SUMMARY_FILE = env.E2E_SUMMARY_FILE;

// The scenario's defaults (MODEL.md): N clients, poll interval T, latency d, fixed 3 s reconnects, 5 s downtime.
const N = 1000;
const T_US = 1_000_000;
const D_US = 50_000;

const DOWNLOADS = path.join(TMP, 'downloads');
const WEB_ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const KEY = { left: '\uE012', right: '\uE014' };

const log = (...a) => console.log(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- WebDriver over HTTP -----------------------------------------------------------------------------------

let sessionId = null;

async function wd(method, route, body, timeoutMs = 60_000) {
  const url = DRIVER + route;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new Error(`WebDriver ${method} ${route}: ${e.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : e.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${route}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const v = json.value;
  if (!res.ok || (v && typeof v === 'object' && 'error' in v)) {
    const msg = String(v?.message ?? text).split('\n')[0];
    throw new Error(`WebDriver ${method} ${route}: ${v?.error ?? `HTTP ${res.status}`}: ${msg}`);
  }
  return v;
}

const session = (route) => `/session/${sessionId}${route}`;

/** Runs `script` (a function body; arguments in `arguments`) in the page and returns its result. */
function exec(script, args = [], timeoutMs) {
  return wd('POST', session('/execute/sync'), { script, args }, timeoutMs);
}

/** Runs an async script: the body gets its result callback as the last argument. */
function execAsync(script, args = [], timeoutMs) {
  return wd('POST', session('/execute/async'), { script, args }, timeoutMs);
}

function cdp(cmd, params = {}) {
  return wd('POST', session('/goog/cdp/execute'), { cmd, params });
}

async function find(css) {
  let v;
  try {
    v = await wd('POST', session('/element'), { using: 'css selector', value: css });
  } catch (e) {
    if (/no such element/.test(e.message)) throw new Error(`no element matches ${css} on the page (missing hook?)`);
    throw e;
  }
  return v[WEB_ELEMENT];
}

async function exists(css) {
  return exec('return document.querySelector(arguments[0]) !== null', [css]);
}

async function click(css) {
  const id = await find(css);
  await wd('POST', session(`/element/${id}/click`), {});
}

/** Calls `probe` until it returns something truthy; fails with `what` and the last value after `timeoutMs`. */
async function waitFor(what, probe, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `; last error: ${lastError.message}` : `; last seen: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

// ---- console capture ----------------------------------------------------------------------------------------

// Injected before any page script: records console.error, uncaught errors (and failed resource loads),
// unhandled rejections and CSP violations in window.__errors. A Rust panic shows up as a console error
// "panicked at" (with console_error_panic_hook) or as an uncaught "RuntimeError: unreachable".
// It also keeps the text of the last Blob turned into an object URL, so that a download can be read even
// where Chromium would not write it to disk.
const HOOK = `(() => {
  if (window.__e2eHooked) return;
  window.__e2eHooked = true;
  window.__errors = [];
  const text = (x) => {
    try {
      if (x instanceof Error) return String(x.stack || x);
      if (typeof x === 'object') return JSON.stringify(x);
      return String(x);
    } catch (e) { return String(x); }
  };
  const push = (kind, msg) => window.__errors.push(kind + ': ' + msg);
  const origError = console.error.bind(console);
  console.error = (...a) => { push('console.error', a.map(text).join(' ')); origError(...a); };
  window.addEventListener('error', (e) => {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) {
      push('resource failed', (e.target.tagName || '') + ' ' + (e.target.src || e.target.href));
    } else {
      push('uncaught', (e.message || '') + (e.error ? ' ' + text(e.error) : '') + ' at ' + e.filename + ':' + e.lineno);
    }
  }, true);
  window.addEventListener('unhandledrejection', (e) => push('unhandled rejection', text(e.reason)));
  document.addEventListener('securitypolicyviolation', (e) =>
    push('CSP violation', e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')'));
  // Every Web Worker the page starts, and whether it has been ended (check 5c).
  window.__workers = [];
  if (window.Worker) {
    const W = window.Worker;
    window.Worker = class extends W {
      constructor(...args) { super(...args); this.__rec = { ended: false }; window.__workers.push(this.__rec); }
      terminate() { this.__rec.ended = true; super.terminate(); }
    };
  }
  window.__blobs = [];
  const origCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj) => {
    if (obj instanceof Blob) { const b = { blob: obj, text: null }; window.__blobs.push(b); obj.text().then((t) => { b.text = t; }); }
    return origCreate(obj);
  };
})();`;

const consoleLog = []; // every browser log entry seen so far

async function drainBrowserLog() {
  try {
    const entries = await wd('POST', session('/se/log'), { type: 'browser' }, 15_000);
    for (const e of entries ?? []) consoleLog.push(e);
  } catch (e) {
    consoleLog.push({ level: 'HARNESS', message: `could not read the browser log: ${e.message}` });
  }
}

/** Errors in the browser log's entries from index `from` on (SEVERE: console.error, uncaught exceptions,
 * failed loads, CSP refusals), then what the hook caught in the current document. */
async function consoleErrors(from = 0) {
  await drainBrowserLog();
  const severe = consoleLog.slice(from).filter((e) => e.level === 'SEVERE' || e.level === 'HARNESS')
    .map((e) => `browser log ${e.level}: ${e.message}`);
  const hooked = await exec('return window.__errors || ["window.__errors is missing: the console hook did not run"]')
    .catch((e) => [`reading window.__errors: ${e.message}`]);
  return [...severe, ...hooked.map((h) => `hook: ${h}`)];
}

// ---- reading the page ---------------------------------------------------------------------------------------

/** "t = 12.3 s" → microseconds. */
function parseSimClock(text) {
  const m = /([\d.,]+)\s*(µs|us|ms|s|min|h)\b/.exec(text ?? '');
  if (!m) return null;
  const unit = { µs: 1, us: 1, ms: 1e3, s: 1e6, min: 60e6, h: 3600e6 }[m[2]];
  return Number(m[1].replace(/,/g, '')) * unit;
}

/** The sim clock, the slider readouts and every summary cell (`data-testid` → number and text). */
async function readPage() {
  const r = await exec(`
    const text = (css) => { const e = document.querySelector(css); return e ? e.textContent.trim() : null; };
    const attr = (css, a) => { const e = document.querySelector(css); return e ? e.getAttribute(a) : null; };
    const cells = {};
    for (const e of document.querySelectorAll('[data-testid]')) {
      cells[e.dataset.testid] = { value: e.getAttribute('data-value'), text: e.textContent.trim() };
    }
    return {
      clock: text('#sim-clock'), clockValue: attr('#sim-clock', 'data-value'),
      speed: text('#speed-readout'), clients: text('#clients-value'), interval: text('#interval-value'),
      playing: attr('#play', 'aria-pressed'), cells,
    };`);
  // #sim-clock has no data-value yet (asked for): fall back to its text, "t = 12.3 s".
  r.t = r.clockValue != null && r.clockValue !== '' ? Number(r.clockValue) : parseSimClock(r.clock);
  return r;
}

/** The raw number in the summary cell `testid` (its data-value), or throws saying what is missing. */
function cell(page, testid) {
  const c = page.cells[testid];
  if (!c) throw new Error(`no element with data-testid="${testid}" on the page (missing hook)`);
  if (c.value == null || c.value === '') throw new Error(`[data-testid="${testid}"] has no data-value yet (text "${c.text}")`);
  const v = Number(c.value);
  if (!Number.isFinite(v)) throw new Error(`[data-testid="${testid}"] data-value="${c.value}" is not a number`);
  return v;
}

/** Waits until the simulated clock reads at least `tUs` µs. */
async function waitForSimTime(tUs, what = '') {
  const now = (await readPage()).t ?? 0;
  // Generous: the speed may not be reached on a slow machine; at worst the app runs in real time.
  const budget = Math.max(30_000, ((tUs - now) / 1e3) * 1.5 + 30_000);
  return waitFor(`the simulated clock to reach ${(tUs / 1e6).toFixed(1)} s${what ? ` (${what})` : ''}`,
    async () => { const p = await readPage(); return p.t != null && p.t >= tUs ? p : null; }, budget, 150);
}

async function canvasData(css) {
  return exec(`const c = document.querySelector(arguments[0]);
    if (!c) return null;
    return { url: c.toDataURL('image/png'), width: c.width, height: c.height };`, [css]);
}

const fmt = (v, digits = 0) => (v == null ? String(v) : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits }));
const within = (value, expected, tolerance) => Math.abs(value - expected) <= tolerance * Math.abs(expected);

// ---- the checks ----------------------------------------------------------------------------------------------

const results = [];

async function check(name, body) {
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ name, ok: true });
    log(`ok    ${name}${detail ? ` — ${detail}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
    log(`FAIL  ${name}\n      ${String(e.message).split('\n').join('\n      ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Drags the range input `css` to stop `target` with a real pointer drag (pointer down on the thumb, moves,
 * up), correcting the end point from the value it reads while the button is still down. Falls back to arrow
 * keys on the focused input if the drag cannot land exactly. Returns how it got there. */
async function dragRange(css, target) {
  const geo = await exec(`const el = document.querySelector(arguments[0]);
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height,
             min: Number(el.min || 0), max: Number(el.max || 100), value: Number(el.value) };`, [css]);
  assert(geo.width > 20, `${css} is ${geo.width} px wide: too narrow to drag`);
  const thumb = 16; // Chromium's default range thumb width
  const span = geo.max - geo.min;
  const xOf = (v) => Math.round(geo.left + thumb / 2 + ((geo.width - thumb) * (v - geo.min)) / span);
  const y = Math.round(geo.top + geo.height / 2);
  const value = async () => Number(await exec('return document.querySelector(arguments[0]).value', [css]));
  const pointer = (actions) => wd('POST', session('/actions'), {
    actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }],
  });
  // One action sequence per drag: ChromeDriver does not keep the button down across calls.
  const drag = (fromX, toX) => pointer([
    { type: 'pointerMove', duration: 0, origin: 'viewport', x: fromX, y },
    { type: 'pointerDown', button: 0 },
    { type: 'pointerMove', duration: 400, origin: 'viewport', x: Math.round((fromX + toX) / 2), y },
    { type: 'pointerMove', duration: 400, origin: 'viewport', x: toX, y },
    { type: 'pointerUp', button: 0 },
  ]);
  const stepPx = (geo.width - thumb) / span;
  let from = geo.value;
  let x = xOf(target);
  let drags = 0;
  await drag(xOf(from), x);
  drags++;
  // Land on the exact stop: if the thumb is a stop or two off (its width is a guess), drag it again.
  for (let v = await value(); v !== target && drags < 4; v = await value()) {
    from = v;
    x = Math.round(x + (target - v) * stepPx);
    await drag(xOf(from), x);
    drags++;
  }
  await wd('DELETE', session('/actions'));
  let v = await value();
  if (v === target) return `dragged from stop ${geo.value} to stop ${target} with the pointer (${drags} drag${drags > 1 ? 's' : ''})`;
  const dragged = v;
  const id = await find(css);
  const key = v > target ? KEY.left : KEY.right;
  await wd('POST', session(`/element/${id}/value`), { text: key.repeat(Math.abs(v - target)) });
  v = await value();
  assert(v === target, `${css}: could not reach stop ${target} (drag ended at ${dragged}, arrows at ${v})`);
  return `dragged to stop ${dragged}, then ${Math.abs(dragged - target)} arrow key(s) to stop ${target}`;
}

/** Rows of the CSV the "Download CSV" button offers: read from the downloaded file, or (if Chromium did
 * not write one) from the Blob the page made. */
async function downloadCsv() {
  const before = new Set(readdirSync(DOWNLOADS));
  const blobsBefore = await exec('return (window.__blobs || []).length');
  await click('#download-csv');
  let text = null;
  let source = '';
  try {
    const file = await waitFor('the CSV download to appear in the download directory', () => {
      const f = readdirSync(DOWNLOADS).find((n) => !before.has(n) && n.endsWith('.csv'));
      return f ?? null;
    }, 10_000, 100);
    await sleep(200);
    text = readFileSync(path.join(DOWNLOADS, file), 'utf8');
    source = `downloaded ${file}`;
  } catch (e) {
    text = await waitFor('the page to build the CSV', () =>
      exec('const b = (window.__blobs || [])[arguments[0]]; return b && b.text;', [blobsBefore]), 10_000);
    source = `read from the page's Blob (${e.message})`;
  }
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
  return { columns, rows, source };
}

function pngSize(buffer) {
  assert(buffer.subarray(1, 4).toString('latin1') === 'PNG', 'the screenshot is not a PNG');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

async function screenshot(name, width, height, mobile) {
  await cdp('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
  await exec('window.scrollTo(0, 0)');
  // Let the layout and the charts (which redraw on resize) settle; the PNG's size is checked below.
  await sleep(1000);
  const b64 = await wd('GET', session('/screenshot'));
  const png = Buffer.from(b64, 'base64');
  const size = pngSize(png);
  const file = path.join(OUT, name);
  writeFileSync(file, png);
  assert(size.width === width && size.height === height, `${file} is ${size.width}×${size.height}, not ${width}×${height}`);
  // And the whole page, for a person to look at (not checked).
  try {
    const full = await cdp('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    writeFileSync(file.replace(/\.png$/, '-full.png'), Buffer.from(full.data, 'base64'));
  } catch (e) {
    log(`e2e: note: no full-page screenshot (${e.message})`);
  }
  return { file };
}

/** Which of `selectors` (the first match of each) are not wholly inside the viewport, with where they are. */
async function outsideFirstScreen(selectors) {
  return exec(`return arguments[0].flatMap((css) => {
      const e = document.querySelector(css);
      if (!e) return [css + ' (missing)'];
      const r = e.getBoundingClientRect();
      const inside = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
      return inside ? [] : [css + ' (' + Math.round(r.top) + ' to ' + Math.round(r.bottom) + ' px down of ' + innerHeight + ')'];
    })`, [selectors]);
}

/** The page's controls (inputs, drop-downs, text areas, buttons and anything else the keyboard can reach)
 * as the accessibility tree exposes them, with every <details> opened first: how many, how many
 * drop-downs, and which have no accessible name (what a screen reader would announce them by). */
async function controlNames() {
  await exec(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
  await sleep(500);
  const { root } = await cdp('DOM.getDocument', { depth: -1, pierce: true });
  const controls = [];
  const walk = (node) => {
    if (node.nodeType === 1) {
      const attrs = {};
      for (let i = 0; i + 1 < (node.attributes ?? []).length; i += 2) attrs[node.attributes[i]] = node.attributes[i + 1];
      const tag = node.nodeName.toLowerCase();
      const focusable = 'tabindex' in attrs && attrs.tabindex !== '-1';
      if (['input', 'select', 'textarea', 'button'].includes(tag) || focusable) {
        controls.push({ node: node.backendNodeId, tag, what: tag + (attrs.id ? '#' + attrs.id : '') + (attrs.type ? `[type=${attrs.type}]` : '') });
      }
    }
    for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) walk(child);
  };
  walk(root);
  const { nodes } = await cdp('Accessibility.getFullAXTree', {});
  const ax = new Map(nodes.filter((n) => n.backendDOMNodeId).map((n) => [n.backendDOMNodeId, n]));
  // Controls the tree leaves out (display: none, a closed panel) are not announced at all.
  const exposed = controls.filter((c) => ax.has(c.node) && !ax.get(c.node).ignored);
  const unnamed = exposed.filter((c) => !String(ax.get(c.node).name?.value ?? '').trim())
    .map((c) => `${c.what} (role ${ax.get(c.node).role?.value})`);
  return { total: controls.length, exposed: exposed.length, selects: exposed.filter((c) => c.tag === 'select').length, unnamed };
}

// ---- the run --------------------------------------------------------------------------------------------------

async function main() {
  assert(DRIVER && BASE && TMP, 'E2E_DRIVER_URL, E2E_BASE_URL and E2E_TMP must be set (tests/e2e/run.sh sets them)');
  mkdirSync(OUT, { recursive: true });
  mkdirSync(DOWNLOADS, { recursive: true });

  await waitFor('ChromeDriver to be ready', async () => (await wd('GET', '/status', undefined, 5_000))?.ready, 20_000, 200);
  const caps = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'chrome',
        pageLoadStrategy: 'normal',
        timeouts: { script: 30_000, pageLoad: 30_000, implicit: 0 },
        'goog:loggingPrefs': { browser: 'ALL' },
        'goog:chromeOptions': {
          binary: CHROMIUM,
          args: [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--disable-dev-shm-usage', `--user-data-dir=${path.join(TMP, 'profile')}`, '--window-size=1280,800',
          ],
          prefs: {
            'download.default_directory': DOWNLOADS,
            'download.prompt_for_download': false,
            'download.directory_upgrade': true,
          },
        },
      },
    },
  }, 60_000);
  sessionId = caps.sessionId;
  log(`e2e: ${caps.capabilities.browserName} ${caps.capabilities.browserVersion} via ChromeDriver at ${DRIVER}, app at ${BASE}`);

  await cdp('Page.addScriptToEvaluateOnNewDocument', { source: HOOK });
  await cdp('Page.addScriptToEvaluateOnNewDocument', { source: FIRST_CHART_HOOK });
  await cdp('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: DOWNLOADS }).catch((e) =>
    log(`e2e: note: Browser.setDownloadBehavior failed (${e.message}); the CSV is then read from the page`));
  await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });

  // 1. The page loads with a clean console.
  let page;
  await check('1. the page loads with a clean console (no errors, no panics)', async () => {
    await wd('POST', session('/url'), { url: BASE }, 60_000);
    await waitFor('the app to mount (#play and the summary table)', async () =>
      exec(`return !!document.querySelector('#play') && !!document.querySelector('[data-testid="requests-per-s-polling"]')`), 30_000);
    page = await waitFor('the simulation to run (the clock past 1 s)', async () => { const p = await readPage(); return p.t >= 1e6 ? p : null; }, 30_000);
    await sleep(500);
    const errors = await consoleErrors();
    assert(errors.length === 0, `${errors.length} console error(s) at load:\n${errors.slice(0, 10).join('\n')}`);
    return `mounted, ${page.clock}, ${page.speed}`;
  });
  if (!page) throw new Error('the app did not start: the other checks cannot run');

  // Defaults the numbers below assume; then a faster clock so that the run takes seconds, not minutes.
  await check('defaults: 1,000 clients, 1 s interval; speed set', async () => {
    const p = await readPage();
    assert(p.clients === '1,000 clients', `#clients-value reads "${p.clients}", expected "1,000 clients"`);
    assert(p.interval === '1 s', `#interval-value reads "${p.interval}", expected "1 s"`);
    let speed = 'no #speed control: running at the default speed';
    if (SPEED && (await exists('#speed'))) {
      await click(`#speed option[value="${SPEED}"]`);
      const selected = await exec(`return document.querySelector('#speed').value`);
      assert(selected === SPEED, `#speed is "${selected}" after choosing "${SPEED}"`);
      await sleep(1500);
      speed = `#speed set to ${SPEED}×; #speed-readout: "${(await readPage()).speed}"`;
    }
    return speed;
  });

  // 6 (first half). A chart's pixels now.
  const chartCanvas = '#chart-rates canvas';
  const canvasBefore = await canvasData(chartCanvas).catch(() => null);
  const canvasBeforeAt = { t: (await readPage()).t ?? 0, ms: Date.now() };

  // 2. Polling requests/s near N/T.
  let before;
  await check('2. polling requests/s within 10 % of N/T = 1,000/s', async () => {
    before = await waitForSimTime(12e6, 'a full 10-second window for the table');
    const rps = cell(before, 'requests-per-s-polling');
    assert(within(rps, N * 1e6 / T_US, 0.10), `requests-per-s-polling = ${fmt(rps, 1)} at ${before.clock}, expected 1,000 ± 10 %`);
    return `${fmt(rps, 1)}/s at ${before.clock}`;
  });

  // 4. Polling p50 latency near T/2 + d (before the interval changes).
  await check('4. polling p50 latency within 10 % of T/2 + d = 550 ms', async () => {
    const p = await waitForSimTime(20e6, 'enough messages for a p50');
    const p50 = cell(p, 'latency-p50-polling');
    const expected = T_US / 2 + D_US;
    assert(within(p50, expected, 0.10), `latency-p50-polling = ${fmt(p50 / 1e3, 1)} ms at ${p.clock}, expected 550 ms ± 10 %`);
    before = p;
    return `${fmt(p50 / 1e3, 1)} ms (${p.cells['latency-p50-polling']?.text}) at ${p.clock}`;
  });

  // 6. The chart changed.
  await check('6. the requests/s chart changes as time passes', async () => {
    assert(canvasBefore, `no canvas at ${chartCanvas} (missing hook: the requests/s chart)`);
    // Some seconds later, both simulated and real (a chart redraws a few times a second at most).
    await waitForSimTime(canvasBeforeAt.t + 5e6, 'the chart to have new seconds to show');
    await sleep(Math.max(0, canvasBeforeAt.ms + 2_000 - Date.now()));
    const after = await canvasData(chartCanvas);
    assert(after, `${chartCanvas} is gone`);
    const blank = await exec(`const c = document.createElement('canvas'); c.width = arguments[0]; c.height = arguments[1];
      return c.toDataURL('image/png');`, [after.width, after.height]);
    assert(after.url !== blank, `${chartCanvas} is blank (${after.width}×${after.height})`);
    assert(after.url !== canvasBefore.url, `${chartCanvas} shows the same pixels as at t = ${(canvasBeforeAt.t / 1e6).toFixed(1)} s, ${((Date.now() - canvasBeforeAt.ms) / 1e3).toFixed(1)} s ago`);
    return `${after.width}×${after.height} canvas, pixels differ`;
  });

  // 9. The worlds run in a Web Worker (src/worker): a page busy for a while finds them where real time has
  // taken them. On the page's own animation frames a 200 ms freeze would cost 100 ms of simulated time
  // (a frame makes up at most 100 ms), so ten freezes would leave the clock a second behind.
  await check('9. the worlds run in a Web Worker: with the main thread blocked 10 × 200 ms, time keeps up and the charts move', async () => {
    const engine = await exec(`return document.querySelector('main.pollstream')?.getAttribute('data-engine')`);
    assert(engine === 'worker', `<main data-engine="${engine}">, expected "worker"`);
    await click('#speed option[value="1"]');
    await sleep(1500);
    const before = await readPage();
    const canvas0 = await canvasData(chartCanvas);
    const wall0 = Date.now();
    await execAsync(`const done = arguments[arguments.length - 1];
      let left = 10;
      const freeze = () => {
        const until = performance.now() + 200;
        while (performance.now() < until) { /* the main thread is busy */ }
        if (--left > 0) setTimeout(freeze, 20); else setTimeout(done, 20);
      };
      freeze();`, [], 30_000);
    await sleep(1500);
    const after = await readPage();
    const wall = (Date.now() - wall0) * 1e3;
    const simulated = after.t - before.t;
    const canvas1 = await canvasData(chartCanvas);
    await click(`#speed option[value="${SPEED}"]`);
    assert(canvas1 && canvas0 && canvas1.url !== canvas0.url, `${chartCanvas} shows the same pixels after ${fmt(wall / 1e6, 1)} s`);
    // Snapshots come every 200 ms, so either reading may be up to 0.2 s old.
    assert(simulated >= 0.85 * wall, `the clock moved ${fmt(simulated / 1e6, 2)} s in ${fmt(wall / 1e6, 2)} s of wall-clock time at 1×: ` +
      `it fell behind while the page was blocked (speed readout "${after.speed}")`);
    return `data-engine="worker"; ${fmt(simulated / 1e6, 2)} simulated s in ${fmt(wall / 1e6, 2)} s with 2 s of it blocked; chart redrawn`;
  });

  // 3. Interval 1 s → 100 ms: polling ×10, streaming unchanged.
  await check('3. dragging the interval to 100 ms raises polling requests/s tenfold; streaming stays put', async () => {
    const p0 = await readPage();
    const polling0 = cell(p0, 'requests-per-s-polling');
    const streaming0 = cell(p0, 'requests-per-s-streaming');
    const streamingPush0 = cell(p0, 'pushes-per-s-streaming');
    const stops = await exec(`const el = document.querySelector('#interval'); return el ? { min: el.min, max: el.max, value: el.value } : null`);
    assert(stops, 'no #interval range input (missing hook)');
    // The stops are 10 per decade (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8): 100 ms is ten stops below 1 s.
    const how = await dragRange('#interval', Number(stops.value) - 10);
    const shown = await waitFor('#interval-value to read "100 ms"', async () => {
      const t = (await readPage()).interval;
      return t === '100 ms' ? t : null;
    }, 5_000).catch(async () => { throw new Error(`#interval-value reads "${(await readPage()).interval}" after the drag (${how}), expected "100 ms"`); });
    const changedAt = (await readPage()).t;
    const p1 = await waitForSimTime(changedAt + 12e6, 'the table\'s 10-second window entirely after the change');
    const polling1 = cell(p1, 'requests-per-s-polling');
    const streaming1 = cell(p1, 'requests-per-s-streaming');
    const streamingPush1 = cell(p1, 'pushes-per-s-streaming');
    const problems = [];
    if (!within(polling1, 10 * polling0, 0.15)) problems.push(`polling requests/s ${fmt(polling0, 1)} → ${fmt(polling1, 1)}: ×${(polling1 / polling0).toFixed(2)}, expected ×10 ± 15 %`);
    if (Math.abs(streaming1 - streaming0) > Math.max(0.05 * streaming0, 0.01 * N)) problems.push(`streaming requests/s moved: ${fmt(streaming0, 1)} → ${fmt(streaming1, 1)}`);
    // Streaming pushes/s are shown but not checked: every connection's heartbeat falls in the same second
    // (all opened within the first second), so a 10-second mean jumps by N/10 whenever it holds t = 30 s, 60 s…
    assert(problems.length === 0, problems.join('\n'));
    return `${how}; "${shown}"; polling ${fmt(polling0, 1)} → ${fmt(polling1, 1)}/s (×${(polling1 / polling0).toFixed(2)}), streaming requests ${fmt(streaming0, 1)} → ${fmt(streaming1, 1)}/s, pushes ${fmt(streamingPush0, 1)} → ${fmt(streamingPush1, 1)}/s`;
  });

  // 5. Restart server → the streaming world's reconnect storm.
  // 5. Restart server → the streaming world's reconnect storm. Paused around the button and the reading,
  // so that the restart instant is known exactly and the last minute on the chart and in the CSV holds
  // still whatever the speed.
  const setPlaying = async (playing) => {
    const now = await exec(`return document.querySelector('#play').getAttribute('aria-pressed')`);
    if (now !== String(playing)) await click('#play');
    await waitFor(`#play to show ${playing ? 'playing' : 'paused'} (aria-pressed="${playing}")`,
      () => exec(`return document.querySelector('#play').getAttribute('aria-pressed') === arguments[0]`, [String(playing)]), 5_000);
  };
  let restart = null;
  await check('5. "Restart server" makes the streaming world reconnect in one wave (~N requests in one second)', async () => {
    await setPlaying(false);
    await sleep(300);
    const p0 = await readPage();
    await click('#restart-server');
    await sleep(300);
    const p1 = await readPage();
    assert(p1.t === p0.t, `the clock moved while paused: ${p0.clock} → ${p1.clock}`);
    await setPlaying(true);
    const R = p0.t;
    const restartSecond = Math.floor(R / 1e6);
    // Fixed 3 s policy, 5 s downtime, d = 50 ms: a refused wave at R + 3.1 s, the successful one at R + 6.2 s.
    await waitForSimTime(R + 9e6, 'both reconnect waves to be in completed seconds');
    await setPlaying(false);
    await sleep(300);
    const csv = await downloadCsv();
    for (const c of ['second', 'strategy', 'requests']) assert(csv.columns.includes(c), `the CSV has no "${c}" column: ${csv.columns.join(',')}`);
    const streaming = csv.rows.filter((r) => r.strategy === 'streaming').map((r) => ({ s: Number(r.second), requests: Number(r.requests) }));
    assert(streaming.length > 0, `no streaming rows in the CSV (${csv.source}); strategies: ${[...new Set(csv.rows.map((r) => r.strategy))].join(', ')}`);
    const baseline = streaming.filter((r) => r.s < restartSecond && r.s >= restartSecond - 5);
    const afterRestart = streaming.filter((r) => r.s >= restartSecond && r.s <= restartSecond + 10);
    const series = (rows) => rows.map((r) => `${r.s}s:${r.requests}`).join(' ');
    assert(afterRestart.length > 0, `the CSV does not cover seconds ${restartSecond}..${restartSecond + 10}: ${series(streaming)}`);
    const baseMax = baseline.length ? Math.max(...baseline.map((r) => r.requests)) : 0;
    const peak = afterRestart.reduce((a, b) => (b.requests > a.requests ? b : a));
    assert(baseMax <= 0.05 * N, `streaming requests/s before the restart were not ~0: ${series(baseline)}`);
    assert(peak.requests >= 0.9 * N, `no reconnect spike: streaming requests/s after the restart at ${p0.clock}: ${series(afterRestart)} (expected one second with ≥ ${0.9 * N})`);
    restart = { R, peak };
    return `restart at ${p0.clock}; streaming requests/s ${series(baseline)} | ${series(afterRestart)}; peak ${peak.requests} in second ${peak.s} (${csv.source})`;
  });

  // 5b. The same spike, read off the chart itself with its keyboard readout (still paused).
  await check('5b. the requests/s chart shows the streaming spike (read with the chart\'s arrow-key readout)', async () => {
    const plot = '#chart-rates .ps-chart-plot';
    assert(await exists(plot), `no ${plot} (the requests/s chart's plot area)`);
    await setPlaying(false);
    const id = await find(plot);
    const seen = [];
    let peak = null;
    for (let i = 0; i < 60; i++) { // the chart shows at most a minute
      await wd('POST', session(`/element/${id}/value`), { text: KEY.left });
      const text = await waitFor('the chart readout', () => exec(`const r = document.querySelector(arguments[0] + ' .ps-chart-readout');
        return r && r.offsetParent !== null && r.textContent.trim() ? r.innerText : null;`, [plot]), 5_000);
      const heading = text.split('\n')[0].trim();
      const m = /Streaming requests\/s:\s*([\d.,]+)\s*(k|M)?\/s/.exec(text);
      const value = m ? Number(m[1].replace(/,/g, '')) * ({ k: 1e3, M: 1e6 }[m[2]] ?? 1) : null;
      seen.push(`${heading}: ${m ? m[0].replace('Streaming requests/s: ', '') : '?'}`);
      if (value != null && (!peak || value > peak.value)) peak = { heading, value };
      if (peak && peak.value >= 0.9 * N) break;
    }
    await wd('POST', session(`/element/${id}/value`), { text: '\uE00C' }); // Escape: hide the readout
    await setPlaying(true);
    assert(peak && peak.value >= 0.9 * N, `the readout never showed ≥ ${0.9 * N} streaming requests/s: ${seen.join(' | ')}`);
    return `${peak.heading}: ${fmt(peak.value)} streaming requests/s (${seen.length} arrow presses back from the end)`;
  });

  // 7. Screenshots at two sizes, and what the first screen of each holds (issue #12): on a laptop the two
  // sliders with their values, play/pause, the worlds and the requests/s and latency charts; on a phone the
  // two sliders and a chart.
  await check('7. screenshots at 1280×720 and 390×844 in target/e2e/; the first screens hold the sliders and the charts', async () => {
    const sliders = ['#clients', '#clients-value', '#interval', '#interval-value'];
    const desktop = await screenshot('desktop-1280x720.png', 1280, 720, false);
    const onDesktop = await outsideFirstScreen([...sliders, '#play', '.stage canvas', '#chart-rates canvas', '#chart-latency canvas']);
    const phone = await screenshot('phone-390x844.png', 390, 844, true);
    const onPhone = await outsideFirstScreen([...sliders, '#chart-rates canvas']);
    await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    assert(onDesktop.length === 0 && onPhone.length === 0,
      `not wholly in the first screen: at 1280×720 ${onDesktop.join(', ') || 'none'}; at 390×844 ${onPhone.join(', ') || 'none'}`);
    return `${path.relative(process.cwd(), desktop.file)}, ${path.relative(process.cwd(), phone.file)}`;
  });

  await check('7b. no sideways scrolling at 390 px wide', async () => {
    await cdp('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 1, mobile: true });
    await waitFor('the layout viewport to be 390 px wide (does the page have <meta name="viewport" content="width=device-width">?)',
      () => exec('return window.innerWidth === 390'), 10_000);
    await sleep(500);
    const wide = await exec(`const vw = window.innerWidth;
      const over = [...document.querySelectorAll('body *')].filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > vw + 1; })
        .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') + ' (right edge ' + Math.round(e.getBoundingClientRect().right) + ' px)');
      return { scroll: document.documentElement.scrollWidth, vw, over };`);
    await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    assert(wide.scroll <= wide.vw, `the page is ${wide.scroll} px wide at ${wide.vw} px: ${wide.over.join(', ')}`);
    return `page width ${wide.scroll} px`;
  });

  await check('10. every control of the page has an accessible name (the accessibility tree, all panels open)', async () => {
    const names = await controlNames();
    assert(names.selects >= 3 && names.exposed >= 30, `only ${names.exposed} controls (${names.selects} drop-downs) in the tree: ${JSON.stringify(names)}`);
    assert(names.unnamed.length === 0, `${names.unnamed.length} without a name: ${names.unnamed.join(', ')}`);
    return `${names.exposed} controls named, ${names.selects} of them drop-downs`;
  });

  // 5c. One worker per world (issue #10): the page merges what the workers send. Paused, so that every
  // number holds still: switching a world off takes it out of the table and the animated view at once, ends
  // its worker and leaves the other worlds' numbers as they were; switching it on again starts every world
  // again, in new workers. (The clock shows the world furthest behind, so it may move on a little when
  // that one goes: the worlds run a tick or two apart.)
  await check('5c. a worker per world: switching one off takes it away at once and leaves the others; on again, all start again', async () => {
    const WORLDS = ['polling', 'long-polling', 'streaming'];
    const shown = (p) => WORLDS.filter((s) => `requests-per-s-${s}` in p.cells);
    const running = () => exec(`return window.__workers.filter((w) => !w.ended).length`);
    await setPlaying(false);
    await sleep(300);
    const p0 = await readPage();
    const workers0 = await running();
    assert(workers0 === 3, `${workers0} workers running with three worlds, expected 3`);
    assert(shown(p0).length === 3, `the table shows ${shown(p0).join(', ')}`);
    await click('#strategy-long-polling');
    const p1 = await waitFor('long polling to leave the table', async () => {
      const p = await readPage();
      return !shown(p).includes('long-polling') && p;
    }, 3_000);
    assert(p1.t >= p0.t && p1.t - p0.t < 1e6, `the clock went from ${p0.clock} to ${p1.clock} while paused`);
    const animated = await waitFor('long polling to leave the animated view', () =>
      exec(`const t = document.querySelector('.ps-animation-summary')?.textContent ?? '';
        return t.includes('Polling:') && !t.includes('Long polling') && t;`), 3_000);
    for (const s of ['polling', 'streaming']) {
      const [a, b] = [cell(p0, `requests-per-s-${s}`), cell(p1, `requests-per-s-${s}`)];
      assert(a === b, `${s} requests/s changed from ${a} to ${b} when long polling was switched off`);
    }
    const workers1 = await running();
    assert(workers1 === 2, `${workers1} workers running with two worlds, expected 2`);
    await click('#strategy-long-polling');
    const p2 = await waitFor('all three worlds again, from the start', async () => {
      const p = await readPage();
      return shown(p).length === 3 && p.t < p0.t && p;
    }, 5_000);
    const workers2 = await running();
    assert(workers2 === 3, `${workers2} workers running after switching long polling on again, expected 3`);
    await setPlaying(true);
    return `paused at ${p0.clock}: off → ${shown(p1).join(' + ')} (${workers1} workers), numbers unchanged, ` +
      `animated view "${animated.slice(0, 60)}…"; ` +
      `on → ${p2.clock}, ${shown(p2).length} worlds (${workers2} workers; ${await exec('return window.__workers.length')} started in all)`;
  });

  // 5d. Steps while paused (issue #10). Worlds in workers of their own run apart: a tick or two at 1×, up
  // to the page's ten-second lead as fast as it goes, where the cheaper worlds run ahead. Each used to
  // step to the end of its own second, so they stayed apart step after step. Now every step ends at one
  // instant, the end of the current second of the world furthest behind: a world already past it stays
  // where it is, and steps bring the worlds together. Its own page: 300,000 clients as fast as it goes.
  await check('5d. steps while paused end every world at one instant, and bring worlds apart together', async () => {
    const worlds = () => exec(`return [...document.querySelectorAll('th[data-seconds]')].map((th) => Number(th.dataset.seconds))`);
    await go(new URL('?clients=300000&speed=max', BASE).href);
    await waitForApp();
    await sleep(2500);
    await setPlaying(false);
    // Paused, each worker publishes its world's last instant once: wait until the numbers hold still.
    let before = await worlds();
    await waitFor('the paused worlds to hold still', async () => {
      await sleep(300);
      const now = await worlds();
      const still = now.join() === before.join();
      before = now;
      return still;
    }, 5_000);
    assert(before.length === 3, `${before.length} worlds in the table, expected 3`);
    const lowest = Math.min(...before);
    const highest = Math.max(...before);
    // After k steps a world shows the seconds it had or lowest + k, whichever is more (completed
    // seconds; a step to the end of each world's own second would give before + k).
    const seen = [];
    for (let k = 1; k <= highest - lowest + 1; k++) {
      await click('#step');
      const expected = before.map((s) => Math.max(s, lowest + k));
      const w = await waitFor(`the worlds at ${expected.join(', ')} completed seconds after ${k} step(s)`, async () => {
        const w = await worlds();
        return w.join() === expected.join() && w;
      }, 10_000).catch(async () => { throw new Error(`paused at ${before.join(', ')} completed seconds, after ${k} step(s) the worlds show ${(await worlds()).join(', ')}, expected ${expected.join(', ')}`); });
      seen.push(w.join('/'));
    }
    const together = highest + 1;
    const p = await readPage();
    // The clock shows three significant digits ("t = 1.92 min").
    assert(Math.abs(p.t - together * 1e6) <= together * 1e6 * 0.005 + 1e5, `the clock reads ${p.clock} after the steps, expected ${together} s`);
    return `paused at ${before.join(', ')} completed seconds; steps: ${seen.join(' → ')}; clock ${p.clock}`;
  });

  await check('1b. the console stayed clean through the whole run', async () => {
    const errors = await consoleErrors();
    assert(errors.length === 0, `${errors.length} console error(s):\n${errors.slice(0, 10).join('\n')}`);
    const warnings = consoleLog.filter((e) => e.level === 'WARNING');
    return warnings.length ? `${warnings.length} warning(s), first: ${warnings[0].message.slice(0, 160)}` : 'no warnings either';
  });

  if (CSP) {
    await check('8. under the strict Content-Security-Policy the page runs with a clean console', async () => {
      await drainBrowserLog();
      const from = consoleLog.length;
      const url = new URL('csp/', BASE).href;
      await wd('POST', session('/url'), { url }, 60_000);
      const started = await waitFor('the app to mount and run under CSP', async () => {
        const p = await readPage().catch(() => null);
        return p && p.t >= 1e6 ? p : null;
      }, 30_000).catch((e) => e);
      const errors = await consoleErrors(from);
      assert(!(started instanceof Error) && errors.length === 0,
        `${started instanceof Error ? started.message + '\n' : ''}${errors.length} console error(s) under CSP:\n${errors.slice(0, 10).join('\n')}`);
      return `${url}: ${started.clock}`;
    });
  }

  await issue4Checks();
}

// ---- issue #4: sharing, embedding, a self-contained build under a strict CSP ---------------------------------
// Owned by the build/embedding side (docs/embedding.md); kept apart from the checks above. Every check loads
// its own page, so that one failing does not stop the next.

/** Navigates to `url` and waits until the document has loaded. */
async function go(url) {
  await drainBrowserLog();
  const from = consoleLog.length;
  await wd('POST', session('/url'), { url }, 60_000);
  return from;
}

/** Waits for the full app (or an embed) to mount: its #play button or its compact bar. */
async function waitForApp(what = 'the app to mount') {
  return waitFor(what, () => exec(`return !!document.querySelector('.pollstream')
    && !!(document.querySelector('#play') || document.querySelector('.pollstream .bar'))`), 30_000);
}

/** Simulated clock (µs) of one simulator: its #…sim-clock if it shows one, else a data-t/data-sim-time
 * attribute on its root; null when it shows neither. */
const CLOCK_JS = `const clockOf = (root) => {
    const c = root.querySelector('[id$="sim-clock"]');
    const raw = c ? (c.getAttribute('data-value') || c.textContent) : (root.getAttribute('data-t') || root.getAttribute('data-sim-time')
      || (root.querySelector('[data-t]') || { getAttribute: () => null }).getAttribute('data-t'));
    if (raw == null || raw === '') return null;
    if (/^[\\d.]+$/.test(raw.trim())) return Number(raw);
    const m = /([\\d.,]+)\\s*(µs|us|ms|s|min|h)\\b/.exec(raw);
    return m ? Number(m[1].replace(/,/g, '')) * { 'µs': 1, us: 1, ms: 1e3, s: 1e6, min: 60e6, h: 3600e6 }[m[2]] : null;
  };`;

/** Every URL the page fetched (resource timing, plus the document itself) that is not under the page's
 * own folder on its own origin. */
async function requestsOutside() {
  return exec(`const dir = location.origin + location.pathname.replace(/[^/]*$/, '');
    const urls = performance.getEntriesByType('resource').map((e) => e.name);
    return { dir, count: urls.length, outside: urls.filter((u) => !u.startsWith(dir)) };`);
}

/** A small page on a second origin (another port) that embeds `src` in an iframe with the parent snippet
 * of docs/embedding.md, and records every pollstream:height message in window.__heights. */
async function startParentServer(src) {
  const { createServer } = await import('node:http');
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>parent</title></head><body>
<p>A blog post that embeds pollstream in an iframe.</p>
<iframe id="sim" src="${src}" title="pollstream simulator" style="width:100%;border:0" height="300" loading="lazy"></iframe>
<script>
  window.__heights = [];
  addEventListener('message', (e) => {
    const frame = document.getElementById('sim');
    if (e.source !== frame.contentWindow || !e.data || e.data.type !== 'pollstream:height') return;
    window.__heights.push({ height: e.data.height, origin: e.origin });
    frame.style.height = Math.ceil(e.data.height) + 'px';
  });
</script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** What a range of malformed links must do: show the notice, keep running, log nothing red. */
const MALFORMED = [
  'clients=abc',
  'clients=-5',
  'clients=1e99',
  'interval=fast',
  'interval=-1s',
  'interval=',
  'jitter=2',
  'rate=NaN',
  'latency=5parsecs',
  'workers=0.5',
  'sync-start=perhaps',
  'pattern=unicast',
  'reconnect=never',
  'seed=-1',
  'speed=ludicrous',
  'show=carrier-pigeon',
  'strategies=,,,',
  'panels=everything',
  'preset=does-not-exist',
  'embed=maybe',
  'paused=sometimes',
  'clients=1000&clients=lots',
  'utm_source=blog&%3Cscript%3Ealert(1)%3C%2Fscript%3E=1',
  'clients=%E0%A4%A',
  'interval=%00%00',
  `x=${'9'.repeat(3000)}`,
];

async function issue4Checks() {
  const base = new URL(BASE);

  // A. A link with a full scenario reproduces it: the controls show the values it names.
  await check('4a. a link with a full scenario reproduces it (the controls show its values)', async () => {
    const query = 'clients=2500&interval=250ms&jitter=0.2&pattern=broadcast&rate=0.5&latency=20ms&workers=64'
      + '&service=2ms&hold-timeout=20s&reconnect=backoff&show=polling,streaming&speed=10&seed=7';
    const from = await go(new URL(`?${query}`, base).href);
    await waitForApp();
    await sleep(500);
    const seen = await exec(`const v = (css) => { const e = document.querySelector(css); return e ? (e.type === 'checkbox' ? e.checked : e.value) : null; };
      const t = (css) => { const e = document.querySelector(css); return e ? e.textContent.trim() : null; };
      return {
        clients: t('#clients-value'), interval: t('#interval-value'), rate: t('#rate-value'), latency: t('#latency-value'),
        jitter: v('#param-jitter'), pattern: v('#param-pattern'), workers: v('#param-workers'), service: v('#param-service'),
        hold: v('#param-hold-timeout'), reconnect: v('#param-reconnect'), seed: v('#seed'), speed: v('#speed'),
        polling: v('#strategy-polling'), longPolling: v('#strategy-long-polling'), streaming: v('#strategy-streaming'),
        notice: t('#url-notice'),
      };`);
    const want = {
      clients: '2,500 clients', interval: '250 ms', jitter: '0.2', pattern: 'broadcast', workers: '64', service: '2ms',
      hold: '20s', reconnect: 'backoff', seed: '7', speed: '10', polling: true, longPolling: false, streaming: true,
    };
    const wrong = Object.entries(want).filter(([k, w]) => seen[k] !== w).map(([k, w]) => `${k}: ${JSON.stringify(seen[k])}, expected ${JSON.stringify(w)}`);
    if (!/0\.5/.test(seen.rate ?? '')) wrong.push(`rate readout "${seen.rate}" does not say 0.5`);
    if (!/20\s*ms/.test(seen.latency ?? '')) wrong.push(`latency readout "${seen.latency}" does not say 20 ms`);
    if (seen.notice) wrong.push(`a notice is shown for a valid link: "${seen.notice}"`);
    const errors = await consoleErrors(from);
    if (errors.length) wrong.push(`${errors.length} console error(s): ${errors.slice(0, 3).join(' | ')}`);
    assert(wrong.length === 0, wrong.join('\n'));
    return `${seen.clients}, ${seen.interval}, rate "${seen.rate}", latency "${seen.latency}", workers ${seen.workers}, speed ${seen.speed}×, seed ${seen.seed}, polling+streaming`;
  });

  // B. Malformed links: a notice, a running page, no console error.
  await check(`4b. ${MALFORMED.length} malformed links each give the notice and no console error`, async () => {
    const problems = [];
    for (const query of MALFORMED) {
      const from = await go(new URL(`?${query}`, base).href);
      const label = query.length > 40 ? `${query.slice(0, 40)}…` : query;
      try {
        await waitForApp(`the app to mount for ?${label}`);
        const notice = await waitFor(`the notice for ?${label}`, () => exec(`const n = document.querySelector('#url-notice');
          return n && !n.hidden && n.offsetParent !== null && n.textContent.trim() ? n.textContent.trim() : null;`), 5_000);
        if (notice.length > 2000) problems.push(`?${label}: the notice is ${notice.length} characters long`);
      } catch (e) {
        problems.push(`?${label}: ${e.message}`);
      }
      const errors = await consoleErrors(from);
      if (errors.length) problems.push(`?${label}: ${errors.length} console error(s): ${errors.slice(0, 2).join(' | ')}`);
    }
    assert(problems.length === 0, problems.join('\n'));
    return `notice shown for all ${MALFORMED.length}, console clean`;
  });

  // C. The example post: three working instances; one scrolled off screen stands still.
  await check('4c. the example post shows three working simulators; an off-screen one does not advance', async () => {
    await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    const from = await go(new URL('example-post.html', base).href);
    const count = await waitFor('three simulators to mount in [data-pollstream] elements', () => exec(
      `const n = document.querySelectorAll('[data-pollstream] .pollstream').length; return n >= 3 ? n : null;`), 30_000);
    const state = () => exec(`${CLOCK_JS}
      return [...document.querySelectorAll('[data-pollstream]')].map((host) => {
        const root = host.querySelector('.pollstream');
        const r = host.getBoundingClientRect();
        // The charts only (the animated view may move while the clock stands still).
        const canvases = [...host.querySelectorAll('.ps-chart canvas')].filter((c) => c.width > 0 && c.height > 0);
        return { id: host.id, running: root && root.getAttribute('data-running'), t: root ? clockOf(root) : null,
          onScreen: r.bottom > 0 && r.top < innerHeight,
          pixels: canvases.map((c) => { const d = c.toDataURL(); return d.length + d.slice(-48); }).join('|') };
      });`);
    // Working: scroll each one into view in turn; its charts draw and (where shown) its clock moves.
    const working = [];
    for (let i = 0; i < count; i++) {
      await exec(`document.querySelectorAll('[data-pollstream]')[arguments[0]].scrollIntoView({ block: 'center' })`, [i]);
      const first = (await state())[i];
      const moved = await waitFor(`simulator ${i + 1} (${first.id}) to advance on screen`, async () => {
        const now = (await state())[i];
        const advanced = now.t != null && first.t != null ? now.t > first.t : now.pixels !== first.pixels;
        return advanced && now.running !== 'false' ? now : null;
      }, 15_000, 250);
      const blank = await exec(`const host = document.querySelectorAll('[data-pollstream]')[arguments[0]];
        return [...host.querySelectorAll('.ps-chart canvas')].every((c) => { const b = document.createElement('canvas'); b.width = c.width; b.height = c.height; return c.toDataURL() === b.toDataURL(); });`, [i]);
      assert(!blank, `simulator ${i + 1} (${first.id}): its charts are blank`);
      working.push(`${moved.id}${moved.t != null ? ` t=${(moved.t / 1e6).toFixed(1)} s` : ''}`);
    }
    // Off screen: the first one in view, the last one far below.
    await exec(`window.scrollTo(0, 0); document.querySelectorAll('[data-pollstream]')[0].scrollIntoView({ block: 'start' });`);
    await sleep(1500); // IntersectionObserver callbacks, and a paused world settles
    const before = await state();
    const last = before[before.length - 1];
    assert(before[0].onScreen && !last.onScreen, `could not get the first on screen and the last off: ${JSON.stringify(before.map((s) => [s.id, s.onScreen]))}`);
    await sleep(3000);
    const after = await state();
    const problems = [];
    const a0 = after[0], aN = after[after.length - 1];
    const visibleMoved = a0.t != null && before[0].t != null ? a0.t > before[0].t : a0.pixels !== before[0].pixels;
    if (!visibleMoved) problems.push(`the visible simulator (${a0.id}) did not advance in 3 s`);
    if (aN.running === 'true') problems.push(`the off-screen simulator (${aN.id}) says data-running="true"`);
    if (aN.t != null && last.t != null ? aN.t !== last.t : aN.pixels !== last.pixels) problems.push(`the off-screen simulator (${aN.id}) advanced: ${last.t} → ${aN.t}`);
    const errors = await consoleErrors(from);
    if (errors.length) problems.push(`${errors.length} console error(s): ${errors.slice(0, 3).join(' | ')}`);
    const outside = await requestsOutside();
    if (outside.outside.length) problems.push(`requests outside ${outside.dir}: ${outside.outside.join(', ')}`);
    assert(problems.length === 0, problems.join('\n'));
    const clockNote = aN.t != null ? `off-screen clock held at ${(aN.t / 1e6).toFixed(1)} s` : 'off-screen canvases unchanged (no clock shown)';
    return `${count} simulators working (${working.join(', ')}); ${clockNote}, data-running="${aN.running}"; ${outside.count} requests, all under ${outside.dir}`;
  });

  // D. Embed mode tells its parent its height (the parent on another origin, with the docs' snippet).
  await check('4d. ?embed in an iframe on another origin posts {type: "pollstream:height", height}', async () => {
    const src = new URL('?embed&panels=load&clients=1000', base).href;
    const server = await startParentServer(src);
    try {
      const parent = `http://127.0.0.1:${server.address().port}/`;
      const from = await go(parent);
      const got = await waitFor('a pollstream:height message in the parent', async () => {
        const h = await exec('return window.__heights || []');
        return h.length ? h : null;
      }, 30_000, 200);
      const last = got[got.length - 1];
      assert(typeof last.height === 'number' && last.height > 50 && last.height < 20_000, `implausible height: ${JSON.stringify(last)}`);
      assert(last.origin === base.origin, `the message came from ${last.origin}, not ${base.origin}`);
      await sleep(500);
      const frame = await exec(`const f = document.getElementById('sim'); return f.getBoundingClientRect().height;`);
      const errors = await consoleErrors(from);
      assert(errors.length === 0, `${errors.length} console error(s): ${errors.slice(0, 3).join(' | ')}`);
      return `${got.length} message(s), last height ${last.height} px from ${last.origin}; the iframe is now ${Math.round(frame)} px tall`;
    } finally {
      server.close();
    }
  });

  // E. The strict policy, served as a header, from a sub-path (/csp/): clean console, the clock advances,
  // nothing fetched outside the folder. The example post too.
  await check('4e. under the strict CSP header, from a sub-path, the app runs with a clean console and fetches nothing outside its folder', async () => {
    const url = new URL('csp/?speed=10', base).href;
    const from = await go(url);
    await waitForApp('the app to mount under CSP');
    const t0 = await waitFor('the clock to start under CSP', async () => { const p = await readPage(); return p.t > 0 ? p : null; }, 30_000);
    await sleep(2000);
    const t1 = await readPage();
    const outside = await requestsOutside();
    const errors = await consoleErrors(from);
    const problems = [];
    if (!(t1.t > t0.t)) problems.push(`the clock did not advance: ${t0.clock} → ${t1.clock}`);
    if (errors.length) problems.push(`${errors.length} console error(s):\n${errors.slice(0, 10).join('\n')}`);
    if (outside.outside.length) problems.push(`requests outside ${outside.dir}: ${outside.outside.join(', ')}`);
    if (outside.count < 3) problems.push(`only ${outside.count} resource entries: the page did not load its files?`);
    assert(problems.length === 0, problems.join('\n'));
    return `${t0.clock} → ${t1.clock}; ${outside.count} requests, all under ${outside.dir}`;
  });

  await check('4f. the example post under the strict CSP header: three simulators, clean console', async () => {
    const from = await go(new URL('csp/example-post.html', base).href);
    const n = await waitFor('three simulators to mount under CSP', () => exec(
      `const n = document.querySelectorAll('[data-pollstream] .pollstream').length; return n >= 3 ? n : null;`), 30_000);
    await exec(`document.querySelectorAll('[data-pollstream]')[0].scrollIntoView({ block: 'center' })`);
    await sleep(2000);
    const errors = await consoleErrors(from);
    const outside = await requestsOutside();
    assert(errors.length === 0 && outside.outside.length === 0,
      `${errors.length} console error(s):\n${errors.slice(0, 10).join('\n')}\nrequests outside ${outside.dir}: ${outside.outside.join(', ')}`);
    return `${n} simulators; ${outside.count} requests, all under ${outside.dir}`;
  });

  // G. The first chart within 1 s of navigation: the app's own mark if it sets one, else the first chart
  // canvas that is not blank, watched on every animation frame from the start of the document.
  await check('4g. the first chart is drawn within 1 s of navigation', async () => {
    await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    await go(new URL('#e2e-first-chart', base).href);
    const r = await waitFor('the first chart', () => exec(`const m = performance.getEntriesByName('pollstream:first-chart');
      if (m.length) return { source: 'performance mark pollstream:first-chart', ms: m[0].startTime };
      return window.__firstChart ? { source: 'first non-blank chart canvas (polled every frame)', ms: window.__firstChart } : null;`), 15_000, 50);
    assert(r.ms <= 1000, `the first chart came ${Math.round(r.ms)} ms after navigation (${r.source}), over 1 s`);
    return `${Math.round(r.ms)} ms (${r.source})`;
  });

  // H. The embed mode's controls are named too (issue #12), with every panel it can show.
  await check('4h. every control of ?embed (all panels) has an accessible name', async () => {
    await go(new URL('?embed&panels=view,story,controls,load,latency,table', base).href);
    await waitForApp('the embed to mount');
    await waitFor('the embed\'s controls', () => exec(`return !!document.querySelector('#clients')`), 15_000);
    const names = await controlNames();
    assert(names.selects >= 3 && names.exposed >= 30, `only ${names.exposed} controls (${names.selects} drop-downs) in the tree: ${JSON.stringify(names)}`);
    assert(names.unnamed.length === 0, `${names.unnamed.length} without a name: ${names.unnamed.join(', ')}`);
    return `${names.exposed} controls named, ${names.selects} of them drop-downs`;
  });

  // 4i. On a phone the sliders stand two a row, about 150 px each: the longest values ("10,000,000
  // clients", "10 min") must wrap inside their slider, not push it into its neighbour.
  await check('4i. at 360 and 390 px wide, with the longest values, no slider runs into its neighbour and the speed readout wraps', async () => {
    const seen = [];
    for (const width of [360, 390]) {
      await cdp('Emulation.setDeviceMetricsOverride', { width, height: 800, deviceScaleFactor: 1, mobile: true });
      await go(new URL('?clients=10000000&interval=10min&latency=2s', base).href);
      await waitForApp();
      await waitFor(`the layout viewport to be ${width} px wide`, () => exec('return window.innerWidth === arguments[0]', [width]), 10_000);
      const boxes = await exec(`return [...document.querySelectorAll('.sliders .slider')].map((s) => {
        const r = s.getBoundingClientRect();
        const parts = [...s.children].map((c) => c.getBoundingClientRect());
        // 4 px of slack: a range input's default 2 px margins put its box 2 px past the slider's edge.
        return { left: r.left, right: r.right, top: r.top, inside: parts.every((p) => p.left >= r.left - 4 && p.right <= r.right + 4),
          name: s.querySelector('label')?.textContent, value: s.querySelector('output')?.textContent };
      });`);
      const bad = [];
      for (const b of boxes) {
        if (!b.inside) bad.push(`${b.name} (${b.value}) sticks out of its slider`);
        for (const o of boxes) {
          if (o !== b && Math.abs(o.top - b.top) < 2 && o.left > b.left && b.right > o.left + 1) bad.push(`${b.name} runs into ${o.name}`);
        }
      }
      // The longest thing the speed readout says, set here (the app says it when the worlds hold too
      // much memory) and measured at once, before the app writes the readout again.
      const readout = await exec(`const out = document.querySelector('#speed-readout');
        out.textContent = "stopped: too many waiting messages for this page's memory; change a setting or reset";
        const panel = out.closest('.transport').getBoundingClientRect();
        const line = out.closest('.readout').getBoundingClientRect();
        return { right: Math.round(line.right), panel: Math.round(panel.right) };`);
      if (readout.right > readout.panel + 1) bad.push(`the speed readout ends at ${readout.right} px, past its panel's ${readout.panel} px`);
      assert(bad.length === 0, `at ${width} px: ${bad.join('; ')}`);
      seen.push(`${width} px: ${boxes.length} sliders, the longest readout within its panel`);
    }
    await cdp('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    return seen.join(', ');
  });
}

// Watches for the first non-blank chart canvas on pages opened with #e2e-first-chart (check 4g's fallback).
const FIRST_CHART_HOOK = `(() => {
  if (location.hash !== '#e2e-first-chart') return;
  const blank = new Map();
  const look = () => {
    for (const c of document.querySelectorAll('.ps-chart canvas')) {
      if (!c.width || !c.height) continue;
      const key = c.width + 'x' + c.height;
      if (!blank.has(key)) { const b = document.createElement('canvas'); b.width = c.width; b.height = c.height; blank.set(key, b.toDataURL()); }
      if (c.toDataURL() !== blank.get(key)) { window.__firstChart = performance.now(); return; }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();`;

let fatal = null;
try {
  await main();
} catch (e) {
  fatal = e;
  results.push({ name: 'harness', ok: false, error: e.message });
  log(`FAIL  the run stopped: ${e.message}`);
} finally {
  if (sessionId) {
    if (results.some((r) => !r.ok)) {
      // Something to look at: the page as it was at the failure.
      try {
        writeFileSync(path.join(OUT, 'failure.png'), Buffer.from(await wd('GET', session('/screenshot'), undefined, 15_000), 'base64'));
        log(`e2e: the page at the failure: ${path.join(OUT, 'failure.png')}`);
      } catch { /* the browser may be gone */ }
    }
    try {
      await drainBrowserLog();
      writeFileSync(path.join(OUT, 'console.log'), consoleLog.map((e) => `${e.level} ${e.message}`).join('\n') + '\n');
    } catch { /* best effort */ }
    await wd('DELETE', session(''), undefined, 15_000).catch((e) => log(`e2e: closing the session: ${e.message}`));
  }
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
const summary = `${passed} passed, ${failed} failed`;
// run.sh prints the summary itself, as its very last line.
if (SUMMARY_FILE) writeFileSync(SUMMARY_FILE, summary + '\n');
else log(summary);
process.exit(failed > 0 || fatal ? 1 : 0);
