// Type-checked (never run) usage of the public API against index.d.ts: `npx tsc --noEmit -p test/tsconfig.json`.
import http from 'node:http';
import {
  createClerkClient,
  authenticateRequest,
  clerkMiddleware,
  getAuth,
  createUpgradeAuthenticator,
  authenticateUpgrade,
  rejectUpgrade,
  ClerkAuthError,
  ErrorCode,
  type RequestState,
  type AuthObject,
  type ClerkAuthErrorCode,
} from 'clerkauth';

async function main(): Promise<void> {
  const clerk = createClerkClient({ secretKey: 'sk_test_x', publishableKey: 'pk_test_x', jwtKey: '-----BEGIN PUBLIC KEY-----' });
  // @clerk/backend's createClerkClient options are accepted (and ignored); unknown names are not.
  createClerkClient({ secretKey: 'sk', telemetry: { disabled: true }, userAgent: 'app/1', sdkMetadata: { name: 'x', version: '1' }, requireSecretKey: false });
  // @ts-expect-error unknown option name
  createClerkClient({ secretKey: 'sk', authorizedParty: ['https://app.example.com'] });
  const state: RequestState = await clerk.authenticateRequest(new Request('https://app.example.com/'), {
    authorizedParties: ['https://app.example.com'],
    organizationSyncOptions: { organizationPatterns: ['/orgs/:slug'], onMismatch: 'signed-out' },
    nowMs: Date.now(),
    explain: true,
  });
  const status: 'signed-in' | 'signed-out' | 'handshake' = state.status;
  const cookies: string[] = state.headers.getSetCookie();
  const auth: AuthObject | null = state.toAuth({ treatPendingAsSignedOut: false });
  if (auth && auth.tokenType === 'session_token' && auth.isAuthenticated) {
    const userId: string = auth.userId;
    const ok: boolean = auth.has({ role: 'org:admin' }) || auth.has({ reverification: { level: 'second_factor', afterMinutes: 10 } });
    const token: string | null = await auth.getToken();
    const templated: string | null = await auth.getToken({ template: 'supabase', expiresInSeconds: 60 });
    void userId, ok, token, templated;
  }
  const sync = state.organizationSync;
  if (sync && sync.target.type === 'organization') void sync.target.organizationSlug;
  void status, cookies, state.trace?.[0]?.step;

  const s2 = await authenticateRequest({ method: 'GET', url: 'https://x.example/', headers: { cookie: '__session=x' } }, { secretKey: 'sk', publishableKey: 'pk' });
  void s2.isSignedIn;

  try {
    await authenticateRequest(new Request('https://x.example/'));
  } catch (e) {
    if (e instanceof ClerkAuthError) {
      const code: ClerkAuthErrorCode = e.code;
      void (code === ErrorCode.MissingSecretKey);
    }
  }

  const mw = clerkMiddleware({ publishableKey: 'pk', secretKey: 'sk' });
  const upgrade = createUpgradeAuthenticator({ organizationSyncOptions: { organizationPatterns: ['/orgs/:id'] } });
  const server = http.createServer((req, res) => {
    mw(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        res.end();
        return;
      }
      const a = getAuth(req);
      const fromReq = req.auth?.();
      res.end(String(a.isAuthenticated) + String(fromReq?.isAuthenticated) + String(req.clerkRequestState?.status));
    });
  });
  server.on('upgrade', async (req: http.IncomingMessage, socket, _head) => {
    const st = await upgrade(req);
    const st2 = await authenticateUpgrade(req, { secretKey: 'sk' });
    if (!st.isAuthenticated || !st2.isAuthenticated) rejectUpgrade(socket, st, 403);
  });
}
void main;

// ---- RequestState is a union discriminated by status; AuthStatus/TokenType are values and types.
import { AuthStatus, TokenType, AuthErrorReason, type SessionAuthObject, type MachineAuthObject } from 'clerkauth';

function narrow(state: RequestState): string {
  if (state.status === AuthStatus.SignedIn) {
    const token: string = state.token;
    const type: TokenType = state.tokenType;
    return token + type;
  }
  if (state.status === 'handshake') {
    const none: null = state.toAuth();
    return String(none) + state.headers.get('location');
  }
  const reason: string = state.reason;
  // @ts-expect-error signed-out states carry no token
  const t: string = state.token;
  void t;
  return reason === AuthErrorReason.SessionTokenExpired ? 'expired' : reason;
}
void narrow;
const st: AuthStatus = 'signed-out';
const tt: TokenType = TokenType.ApiKey;
void st, tt;

// ---- clerkauth/express: the Clerk docs' Express quickstart, with the import path changed.
import express from 'express';
import * as clerkExpress from 'clerkauth/express';

const app = express();
app.use(clerkExpress.clerkMiddleware());
app.use(clerkExpress.clerkMiddleware({ debug: true, frontendApiProxy: { enabled: false }, isSatellite: (url) => url.hostname !== 'app.example.com' }));
app.use(clerkExpress.clerkMiddleware((req: express.Request) => ({ publishableKey: req.hostname === 'a.example.com' ? 'pk_a' : 'pk_b' })));
app.get('/protected', clerkExpress.requireAuth(), (req, res) => {
  const { userId } = clerkExpress.getAuth(req);
  const nullable: string | null = userId;
  const session: SessionAuthObject = clerkExpress.getAuth(req, { treatPendingAsSignedOut: false });
  const key = clerkExpress.getAuth(req, { acceptsToken: 'api_key' });
  if (key.isAuthenticated) {
    const id: string = key.id;
    const name: string = key.name;
    const keyUser: string | null = key.userId;
    void id, name, keyUser;
  }
  const m: MachineAuthObject<'m2m_token'> = clerkExpress.getAuth(req, { acceptsToken: 'm2m_token' });
  const mixed = clerkExpress.getAuth(req, { acceptsToken: ['session_token', 'oauth_token'] });
  if (mixed.tokenType === 'oauth_token' && mixed.isAuthenticated) void mixed.clientId;
  const any = clerkExpress.getAuth(req, { acceptsToken: 'any' });
  void any.tokenType, m.tokenType, session.isAuthenticated;
  res.json({ userId: nullable });
});

// ---- clerkauth/fastify
import Fastify from 'fastify';
import { clerkPlugin, getAuth as getFastifyAuth } from 'clerkauth/fastify';

const fastify = Fastify();
void fastify.register(clerkPlugin, { hookName: 'preHandler', authorizedParties: ['https://app.example.com'] });
fastify.get('/', async (request) => {
  const { userId } = getFastifyAuth(request);
  const key = getFastifyAuth(request, { acceptsToken: 'api_key' });
  return { userId, key: key.isAuthenticated ? key.subject : null };
});

// ---- clerkauth/hono
import { Hono } from 'hono';
import { clerkMiddleware as honoClerk, getAuth as getHonoAuth } from 'clerkauth/hono';

const hono = new Hono();
hono.use('*', honoClerk());
hono.get('/', (c) => {
  const { userId } = getHonoAuth(c);
  const fromVar = c.get('clerkAuth')({ acceptsToken: 'any' });
  return c.json({ userId, type: fromVar.tokenType });
});

// ---- verifyToken and clerkauth/websocket
import { verifyToken, TokenVerificationError, TokenVerificationErrorReason } from 'clerkauth';
import { createWebSocketAuthenticator, rejectUpgrade as reject, POLICY_VIOLATION } from 'clerkauth/websocket';
import { WebSocketServer } from 'ws';

async function verify(token: string): Promise<string | null> {
  try {
    const claims = await verifyToken(token, { jwtKey: 'pem', authorizedParties: ['https://app.example.com'], clockSkewInMs: 1000 });
    return claims.sub;
  } catch (e) {
    if (e instanceof TokenVerificationError && e.reason === TokenVerificationErrorReason.TokenExpired) return e.action ?? null;
    throw e;
  }
}
void verify;

const sockets = createWebSocketAuthenticator({ protocolPrefix: 'app.auth.', queryParam: 'token', organizationSyncOptions: { organizationPatterns: ['/orgs/:slug/ws'] } });
const wss = new WebSocketServer({ noServer: true, handleProtocols: sockets.handleProtocols });
http.createServer().on('upgrade', async (req: http.IncomingMessage, socket, head) => {
  const result = await sockets.authenticate(req);
  if (!result.state.isAuthenticated) return reject(socket, result.state, 401);
  const p: string | null = result.protocol;
  void p;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const watch = sockets.watch(ws, result, { onLapse: (reason) => ws.close(POLICY_VIOLATION, reason) });
    ws.on('message', async (data) => {
      const lapsed = await watch.reauthenticate(String(data));
      if (lapsed === null && watch.state.status === 'signed-in') void watch.state.validUntil;
    });
  });
});

// ---- getAuth(req) without acceptsToken is a session object, never a machine one.
function sessionOnly(req: http.IncomingMessage): void {
  const auth = clerkExpress.getAuth(req);
  // @ts-expect-error a session auth object has no machine token id
  void auth.id;
  // @ts-expect-error nor a machine token type
  const t: 'api_key' = auth.tokenType;
  void t;
}
void sessionOnly;

// ---- clerkauth/testing: a development instance, its tokens and its loopback Backend API.
import { DevInstance, type BackendApi, type Jwks } from 'clerkauth/testing';
async function testingHelper(): Promise<void> {
  const devInstance = new DevInstance({ frontendApi: 'my-app.clerk.accounts.dev' });
  const token: string = devInstance.sessionToken({ userId: 'user_1', sessionId: 'sess_1', azp: 'https://app.example.com', extra: { o: { id: 'org_1', rol: 'admin' } } });
  // @ts-expect-error userId is required
  devInstance.sessionToken({ sessionId: 'sess_1' });
  const oauth: string = devInstance.sign({ sub: 'user_1', client_id: 'client_1' }, { typ: 'at+jwt' });
  const jwks: Jwks = devInstance.jwks();
  const api: BackendApi = await devInstance.startBackendApi();
  const state = await authenticateRequest(new Request('https://app.example.com/', { headers: { authorization: `Bearer ${token}` } }), {
    publishableKey: devInstance.publishableKey,
    secretKey: devInstance.secretKey,
    apiUrl: api.url,
  });
  const seen: boolean = api.requests.every((r) => r.authorized && r.path.startsWith('/v1/'));
  // @ts-expect-error the instance's keys are read-only
  devInstance.secretKey = 'sk_test_other';
  void [oauth, jwks, state, seen, devInstance.jwtKey, devInstance.kid];
  await api.close();
}
void testingHelper;
