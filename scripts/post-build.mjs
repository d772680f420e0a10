#!/usr/bin/env node
// Trunk's post_build hook (see Trunk.toml): makes the build in Trunk's staging directory a self-contained
// static folder that runs under the strict Content-Security-Policy of docs/embedding.md
// (`default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`).
//
// 1. Trunk writes its boot code (import the wasm-bindgen glue, fetch and start the wasm) as an inline
//    `<script type="module">` in index.html, which `script-src 'self'` refuses, and Trunk has no switch for
//    it. This moves it into `pollstream-boot.js`, referenced as `<script type="module" src=...>` with its
//    own SRI hash. The wasm's URL is made relative to the boot script (`new URL(..., import.meta.url)`)
//    instead of to the page, so that a page anywhere else (a blog post) can load the same boot script.
// 2. Drops the `integrity` attribute of the wasm's `<link rel="preload" as="fetch">`: Chromium ignores it
//    there and says so in the console (crbug.com/981419). The other integrity attributes stay.
// 2b. Minifies the wasm-bindgen JS glue with terser (release builds; Trunk's own minifier fails on it), and
//     brings every integrity attribute in index.html up to date with the files as they end up.
// 3. Copies the example post (examples/example-post.html and .css) next to index.html.
// 4. Checks what it can: no inline script or style attribute is left in an HTML file, and no HTML file
//    loads anything from outside the folder (an absolute or protocol-relative src/href).
//
// Environment (set by Trunk): TRUNK_STAGING_DIR (the folder to fix), TRUNK_SOURCE_DIR, TRUNK_PROFILE.
// By hand: node scripts/post-build.mjs [DIR]   (DIR defaults to $TRUNK_STAGING_DIR; an already fixed
// folder is left as it is).

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BOOT = 'pollstream-boot.js';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = process.env.TRUNK_SOURCE_DIR || path.resolve(here, '..');
const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
const EXAMPLES = ['example-post.html', 'example-post.css'];

function fail(message) {
  console.error(`post-build: ${message}`);
  process.exit(1);
}

if (!dir) fail('no directory: run by Trunk (TRUNK_STAGING_DIR) or as `node scripts/post-build.mjs DIR`');
const indexFile = path.join(dir, 'index.html');
if (!existsSync(indexFile)) fail(`${indexFile} is missing`);

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const attr = (attrs, name) => {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : null;
};

// ---- 1. the boot script ----------------------------------------------------------------------------------
let html = readFileSync(indexFile, 'utf8');
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
let moved = 0;
html = html.replace(SCRIPT, (whole, attrs, body) => {
  if (attr(attrs, 'src') !== null || !/\bimport\s+init\b/.test(body)) return whole;
  if ((attr(attrs, 'type') ?? '').toLowerCase() !== 'module') fail(`Trunk's boot script is not a module: ${whole.slice(0, 200)}`);
  // `module_or_path: './pollstream_bg.wasm'` (or minified) → relative to this script, not to the page.
  let rewritten = 0;
  let code = body.replace(/module_or_path\s*:\s*(["'])([^"']+)\1/g, (_, q, url) => {
    rewritten++;
    return `module_or_path: new URL(${q}${url}${q}, import.meta.url)`;
  });
  if (rewritten !== 1) fail(`expected one "module_or_path: '...wasm'" in Trunk's boot script, found ${rewritten}:\n${body}`);
  // No comment in the shipped file: every byte counts against the size budget (docs/embedding.md says
  // what the script is and how to load it).
  code = `${code.replace(/^\s*\n/gm, '').trim()}\n`;
  writeFileSync(path.join(dir, BOOT), code);
  moved++;
  return `<script type="module" src="./${BOOT}" integrity="${sri(code)}" crossorigin="anonymous"></script>`;
});
if (moved === 0 && !html.includes(BOOT)) fail(`found neither Trunk's inline boot script nor a reference to ${BOOT} in ${indexFile}`);
if (moved > 1) fail(`found ${moved} boot scripts in ${indexFile}`);

// ---- 2. the wasm preload's ignored integrity --------------------------------------------------------------
html = html.replace(/<link\b[^>]*>/gi, (tag) => {
  const attrs = tag.slice(5, -1);
  if ((attr(attrs, 'rel') ?? '').toLowerCase() !== 'preload' || (attr(attrs, 'as') ?? '').toLowerCase() !== 'fetch') return tag;
  return tag.replace(/\s+integrity\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/i, '');
});

// ---- 2b. minify the wasm-bindgen glue with terser (Trunk's minify-js cannot parse it) ---------------------------
const release0 = (process.env.TRUNK_PROFILE ?? 'release') === 'release';
if (release0) {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.js') && n !== BOOT)) {
    const file = path.join(dir, name);
    const before = statSync(file).size;
    try {
      execFileSync('terser', [file, '--module', '--compress', '--mangle', '--output', file], { stdio: ['ignore', 'inherit', 'inherit'] });
      console.log(`post-build: terser: ${name} ${before} → ${statSync(file).size} bytes`);
    } catch (e) {
      console.error(`post-build: warning: ${name} not minified (${e.code === 'ENOENT' ? 'no terser on PATH: scripts/install-tools.sh web installs it' : e.message})`);
    }
  }
}

// ---- 2b'. short import names --------------------------------------------------------------------------------------
// wasm-bindgen names each of the ~200 functions the wasm imports from its glue like
// `__wbg_setAttribute_2ca3…` (a 16-digit hash that gzip cannot compress), once in the wasm's import section
// and once as a key of the glue's import object. Both are renamed to short names (`a`, `b`, …, `aa`, …):
// about 5 kB less to download. Release builds only; a folder already done is left as it is.
function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}
const lebBytes = (value) => {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
};
const shortName = (i) => {
  const A = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let name = '';
  for (i += 1; i > 0; i = Math.floor((i - 1) / A.length)) name = A[(i - 1) % A.length] + name;
  return name;
};
// Rewrites section `id` of `wasmFile` with `rename(wasm, body, end)`, which parses the section's body and
// returns it rewritten (`out`, bytes) with the names it changed (`renames`, old → new); then renames each in
// `jsFile` where `use(old)` (a global regex) finds it, exactly once, and writes both files. Nothing renamed
// (a build already done): nothing written.
function renameInSection(wasmFile, jsFile, id, what, rename, use) {
  const wasm = readFileSync(wasmFile);
  let js = readFileSync(jsFile, 'utf8');
  if (wasm.readUInt32LE(0) !== 0x6d736100) fail(`${wasmFile} is not WebAssembly`);
  let at = 8;
  while (at < wasm.length) {
    const [size, body] = leb(wasm, at + 1);
    const end = body + size;
    if (wasm[at] !== id) { at = end; continue; }
    const { out, renames } = rename(wasm, body, end);
    if (renames.size === 0) return;
    for (const [from, to] of renames) {
      const found = use(from);
      const hits = js.match(found)?.length ?? 0;
      if (hits !== 1) fail(`${jsFile}: ${what} ${from} found ${hits} times, expected once`);
      js = js.replace(found, to);
    }
    const section = Buffer.from(out);
    const patched = Buffer.concat([wasm.subarray(0, at), Buffer.from([id, ...lebBytes(section.length)]), section, wasm.subarray(end)]);
    writeFileSync(wasmFile, patched);
    writeFileSync(jsFile, js);
    console.log(`post-build: ${renames.size} ${what} names shortened: ${path.basename(wasmFile)} ${wasm.length} → ${patched.length} bytes`);
    return;
  }
}

// The import section (2), as above; each name is a key of the glue's import object (`__wbg_…_0123abcd:function`).
function minifyImports(wasmFile, jsFile) {
  renameInSection(wasmFile, jsFile, 2, 'import', (wasm, body, end) => {
    let [count, p] = leb(wasm, body);
    const out = [...lebBytes(count)];
    const renames = new Map();
    const name = () => {
      const [len, start] = leb(wasm, p);
      p = start + len;
      return wasm.subarray(start, p).toString('utf8');
    };
    for (let i = 0; i < count; i++) {
      const module = name();
      const field = name();
      const descStart = p;
      const kind = wasm[p++];
      if (kind === 0 || kind === 4) { if (kind === 4) p++; [, p] = leb(wasm, p); }
      else if (kind === 1 || kind === 2) {
        if (kind === 1) p++; // reference type
        const flags = wasm[p++];
        [, p] = leb(wasm, p);
        if (flags & 1) [, p] = leb(wasm, p);
      } else if (kind === 3) p += 2; // value type, mutability
      else fail(`${wasmFile}: import kind ${kind} not understood`);
      let newField = field;
      if (kind === 0 && /^__wb(g|indgen)_\w+$/.test(field)) {
        newField = shortName(renames.size);
        renames.set(field, newField);
      }
      for (const s of [module, newField]) {
        const b = Buffer.from(s, 'utf8');
        out.push(...lebBytes(b.length), ...b);
      }
      out.push(...wasm.subarray(descStart, p));
    }
    if (p !== end) fail(`${wasmFile}: import section not understood (ends at ${p}, not ${end})`);
    return { out, renames };
  }, (from) => new RegExp(`(?<![\\w$])${from}(?=\\s*:)`, 'g'));
}

// The export section (7): the exports whose names carry a Rust symbol hash (wasm-bindgen's closure shims,
// `wasm_bindgen__convert__closures_____invoke__h5020…`) become `xa`, `xb`, …, in the wasm and in the one
// place the glue calls each (`x.wasm_bindgen__…(`) (about 200 bytes).
function minifyExports(wasmFile, jsFile) {
  renameInSection(wasmFile, jsFile, 7, 'export', (wasm, body, end) => {
    let [count, p] = leb(wasm, body);
    const out = [...lebBytes(count)];
    const renames = new Map();
    const names = []; // [name, kind and index bytes]
    for (let i = 0; i < count; i++) {
      const [len, start] = leb(wasm, p);
      const name = wasm.subarray(start, start + len).toString('utf8');
      p = start + len;
      const descStart = p;
      p += 1; // kind
      [, p] = leb(wasm, p); // index
      names.push([name, wasm.subarray(descStart, p)]);
    }
    if (p !== end) fail(`${wasmFile}: export section not understood (ends at ${p}, not ${end})`);
    const taken = new Set(names.map(([name]) => name));
    let next = 0;
    for (const [name, desc] of names) {
      let newName = name;
      if (/_h[0-9a-f]{16}(_\d+)?$/.test(name)) {
        do newName = `x${shortName(next++)}`; while (taken.has(newName));
        renames.set(name, newName);
      }
      const b = Buffer.from(newName, 'utf8');
      out.push(...lebBytes(b.length), ...b, ...desc);
    }
    return { out, renames };
  }, (from) => new RegExp(`(?<=\\.)${from}(?![\\w$])`, 'g'));
}
if (release0) {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('_bg.wasm'))) {
    const js = path.join(dir, name.replace(/_bg\.wasm$/, '.js'));
    if (existsSync(js)) {
      minifyImports(path.join(dir, name), js);
      minifyExports(path.join(dir, name), js);
    }
  }
}

// ---- 2c. every integrity attribute matches its file as it now is -------------------------------------------------
html = html.replace(/<(link|script)\b[^>]*>/gi, (tag) => {
  const attrs = tag.slice(tag.indexOf(' '), -1);
  const url = attr(attrs, 'href') ?? attr(attrs, 'src');
  if (!url || attr(attrs, 'integrity') === null || /^([a-z][a-z0-9+.-]*:|\/)/i.test(url)) return tag;
  const file = path.join(dir, decodeURIComponent(url.replace(/^\.\//, '').split(/[?#]/)[0]));
  if (!existsSync(file)) fail(`${url} (in ${indexFile}) is missing`);
  const hash = sri(readFileSync(file));
  return tag.replace(/(\sintegrity\s*=\s*)(?:"[^"]*"|'[^']*'|[^\s"'>]+)/i, `$1"${hash}"`);
});
writeFileSync(indexFile, html);

// ---- 3. the example post ------------------------------------------------------------------------------------
for (const name of EXAMPLES) {
  const from = path.join(root, 'examples', name);
  if (!existsSync(from)) fail(`${from} is missing`);
  copyFileSync(from, path.join(dir, name));
}

// ---- 4. checks ---------------------------------------------------------------------------------------------
// Trunk's autoreload script (`trunk serve` only) is inline on purpose: allowed in a debug build.
const release = (process.env.TRUNK_PROFILE ?? 'release') === 'release';
const problems = [];
for (const name of readdirSync(dir).filter((n) => n.endsWith('.html'))) {
  const text = readFileSync(path.join(dir, name), 'utf8');
  for (const m of text.matchAll(SCRIPT)) {
    if (attr(m[1], 'src') === null && m[2].trim() !== '' && release) problems.push(`${name}: an inline <script> (refused by script-src 'self'): ${m[0].slice(0, 120)}`);
  }
  for (const m of text.matchAll(/<[a-z][^>]*\sstyle\s*=/gi)) problems.push(`${name}: a style="" attribute (refused by style-src 'self'): ${m[0].slice(0, 120)}`);
  if (/<style\b/i.test(text)) problems.push(`${name}: a <style> element (refused by style-src 'self')`);
  for (const m of text.matchAll(/<(script|link|img|iframe|source|video|audio|embed|object)\b([^>]*)>/gi)) {
    const url = attr(m[2], 'src') ?? attr(m[2], 'href') ?? attr(m[2], 'data');
    if (url && /^([a-z][a-z0-9+.-]*:|\/)/i.test(url)) {
      problems.push(`${name}: <${m[1]}> loads ${url}: outside this folder (use a relative URL)`);
    }
  }
}
if (problems.length) fail(`the build is not self-contained or not CSP-clean:\n  ${problems.join('\n  ')}`);
console.log(`post-build: ${moved ? `moved the boot script into ${BOOT}` : `${BOOT} already in place`}; copied ${EXAMPLES.join(', ')}; ${dir} is CSP-clean`);
