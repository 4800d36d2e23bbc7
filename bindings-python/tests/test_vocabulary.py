"""The Python lists of reasons, token types and error codes are exactly the core's
(``_native.vocabulary()``): a reason, token type or error code added to the core fails here
until ``clerkauth._types`` / ``clerkauth._errors`` know it."""

from __future__ import annotations

import clerkauth
from clerkauth import Reason, TokenType, _native


def test_vocabulary_shape() -> None:
    v = _native.vocabulary()
    assert set(v) == {"reasons", "tokenTypes", "errorCodes"}
    for name, values in v.items():
        assert values and all(isinstance(x, str) for x in values), name
        assert len(set(values)) == len(values), f"duplicates in {name}"


def test_reason_members_are_the_core_reasons() -> None:
    core = _native.vocabulary()["reasons"]
    assert sorted(m.value for m in Reason) == sorted(core)


def test_token_type_members_are_the_core_token_types() -> None:
    core = _native.vocabulary()["tokenTypes"]
    assert sorted(m.value for m in TokenType) == sorted(core)


def test_error_codes_are_the_core_error_codes() -> None:
    core = _native.vocabulary()["errorCodes"]
    assert sorted(clerkauth.ERROR_CODES) == sorted(core)
