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
