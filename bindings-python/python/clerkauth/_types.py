"""String enums for the values of a request state: :class:`Status`, :class:`TokenType` and
:class:`Reason`. Each member is a ``str`` (``Status.SIGNED_IN == "signed-in"``, ``str()`` and
f-strings give the value, as ``enum.StrEnum``), so code comparing with strings keeps working
while type checkers can narrow on the members.

``RequestState.reason`` is a :class:`Reason` member when the reason is one of the known ones and
a plain ``str`` otherwise (a refresh failure carries the Backend API's error code verbatim:
``session-token-expired-refresh-<code>``; its head is :attr:`Reason.SESSION_TOKEN_EXPIRED`).
The members are exactly the core's reasons (``tests/test_vocabulary.py`` checks it).
"""

from __future__ import annotations

import sys
from enum import Enum

__all__ = ["Status", "TokenType", "Reason"]

if sys.version_info >= (3, 11):
    from enum import StrEnum as _StrEnum
else:

    class _StrEnum(str, Enum):
        """``enum.StrEnum`` for Python < 3.11."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return str(self.value).__format__(spec)


class Status(_StrEnum):
    """``RequestState.status``."""

    SIGNED_IN = "signed-in"
    SIGNED_OUT = "signed-out"
    HANDSHAKE = "handshake"


class TokenType(_StrEnum):
    """``RequestState.token_type`` and ``Auth.token_type``."""

    SESSION_TOKEN = "session_token"
    API_KEY = "api_key"
    M2M_TOKEN = "m2m_token"
    OAUTH_TOKEN = "oauth_token"


class Reason(_StrEnum):
    """The reference's reasons (``AuthErrorReason``, ``TokenVerificationErrorReason``) and
    clerkauth's additions."""

    # AuthErrorReason
    CLIENT_UAT_WITHOUT_SESSION_TOKEN = "client-uat-but-no-session-token"
    DEV_BROWSER_MISSING = "dev-browser-missing"
    DEV_BROWSER_SYNC = "dev-browser-sync"
    PRIMARY_RESPONDS_TO_SYNCING = "primary-responds-to-syncing"
    PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC = "primary-domain-cross-origin-sync"
    SATELLITE_COOKIE_NEEDS_SYNCING = "satellite-needs-syncing"
    SESSION_TOKEN_AND_UAT_MISSING = "session-token-and-uat-missing"
    SESSION_TOKEN_MISSING = "session-token-missing"
    SESSION_TOKEN_EXPIRED = "session-token-expired"
    SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT = "session-token-iat-before-client-uat"
    SESSION_TOKEN_NBF = "session-token-nbf"
    SESSION_TOKEN_IAT_IN_THE_FUTURE = "session-token-iat-in-the-future"
    SESSION_TOKEN_WITHOUT_CLIENT_UAT = "session-token-but-no-client-uat"
    ACTIVE_ORGANIZATION_MISMATCH = "active-organization-mismatch"
    TOKEN_TYPE_MISMATCH = "token-type-mismatch"
    UNEXPECTED_ERROR = "unexpected-error"
    NO_TOKEN_IN_HEADER = "No token in header"
    # TokenVerificationErrorReason
    TOKEN_EXPIRED = "token-expired"
    TOKEN_INVALID = "token-invalid"
    TOKEN_INVALID_ALGORITHM = "token-invalid-algorithm"
    TOKEN_INVALID_AUTHORIZED_PARTIES = "token-invalid-authorized-parties"
    TOKEN_INVALID_SIGNATURE = "token-invalid-signature"
    TOKEN_INVALID_ISSUER = "token-invalid-issuer"
    TOKEN_NOT_ACTIVE_YET = "token-not-active-yet"
    TOKEN_IAT_IN_THE_FUTURE = "token-iat-in-the-future"
    TOKEN_VERIFICATION_FAILED = "token-verification-failed"
    SECRET_KEY_INVALID = "secret-key-invalid"
    JWK_LOCAL_MISSING = "jwk-local-missing"
    JWK_REMOTE_FAILED_TO_LOAD = "jwk-remote-failed-to-load"
    JWK_REMOTE_INVALID = "jwk-remote-invalid"
    JWK_REMOTE_MISSING = "jwk-remote-missing"
    JWK_FAILED_TO_RESOLVE = "jwk-failed-to-resolve"
    JWK_KID_MISMATCH = "jwk-kid-mismatch"
    # clerkauth's additions
    BACKEND_API_UNREACHABLE = "backend-api-unreachable"
    TAB_TOKEN_REQUIRED = "tab-token-required"
    SESSION_MISMATCH = "session-mismatch"
    ORGANIZATION_MISMATCH = "organization-mismatch"
    ORGANIZATION_NOT_MEMBER = "organization-not-member"
    ORGANIZATION_MEMBERSHIP_LOOKUP_FAILED = "organization-membership-lookup-failed"
