// Every problem code the server publishes (the closed enum `ProblemCode` of
// frontend/openapi.json) has a German and an English text in the UI
// (`problem.<code>` in frontend/src/i18n/{de,en}/problem.ts), and those files
// name no code the server does not have. The compiler checks the same against
// the generated schema.d.ts; this test checks it against the published
// document itself, without a server or browser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);

function serverCodes() {
  const doc = JSON.parse(readFileSync(new URL('frontend/openapi.json', root), 'utf8'));
  const codes = doc.components?.schemas?.ProblemCode?.enum;
  assert.ok(Array.isArray(codes) && codes.length > 0, 'openapi.json publishes components.schemas.ProblemCode.enum');
  return codes;
}

/** `problem.<code>` → text of one language's namespace file (single- or double-quoted, maybe on the next line). */
function texts(language) {
  const source = readFileSync(new URL(`frontend/src/i18n/${language}/problem.ts`, root), 'utf8');
  const found = new Map();
  for (const [, code, , text] of source.matchAll(/'problem\.([a-z0-9_]+)':\s*(['"])((?:(?!\2)[^\\]|\\.)*)\2/g)) {
    assert.ok(!found.has(code), `${language}: problem.${code} twice`);
    found.set(code, text);
  }
  return found;
}

describe('problem codes', () => {
  for (const language of ['de', 'en']) {
    it(`every ProblemCode has a ${language === 'de' ? 'German' : 'English'} text, and no other code is there`, () => {
      const codes = serverCodes();
      const found = texts(language);
      const missing = codes.filter((code) => !(found.get(code) ?? '').trim());
      assert.deepEqual(missing, [], `${language}/problem.ts lacks a text for`);
      const unknown = [...found.keys()].filter((code) => !codes.includes(code));
      assert.deepEqual(unknown, [], `${language}/problem.ts has codes the server does not publish`);
    });
  }
});
