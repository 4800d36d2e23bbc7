// Organization from the URL on the Bearer flow (what a per-tab client sends, WebSocket upgrade
// or not) under every onMismatch mode, and scoped has() never answering from the token's own
// organization. Membership lookups go to a real loopback Backend API (node:http).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';
import { startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { createClerkClient } = require('../index.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const NOW = 1767225600000;
const GLOBEX = {
  object: 'organization_membership', role: 'org:member', permissions: ['org:posts:read'],
  organization: { id: 'org_globex', slug: 'globex' }, public_user_data: { user_id: 'user_1' },
};
let api;
let apiUrl;

before(async () => {
  // A membership lookup is globex's memberships filtered by the user; any other organization
  // is unknown (404, not a member).
  api = await startBackendApi({
    'GET /v1/organizations/org_globex/memberships?user_id=user_1': { body: { data: [GLOBEX], total_count: 1 } },
    '*': { status: 404, body: { errors: [{ code: 'resource_not_found' }] } },
  });
  apiUrl = api.url;
});
after(() => api.close());

function acmeToken() {
  const s = NOW / 1000;
  return signJwt(keys.privateKey, {
    exp: s + 60, iat: s - 1, nbf: s - 5, sid: 'sess_1', sub: 'user_1', iss: `https://${inst.fapi}`, v: 2,
    fea: 'o:chat,u:dashboard', pla: 'o:pro,u:free', o: { id: 'org_acme', slg: 'acme', rol: 'admin', per: 'read,edit', fpm: '3' },
  });
}

async function authenticate(onMismatch, path, upgrade) {
  const client = createClerkClient({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem, apiUrl });
  const headers = { authorization: `Bearer ${acmeToken()}` };
  if (upgrade) Object.assign(headers, { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' });
  const organizationSyncOptions = { organizationPatterns: ['/api/websocket/:id'], personalAccountPatterns: ['/me/(.*)'], onMismatch };
  return client.authenticateRequest({ method: 'GET', url: `https://app.example.com${path}`, headers }, { organizationSyncOptions, nowMs: NOW });
}

for (const upgrade of [true, false]) {
  test(`Bearer${upgrade ? ' + Upgrade: websocket' : ' fetch'} naming another org, every onMismatch mode`, async () => {
    const keep = await authenticate('keep-active', '/api/websocket/org_globex', upgrade);
    assert.equal(keep.status, 'signed-in');
    assert.equal(keep.organizationSync.outcome, 'mismatch');
    assert.equal(keep.organizationSync.activeOrgId, 'org_acme');
    assert.equal(keep.toAuth().orgId, 'org_acme');

    const out = await authenticate('signed-out', '/api/websocket/org_globex', upgrade);
    assert.equal(out.status, 'signed-out');
    assert.equal(out.reason, 'organization-mismatch');
    assert.equal(out.organizationSync.outcome, 'mismatch');
    assert.equal(out.toAuth().has({ role: 'org:admin' }), false);

    const member = await authenticate('resolve-membership', '/api/websocket/org_globex', upgrade);
    assert.equal(member.status, 'signed-in');
    assert.equal(member.organizationSync.outcome, 'membership');
    const auth = member.toAuth();
    assert.equal(auth.orgId, 'org_globex');
    assert.equal(auth.orgRole, 'org:member');
    assert.ok(auth.has({ role: 'org:member' }) && !auth.has({ role: 'org:admin' }));

    for (const mode of ['keep-active', 'signed-out', 'resolve-membership']) {
      const own = await authenticate(mode, '/api/websocket/org_acme', upgrade);
      assert.equal(own.status, 'signed-in', mode);
      assert.equal(own.organizationSync.outcome, 'active', mode);
    }
  });
}

test('scoped auth objects never answer from the token\'s organization entitlements', async () => {
  for (const path of ['/api/websocket/org_globex', '/me/settings']) {
    const auth = (await authenticate('resolve-membership', path, true)).toAuth();
    for (const check of [{ feature: 'org:chat' }, { feature: 'chat' }, { plan: 'org:pro' }, { plan: 'pro' }, { role: 'org:admin' }, { permission: 'org:chat:edit' }]) {
      assert.equal(auth.has(check), false, `${path} ${JSON.stringify(check)}`);
    }
    for (const check of [{ feature: 'user:dashboard' }, { feature: 'dashboard' }, { plan: 'user:free' }, { plan: 'free' }]) {
      assert.equal(auth.has(check), true, `${path} ${JSON.stringify(check)}`);
    }
  }
  const own = (await authenticate('resolve-membership', '/api/websocket/org_acme', true)).toAuth();
  assert.ok(own.has({ feature: 'org:chat' }) && own.has({ plan: 'pro' }) && own.has({ role: 'org:admin' }));
});
