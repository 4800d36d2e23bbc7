// Types of `clerkauth/testing` (hand-written; checked in CI against test/types-usage.ts).

/** A JSON Web Key Set as the Backend API serves it. */
export interface Jwks {
  keys: Array<{ use: 'sig'; kty: 'RSA'; kid: string; alg: 'RS256'; n: string; e: string }>;
}

export interface DevInstanceOptions {
  /** The Frontend API host encoded in the publishable key. Default `demo-app.clerk.accounts.dev`. */
  frontendApi?: string;
}

export interface SessionTokenOptions {
  /** `sub`. */
  userId: string;
  /** `sid`. */
  sessionId: string;
  /** Issued at, in seconds since the epoch (default now); the token is valid 60 s. */
  iat?: number;
  /** `azp` (the request's origin, checked against `authorizedParties`). Default `''`. */
  azp?: string;
  /** Claims merged into the token's (e.g. a v2 `o` organization claim, `exp`). */
  extra?: Record<string, unknown>;
}

/** A loopback Backend API started by `DevInstance.startBackendApi()`. */
export interface BackendApi {
  /** `http://127.0.0.1:<port>`: pass it as `apiUrl`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: ReadonlyArray<{ method: string; path: string; authorized: boolean }>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * A local development instance: its own RSA key, keys, JWKS and minted tokens (the core's
 * DevInstance, like Python's `clerkauth.testing.DevInstance`). Never contacts Clerk.
 */
export class DevInstance {
  /** Generates a fresh RSA-2048 key (synchronously, tens of milliseconds). */
  constructor(options?: DevInstanceOptions);
  /** The signing key's id (`ins_…`). */
  readonly kid: string;
  /** `pk_test_…` for `frontendApi`. */
  readonly publishableKey: string;
  /** `sk_test_…`. */
  readonly secretKey: string;
  readonly frontendApi: string;
  /** The public key as PEM (the `jwtKey` option: networkless verification). */
  readonly jwtKey: string;
  /** The JWKS document the Backend API would serve. */
  jwks(): Jwks;
  /** Signs `claims` as an RS256 JWT; `header` fields are added (`alg`, `kid`, `typ` unless given). */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /** A session token (v2 claims) valid 60 s from `iat`. */
  sessionToken(options: SessionTokenOptions): string;
  /** Starts a loopback Backend API on 127.0.0.1 serving `GET /v1/jwks` to requests bearing `secretKey`. */
  startBackendApi(): Promise<BackendApi>;
}
