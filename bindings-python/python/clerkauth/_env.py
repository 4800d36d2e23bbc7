"""Environment defaults: the variables ``@clerk/express`` reads (``loadClientEnv``), each filling
its option when the option is not given (None counts as not given; an empty variable as unset)."""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping

__all__ = ["ENVIRONMENT_VARIABLES", "with_environment"]

#: Option name -> environment variable.
ENVIRONMENT_VARIABLES: Mapping[str, str] = {
    "secret_key": "CLERK_SECRET_KEY",
    "publishable_key": "CLERK_PUBLISHABLE_KEY",
    "machine_secret_key": "CLERK_MACHINE_SECRET_KEY",
    "jwt_key": "CLERK_JWT_KEY",
    "api_url": "CLERK_API_URL",
    "api_version": "CLERK_API_VERSION",
    "domain": "CLERK_DOMAIN",
    "proxy_url": "CLERK_PROXY_URL",
    "is_satellite": "CLERK_IS_SATELLITE",
    "sign_in_url": "CLERK_SIGN_IN_URL",
    "sign_up_url": "CLERK_SIGN_UP_URL",
}

# The same options in the reference's spelling (``Authenticator.from_options``).
_CAMEL = {k: k.split("_")[0] + "".join(w.title() for w in k.split("_")[1:]) for k in ENVIRONMENT_VARIABLES}


def _truthy(value: str) -> bool:
    # @clerk/shared isTruthy: "true" (any case) or a non-zero number.
    v = value.strip().lower()
    if v == "true":
        return True
    try:
        return float(v) != 0
    except ValueError:
        return False


def with_environment(options: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Dict[str, Any]:
    """``options`` with each option it does not give taken from its environment variable."""
    out = dict(options)
    for name, var in ENVIRONMENT_VARIABLES.items():
        if out.get(name) is not None or out.get(_CAMEL[name]) is not None:
            continue
        value = environ.get(var)
        if value:
            out[name] = _truthy(value) if name == "is_satellite" else value
    return out
