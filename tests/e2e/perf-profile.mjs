#!/usr/bin/env node
// A sampling CPU profile of the app in headless Chromium (the Performance panel's "bottom-up" view, in text):
//   node tests/e2e/perf-profile.mjs 'QUERY' [SECONDS]      e.g. '?clients=10000000&strategies=polling' 8
// Prints the functions with the most self time, and those on the stacks of samples in the longest gaps.
// Uses the build in PERF_DIST (default target/perf-dist); wasm functions have names only if the build kept
// its name section.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './serve.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DIST = path.resolve(ROOT, process.env.PERF_DIST ?? 'target/perf-dist');
const query = process.argv[2] ?? '';
const seconds = Number(process.argv[3] ?? 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

const server = await startServer({ root: DIST });
const port = await freePort();
const driver = spawn(process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver', [`--port=${port}`], { detached: true, stdio: 'ignore' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pollstream-profile-'));
const wd = async (m, r, b) => {
  const res = await fetch(`http://127.0.0.1:${port}${r}`, { method: m, headers: { 'Content-Type': 'application/json' }, body: b && JSON.stringify(b) });
  const v = (await res.json()).value;
  if (v && v.error) throw new Error(`${r}: ${v.message}`);
  return v;
};
try {
  for (let i = 0; i < 50; i++) { try { if ((await wd('GET', '/status')).ready) break; } catch { /* starting */ } await sleep(200); }
  const caps = await wd('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'chrome', 'goog:chromeOptions': {
    binary: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(tmp, 'p')}`, '--window-size=1280,800'] } } } });
  const s = `/session/${caps.sessionId}`;
  const cdp = (cmd, params = {}) => wd('POST', `${s}/goog/cdp/execute`, { cmd, params });
  await cdp('Profiler.enable');
  await cdp('Profiler.setSamplingInterval', { interval: 200 });
  await cdp('Profiler.start');
  await wd('POST', `${s}/url`, { url: `http://127.0.0.1:${server.address().port}/${query}` });
  await sleep(seconds * 1000);
  const { profile } = await cdp('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const dt = profile.timeDeltas;
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? path.basename(n.callFrame.url) : ''}`.trim();
  profile.samples.forEach((id, i) => { const k = name(byId.get(id)); self.set(k, (self.get(k) ?? 0) + (dt[i + 1] ?? 0) / 1000); });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`profile of ${query || '/'} over ${seconds} s: ${profile.samples.length} samples, ${total.toFixed(0)} ms`);
  console.log('\nself time (ms):');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${v.toFixed(1).padStart(9)}  ${k}`);
  // Total (inclusive) time per function.
  const incl = new Map();
  profile.samples.forEach((id, i) => {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) { const k = name(byId.get(n)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + (dt[i + 1] ?? 0) / 1000); } }
  });
  console.log('\ntotal time (ms):');
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${v.toFixed(1).padStart(9)}  ${k}`);
  await wd('DELETE', s);
} finally {
  try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ }
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
