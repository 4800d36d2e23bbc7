"""Option names: the core's list (``clerkauth::OPTION_NAMES``) in snake_case.

The names are checked by the core, the one rule of every clerkauth package: an unknown name
raises :class:`ConfigurationError` (code ``invalid-option``) naming the key as given, with a
"did you mean" for a near miss (``authorized_party`` -> ``authorized_parties``); the reference's
camelCase spelling is accepted too (``Authenticator.from_options``); ``@clerk/backend`` options
that do not affect authentication are accepted and ignored. A None value means "not given".
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence, TypedDict, Union

from . import _native
from ._errors import ConfigurationError

__all__ = ["AuthenticateOptions", "OrganizationSyncOptions", "dumps"]


class OrganizationSyncOptions(TypedDict, total=False):
    """``organization_sync_options``: which URLs name an organization or the personal account."""

    organization_patterns: Sequence[str]
    personal_account_patterns: Sequence[str]
    #: ``keep-active`` (default), ``signed-out`` or ``resolve-membership``.
    on_mismatch: str


class AuthenticateOptions(TypedDict, total=False):
    """Every option, as keyword arguments of ``Authenticator`` or per call."""

    secret_key: str
    publishable_key: str
    jwt_key: str
    machine_secret_key: str
    audience: Union[str, Sequence[str]]
    issuer: Union[str, Sequence[str]]
    authorized_parties: Sequence[str]
    clock_skew_in_ms: float
    header_type: Union[str, Sequence[str]]
    domain: str
    is_satellite: bool
    satellite_auto_sync: bool
    proxy_url: str
    sign_in_url: str
    sign_up_url: str
    after_sign_in_url: str
    after_sign_up_url: str
    organization_sync_options: OrganizationSyncOptions
    accepts_token: Union[str, Sequence[str]]
    api_url: str
    api_version: str
    skip_jwks_cache: bool
    jwks_cache_ttl_in_ms: int
    require_tab_token: str
    expected_session_header: str
    expected_user_header: str
    missing_azp: str
    membership_cache_ttl_in_ms: int
    explain: bool
    #: Entries of the verified-token cache (default 1024; 0 = off); read when the Authenticator is built.
    verified_token_cache_size: int
    # @clerk/backend options without effect on authentication: accepted and ignored.
    api_client: object
    require_secret_key: bool
    user_agent: str
    sdk_metadata: Mapping[str, str]
    telemetry: Mapping[str, Any]


def dumps(options: Mapping[str, Any]) -> str:
    """The options as the core's JSON: names as given (the core maps and checks them), values
    of the options the core ignores left out (they need not be JSON)."""
    try:
        return json.dumps({k: None if k in _native.IGNORED_OPTION_NAMES else v for k, v in options.items()})
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"Invalid option value: {e}", "invalid-option") from None
