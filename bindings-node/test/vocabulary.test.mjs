// The JS and TypeScript lists of reasons, token types and error codes are exactly the core's
// (the addon's `vocabulary()`): a reason, token type or error code added to the core fails
// here until lib/reasons.js (lib/errors.js for error codes) and index.d.ts know it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const clerkauth = require('../index.js');
const native = require('../loader.js').loadNative();
const dts = fs.readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');

const sorted = (xs) => [...xs].sort();

/** The string values of `export declare const <name>: { readonly K: 'v'; ... };` in index.d.ts. */
function declared(name) {
  const m = dts.match(new RegExp(`export declare const ${name}: \\{([^}]*)\\}`));
  assert.ok(m, `index.d.ts declares ${name}`);
  return [...m[1].matchAll(/readonly \w+: '([^']*)'/g)].map((x) => x[1]);
}

/** The members of `export type <name> = | 'a' | 'b';` in index.d.ts. */
function union(name) {
  const m = dts.match(new RegExp(`export type ${name} =([^;]*);`));
  assert.ok(m, `index.d.ts declares type ${name}`);
  return [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]);
}

const core = native.vocabulary();

test('the addon lists the core vocabulary', () => {
  assert.deepEqual(Object.keys(core).sort(), ['errorCodes', 'reasons', 'tokenTypes']);
  for (const [name, list] of Object.entries(core)) {
    assert.ok(list.length > 0 && list.every((x) => typeof x === 'string'), name);
    assert.equal(new Set(list).size, list.length, `duplicates in ${name}`);
  }
});

test('AuthErrorReason, TokenVerificationErrorReason and ClerkAuthReason are the core reasons', () => {
  const groups = ['AuthErrorReason', 'TokenVerificationErrorReason', 'ClerkAuthReason'];
  const js = groups.flatMap((g) => Object.values(clerkauth[g]));
  assert.equal(new Set(js).size, js.length, 'a reason is listed twice');
  assert.deepEqual(sorted(js), sorted(core.reasons));
  for (const g of groups) assert.deepEqual(sorted(declared(g)), sorted(Object.values(clerkauth[g])), `index.d.ts ${g}`);
});

test('TokenType is the core token types', () => {
  assert.deepEqual(sorted(Object.values(clerkauth.TokenType)), sorted(core.tokenTypes));
  assert.deepEqual(sorted(declared('TokenType')), sorted(core.tokenTypes));
});

test('ErrorCode and ClerkAuthErrorCode are the core error codes', () => {
  assert.deepEqual(sorted(Object.values(clerkauth.ErrorCode)), sorted(core.errorCodes));
  assert.deepEqual(sorted(declared('ErrorCode')), sorted(core.errorCodes));
  assert.deepEqual(sorted(union('ClerkAuthErrorCode')), sorted(core.errorCodes));
});
