// A Bun.serve app whose WebSocket endpoint (/ws) admits Clerk sessions only. The browser offers
// its session token as a subprotocol after the app's own:
//   new WebSocket('wss://app.example.com/ws', ['chat.v1', `clerk.session.${await session.getToken()}`])
// The socket is closed (1008) when the token's authorization lapses, unless the client sends a
// fresh token first: {"type":"token","token":"…"} (same user, session and organization).
// Keys come from the environment (CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY …).
// Run: bun examples/bun-websocket.mjs
import { createWebSocketAuthenticator } from 'clerkauth/websocket';

export function startServer({ port = 3000, hostname = '127.0.0.1', ...options } = {}) {
  const sockets = createWebSocketAuthenticator(options);
  return Bun.serve({
    hostname,
    port,
    async fetch(req, server) {
      if (new URL(req.url).pathname !== '/ws') return new Response('not found', { status: 404 });
      const auth = await sockets.authenticate(req);
      if (!auth.state.isAuthenticated) return new Response(null, { status: 401, headers: auth.state.headers });
      // Bun.serve answers the first offered protocol itself (a header given to upgrade() is
      // added, not substituted): it must be the app's, never the token.
      const first = (req.headers.get('sec-websocket-protocol') || '').split(',')[0].trim();
      if (first && first !== auth.protocol) return new Response('offer the app protocol before the token', { status: 400 });
      if (server.upgrade(req, { data: { auth } })) return undefined;
      return new Response('expected a WebSocket upgrade', { status: 400 });
    },
    websocket: {
      open(ws) {
        ws.data.watch = sockets.watch(ws, ws.data.auth);
        ws.send(JSON.stringify({ hello: ws.data.auth.state.toAuth().userId }));
      },
      async message(ws, message) {
        const msg = JSON.parse(String(message));
        if (msg.type === 'token') {
          const lapsed = await ws.data.watch.reauthenticate(msg.token);
          if (!lapsed) ws.send(JSON.stringify({ reauthenticated: true }));
          return;
        }
        ws.send(JSON.stringify({ echo: msg, userId: ws.data.watch.state.toAuth().userId }));
      },
      close(ws) {
        ws.data.watch?.stop();
      },
    },
  });
}

if (import.meta.main) {
  const server = startServer({ port: Number(process.env.PORT || 3000) });
  console.log(`listening on ${server.url}`);
}
