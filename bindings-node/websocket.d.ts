// Types of `clerkauth/websocket` (hand-written; checked in CI against test/types-usage.ts).
/// <reference types="node" />
import type { IncomingMessage } from 'http';
import type { AuthenticatableRequest, RequestState } from './index';
import type { ClerkMiddlewareOptions } from './express';

export { rejectUpgrade } from './index';

export interface WebSocketAuthOptions extends Omit<ClerkMiddlewareOptions, 'acceptsToken'> {
  /** Prefix of the Sec-WebSocket-Protocol entry carrying the session token (default 'clerk.session.'; null: never). */
  protocolPrefix?: string | null;
  /** Opt-in: a query parameter carrying the session token (URLs end up in logs: prefer the protocol). */
  queryParam?: string;
  /** Called instead of closing the socket (1008) when its authorization lapses. */
  onLapse?: (reason: LapseReason) => void;
}

export type LapseReason = 'expired' | 'signed-out' | 'user-changed' | 'session-changed' | 'organization-changed' | 'principal-changed';

export interface WebSocketAuthResult {
  state: RequestState;
  /** The offered non-token protocol to answer in the 101 response (null: none). */
  protocol: string | null;
  tokenSource: 'protocol' | 'query' | null;
  /** The request the core authenticated (the token as Authorization, without the token protocol or query parameter). */
  request: { method: string; url: string; headers: Array<[string, string]> };
}

/** Anything with `close(code, reason)`: a `ws` WebSocket, a Bun ServerWebSocket. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
}

export interface WatchedSocket {
  /** A fresh session token sent in band: `null` when it continues the session (the deadline moves), else the lapse reason (the socket is closed). */
  reauthenticate(token: string): Promise<null | LapseReason | 'closed'>;
  /** Stops watching (called on the socket's 'close' event when it has one). */
  stop(): void;
  readonly state: RequestState;
}

export interface WebSocketAuthenticator {
  authenticate(req: AuthenticatableRequest): Promise<WebSocketAuthResult>;
  watch(socket: ClosableSocket, result: WebSocketAuthResult, options?: { onLapse?: (reason: LapseReason) => void }): WatchedSocket;
  /** For `new WebSocketServer({ handleProtocols })`: the protocol `authenticate(req)` selected. */
  handleProtocols(protocols: Set<string>, req: IncomingMessage): string | false;
}

export declare function createWebSocketAuthenticator(options?: WebSocketAuthOptions): WebSocketAuthenticator;

/** The close code used when authorization lapses (1008, policy violation). */
export declare const POLICY_VIOLATION: 1008;
