"""The exception hierarchy. Every exception raised by clerkauth derives from ClerkAuthError and
carries a stable machine-readable ``code`` (the core's ErrorCode strings).

Configuration mistakes raise; authentication failures never do: they are signed-out states
with a ``reason``.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "ClerkAuthError",
    "ConfigurationError",
    "InvalidRequestError",
    "HandshakeVerificationError",
    "UnexpectedError",
    "TokenVerificationError",
    "ERROR_CODES",
]


class ClerkAuthError(Exception):
    """Base class of every clerkauth error. ``code`` is a stable kebab-case string."""

    code: str
    message: str

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else _DEFAULT_CODES.get(type(self), "unexpected-error")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigurationError(ClerkAuthError, ValueError):
    """Invalid or missing options (keys, satellite settings, patterns, option values)."""


class InvalidRequestError(ClerkAuthError, ValueError):
    """The request (method, URL, headers) could not be read or used."""


class HandshakeVerificationError(ClerkAuthError):
    """A development handshake token failed verification (the reference throws here)."""


class UnexpectedError(ClerkAuthError):
    """Any other failure (including an internal error that was caught, never a crash)."""


class TokenVerificationError(ClerkAuthError):
    """``verify_token`` refused the token. ``reason`` (also ``code``) is the reference's
    ``TokenVerificationErrorReason`` (``token-expired``, ``token-invalid-signature``,
    ``jwk-kid-mismatch``, ``token-invalid-authorized-parties`` ...); ``action`` what to do, if
    anything."""

    reason: str
    action: Optional[str]

    def __init__(self, message: str, reason: str, action: Optional[str] = None) -> None:
        super().__init__(message, reason)
        self.reason = reason
        self.action = action


_DEFAULT_CODES: Dict[type, str] = {
    ClerkAuthError: "unexpected-error",
    ConfigurationError: "invalid-option",
    InvalidRequestError: "invalid-request",
    HandshakeVerificationError: "handshake-verification-failed",
    UnexpectedError: "unexpected-error",
}

_CLASSES: Dict[str, Type[ClerkAuthError]] = {
    "invalid-publishable-key": ConfigurationError,
    "missing-secret-key": ConfigurationError,
    "invalid-satellite-config": ConfigurationError,
    "missing-machine-secret-key": ConfigurationError,
    "invalid-organization-pattern": ConfigurationError,
    "invalid-option": ConfigurationError,
    "invalid-request": InvalidRequestError,
    "handshake-verification-failed": HandshakeVerificationError,
    "unexpected-error": UnexpectedError,
}

#: Every code the library can raise.
ERROR_CODES = tuple(_CLASSES)


def _from_code(code: str, message: str) -> ClerkAuthError:
    """Builds the exception for a core error code (called by the native module)."""
    return _CLASSES.get(code, ClerkAuthError)(message, code)
