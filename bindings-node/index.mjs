// ESM entry: the same API as the CommonJS entry (index.js).
import cjs from './index.js';

export const {
  createClerkClient,
  authenticateRequest,
  clerkMiddleware,
  getAuth,
  createUpgradeAuthenticator,
  authenticateUpgrade,
  rejectUpgrade,
  toPlainRequest,
  ClerkAuthError,
  ErrorCode,
  AuthStatus,
  TokenType,
  version,
} = cjs;
export default cjs;
