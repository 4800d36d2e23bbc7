"""Organization from the URL on the Bearer flow (what a per-tab client sends, WebSocket upgrade
or not) under every ``on_mismatch`` mode, and scoped ``has()`` never answering from the token's
own organization. Membership lookups go to a real loopback Backend API."""

from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest

import clerkauth

GLOBEX = {
    "object": "organization_membership",
    "role": "org:member",
    "permissions": ["org:posts:read"],
    "organization": {"id": "org_globex", "slug": "globex"},
    "public_user_data": {"user_id": "user_1"},
}
# A membership lookup is globex's memberships filtered by the user; any other organization is
# unknown (404, not a member).
ROUTES: List[Dict[str, Any]] = [
    {"method": "GET", "path": "/v1/organizations/org_globex/memberships?user_id=user_1", "body": {"data": [GLOBEX], "total_count": 1}},
]
MODES = ["keep-active", "signed-out", "resolve-membership"]


def acme_token(dev: Any) -> str:
    extra = {"fea": "o:chat,u:dashboard", "pla": "o:pro,u:free", "o": {"id": "org_acme", "slg": "acme", "rol": "admin", "per": "read,edit", "fpm": "3"}}
    return dev.session_token("user_1", "sess_1", int(time.time()) - 5, "", extra)


def authenticate(dev: Any, bapi: Any, mode: str, path: str, upgrade: bool) -> clerkauth.RequestState:
    bapi.reset(ROUTES)
    clerk = clerkauth.Authenticator(
        secret_key=dev.secret_key,
        publishable_key=dev.publishable_key,
        jwt_key=dev.jwt_key,
        api_url=bapi.url,
        organization_sync_options={"organization_patterns": ["/api/websocket/:id"], "personal_account_patterns": ["/me/(.*)"], "on_mismatch": mode},
    )
    headers = {"authorization": f"Bearer {acme_token(dev)}"}
    if upgrade:
        headers.update({"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-version": "13"})
    return clerk.authenticate_request(method="GET", url=f"https://app.example.com{path}", headers=headers)


@pytest.mark.parametrize("upgrade", [True, False])
@pytest.mark.parametrize("mode", MODES)
def test_bearer_names_another_org(dev: Any, bapi: Any, mode: str, upgrade: bool) -> None:
    state = authenticate(dev, bapi, mode, "/api/websocket/org_globex", upgrade)
    sync = state.organization_sync
    assert sync is not None and sync.organization_id == "org_globex" and sync.active_org_id == "org_acme"
    if mode == "keep-active":
        assert state.status == "signed-in" and sync.outcome == "mismatch"
        assert state.to_auth().org_id == "org_acme"
    elif mode == "signed-out":
        assert (state.status, state.reason, sync.outcome) == ("signed-out", "organization-mismatch", "mismatch")
        assert not state.has(role="org:admin")
    else:
        assert state.status == "signed-in" and sync.outcome == "membership"
        auth = state.to_auth()
        assert auth.org_id == "org_globex" and auth.org_role == "org:member"
        assert state.has(role="org:member") and not state.has(role="org:admin")


@pytest.mark.parametrize("mode", MODES)
def test_bearer_for_the_active_org(dev: Any, bapi: Any, mode: str) -> None:
    state = authenticate(dev, bapi, mode, "/api/websocket/org_acme", True)
    assert state.status == "signed-in" and state.organization_sync.outcome == "active"


@pytest.mark.parametrize("path", ["/api/websocket/org_globex", "/me/settings"])
def test_scoped_has_ignores_the_tokens_org_entitlements(dev: Any, bapi: Any, path: str) -> None:
    state = authenticate(dev, bapi, "resolve-membership", path, True)
    assert state.status == "signed-in" and state.organization_sync.outcome == "membership"
    for org_scoped in ({"feature": "org:chat"}, {"feature": "chat"}, {"plan": "org:pro"}, {"plan": "pro"}, {"role": "org:admin"}, {"permission": "org:chat:edit"}):
        assert not state.has(**org_scoped), org_scoped
        assert not state.to_auth().has(**org_scoped), org_scoped
    for user_scoped in ({"feature": "user:dashboard"}, {"feature": "dashboard"}, {"plan": "user:free"}, {"plan": "free"}):
        assert state.has(**user_scoped), user_scoped
    # Unscoped (the token's own organization), every entitlement answers.
    own = authenticate(dev, bapi, "resolve-membership", "/api/websocket/org_acme", True)
    assert own.has(feature="org:chat") and own.has(plan="pro") and own.has(role="org:admin")
