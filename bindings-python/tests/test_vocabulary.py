"""The Python lists of reasons, token types, error codes and option names are exactly the
core's (``_native.vocabulary()``): a reason, token type or error code added to the core fails
here until ``clerkauth._types`` / ``clerkauth._errors`` know it; an option name until
``clerkauth._options``'s TypedDicts declare it."""

from __future__ import annotations

import dataclasses
import re
from typing import List

import clerkauth
from clerkauth import Reason, TokenType, _native
from clerkauth._env import ENVIRONMENT_VARIABLES
from clerkauth._options import AuthenticateOptions, OrganizationSyncOptions
from clerkauth.compat import AuthenticateRequestOptions


def snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def core_options(*kinds: str) -> List[str]:
    """The core's option names of these kinds, in snake_case."""
    return [snake(o["name"]) for o in _native.vocabulary()["options"] if o["kind"] in kinds]


def test_vocabulary_shape() -> None:
    v = _native.vocabulary()
    assert set(v) == {"reasons", "tokenTypes", "errorCodes", "options", "organizationSyncOptions"}
    lists = {"reasons": v["reasons"], "tokenTypes": v["tokenTypes"], "errorCodes": v["errorCodes"], "organizationSyncOptions": v["organizationSyncOptions"]}
    for name, values in lists.items():
        assert values and all(isinstance(x, str) for x in values), name
        assert len(set(values)) == len(values), f"duplicates in {name}"
    names = [o["name"] for o in v["options"]]
    assert names and len(set(names)) == len(names), "an option name is listed twice"
    for o in v["options"]:
        assert set(o) == {"name", "kind"} and o["kind"] in ("authentication", "ignored-reference", "host"), o


def test_snake_case_spelling() -> None:
    assert snake("clockSkewInMs") == "clock_skew_in_ms"
    assert snake("explain") == "explain"


def test_authenticate_options_are_the_core_options() -> None:
    # Every option the core reads or accepts and ignores; the host options (the clock, Node's
    # knobs) are not keyword options (``now_ms=`` is an argument of each call).
    declared = list(AuthenticateOptions.__annotations__)
    assert sorted(declared) == sorted(core_options("authentication", "ignored-reference"))


def test_organization_sync_options_are_the_core_names() -> None:
    declared = list(OrganizationSyncOptions.__annotations__)
    assert sorted(declared) == sorted(snake(n) for n in _native.vocabulary()["organizationSyncOptions"])


def test_ignored_option_names_are_the_core_ignored_options() -> None:
    ignored = [o["name"] for o in _native.vocabulary()["options"] if o["kind"] == "ignored-reference"]
    assert sorted(_native.IGNORED_OPTION_NAMES) == sorted(ignored + [snake(n) for n in ignored])


def test_other_option_lists_name_core_options() -> None:
    # Subsets kept by hand: the environment defaults and clerk-backend-api's options.
    auth = set(core_options("authentication"))
    assert set(ENVIRONMENT_VARIABLES) <= auth, set(ENVIRONMENT_VARIABLES) - auth
    compat = {f.name for f in dataclasses.fields(AuthenticateRequestOptions)}
    assert compat <= auth, compat - auth
    assert set(AuthenticateRequestOptions()._options()) <= auth


def test_reason_members_are_the_core_reasons() -> None:
    core = _native.vocabulary()["reasons"]
    assert sorted(m.value for m in Reason) == sorted(core)


def test_token_type_members_are_the_core_token_types() -> None:
    core = _native.vocabulary()["tokenTypes"]
    assert sorted(m.value for m in TokenType) == sorted(core)


def test_error_codes_are_the_core_error_codes() -> None:
    core = _native.vocabulary()["errorCodes"]
    assert sorted(clerkauth.ERROR_CODES) == sorted(core)
