"""Tokens and headers for adapter tests (a real dev instance, real RS256 tokens, real clock)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple

ORG = {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}
ORG_SYNC = {"organization_patterns": ["/orgs/:slug", "/orgs/:slug/(.*)"], "on_mismatch": "signed-out"}


def token(dev: Any, user: str = "user_1", org: Optional[Dict[str, Any]] = ORG) -> str:
    extra: Dict[str, Any] = {"fea": "o:posts"}
    if org is not None:
        extra["o"] = org
    return dev.session_token(user, "sess_1", int(time.time()), "", extra)


def session_cookie(dev: Any, user: str = "user_1") -> str:
    return f"__session={token(dev, user)}; __client_uat={int(time.time()) - 10}; __clerk_db_jwt=dvb_test"


def handshake_cookie() -> str:
    """A browser that has signed in before (client_uat > 0) but holds no session: handshake."""
    return f"__client_uat={int(time.time()) - 10}; __clerk_db_jwt=dvb_test"


def run_while_spinning(call: Callable[[], Any]) -> Tuple[Any, int]:
    """Runs `call` on another thread and counts how often this thread gets to run meanwhile:
    a native call that holds the GIL leaves it (nearly) at zero."""
    result: Dict[str, Any] = {}
    t = threading.Thread(target=lambda: result.update(value=call()))
    t.start()
    time.sleep(0.05)
    spins = 0
    while t.is_alive():
        spins += 1
    t.join()
    return result.get("value"), spins
