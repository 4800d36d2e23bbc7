"""Option names: snake_case in Python, mapped to the reference's camelCase names."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Sequence, TypedDict, Union

from ._errors import ConfigurationError

__all__ = ["AuthenticateOptions", "OrganizationSyncOptions", "OPTION_NAMES", "to_reference"]


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
    #: Entries of the opt-in verified-token cache (0 = off); read when the Authenticator is built.
    verified_token_cache_size: int


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


#: snake_case option name -> reference (camelCase) name.
OPTION_NAMES: Dict[str, str] = {n: _camel(n) for n in AuthenticateOptions.__annotations__}
_REFERENCE_NAMES = set(OPTION_NAMES.values())
_ORG_SYNC_NAMES: Dict[str, str] = {n: _camel(n) for n in OrganizationSyncOptions.__annotations__}


def _org_sync(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise ConfigurationError("organization_sync_options must be a mapping", "invalid-option")
    out: Dict[str, Any] = {}
    for k, v in value.items():
        name = _ORG_SYNC_NAMES[k] if k in _ORG_SYNC_NAMES else str(k)
        if name not in _ORG_SYNC_NAMES.values():
            raise ConfigurationError(f"Unknown organization_sync_options key: {k!r}", "invalid-option")
        out[name] = list(v) if isinstance(v, (tuple, list)) else v
    return out


def to_reference(options: Mapping[str, Any]) -> Dict[str, Any]:
    """Maps snake_case (or already camelCase) option names to the reference names; None
    values are left out. Unknown names raise ConfigurationError."""
    out: Dict[str, Any] = {}
    for k, v in options.items():
        if v is None:
            continue
        name: str
        if k in OPTION_NAMES:
            name = OPTION_NAMES[k]
        elif k in _REFERENCE_NAMES:
            name = k
        else:
            raise ConfigurationError(f"Unknown option: {k!r}", "invalid-option")
        if name == "organizationSyncOptions":
            v = _org_sync(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[name] = v
    return out


def dumps(options: Mapping[str, Any]) -> str:
    try:
        return json.dumps(to_reference(options))
    except (TypeError, ValueError) as e:
        if isinstance(e, ConfigurationError):
            raise
        raise ConfigurationError(f"Invalid option value: {e}", "invalid-option") from None

