// Random request generator for the live differential test and the benchmark: a local Clerk
// instance (RSA key from node:crypto), tokens signed here, random mixes of cookies, headers,
// token ages, organization patterns and keys. Networkless: every case uses jwtKey.
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
  return {
    next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    id: (prefix, n = 12) => prefix + Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(next() * 36)]).join(''),
  };
}

const b64u = (buf) => Buffer.from(buf).toString('base64url');

export function makeKeys() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    otherPrivateKey: other.privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'ins_test_kid', alg: 'RS256', use: 'sig' },
  };
}

export function signJwt(privateKey, payload, header = {}) {
  const h = { alg: 'RS256', typ: 'JWT', kid: 'ins_test_kid', ...header };
  const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(payload))}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64u(sig)}`;
}

export const INSTANCES = {
  dev: { publishableKey: 'pk_test_' + b64u(Buffer.from('foo-bar-13.clerk.accounts.dev$')).replace(/=+$/, ''), secretKey: 'sk_test_' + 'x'.repeat(40), fapi: 'foo-bar-13.clerk.accounts.dev' },
  prod: { publishableKey: 'pk_live_' + b64u(Buffer.from('clerk.example.com$')).replace(/=+$/, ''), secretKey: 'sk_live_' + 'y'.repeat(40), fapi: 'clerk.example.com' },
};

export function cookieSuffix(publishableKey) {
  return crypto.createHash('sha1').update(publishableKey).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, 8);
}

const ORGS = [
  { id: 'org_alpha111', slug: 'alpha' },
  { id: 'org_beta2222', slug: 'beta' },
  { id: 'org_gamma333', slug: 'gamma' },
];

function sessionClaims(r, nowS, { azp, iss, orgStyle, org }) {
  const age = r.pick(['fresh', 'fresh', 'fresh', 'expired', 'expired-within-skew', 'future-nbf', 'old-iat']);
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
  const claims = { azp, exp, iat, iss, nbf, sid: r.id('sess_'), sub: r.id('user_') };
  if (r.chance(0.2)) delete claims.azp;
  if (r.chance(0.15)) claims.sts = r.pick(['active', 'pending']);
  if (r.chance(0.3)) claims.fva = [r.int(-1, 30), r.pick([-1, r.int(0, 90)])];
  if (org && orgStyle === 'v1') {
    Object.assign(claims, { org_id: org.id, org_slug: org.slug, org_role: r.pick(['admin', 'basic_member', 'org:admin']), org_permissions: ['org:posts:edit', 'org:posts:read'] });
  } else if (org && orgStyle === 'v2') {
    Object.assign(claims, { v: 2, fea: 'o:posts,u:dashboard', pla: 'u:pro,o:business', o: { id: org.id, slg: org.slug, rol: r.pick(['admin', 'member']), per: 'read,edit', fpm: r.pick(['1', '3', '2']) } });
  } else if (orgStyle === 'v2') {
    Object.assign(claims, { v: 2, fea: 'u:dashboard', pla: 'u:free' });
  }
  if (r.chance(0.05)) claims.act = { sub: r.id('user_') };
  return { claims, age };
}

/**
 * One random case: { about, options (instance + per-call), request {method, url, headers}, nowMs, hasChecks }.
 */
export function randomCase(r, keys, nowMs) {
  const nowS = Math.floor(nowMs / 1000);
  const kind = r.pick(['dev', 'prod', 'prod']);
  const inst = INSTANCES[kind];
  const host = r.pick(['app.example.com', 'app.example.com', 'www.example.org', 'localhost:3000']);
  const origin = `${host.startsWith('localhost') ? 'http' : 'https'}://${host}`;
  const options = { publishableKey: inst.publishableKey, secretKey: inst.secretKey, jwtKey: keys.publicPem };
  if (r.chance(0.4)) options.authorizedParties = r.pick([[origin], ['https://other.example.com'], [origin, 'https://other.example.com']]);
  const orgSync = r.chance(0.45);
  if (orgSync) {
    options.organizationSyncOptions = r.pick([
      { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'] },
      { organizationPatterns: ['/orgs/:id', '/orgs/:id/(.*)'], personalAccountPatterns: ['/me', '/me/(.*)'] },
      { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'], personalAccountPatterns: ['/me', '/me/(.*)'] },
    ]);
  }
  if (r.chance(0.1)) options.signInUrl = `${origin}/sign-in`;
  if (r.chance(0.05)) options.proxyUrl = r.pick([`${origin}/__clerk`, 'https://proxy.example.com/__clerk']);
  if (r.chance(0.05)) Object.assign(options, { signUpUrl: `${origin}/sign-up`, afterSignInUrl: '/after-in', afterSignUpUrl: '/after-up' });
  if (r.chance(0.08)) options.acceptsToken = r.pick(['any', ['session_token'], 'session_token', 'api_key', ['api_key', 'session_token']]);
  if (r.chance(0.05)) options.clockSkewInMs = r.pick([0, 1000, 60000]);
  if (r.chance(0.04)) {
    options.isSatellite = true;
    options.domain = 'satellite.example.net';
    if (r.chance(0.7)) options.signInUrl = 'https://accounts.example.com/sign-in';
  }

  const org = r.chance(0.6) ? r.pick(ORGS) : null;
  const orgStyle = r.pick(['v1', 'v2']);
  const azp = r.pick([origin, origin, 'https://evil.example.com']);
  const { claims, age } = sessionClaims(r, nowS, { azp, iss: `https://${inst.fapi}`, orgStyle, org });
  const badSig = r.chance(0.07);
  let token = signJwt(badSig ? keys.otherPrivateKey : keys.privateKey, claims, r.chance(0.03) ? { typ: 'xyz' } : {});
  if (r.chance(0.03)) token = token.slice(0, -5);
  if (r.chance(0.02)) token = 'not.a.jwt';

  const target = r.pick(ORGS);
  const path = r.pick(['/', '/dashboard', '/api/data', `/orgs/${target.slug}`, `/orgs/${target.id}/settings`, `/orgs/${target.slug}/projects/1`, '/me', '/me/profile', '/sign-in']);
  const query = [];
  const headers = [];
  const cookies = [];
  const suffix = cookieSuffix(inst.publishableKey);
  const mode = r.pick(['bearer', 'cookie', 'cookie', 'cookie', 'none']);
  if (mode === 'bearer') {
    headers.push(['authorization', r.chance(0.9) ? `Bearer ${token}` : token]);
  } else if (mode === 'cookie') {
    const useSuffixed = r.chance(0.3);
    const uat = r.pick(['iat', 'older', 'newer', 'zero', 'missing']);
    const uatVal = { iat: claims.iat, older: claims.iat - 100, newer: claims.iat + 5, zero: 0 }[uat];
    if (r.chance(0.9)) cookies.push(`${useSuffixed ? `__session_${suffix}` : '__session'}=${token}`);
    if (uat !== 'missing') cookies.push(`${useSuffixed ? `__client_uat_${suffix}` : '__client_uat'}=${uatVal}`);
    if (useSuffixed && r.chance(0.5)) cookies.push(`__session=${signJwt(keys.privateKey, { ...claims, sid: r.id('sess_') })}`);
  }
  if (kind === 'dev' && r.chance(0.7)) cookies.push(`__clerk_db_jwt${r.chance(0.3) ? `_${suffix}` : ''}=${r.id('dvb_', 20)}`);
  if (r.chance(0.05)) cookies.push(`__clerk_redirect_count=${r.int(1, 4)}`);
  if (r.chance(0.2)) cookies.push(`other=${r.id('', 6)}`);
  if (r.chance(0.06)) {
    // A handshake token carrying fresh cookies.
    const fresh = { ...claims, exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5 };
    const hs = signJwt(keys.privateKey, {
      handshake: [`__session=${signJwt(keys.privateKey, fresh)}; Path=/; SameSite=Lax`, `__client_uat=${nowS - 1}; Path=/; Max-Age=315360000`],
      iat: nowS - 2,
      exp: nowS + 60,
      nbf: nowS - 5,
    });
    query.push(['__clerk_handshake', hs]);
  }
  if (kind === 'dev' && r.chance(0.05)) query.push(['__clerk_db_jwt', r.id('dvb_', 20)]);
  if (r.chance(0.04)) query.push(['__clerk_synced', r.pick(['true', 'false'])]);
  if (r.chance(0.1)) query.push(['q', r.id('', 5)]);
  if (cookies.length) headers.push(['cookie', cookies.join('; ')]);

  const dest = r.pick(['document', 'document', 'empty', 'iframe', null, 'websocket']);
  if (dest) headers.push(['sec-fetch-dest', dest]);
  if (r.chance(0.5)) headers.push(['accept', r.pick(['text/html,application/xhtml+xml', '*/*', 'application/json'])]);
  if (r.chance(0.2)) headers.push(['referer', r.pick([`${origin}/prev`, `https://${inst.fapi}/sign-in`, 'https://elsewhere.example.com/'])]);
  if (r.chance(0.1)) headers.push(['origin', r.pick([origin, 'https://elsewhere.example.com'])]);
  if (r.chance(0.1)) {
    headers.push(['x-forwarded-host', r.pick(['public.example.com', host])]);
    headers.push(['x-forwarded-proto', r.pick(['https', 'http'])]);
  }
  headers.push(['host', host]);
  headers.push(['user-agent', r.pick(['Mozilla/5.0', 'curl/8.0', 'node'])]);
  const qs = query.length ? '?' + new URLSearchParams(query).toString() : '';
  const method = r.pick(['GET', 'GET', 'GET', 'POST', 'HEAD']);
  const hasChecks = [{ role: 'org:admin' }, { permission: 'org:posts:edit' }, { feature: 'dashboard' }, { plan: 'business' }, { reverification: 'strict' }];
  return {
    about: `${kind} ${mode} age=${age}${badSig ? ' bad-sig' : ''} org=${org ? org.slug : '-'}/${orgStyle} path=${path} dest=${dest}`,
    options,
    request: { method, url: `${origin}${path}${qs}`, headers },
    nowMs,
    hasChecks,
  };
}
