// The JS and TypeScript lists of reasons, token types, error codes and option names are exactly
// the core's (the addon's `vocabulary()`): a reason, token type or error code added to the core
// fails here until lib/reasons.js (lib/errors.js for error codes) and index.d.ts know it; an
// option name until index.d.ts declares it (and lib/options.js's JS_ONLY, for a host option).
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

/**
 * The member names of `export interface <name> ... { ... }` in index.d.ts: the names at the
 * interface's own brace depth (members' object types and comments skipped).
 */
function members(name) {
  const m = dts.match(new RegExp(`export interface ${name}\\b[^{]*\\{`));
  assert.ok(m, `index.d.ts declares interface ${name}`);
  const body = dts.slice(m.index + m[0].length).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const names = [];
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '=' && body[i + 1] === '>') i++;
    else if (c === '{' || c === '(' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '>') depth--;
    else if (c === '}') {
      if (depth === 0) return names;
      depth--;
    } else if (depth === 0 && /[A-Za-z_$]/.test(c) && /^[\s;]?$/.test(body[i - 1] ?? '')) {
      const id = body.slice(i).match(/^([A-Za-z_$][\w$]*)\??\s*:/);
      if (id) names.push(id[1]);
      i += (id ? id[0].length : body.slice(i).match(/^[\w$]*/)[0].length) - 1;
    }
  }
  assert.fail(`interface ${name} is not closed`);
}

const core = native.vocabulary();
const optionNames = (...kinds) => core.options.filter((o) => kinds.includes(o.kind)).map((o) => o.name);

test('the addon lists the core vocabulary', () => {
  assert.deepEqual(Object.keys(core).sort(), ['errorCodes', 'options', 'organizationSyncOptions', 'reasons', 'tokenTypes']);
  for (const [name, list] of Object.entries(core)) {
    if (name === 'options') continue;
    assert.ok(list.length > 0 && list.every((x) => typeof x === 'string'), name);
    assert.equal(new Set(list).size, list.length, `duplicates in ${name}`);
  }
  assert.ok(core.options.length > 0);
  for (const o of core.options) {
    assert.deepEqual(Object.keys(o).sort(), ['kind', 'name']);
    assert.ok(['authentication', 'ignored-reference', 'host'].includes(o.kind), `${o.name}: ${o.kind}`);
  }
  const names = core.options.map((o) => o.name);
  assert.equal(new Set(names).size, names.length, 'an option name is listed twice');
  assert.deepEqual(sorted(native.ignoredOptionNames()), sorted(optionNames('ignored-reference')));
});

test("the members of index.d.ts's option interfaces are the core's option names", () => {
  // Authentication and ignored @clerk/backend options, and the host options the JS layer reads
  // per call (nowMs, jwksRetryBaseDelayMs); clerkClient belongs to the middlewares' options.
  const request = members('AuthenticateRequestOptions');
  assert.equal(new Set(request).size, request.length, 'AuthenticateRequestOptions declares a name twice');
  const middleware = members('ClerkMiddlewareOptions');
  assert.match(dts, /export interface ClerkMiddlewareOptions extends AuthenticateRequestOptions\b/);
  assert.deepEqual(middleware, ['clerkClient']);
  assert.deepEqual(sorted([...request, ...middleware]), sorted(core.options.map((o) => o.name)));
  assert.deepEqual(sorted(members('OrganizationSyncOptions')), sorted(core.organizationSyncOptions));
  // verifyToken's options are some of them.
  const all = new Set(core.options.map((o) => o.name));
  for (const n of members('VerifyTokenOptions')) assert.ok(all.has(n), `VerifyTokenOptions.${n} is not a core option`);
});

test("the JS layer's own options are the core's host options", () => {
  const { JS_ONLY, INSTANCE_KEYS } = require('../lib/options.js');
  assert.deepEqual(sorted(JS_ONLY), sorted(optionNames('host')));
  const auth = new Set(optionNames('authentication'));
  for (const k of INSTANCE_KEYS) assert.ok(auth.has(k), `INSTANCE_KEYS: ${k} is not an authentication option`);
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

// The standalone authenticateRequest keys its authenticator cache by the core's instance
// options (issue 19: one rule in every host); the rest are per-call overrides.
test('the standalone cache keys are the core instance option names', () => {
  const { INSTANCE_KEYS, standaloneNative } = require('../lib/options.js');
  assert.deepEqual([...INSTANCE_KEYS], native.instanceOptionNames());
  assert.deepEqual(sorted(INSTANCE_KEYS), sorted(['secretKey', 'publishableKey', 'jwtKey', 'machineSecretKey', 'apiUrl', 'apiVersion', 'jwksCacheTtlInMs', 'membershipCacheTtlInMs', 'verifiedTokenCacheSize']));
  const a = standaloneNative({ secretKey: 'sk_test_issue19', authorizedParties: ['https://a.example'], audience: 'x' });
  const b = standaloneNative({ secretKey: 'sk_test_issue19', authorizedParties: ['https://b.example'] });
  const c = standaloneNative({ secretKey: 'sk_test_issue19_other' });
  assert.equal(a, b, 'per-call options share one authenticator');
  assert.notEqual(a, c, 'instance options do not');
});
