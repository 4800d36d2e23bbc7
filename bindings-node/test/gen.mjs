// Random case generator for the live differential test (and keys/tokens for the other tests
// and the benchmark). A case is a local Clerk instance (RSA keys from node:crypto), per-call
// options, one credential (a session JWT, an M2M or OAuth JWT, an opaque ak_/mt_/oat_ token,
// or none) placed in a header or a cookie, a request shape, and what the loopback Backend API
// answers for this case (machine-token verification, session refresh, handshake nonce). Every
// choice comes from the seeded rng, so a seed and a case index name one case.
import crypto from 'node:crypto';

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  return {
    next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick,
    /** Weighted pick from [[weight, value], ...]. */
    weighted: (pairs) => {
      const total = pairs.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of pairs) {
        x -= w;
        if (x < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
    id: (prefix, n = 12) => prefix + Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(next() * 36)]).join(''),
  };
}

const b64u = (buf) => Buffer.from(buf).toString('base64url');

/** The instance's signing key (kid ins_test_kid) and a second key (kid ins_other_kid). */
export function makeKeys() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    otherPrivateKey: other.privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'ins_test_kid', alg: 'RS256', use: 'sig' },
    otherJwk: { ...other.publicKey.export({ format: 'jwk' }), kid: 'ins_other_kid', alg: 'RS256', use: 'sig' },
  };
}

const HASH = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };

/** Signs `payload` with RS256 (or the header's RSA alg; any other alg is signed as RS256). */
export function signJwt(privateKey, payload, header = {}) {
  const h = { alg: 'RS256', typ: 'JWT', kid: 'ins_test_kid', ...header };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  // A string payload is signed as it is (hand-written JSON: duplicate names, escapes).
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64u(JSON.stringify(h))}.${b64u(text)}`;
  const sig = crypto.sign(HASH[h.alg] || 'sha256', Buffer.from(input), privateKey);
  return `${input}.${b64u(sig)}`;
}

/** Header and payload of a JWT (for failure reports), or null. */
export function decodeForReport(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    return { header: JSON.parse(Buffer.from(parts[0], 'base64url').toString()), payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString()) };
  } catch {
    return null;
  }
}

const pk = (prefix, host) => prefix + b64u(Buffer.from(`${host}$`)).replace(/=+$/, '');

export const INSTANCES = {
  dev: { publishableKey: pk('pk_test_', 'foo-bar-13.clerk.accounts.dev'), secretKey: 'sk_test_' + 'x'.repeat(40), fapi: 'foo-bar-13.clerk.accounts.dev' },
  prod: { publishableKey: pk('pk_live_', 'clerk.example.com'), secretKey: 'sk_live_' + 'y'.repeat(40), fapi: 'clerk.example.com' },
};

/**
 * What the loopback Backend API's JWKS endpoint answers, chosen by a marker in the secret key
 * (the Bearer it is called with). Each secret key is its own cache scope in both
 * implementations and always gets the same answer, so caching never changes an outcome.
 */
export const JWKS_MODES = {
  std: '', // both keys
  rotated: 'rotatedjwks', // only ins_other_kid: tokens signed with the instance key miss their kid
  empty: 'emptyjwks', // {"keys": []}
  invalid: 'invalidkey', // 401 clerk_key_invalid (the reference retries it 5 times: ~2-4 s)
  noalg: 'noalgjwks', // both keys, without `alg` (an RS384/RS512 token can then verify)
};

function secretKeyFor(kind, jwksMode) {
  const base = INSTANCES[kind].secretKey;
  const marker = JWKS_MODES[jwksMode];
  return marker ? base.slice(0, 8) + marker + base.slice(8 + marker.length) : base;
}

/** The JWKS answer for a Bearer secret key: {status, body}. */
export function jwksAnswer(keys, secretKey) {
  if (secretKey.includes(JWKS_MODES.invalid)) return { status: 401, body: { errors: [{ code: 'clerk_key_invalid', message: 'Secret key is invalid', long_message: 'Secret key is invalid' }] } };
  if (secretKey.includes(JWKS_MODES.empty)) return { status: 200, body: { keys: [] } };
  if (secretKey.includes(JWKS_MODES.rotated)) return { status: 200, body: { keys: [keys.otherJwk] } };
  if (secretKey.includes(JWKS_MODES.noalg)) return { status: 200, body: { keys: [keys.jwk, keys.otherJwk].map(({ alg, ...k }) => k) } };
  return { status: 200, body: { keys: [keys.jwk, keys.otherJwk] } };
}

/** A machine secret key containing this marker is refused (401) by the machine verify endpoints. */
export const BAD_MACHINE_KEY = 'msk_bad';

export function cookieSuffix(publishableKey) {
  return crypto.createHash('sha1').update(publishableKey).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, 8);
}

const ORGS = [
  { id: 'org_alpha111', slug: 'alpha' },
  { id: 'org_beta2222', slug: 'beta' },
  { id: 'org_gamma333', slug: 'gamma' },
];

const CAT = { session: 'cl_B7d4PD111AAA', template: 'cl_B7d4PD222AAA', m2m: 'cl_B7d4PD333AAA', ignore: 'cl_I7d4PD111III', unknown: 'cl_Z9z9ZZ999ZZZ' };
const AUD_A = 'https://api.example.com';
const AUD_B = 'https://other-api.example.com';

/** exp/iat/nbf around the clock (seconds), and the name of the choice. */
function times(r, nowS) {
  const age = r.weighted([[20, 'fresh'], [4, 'expired'], [1, 'expired-within-skew'], [1, 'future-nbf'], [1, 'old-iat'], [1, 'iat-future'], [1, 'no-nbf-iat']]);
  let iat = nowS - r.int(1, 30);
  let exp = iat + 60;
  let nbf = iat - 10;
  if (age === 'expired') exp = nowS - r.int(10, 3600);
  if (age === 'expired-within-skew') exp = nowS - r.int(1, 4);
  if (age === 'future-nbf') nbf = nowS + r.int(10, 100);
  if (age === 'old-iat') {
    iat = nowS - r.int(600, 4000);
    exp = nowS + 30;
    nbf = iat;
  }
  if (age === 'iat-future') iat = nowS + r.int(10, 100);
  const t = { exp, iat, nbf };
  if (age === 'no-nbf-iat') {
    delete t.nbf;
    delete t.iat;
  }
  return { t, age };
}

/** A token `aud` claim of one of the shapes the audience rules tell apart (undefined = absent). */
function audClaim(r) {
  return r.weighted([
    [6, undefined],
    [2, AUD_A],
    [1, AUD_B],
    [1, [AUD_A]],
    [1, [AUD_B, AUD_A]],
    [1, [AUD_B]],
    [1, []],
    [1, ''],
    [1, ['', AUD_A]],
    [1, ['', AUD_B]],
    [1, [AUD_A, 7]],
    [1, 42],
    [1, `${AUD_A}/v1`],
  ]);
}

/** The `audience` option (undefined = not given). */
function audienceOption(r) {
  return r.weighted([
    [10, undefined],
    [2, AUD_A],
    [1, [AUD_A]],
    [1, [AUD_B, AUD_A]],
    [1, AUD_B],
    [1, ''],
    [1, []],
    [1, ['', '']],
    [1, ['', AUD_A]],
    [0.2, [[AUD_A], AUD_B]], // not a string entry: see nonStringEntries
    [0.1, [AUD_A, 7]],
  ]);
}

/** A session token (or a JWT that looks like one: template/unknown category, odd typ/alg/kid). */
function sessionJwt(r, keys, nowS, ctx) {
  const { t, age } = times(r, nowS);
  const fapiUrl = `https://${ctx.fapi}`;
  const iss = r.weighted([
    [30, fapiUrl],
    [1, `http://${ctx.fapi}`],
    [1, `${fapiUrl}/`],
    [1, 'https://clerk.other-app.com'],
    [1, ctx.satelliteFapi ? `https://${ctx.satelliteFapi}` : 'https://clerk.satellite.example.net'],
    [1, undefined],
    [0.3, 12345],
  ]);
  const azp = r.weighted([[12, ctx.origin], [1, 'https://evil.example.com'], [2, undefined], [0.5, '']]);
  const claims = { ...t, sid: r.id('sess_'), sub: r.id('user_') };
  if (iss !== undefined) claims.iss = iss;
  if (azp !== undefined) claims.azp = azp;
  const aud = r.chance(0.35) ? audClaim(r) : undefined;
  if (aud !== undefined) claims.aud = aud;
  if (r.chance(0.15)) claims.sts = r.pick(['active', 'pending']);
  if (r.chance(0.3)) claims.fva = r.pick([[r.int(-1, 30), r.pick([-1, r.int(0, 90)])], [-1, -1], [5, 500], [0, 0]]);
  const org = r.chance(0.6) ? r.pick(ORGS) : null;
  const orgStyle = r.pick(['v1', 'v2']);
  if (org && orgStyle === 'v1') {
    Object.assign(claims, { org_id: org.id, org_slug: org.slug, org_role: r.pick(['admin', 'basic_member', 'org:admin']), org_permissions: r.pick([['org:posts:edit', 'org:posts:read'], [], ['org:posts:read']]) });
    if (r.chance(0.2)) claims.fea = 'u:dashboard,o:posts';
    if (r.chance(0.2)) claims.pla = 'u:pro';
  } else if (org && orgStyle === 'v2') {
    const o = { id: org.id };
    if (r.chance(0.9)) o.slg = org.slug;
    if (r.chance(0.9)) o.rol = r.pick(['admin', 'member', 'org:admin']);
    if (r.chance(0.9)) o.per = r.pick(['read,edit', 'read', 'manage,read,edit']);
    if (r.chance(0.9)) o.fpm = r.pick(['1', '3', '2', '3,1', '0', '7,5']);
    Object.assign(claims, { v: 2, fea: r.pick(['o:posts,u:dashboard', 'o:posts,o:reports,uo:support', 'u:dashboard', '']), pla: r.pick(['u:pro,o:business', 'o:business', '']), o });
  } else if (orgStyle === 'v2') {
    Object.assign(claims, { v: 2, fea: r.pick(['u:dashboard', 'uo:support']), pla: 'u:free' });
    if (r.chance(0.2)) Object.assign(claims, { org_id: 'org_ignored', org_role: 'org:admin' }); // v2 without o: org fields absent
  }
  if (r.chance(0.08)) claims.act = r.pick([{ sub: r.id('user_') }, { sub: r.id('user_'), type: 'agent' }, { sub: r.id('user_'), extra: 1 }, 'user_x', null]);
  // Claims of shapes Clerk does not issue.
  const odd = r.weighted([[40, null], [1, 'exp-float'], [0.5, 'exp-string'], [0.5, 'nbf-null'], [0.5, 'iat-string'], [0.5, 'sub-number'], [0.5, 'sts-other'], [0.5, 'fva-odd'], [0.5, 'v-string'], [0.5, 'o-odd'], [0.5, 'fea-spaces'], [0.5, 'perms-string'], [0.5, 'fpm-odd']]);
  if (odd === 'exp-float') claims.exp += 0.5;
  if (odd === 'exp-string') claims.exp = String(claims.exp);
  if (odd === 'nbf-null') claims.nbf = null;
  if (odd === 'iat-string') claims.iat = String(claims.iat);
  if (odd === 'sub-number') claims.sub = 12345;
  if (odd === 'sts-other') claims.sts = r.pick(['revoked', 1, '']);
  if (odd === 'fva-odd') claims.fva = r.pick([[1], 'x', [null, 1], [1, 2, 3], [-2, 5]]);
  if (odd === 'v-string') claims.v = '2';
  if (odd === 'o-odd') Object.assign(claims, { v: 2, o: r.pick(['org_x', { id: 'org_x', rol: '' }, { slg: 'noid' }, { id: 'org_x', per: ' read , edit ', fpm: ' 3 ' }]) });
  if (odd === 'fea-spaces') Object.assign(claims, { fea: ' o:posts , u:dashboard ', pla: ' u:pro ' });
  if (odd === 'perms-string') Object.assign(claims, { org_id: 'org_x', org_permissions: 'org:posts:edit', org_role: 'admin' });
  if (odd === 'fpm-odd') Object.assign(claims, { v: 2, fea: 'o:posts', o: { id: 'org_x', rol: 'admin', per: 'read,edit', fpm: r.pick(['007', '18446744073709551617', '1.5', '-1', '3,']) } });

  const cat = r.weighted([[40, undefined], [2, CAT.session], [1, CAT.ignore], [1, CAT.template], [1, CAT.unknown], [0.5, CAT.m2m]]);
  const typ = r.weighted([[40, 'JWT'], [2, undefined], [0.5, 'at+jwt'], [0.5, 'xyz']]);
  const alg = r.weighted([[40, 'RS256'], [0.5, 'RS384'], [0.5, 'RS512'], [0.5, 'HS256']]);
  const signer = r.weighted([[30, 'main'], [1, 'other-same-kid'], [1, 'other-own-kid'], [0.5, 'unknown-kid']]);
  const header = { alg, typ, cat, kid: { main: 'ins_test_kid', 'other-same-kid': 'ins_test_kid', 'other-own-kid': 'ins_other_kid', 'unknown-kid': 'ins_unknown_kid' }[signer] };
  // Hand-written payload JSON: a duplicate name (the last one wins in JSON.parse) or escapes.
  const text = r.weighted([[40, null], [1, 'dup'], [1, 'escapes']]);
  let payload = claims;
  if (text === 'dup') {
    const first = r.pick(['sub', 'azp', 'iss', 'exp', 'sid']);
    payload = `{"${first}":${JSON.stringify(r.pick(['user_first', 'https://first.example.com', 1]))},${JSON.stringify(claims).slice(1)}`;
  }
  if (text === 'escapes') payload = JSON.stringify(claims).replace(/\//g, '\\/').replace(/"user_/g, '"\\u0075ser_').replace(/"org_/g, '"org\\u005f');
  let token = signJwt(signer === 'main' || signer === 'unknown-kid' ? keys.privateKey : keys.otherPrivateKey, payload, header);
  const damage = r.weighted([[40, null], [1, 'truncated-sig'], [0.5, 'not-a-jwt']]);
  if (damage === 'truncated-sig') token = token.slice(0, -5);
  if (damage === 'not-a-jwt') token = 'not.a.jwt';
  const notes = [`age=${age}`, `iss=${iss === undefined ? '-' : iss}`, `org=${org ? `${org.slug}/${orgStyle}` : '-'}`];
  if (aud !== undefined) notes.push(`aud=${JSON.stringify(aud)}`);
  if (cat) notes.push(`cat=${cat}`);
  if (typ !== 'JWT') notes.push(`typ=${typ}`);
  if (alg !== 'RS256') notes.push(`alg=${alg}`);
  if (signer !== 'main') notes.push(signer);
  if (damage) notes.push(damage);
  if (odd) notes.push(odd);
  if (text) notes.push(`payload-${text}`);
  return { token, claims, notes, age };
}

/** An M2M JWT (sub mch_…). */
function m2mJwt(r, keys, nowS, ctx) {
  const { t, age } = times(r, nowS);
  const claims = { ...t, sub: r.id('mch_') };
  if (r.chance(0.8)) claims.jti = r.id('mt_');
  if (r.chance(0.5)) claims.iss = `https://${ctx.fapi}`;
  const aud = r.chance(0.7) ? r.weighted([[3, [r.id('mch_')]], [3, audClaim(r)]]) : undefined;
  if (aud !== undefined) claims.aud = aud;
  const scopes = r.weighted([[5, undefined], [2, `${r.id('mch_')} ${r.id('mch_')}`], [1, r.id('mch_')], [1, ''], [1, [r.id('mch_')]]]);
  if (scopes !== undefined) claims.scopes = scopes;
  if (r.chance(0.2)) claims.azp = r.pick([ctx.origin, 'https://evil.example.com']);
  if (r.chance(0.2)) claims.job = 'sync';
  const cat = r.weighted([[12, CAT.m2m], [3, undefined], [1, CAT.session], [1, CAT.template]]);
  const typ = r.weighted([[12, 'JWT'], [2, undefined], [1, 'at+jwt']]);
  const signer = r.weighted([[15, 'main'], [1, 'other']]);
  const token = signJwt(signer === 'main' ? keys.privateKey : keys.otherPrivateKey, claims, { typ, cat });
  return { token, claims, notes: [`age=${age}`, `aud=${JSON.stringify(aud)}`, `scopes=${JSON.stringify(scopes)}`, `cat=${cat}`, `typ=${typ}`, signer] };
}

/** An OAuth access token JWT (typ at+jwt). */
function oauthJwt(r, keys, nowS, ctx) {
  const { t, age } = times(r, nowS);
  const claims = { ...t };
  const sub = r.weighted([[12, r.id('user_')], [0.5, undefined], [0.5, 7]]);
  if (sub !== undefined) claims.sub = sub;
  if (r.chance(0.8)) claims.jti = r.id('oat_');
  if (r.chance(0.8)) claims.client_id = r.id('client_');
  if (r.chance(0.5)) claims.iss = r.pick([`https://${ctx.fapi}`, 'https://issuer.example.com']);
  const aud = audClaim(r);
  if (aud !== undefined) claims.aud = aud;
  const scp = r.weighted([[4, undefined], [3, ['profile', 'email']], [1, []], [1, 'profile email']]);
  if (scp !== undefined) claims.scp = scp;
  const scope = r.weighted([[4, undefined], [3, 'profile email'], [1, 'openid'], [1, ['profile']]]);
  if (scope !== undefined) claims.scope = scope;
  if (r.chance(0.2)) claims.azp = r.pick([ctx.origin, 'https://evil.example.com']);
  if (r.chance(0.1)) claims.act = { sub: r.id('user_') };
  const typ = r.weighted([[6, 'at+jwt'], [3, 'application/at+jwt'], [1, 'JWT']]);
  const signer = r.weighted([[15, 'main'], [1, 'other']]);
  const token = signJwt(signer === 'main' ? keys.privateKey : keys.otherPrivateKey, claims, { typ });
  return { token, claims, notes: [`age=${age}`, `aud=${JSON.stringify(aud)}`, `scp=${JSON.stringify(scp)}`, `scope=${JSON.stringify(scope)}`, `typ=${typ}`, signer] };
}

/** An opaque machine token and what the Backend API's verify endpoint answers for it. */
function opaqueToken(r, type, nowMs, ctx) {
  const prefix = { api_key: 'ak_', m2m_token: 'mt_', oauth_token: 'oat_' }[type];
  // A prefixed token in JWT form is routed to JWT decoding by the reference (spec 12.1 QUIRK).
  const token = r.chance(0.03) ? `${prefix}${r.id('', 6)}.${r.id('', 6)}.${r.id('', 6)}` : prefix + r.id('', 32);
  const outcome = r.weighted([[10, 'valid'], [1, 'revoked-but-200'], [2, 'not-found'], [1, 'unauthorized'], [1, 'server-error'], [0.5, 'no-object-field']]);
  const stamps = { expiration: nowMs + 3_600_000, created_at: nowMs - 60_000, updated_at: nowMs - 30_000 };
  let body;
  if (type === 'api_key') {
    const subject = r.pick([r.id('user_'), r.id('org_'), r.id('mch_')]);
    body = { object: 'api_key', id: r.id('ak_id_'), type: 'api_key', name: r.pick(['CI deploy key', 'reporting']), subject, scopes: r.pick([['read:items'], [], ['a', 'b']]), claims: r.pick([{ env: 'ci' }, null]), revoked: false, revocation_reason: null, expired: false, created_by: r.id('user_'), description: null, last_used_at: nowMs - 1000, ...stamps };
  } else if (type === 'm2m_token') {
    body = { object: 'machine_to_machine_token', id: r.id('mt_id_'), subject: r.id('mch_'), scopes: [r.id('mch_')], claims: r.pick([{ job: 'sync' }, null]), revoked: false, revocation_reason: null, expired: false, ...stamps };
  } else {
    body = { object: 'clerk_idp_oauth_access_token', id: r.id('oat_id_'), client_id: r.id('client_'), type: 'oauth_token', subject: r.id('user_'), scopes: ['profile', 'email'], revoked: false, revocation_reason: null, expired: false, ...stamps };
    const aud = audClaim(r);
    if (aud !== undefined) body.aud = aud;
  }
  let answer;
  if (outcome === 'valid') answer = { status: 200, body };
  if (outcome === 'revoked-but-200') answer = { status: 200, body: { ...body, revoked: true, revocation_reason: 'leaked', expired: true } };
  if (outcome === 'no-object-field') {
    const { object, ...rest } = body;
    answer = { status: 200, body: rest };
  }
  if (outcome === 'not-found') answer = { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'not found', long_message: 'not found' }] } };
  if (outcome === 'unauthorized') answer = { status: 401, body: r.pick([{ errors: [{ code: 'authentication_invalid', message: 'bad key', long_message: 'bad key' }] }, { errors: [] }]) };
  if (outcome === 'server-error') answer = { status: r.pick([500, 503, 422]), body: { errors: [{ code: 'internal', message: 'boom', long_message: 'boom' }] } };
  return { token, answer, notes: [outcome, answer.body && answer.body.aud !== undefined ? `aud=${JSON.stringify(answer.body.aud)}` : ''] };
}

/** An `audience`/`issuer` option with an entry that is neither a string nor falsy. */
export function nonStringEntries(v) {
  return Array.isArray(v) && v.some((e) => e && typeof e !== 'string');
}

/** Options drawn per case (only the reference's options: never this project's additions). */
function drawOptions(r, ctx) {
  const o = {};
  const fapiUrl = `https://${ctx.fapi}`;
  const issuer = r.weighted([
    [16, undefined],
    [1, ''],
    [1, []],
    [3, fapiUrl],
    [1, ['https://clerk.other-app.com', fapiUrl]],
    [1, `${fapiUrl}/`],
    [1, 'https://clerk.other-app.com'],
    [1, ['', '']],
    [1, `http://${ctx.fapi}`],
    [0.1, [[fapiUrl]]], // not a string entry: see nonStringEntries
  ]);
  if (issuer !== undefined) o.issuer = issuer;
  const audience = audienceOption(r);
  if (audience !== undefined) o.audience = audience;
  const parties = r.weighted([[6, undefined], [3, [ctx.origin]], [1, ['https://other.example.com']], [1, [ctx.origin, 'https://other.example.com']], [1, []], [1, ['', ctx.origin]]]);
  if (parties !== undefined) o.authorizedParties = parties;
  // Mostly a setting that admits the credential (else most cases would end in
  // token-type-mismatch), sometimes any setting at all.
  const fitting = {
    session: [[6, undefined], [1, 'session_token'], [2, 'any'], [1, ['session_token']], [1, ['api_key', 'session_token']]],
    none: [[6, undefined], [1, 'any'], [1, ['session_token', 'oauth_token']]],
    api_key: [[3, 'api_key'], [2, 'any'], [1, ['api_key', 'session_token']]],
    m2m_token: [[3, 'm2m_token'], [2, 'any'], [1, ['m2m_token', 'oauth_token']]],
    oauth_token: [[3, 'oauth_token'], [2, 'any'], [1, ['m2m_token', 'oauth_token']], [1, ['oauth_token']]],
  }[ctx.tokenType];
  const accepts = r.chance(0.7)
    ? r.weighted(fitting)
    : r.weighted([
        [4, undefined],
        [1, 'session_token'],
        [1, 'any'],
        [1, 'api_key'],
        [1, 'm2m_token'],
        [1, 'oauth_token'],
        [1, ['session_token']],
        [1, ['api_key', 'session_token']],
        [1, ['m2m_token', 'oauth_token']],
        [1, ['session_token', 'api_key', 'm2m_token', 'oauth_token']],
      ]);
  if (accepts !== undefined) o.acceptsToken = accepts;
  const skew = r.weighted([[12, undefined], [1, 0], [1, 1000], [1, 60000], [0.5, Number.NaN], [0.5, '1000'], [0.5, 3_600_000]]);
  if (skew !== undefined) o.clockSkewInMs = skew;
  const headerType = r.weighted([[15, undefined], [1, 'JWT'], [1, ['JWT', 'at+jwt']], [1, 'at+jwt']]);
  if (headerType !== undefined) o.headerType = headerType;
  if (r.chance(0.45)) {
    o.organizationSyncOptions = r.pick([
      { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'] },
      { organizationPatterns: ['/orgs/:id', '/orgs/:id/(.*)'], personalAccountPatterns: ['/me', '/me/(.*)'] },
      { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'], personalAccountPatterns: ['/me', '/me/(.*)'] },
      { organizationPatterns: ['/app/:any/orgs/:slug', '/app/:any/orgs/:slug/(.*)'], personalAccountPatterns: ['/user/:any', '/user/:any/(.*)'] },
      { personalAccountPatterns: ['/me', '/me/(.*)'] },
      { organizationPatterns: [] },
    ]);
  }
  if (r.chance(0.1)) o.signInUrl = r.pick([`${ctx.origin}/sign-in`, 'https://accounts.example.com/sign-in']);
  if (r.chance(0.05)) o.signUpUrl = `${ctx.origin}/sign-up`;
  if (r.chance(0.05)) Object.assign(o, { afterSignInUrl: '/after-in', afterSignUpUrl: '/after-up' });
  if (r.chance(0.06)) o.proxyUrl = r.pick(['/__clerk', `${ctx.origin}/__clerk`, 'https://proxy.example.com/__clerk/']);
  if (r.chance(0.03)) o.domain = 'satellite.example.net'; // without isSatellite: echoed only
  if (r.chance(0.07)) {
    o.isSatellite = true;
    const how = r.weighted([[8, 'domain'], [1, 'proxy'], [0.5, 'neither']]);
    if (how === 'domain') o.domain = r.pick(['satellite.example.net', 'clerk.satellite.example.net']);
    if (how === 'proxy') o.proxyUrl = 'https://proxy.example.com/__clerk';
    if (how === 'neither') delete o.domain;
    if (r.chance(0.8)) o.signInUrl = r.weighted([[6, 'https://accounts.example.com/sign-in'], [1, `${ctx.origin}/sign-in`]]);
    if (r.chance(0.2)) o.satelliteAutoSync = true;
  }
  return o;
}

/** Rarely an option of a type the reference does not expect (it never checks them). */
function wrongTypeOption(r, options, ctx) {
  const odd = r.weighted([[100, null], [1, 'parties-string'], [0.5, 'accepts-bogus'], [0.5, 'accepts-bogus-list'], [0.5, 'satellite-string'], [0.5, 'header-type-number'], [0.5, 'patterns-string'], [0.5, 'skew-negative'], [0.3, 'parties-with-null']]);
  if (odd === 'parties-string') options.authorizedParties = r.pick([ctx.origin, 'https://app.example.com.evil.net', '']);
  if (odd === 'accepts-bogus') options.acceptsToken = 'bogus';
  if (odd === 'accepts-bogus-list') options.acceptsToken = ['bogus', 'session_token'];
  if (odd === 'satellite-string') Object.assign(options, { isSatellite: r.pick(['true', 'false']), domain: 'satellite.example.net', signInUrl: 'https://accounts.example.com/sign-in' });
  if (odd === 'header-type-number') options.headerType = 5;
  if (odd === 'patterns-string') options.organizationSyncOptions = { organizationPatterns: '/orgs/:slug' };
  if (odd === 'skew-negative') options.clockSkewInMs = -30000;
  if (odd === 'parties-with-null') options.authorizedParties = [null, ctx.origin];
  return odd;
}

/**
 * Where the options go: @clerk/backend's createClerkClient keeps only ten build-time options
 * (secretKey, machineSecretKey, jwtKey, apiUrl, apiVersion, proxyUrl, publishableKey,
 * isSatellite, domain, audience); a per-call value replaces one of them only when truthy, and
 * per-call apiUrl/apiVersion are ignored (spec 1.5). Sometimes some options move to
 * createClerkClient, and sometimes a call passes falsy or ignored values for build-time ones.
 */
function placeOptions(r, instance, options) {
  if (r.chance(0.12)) {
    for (const k of ['audience', 'proxyUrl', 'isSatellite', 'domain', 'authorizedParties', 'issuer', 'acceptsToken', 'signInUrl', 'organizationSyncOptions']) {
      if (k in options && r.chance(0.5)) {
        instance[k] = options[k];
        delete options[k];
      }
    }
  }
  if (r.chance(0.05)) {
    const falsy = { proxyUrl: '', isSatellite: false, domain: '', audience: '', secretKey: '', jwtKey: '', publishableKey: '' };
    for (const [k, v] of Object.entries(falsy)) if (k in instance && r.chance(0.5)) options[k] = v;
  }
  if (r.chance(0.03)) options.apiUrl = 'http://127.0.0.1:9'; // ignored per call: nothing answers there
}

/** The session-token directive cookies of a refresh or handshake answer. */
function sessionDirectives(r, keys, nowS, claims, ctx, { name = '__session' } = {}) {
  const fresh = { ...claims, exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5 };
  const variant = r.weighted([[8, 'fresh'], [1, 'expired'], [1, 'foreign-iss'], [1, 'bad-sig'], [1, 'empty']]);
  if (variant === 'expired') Object.assign(fresh, { exp: nowS - 120, iat: nowS - 180 });
  if (variant === 'foreign-iss') fresh.iss = 'https://clerk.other-app.com';
  const token = variant === 'empty' ? '' : signJwt(variant === 'bad-sig' ? keys.otherPrivateKey : keys.privateKey, fresh);
  const directives = [`${name}=${token}; Path=/; Secure; SameSite=Lax`, `__client_uat=${nowS - 1}; Path=/; Max-Age=315360000; Secure; SameSite=Lax`];
  if (r.chance(0.2)) directives.push(`${name}_${ctx.suffix}=${token}; Path=/; Secure; SameSite=Lax`);
  return { directives, variant };
}

/**
 * One random case: { about, instance (client options), options (per call), request
 * {method, url, headers}, nowMs, hasChecks, bapi {machine, refresh, nonce}, token }.
 * `apiUrl` is the loopback Backend API both implementations are pointed at.
 */
export function randomCase(r, keys, nowMs, apiUrl) {
  const nowS = Math.floor(nowMs / 1000);
  const kind = r.pick(['dev', 'prod', 'prod']);
  const inst = INSTANCES[kind];
  const host = r.pick(['app.example.com', 'app.example.com', 'www.example.org', 'localhost:3000']);
  const origin = `${host.startsWith('localhost') ? 'http' : 'https'}://${host}`;
  const suffix = cookieSuffix(inst.publishableKey);
  const ctx = { fapi: inst.fapi, origin, suffix };

  // Instance (build-time) options: networkless jwtKey, or the JWKS of the loopback Backend API.
  const keyMode = r.weighted([[6, 'jwtKey'], [4, 'jwks']]);
  const jwksMode = keyMode === 'jwks' ? r.weighted([[20, 'std'], [1, 'rotated'], [1, 'empty'], [1, 'noalg'], [0.1, 'invalid']]) : 'std';
  const instance = { publishableKey: inst.publishableKey, secretKey: secretKeyFor(kind, jwksMode), apiUrl };
  if (keyMode === 'jwtKey') instance.jwtKey = keys.publicPem;
  if (r.chance(0.06)) instance.machineSecretKey = r.pick([`${BAD_MACHINE_KEY}_${r.id('', 20)}`, `msk_good_${r.id('', 20)}`]);
  // Rarely a configuration the reference refuses, or accepts only for some acceptsToken values.
  const config = r.weighted([[100, null], [1, 'no-publishable-key'], [0.5, 'bad-publishable-key'], [0.5, 'no-secret-key']]);
  if (config === 'no-publishable-key') delete instance.publishableKey;
  if (config === 'bad-publishable-key') instance.publishableKey = r.pick(['pk_live_garbage', 'pk_test_' + b64u(Buffer.from('nodollar.example.com'))]);
  if (config === 'no-secret-key') delete instance.secretKey;

  // The credential, then options that mostly admit it.
  const credential = r.weighted([[50, 'session'], [8, 'm2m-jwt'], [8, 'oauth-jwt'], [6, 'api_key'], [5, 'm2m_token'], [6, 'oauth_token'], [12, 'none']]);
  ctx.tokenType = { session: 'session', none: 'none', 'm2m-jwt': 'm2m_token', 'oauth-jwt': 'oauth_token' }[credential] || credential;
  const options = drawOptions(r, ctx);
  if (options.isSatellite && options.domain && kind === 'prod') ctx.satelliteFapi = `clerk.${options.domain}`;
  const oddOption = wrongTypeOption(r, options, ctx);
  placeOptions(r, instance, options);
  const bapi = { machine: {}, refresh: {}, nonce: {} };
  let cred = null;
  if (credential === 'session') cred = sessionJwt(r, keys, nowS, ctx);
  if (credential === 'm2m-jwt') cred = m2mJwt(r, keys, nowS, ctx);
  if (credential === 'oauth-jwt') cred = oauthJwt(r, keys, nowS, ctx);
  if (['api_key', 'm2m_token', 'oauth_token'].includes(credential)) {
    cred = opaqueToken(r, credential, nowMs, ctx);
    bapi.machine[cred.token] = cred.answer;
  }
  const claims = (cred && cred.claims) || { sid: r.id('sess_'), sub: r.id('user_'), iat: nowS - 10, iss: `https://${inst.fapi}` };

  // Where it goes.
  const carrier = cred === null ? 'none' : r.weighted(credential === 'session' ? [[3, 'bearer'], [6, 'cookie']] : [[8, 'bearer'], [1, 'cookie']]);
  const headers = [];
  const cookies = [];
  const query = [];
  if (carrier === 'bearer') {
    const t = cred.token;
    headers.push(['authorization', r.weighted([[24, `Bearer ${t}`], [2, t], [1, `bearer ${t}`], [0.5, `Basic ${t}`], [0.5, `Bearer  ${t}`], [0.5, `Bearer ${t} extra`]])]);
  }
  const useSuffixed = r.chance(0.3);
  const sessionName = useSuffixed ? `__session_${suffix}` : '__session';
  const uatName = useSuffixed ? `__client_uat_${suffix}` : '__client_uat';
  if (carrier === 'cookie' && r.chance(0.92)) {
    // Cookie values as browsers and proxies may write them (the cookie package's parsing).
    const encoding = r.weighted([[30, null], [0.5, 'quoted'], [1, 'percent'], [0.5, 'spaces']]);
    const value = { quoted: `"${cred.token}"`, percent: `%${cred.token.charCodeAt(0).toString(16)}${cred.token.slice(1)}`, spaces: ` ${cred.token} ` }[encoding] || cred.token;
    cookies.push(`${sessionName}=${value}`);
    if (r.chance(0.03)) cookies.push(`${sessionName}=second-one-is-ignored`);
    if (encoding) cred.notes.push(`cookie-${encoding}`);
  }
  if (carrier !== 'bearer' || r.chance(0.2)) {
    const iat = typeof claims.iat === 'number' ? claims.iat : nowS - 10;
    const uat = r.weighted([[8, iat], [2, iat - 100], [2, iat + 5], [4, 0], [4, undefined], [0.3, ' 12abc'], [0.3, -1], [0.3, '0x10'], [0.3, `${iat}.9`], [0.3, '1e3'], [0.3, '%31']]);
    if (uat !== undefined) cookies.push(`${uatName}=${uat}`);
  }
  if (useSuffixed && r.chance(0.4)) cookies.push(`__session=${signJwt(keys.privateKey, { ...claims, sid: r.id('sess_'), iat: (claims.iat || nowS) + r.pick([-60, 0, 60]) })}`);
  if (useSuffixed && r.chance(0.3)) cookies.push(`__client_uat=${r.pick([0, claims.iat || nowS])}`);
  if (r.chance(0.03)) cookies.push(`__session=${r.pick(['garbage', signJwt(keys.privateKey, { ...claims, iss: 'https://clerk.other-app.com' })])}`);

  // Refresh: an expired cookie token with the suffixed refresh cookie makes a GET call the Backend API.
  if (r.chance(cred && cred.age === 'expired' ? 0.6 : 0.1)) {
    cookies.push(`__refresh_${suffix}=${r.id('rt_', 20)}`);
    if (r.chance(0.2)) cookies.push(`__refresh=${r.id('rt_', 20)}`); // never read
    if (claims.sid) {
      const how = r.weighted([[6, 'cookies'], [1, 'no-cookies'], [2, 'error'], [1, 'unexpected_error']]);
      if (how === 'cookies') {
        const { directives, variant } = sessionDirectives(r, keys, nowS, claims, ctx);
        bapi.refresh[claims.sid] = { status: 200, body: { object: 'cookies', cookies: directives }, about: `cookies/${variant}` };
      } else if (how === 'no-cookies') {
        bapi.refresh[claims.sid] = { status: 200, body: { object: 'cookies', cookies: [] }, about: how };
      } else if (how === 'error') {
        bapi.refresh[claims.sid] = { status: r.pick([401, 404, 422]), body: { errors: [{ code: r.pick(['session_refresh_expired', 'resource_not_found']), message: 'no', long_message: 'no' }] }, about: how };
      } else {
        bapi.refresh[claims.sid] = { status: 400, body: { errors: [{ code: 'unexpected_error', message: 'x' }] }, about: how };
      }
    }
  }
  if (kind === 'dev' && r.chance(0.7)) cookies.push(`__clerk_db_jwt${r.chance(0.3) ? `_${suffix}` : ''}=${r.id('dvb_', 20)}`);
  if (r.chance(0.06)) cookies.push(`__clerk_redirect_count=${r.pick([1, 2, 3, 3, 4, '0x3', ' 3 ', '3.0', '0b11', 'inf', 'Infinity', ''])}`);
  if (r.chance(0.15)) cookies.push(`other=${r.id('', 6)}`);

  // Handshake: a JWT carrying cookie directives, or a nonce the Backend API resolves.
  const handshake = r.weighted([[20, null], [1, 'token'], [1, 'nonce']]);
  let hsNote = '';
  if (handshake === 'token') {
    const { directives, variant } = sessionDirectives(r, keys, nowS, { ...claims, sub: claims.sub || r.id('user_'), sid: claims.sid || r.id('sess_') }, ctx, { name: r.pick(['__session', '__session', `__session_${suffix}`]) });
    const signer = r.weighted([[8, 'main'], [1, 'other']]);
    const handshakeClaim = r.weighted([[16, directives], [1, 'not-a-list'], [1, []], [1, [...directives].reverse()]]);
    const hs = signJwt(signer === 'main' ? keys.privateKey : keys.otherPrivateKey, { handshake: handshakeClaim, iat: nowS - 2, exp: nowS + 60, nbf: nowS - 5 }, { cat: r.weighted([[8, undefined], [1, CAT.template]]) });
    if (r.chance(0.7)) query.push(['__clerk_handshake', hs]);
    else cookies.push(`__clerk_handshake=${hs}`);
    hsNote = ` handshake-token(${variant},${signer})`;
  } else if (handshake === 'nonce') {
    const nonce = r.id('nonce_', 10);
    const how = r.weighted([[12, 'directives'], [2, 'not-found'], [2, 'server-error'], [1, 'odd-payload']]);
    let variant = how;
    if (how === 'odd-payload') {
      // Not drawn: `directives` as a string. The reference spreads it into one Set-Cookie per
      // character (`..."x=1"` is x, =, 1); clerkauth takes no directives from it. The Backend
      // API never answers so, and a header per character is no behaviour to copy.
      const body = r.pick([{ directives: [] }, {}, { directives: [`__session=; Path=/`] }]);
      bapi.nonce[nonce] = { status: 200, body };
      variant = `payload ${JSON.stringify(body)}`;
    } else if (how === 'directives') {
      const d = sessionDirectives(r, keys, nowS, { ...claims, sub: claims.sub || r.id('user_'), sid: claims.sid || r.id('sess_') }, ctx);
      bapi.nonce[nonce] = { status: 200, body: { directives: d.directives } };
      variant = `directives/${d.variant}`;
    } else {
      bapi.nonce[nonce] = how === 'not-found' ? { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'no' }] } } : { status: 500, body: { errors: [{ code: 'internal', message: 'boom' }] } };
    }
    if (r.chance(0.6)) query.push(['__clerk_handshake_nonce', nonce]);
    else cookies.push(`__clerk_handshake_nonce=${nonce}`);
    hsNote = ` handshake-nonce(${variant})`;
  }
  if (kind === 'dev' && r.chance(0.05)) query.push(['__clerk_db_jwt', r.id('dvb_', 20)]);
  if (kind === 'dev' && r.chance(0.04)) query.push(['__clerk_redirect_url', r.pick(['https://satellite.example.net/page?x=1', 'https://satellite.example.net/?__clerk_synced=false'])]);
  if (r.chance(0.05)) query.push(['__clerk_synced', r.pick(['true', 'false'])]);
  if (r.chance(0.02)) query.push(['__clerk_help', '1']);
  if (r.chance(0.1)) query.push(['q', r.pick([r.id('', 5), 'a b/c', 'x&y'])]);
  if (cookies.length) headers.push(['cookie', cookies.join('; ')]);

  // The request's shape.
  const shape = r.weighted([[5, 'document'], [2, 'navigate-no-sfd'], [4, 'fetch'], [1, 'iframe'], [2, 'websocket'], [2, 'bare']]);
  let method = r.weighted([[16, 'GET'], [2, 'POST'], [1, 'HEAD'], [0.3, 'PUT'], [0.3, 'OPTIONS'], [0.3, 'get'], [0.2, 'post'], [0.2, 'patch']]);
  if (shape === 'document') {
    headers.push(['sec-fetch-dest', 'document'], ['sec-fetch-mode', 'navigate']);
    if (r.chance(0.8)) headers.push(['accept', 'text/html,application/xhtml+xml']);
  } else if (shape === 'navigate-no-sfd') {
    headers.push(['accept', r.pick(['text/html,application/xhtml+xml', 'text/html'])]);
  } else if (shape === 'fetch') {
    headers.push(['sec-fetch-dest', 'empty'], ['accept', r.pick(['*/*', 'application/json'])]);
  } else if (shape === 'iframe') {
    headers.push(['sec-fetch-dest', 'iframe'], ['accept', 'text/html']);
  } else if (shape === 'websocket') {
    method = 'GET';
    headers.push(['upgrade', 'websocket'], ['connection', 'Upgrade'], ['sec-websocket-version', '13'], ['sec-websocket-key', b64u(Buffer.from(r.id('', 16)))]);
    if (r.chance(0.5)) headers.push(['sec-fetch-dest', 'websocket']);
  }
  if (r.chance(0.2)) headers.push(['referer', r.pick([`${origin}/prev`, `https://${inst.fapi}/sign-in`, 'https://elsewhere.example.com/', 'https://accounts.example.com/sign-in', 'not a url'])]);
  if (r.chance(0.1)) headers.push(['origin', r.pick([origin, 'https://elsewhere.example.com', 'https://accounts.example.com'])]);
  const forwarded = r.weighted([[10, null], [1, 'host+proto'], [0.5, 'host-list'], [0.5, 'empty-host'], [0.5, 'cloudfront'], [0.3, 'bad-host'], [0.3, 'host-port']]);
  if (forwarded === 'host+proto') headers.push(['x-forwarded-host', r.pick(['public.example.com', host])], ['x-forwarded-proto', r.pick(['https', 'http', 'https,http'])]);
  if (forwarded === 'host-list') headers.push(['x-forwarded-host', `public.example.com, ${host}`], ['x-forwarded-proto', 'https']);
  if (forwarded === 'empty-host') headers.push(['x-forwarded-host', ''], ['x-forwarded-proto', 'https']);
  if (forwarded === 'cloudfront') headers.push(['cloudfront-forwarded-proto', 'https'], ['x-forwarded-proto', 'http']);
  if (forwarded === 'bad-host') headers.push(['x-forwarded-host', 'evil<host'], ['x-forwarded-proto', 'https']);
  if (forwarded === 'host-port') headers.push(['x-forwarded-host', 'public.example.com:8443'], ['x-forwarded-proto', 'https']);
  const hostHeader = r.weighted([[30, host], [1, 'other.example.com'], [0.5, `${host.split(':')[0]}:443`], [0.5, null]]);
  if (hostHeader) headers.push(['host', hostHeader]);
  headers.push(['user-agent', r.pick(['Mozilla/5.0', 'curl/8.0', 'node'])]);

  const target = r.pick(ORGS);
  const path = r.pick(['/', '/dashboard', '/api/data', `/orgs/${target.slug}`, `/orgs/${target.id}/settings`, `/orgs/${target.slug}/projects/1`, `/ORGS/${target.slug}`, `/app/x/orgs/${target.slug}`, '/me', '/me/profile', '/user/abc', '/sign-in', `/orgs/%61${target.slug}`, `/orgs/${target.slug}/`]);
  if (r.chance(0.1)) for (const h of headers) h[0] = h[0].replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase()); // Header-Name case
  const qs = query.length ? '?' + new URLSearchParams(query).toString() : '';
  const hasChecks = [
    { role: 'org:admin' },
    { role: 'admin' },
    { permission: 'org:posts:edit' },
    { permission: 'org:posts:read' },
    { role: 'org:admin', permission: 'org:posts:edit' },
    { feature: 'dashboard' },
    { feature: 'org:posts' },
    { feature: 'user:support' },
    { plan: 'business' },
    { plan: 'u:pro' },
    { reverification: 'strict' },
    { reverification: { level: 'first_factor', afterMinutes: 20 } },
    {},
  ];
  const about = [kind, keyMode === 'jwks' ? `jwks:${jwksMode}` : 'jwtKey', `${credential}@${carrier}`, ...(cred ? cred.notes.filter(Boolean) : []), `${shape}/${method}`, `path=${path}`, ...(config ? [config] : []), ...(oddOption ? [oddOption] : [])].join(' ') + hsNote;
  return {
    about,
    instance,
    options,
    request: { method, url: `${r.chance(0.02) ? origin.replace('https://', 'HTTPS://').toUpperCase() : origin}${r.chance(0.01) ? '/caf\u00e9' : path}${qs}`, headers },
    nowMs,
    hasChecks,
    // An option of a type the reference does not expect (README: clerkauth refuses it).
    wrongType: oddOption && oddOption !== 'skew-negative' ? oddOption : null,
    bapi,
    token: cred ? cred.token : null,
  };
}
