"""The Python API itself: installed package, options mapping, results, has(), errors (stable
codes, no PanicException), JWKS over a real loopback Backend API, the async variant not
blocking the event loop, the GIL released during network calls, and a thread-pool stress test."""

from __future__ import annotations

import asyncio
import json
import os
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict

import pytest

import clerkauth
from clerkauth import _native
from helpers import ORG, Gate, call_while_held, token


@pytest.fixture(scope="module")
def clerk(dev: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)


def test_runs_against_installed_package() -> None:
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(clerkauth.__file__).resolve().is_relative_to(site), clerkauth.__file__
    assert Path(_native.__file__).suffix == ".so" and ".abi3." in Path(_native.__file__).name
    assert (Path(clerkauth.__file__).parent / "py.typed").exists()
    assert (Path(clerkauth.__file__).parent / "_native.pyi").exists()
    assert clerkauth.__version__ == "0.1.0"


def test_signed_in_result_shape(clerk: clerkauth.Authenticator, dev: Any) -> None:
    t = token(dev)
    state = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {t}"})
    assert (state.status, state.reason, state.message, state.token, state.token_type) == ("signed-in", None, None, t, "session_token")
    assert state.is_authenticated and state.is_signed_in and state.headers == []
    assert state.publishable_key == dev.publishable_key and state.is_satellite is False
    auth = state.to_auth()
    assert auth is not None and not auth.is_machine
    assert (auth.user_id, auth.session_id, auth.org_id, auth.org_slug, auth.org_role) == ("user_1", "sess_1", "org_1", "acme", "org:admin")
    assert auth.org_permissions == ["org:posts:read", "org:posts:manage"]
    assert auth.factor_verification_age == [0, -1] and auth.session_status == "active" and auth.actor is None
    assert auth.session_claims is not None and auth.session_claims["sub"] == "user_1"
    assert auth.has(role="org:admin") and auth.has(permission="org:posts:manage") and not auth.has(role="org:member")
    assert auth.has(feature="posts") and not auth.has(plan="pro")
    assert auth.has(reverification="strict") and auth.has(reverification={"level": "first_factor", "after_minutes": 5})
    assert state.has(role="org:admin") and not state.has(permission="org:posts:delete")
    d = state.to_dict()
    assert d["status"] == "signed-in" and d["isSignedIn"] is True and d["auth"]["userId"] == "user_1"
    assert json.loads(state.to_json()) == d
    assert auth.to_dict() == d["auth"] == json.loads(auth.to_json())
    assert "signed-in" in repr(state) and "user_1" in repr(auth)


def test_signed_out_and_pending(clerk: clerkauth.Authenticator, dev: Any) -> None:
    state = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": "Bearer x.y.z"})
    assert state.status == "signed-out" and state.reason and state.message
    assert ("x-clerk-auth-status", "signed-out") in state.headers
    auth = state.to_auth()
    assert auth is not None and auth.user_id is None and not auth.is_authenticated and not state.has(role="org:admin")
    pending = dev.session_token("user_2", "sess_2", int(time.time()), "", {"sts": "pending"})
    state = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {pending}"})
    assert state.status == "signed-in"
    assert state.to_auth().user_id is None and state.to_auth().session_status == "pending"
    assert state.to_auth(treat_pending_as_signed_out=False).user_id == "user_2"


def test_now_ms_and_per_call_options(clerk: clerkauth.Authenticator, dev: Any) -> None:
    t = dev.session_token("user_1", "sess_1", 1_700_000_000, "https://app.example.com")
    h = {"authorization": f"Bearer {t}"}
    assert clerk.authenticate_request(url="https://app.example.com/", headers=h).reason.startswith("session-token-expired")
    assert clerk.authenticate_request(url="https://app.example.com/", headers=h, now_ms=1_700_000_010_000).is_authenticated
    state = clerk.authenticate_request(url="https://app.example.com/", headers=h, now_ms=1_700_000_010_000, authorized_parties=["https://other.example.com"])
    assert state.status == "signed-out" and state.reason == "token-invalid-authorized-parties"
    state = clerk.authenticate_request(url="https://app.example.com/", headers=h, now_ms=1_700_000_010_000, explain=True)
    assert state.trace and all(isinstance(s, tuple) and len(s) == 2 for s in state.trace) and state.explain()


def test_options_snake_case_and_from_options(dev: Any) -> None:
    a = clerkauth.Authenticator.from_options({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwt_key": dev.jwt_key, "domain": None})
    assert a.authenticate_request(url="https://x.example.com/", headers={"authorization": f"Bearer {token(dev)}"}).is_authenticated
    b = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=("https://a.example",))
    state = b.authenticate_request(url="https://x.example.com/", headers={"authorization": f"Bearer {token(dev)}"}, organization_sync_options={"organization_patterns": ("/o/:id",)})
    assert state.reason == "token-invalid-authorized-parties"


@pytest.mark.parametrize(
    "options,message",
    [
        ({"authorized_party": ["https://a.example"]}, "Unknown option `authorized_party` (did you mean `authorized_parties`?)"),
        ({"secretkey": "sk"}, "Unknown option `secretkey` (did you mean `secret_key`?)"),
        ({"authorizedParty": None}, "Unknown option `authorizedParty` (did you mean `authorizedParties`?)"),
        ({"frobnicate": True}, "Unknown option `frobnicate`"),
        (
            {"organization_sync_options": {"organization_pattern": ["/o/:id"]}},
            "Unknown option `organization_sync_options.organization_pattern` (did you mean `organization_sync_options.organization_patterns`?)",
        ),
    ],
)
def test_an_unknown_option_name_raises_naming_it(dev: Any, options: Dict[str, Any], message: str) -> None:
    with pytest.raises(clerkauth.ConfigurationError) as e:
        clerkauth.Authenticator.from_options({"secret_key": dev.secret_key, "publishable_key": dev.publishable_key, **options})
    assert e.value.code == "invalid-option" and e.value.message == message
    # Per-call options follow the same rule.
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    with pytest.raises(clerkauth.ConfigurationError) as e:
        clerk.authenticate_request(url="https://x.example.com/", **options)
    assert e.value.code == "invalid-option" and e.value.message == message


def test_clock_is_a_keyword_not_an_option(dev: Any) -> None:
    with pytest.raises(clerkauth.ConfigurationError, match=r"^`now_ms` is not an option of the core: the clock of one call is an argument"):
        clerkauth.Authenticator.from_options({"secret_key": dev.secret_key, "now_ms": 1})


def test_reference_options_without_effect_on_authentication_are_accepted(dev: Any) -> None:
    clerk = clerkauth.Authenticator(
        secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key,
        telemetry={"disabled": True}, user_agent="my-app/1.0", sdk_metadata={"name": "x", "version": "1"}, require_secret_key=False,
        api_client=object(),  # never serialised
    )
    state = clerk.authenticate_request(url="https://x.example.com/", headers={"authorization": f"Bearer {token(dev)}"}, userAgent="per-call")
    assert state.is_authenticated


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"no_such_option": 1}, "invalid-option"),
        ({"accepts_token": "bogus"}, "invalid-option"),
        ({"missing_azp": "sometimes"}, "invalid-option"),
        ({"organization_sync_options": {"organization_patterns": ["/x/("]}}, "invalid-organization-pattern"),
        ({"organization_sync_options": {"on_mismatch": "explode"}}, "invalid-option"),
        ({"organization_sync_options": {"bogus": 1}}, "invalid-option"),
        ({"authorized_parties": [object()]}, "invalid-option"),
        ({"authorized_parties": "not-a-list"}, "invalid-option"),
    ],
)
def test_configuration_errors_raise(dev: Any, kwargs: Any, code: str) -> None:
    with pytest.raises(clerkauth.ConfigurationError) as e:
        clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, **kwargs)
    assert e.value.code == code and isinstance(e.value, clerkauth.ClerkAuthError) and isinstance(e.value, ValueError)
    # the same mistakes per call raise too
    a = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    with pytest.raises(clerkauth.ConfigurationError) as e2:
        a.authenticate_request(url="https://app.example.com/", **kwargs)
    assert e2.value.code == code


def test_errors_at_request_time(dev: Any) -> None:
    a = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key="pk_test_garbage", jwt_key=dev.jwt_key)
    with pytest.raises(clerkauth.ConfigurationError) as e:
        a.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {token(dev)}"})
    assert e.value.code == "invalid-publishable-key"
    a = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    for bad in ({"url": "not a url"}, {"url": "https://x/", "headers": [("a",)]}, {"url": "https://x/", "headers": 5}, {"url": "https://x/", "headers": [(1, 2)]},
                # A list is read by the native layer pair by pair: a 2-character string or a
                # triple is not a (name, value) pair.
                {"url": "https://x/", "headers": ["ab"]}, {"url": "https://x/", "headers": [("a", "b", "c")]}):
        with pytest.raises(clerkauth.InvalidRequestError) as e3:
            a.authenticate_request(**bad)
        assert e3.value.code == "invalid-request"
    with pytest.raises(clerkauth.InvalidRequestError):
        a.authenticate_request(object())
    with pytest.raises(clerkauth.InvalidRequestError):
        a.authenticate_request({"method": "GET", "url": "https://x/"}, url="https://y/")
    with pytest.raises(clerkauth.ConfigurationError):
        a.authenticate_request(url="https://x/").has(role=object())


def test_no_panic_exception_escapes() -> None:
    # The hook exists only in test builds (bindings-python/ci.sh sets CLERKAUTH_TEST_HOOKS);
    # a release wheel must not have it.
    if not os.environ.get("CLERKAUTH_TEST_HOOKS"):
        assert not hasattr(_native, "_panic_for_tests")
        return
    with pytest.raises(clerkauth.UnexpectedError) as e:
        _native._panic_for_tests()
    assert e.value.code == "unexpected-error" and isinstance(e.value, Exception)
    assert "deliberate test panic" in str(e.value)


def test_hostile_inputs_are_states_not_crashes(clerk: clerkauth.Authenticator) -> None:
    weird = ["", "Bearer ", "Bearer a.b", "Bearer " + "A" * 100_000, "Bearer e30.e30.e30", "Basic xyz", "\u00ff\u00fe"]
    for w in weird:
        s = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": w, "cookie": w})
        assert s.status in ("signed-out", "handshake") and not s.is_authenticated
    s = clerk.authenticate_request(url="https://app.example.com/", headers=[(b"authorization", b"Bearer \xff\xfe")])
    assert s.status == "signed-out"


@pytest.mark.parametrize("host", [b"app.example.com", b"caf\xe9.example.com"])
def test_bytes_headers_are_latin1(clerk: clerkauth.Authenticator, dev: Any, host: bytes) -> None:
    # Header bytes are Latin-1 text: ASCII bytes (one copy) and other bytes (one character
    # each) give the state their str equivalents give; the forwarded host reaches the handshake.
    now = int(time.time())
    cookie = f"__session={dev.session_token('user_1', 'sess_1', now - 7200, '', None)}; __client_uat={now - 10}"
    raw = [(b"x-forwarded-host", host), (b"sec-fetch-dest", b"document"), (b"cookie", cookie.encode())]
    as_bytes = clerk.authenticate_request(url="https://app.example.com/p", headers=raw)
    as_text = clerk.authenticate_request(url="https://app.example.com/p", headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw])
    assert as_bytes.to_dict() == as_text.to_dict()
    expected = "xn--caf-dma.example.com" if b"\xe9" in host else "app.example.com"
    assert as_bytes.status == "handshake" and f"redirect_url=https%3A%2F%2F{expected}%2Fp" in dict(as_bytes.headers)["location"]


def test_error_codes_are_stable() -> None:
    assert set(clerkauth.ERROR_CODES) == {
        "invalid-publishable-key", "missing-secret-key", "invalid-satellite-config", "missing-machine-secret-key",
        "invalid-organization-pattern", "invalid-option", "invalid-request", "handshake-verification-failed", "unexpected-error"}
    for code in clerkauth.ERROR_CODES:
        e = clerkauth._errors._from_code(code, "m")
        assert e.code == code and str(e) == "m" and isinstance(e, clerkauth.ClerkAuthError)


def jwks_authenticator(dev: Any, bapi: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, api_url=bapi.url)


def test_jwks_over_loopback_backend_api(dev: Any, bapi: Any) -> None:
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": dev.jwks()}])
    a = jwks_authenticator(dev, bapi)
    for _ in range(3):
        assert a.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {token(dev)}"}).is_authenticated
    jwks_calls = [s for s in bapi.seen if s["target"].startswith("/v1/jwks")]
    assert len(jwks_calls) == 1 and {k.lower(): v for k, v in jwks_calls[0]["headers"].items()}.get("authorization") == f"Bearer {dev.secret_key}"
    assert not bapi.unlisted()


def test_gil_released_during_network_call(dev: Any, bapi: Any) -> None:
    gate = Gate()
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": dev.jwks(), "gate": gate}])
    a = jwks_authenticator(dev, bapi)
    state = call_while_held(lambda: a.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {token(dev)}"}), gate)
    assert state.is_authenticated


def test_async_variant_does_not_block_event_loop(dev: Any, bapi: Any) -> None:
    # The JWKS reply is held until a coroutine on the same event loop releases it, after it saw
    # the request arrive: the call completes only if the loop kept running meanwhile.
    gate = Gate()
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": dev.jwks(), "gate": gate}])
    a = jwks_authenticator(dev, bapi)

    async def main() -> Any:
        call = asyncio.ensure_future(a.authenticate_request_async(url="https://app.example.com/", headers={"authorization": f"Bearer {token(dev)}"}))
        arrived = await asyncio.get_running_loop().run_in_executor(None, gate.arrived.wait, Gate.WAIT_S)
        gate.released.set()
        assert not call.done(), "answered before the reply was released"
        return arrived, await call

    arrived, state = asyncio.run(main())
    assert arrived, "the JWKS request never reached the Backend API"
    assert state.is_authenticated and state.to_auth().user_id == "user_1"


def test_thread_pool_stress(clerk: clerkauth.Authenticator, dev: Any) -> None:
    now = int(time.time())
    tokens = [dev.session_token(f"user_{i}", f"sess_{i}", now, "", {"o": ORG}) for i in range(16)]

    def work(worker: int) -> int:
        ok = 0
        for i in range(500):
            k = (worker * 500 + i) % 17
            if k == 16:
                s = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": "Bearer bad"})
                assert s.status == "signed-out"
            else:
                s = clerk.authenticate_request(url="https://app.example.com/", headers={"authorization": f"Bearer {tokens[k]}"})
                a = s.to_auth()
                assert a is not None and a.user_id == f"user_{k}" and a.has(role="org:admin")
            ok += 1
        return ok

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(work, range(8))) == 4000
    elapsed = time.perf_counter() - t0
    print(f"\nstress: 8 threads x 500 requests in {elapsed:.2f}s ({4000 / elapsed:.0f}/s)")
