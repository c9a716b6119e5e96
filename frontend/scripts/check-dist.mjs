// Post-build guard for the strict Content-Security-Policy and TOM PRIV-2.
//
// The server sends: default-src 'self'; script-src 'self'; style-src 'self'; …
// so the built app must not rely on inline scripts, inline styles, eval, or
// third-party origins, and the client code must never touch localStorage,
// IndexedDB or document.cookie.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const failures = [];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(dist);
const html = files.filter((f) => f.endsWith('.html'));
const js = files.filter((f) => f.endsWith('.js'));
const css = files.filter((f) => f.endsWith('.css'));

for (const file of html) {
  const text = readFileSync(file, 'utf8');
  const name = relative(dist, file);
  for (const match of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attrs, body] = match;
    if (body.trim() !== '') failures.push(`${name}: inline <script> content`);
    if (!/\bsrc\s*=/.test(attrs)) failures.push(`${name}: <script> without src`);
    const src = /\bsrc\s*=\s*"([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (/^(https?:)?\/\//i.test(src)) failures.push(`${name}: external script ${src}`);
  }
  if (/<style\b/i.test(text)) failures.push(`${name}: inline <style> element`);
  if (/\sstyle\s*=/i.test(text)) failures.push(`${name}: inline style attribute`);
  if (/\son[a-z]+\s*=/i.test(text)) failures.push(`${name}: inline event handler attribute`);
  for (const match of text.matchAll(/\b(?:href|src)\s*=\s*"((?:https?:)?\/\/[^"]*)"/gi)) {
    failures.push(`${name}: third-party resource ${match[1]}`);
  }
}

// Pages load lazily per route (App.tsx): no chunk may grow past Vite's 500 kB warning again.
const MAX_CHUNK_BYTES = 500 * 1000;

for (const file of js) {
  const text = readFileSync(file, 'utf8');
  const name = relative(dist, file);
  const bytes = statSync(file).size;
  if (bytes > MAX_CHUNK_BYTES) failures.push(`${name}: ${bytes} bytes, more than ${MAX_CHUNK_BYTES} (split it, see App.tsx)`);
  if (/\bnew Function\s*\(|\beval\s*\(/.test(text)) failures.push(`${name}: eval/new Function (blocked by CSP)`);
  if (/\blocalStorage\b/.test(text)) failures.push(`${name}: uses localStorage (TOM PRIV-2)`);
  if (/\bindexedDB\b/.test(text)) failures.push(`${name}: uses indexedDB (TOM PRIV-2)`);
  if (/document\.cookie/.test(text)) failures.push(`${name}: uses document.cookie (TOM PRIV-2)`);
}

for (const file of css) {
  const text = readFileSync(file, 'utf8');
  const name = relative(dist, file);
  if (/@import\s+url\(\s*["']?(https?:)?\/\//i.test(text) || /url\(\s*["']?(https?:)?\/\//i.test(text)) {
    failures.push(`${name}: third-party URL in CSS`);
  }
}

if (html.length === 0) failures.push('no index.html in dist/');

if (failures.length > 0) {
  console.error('check-dist: CSP/privacy check failed:');
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`check-dist: ok (${html.length} html, ${js.length} js, ${css.length} css; no inline scripts/styles, no eval, no localStorage/cookies)`);
