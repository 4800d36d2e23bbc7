"""Tokens and headers for adapter tests (a real dev instance, real RS256 tokens, real clock)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Optional

ORG = {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}
ORG_SYNC = {"organization_patterns": ["/orgs/:slug", "/orgs/:slug/(.*)"], "on_mismatch": "signed-out"}


def token(dev: Any, user: str = "user_1", org: Optional[Dict[str, Any]] = ORG) -> str:
    extra: Dict[str, Any] = {"fea": "o:posts"}
    if org is not None:
        extra["o"] = org
    return dev.session_token(user, "sess_1", int(time.time()), "", extra)


#: In a shape's overrides (:func:`merged`): remove the key.
DROP = object()


def merged(base: Dict[str, Any], over: Dict[str, Any]) -> Dict[str, Any]:
    """``base`` with ``over`` applied; a value of :data:`DROP` removes its key."""
    out = dict(base)
    for k, v in over.items():
        if v is DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def view(state: Any) -> Any:
    """What two paths' states are compared on: status, reason, message, token type, headers
    and the auth object."""
    auth = state.to_auth()
    return (state.status, state.reason, state.message, state.token_type, state.headers, auth.to_dict() if auth else None)


def outcome(fn: Callable[[], Any], see: Callable[[Any], Any] = lambda x: x) -> Any:
    """``("ok", see(fn()))``, or ``("error", exception class)``: what two paths are compared on."""
    try:
        return ("ok", see(fn()))
    except Exception as e:  # noqa: BLE001 - the exception class is the outcome compared
        return ("error", type(e))


def session_cookie(dev: Any, user: str = "user_1") -> str:
    return f"__session={token(dev, user)}; __client_uat={int(time.time()) - 10}; __clerk_db_jwt=dvb_test"


def handshake_cookie() -> str:
    """A browser that has signed in before (client_uat > 0) but holds no session: handshake."""
    return f"__client_uat={int(time.time()) - 10}; __clerk_db_jwt=dvb_test"


class Gate:
    """Holds a loopback Backend API reply (a conftest route's "gate") until released."""

    # Far longer than any test needs, and longer than the 10 s transport timeout.
    WAIT_S = 30

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()

    def hold(self) -> bool:
        """Server side: the request is here; True once released, False if never."""
        self.arrived.set()
        return self.released.wait(self.WAIT_S)


def call_while_held(call: Callable[[], Any], gate: Gate) -> Any:
    """Runs `call` (which makes a Backend API request through a route holding `gate`) on another
    thread. This thread releases the reply only after it saw the request arrive; the loopback
    server is Python in this process as well. So `call` succeeds only if the native call let
    go of the GIL while it waited on the network: held, neither the server nor this thread
    could run and the call would end in its transport timeout instead."""
    result: Dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as e:  # re-raised on the test thread
            result["error"] = e

    t = threading.Thread(target=run)
    t.start()
    arrived = gate.arrived.wait(Gate.WAIT_S)
    gate.released.set()
    t.join()
    assert arrived, "the request never reached the Backend API"
    if "error" in result:
        raise result["error"]
    return result["value"]


def handshake_resolution(dev: Any, path: str = "/") -> str:
    """A development handshake's return: `path?__clerk_handshake=<JWT>` whose directives set a
    session. The core answers signed-in *with* a Location (the URL without the parameter) and
    the Set-Cookie headers: adapters must redirect although the status is not "handshake"."""
    now = int(time.time())
    directives = [f"__session={token(dev)}; Path=/; SameSite=Lax", f"__client_uat={now}; Path=/; Max-Age=315360000; SameSite=Lax"]
    return f"{path}?keep=1&__clerk_handshake={dev.sign({'handshake': directives, 'iat': now})}"
