"""The async API under asyncio and Trio (each through AnyIO): the event loop keeps running while
a call waits on the Backend API, and waiting calls never hold the threads the event loop keeps
for itself (asyncio's default executor, Trio's default thread limiter, AnyIO's worker threads)."""

from __future__ import annotations

from typing import Any, Iterator, List

import anyio
import pytest

import clerkauth
from helpers import Gate, token

BACKENDS = ["asyncio", "trio"]
# Only a broken build waits this long: the gated Backend API then answers 503 (the calls end
# signed-out and the test fails on their states).
GATE_TIMEOUT_S = 30.0
# More calls than asyncio's default executor (at most 32 threads) or Trio's default thread
# limiter (40 threads) can hold at once.
BURST = 48


class Gated:
    """The conftest loopback Backend API (start_bapi) with `GET /v1/jwks` held by `gate` until
    the test releases it (then the JWKS; a 503 if never)."""

    def __init__(self, start_bapi: Any, jwks: Any) -> None:
        self.gate = Gate()
        self.gate.WAIT_S = GATE_TIMEOUT_S
        self.bapi = start_bapi([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": jwks, "gate": self.gate}])
        self.url = self.bapi.url

    def arrived(self) -> int:
        return self.bapi.count()

    def release(self) -> None:
        self.gate.released.set()


@pytest.fixture
def gated(dev: Any, start_bapi: Any) -> Iterator[Gated]:
    g = Gated(start_bapi, dev.jwks())
    yield g
    # Held requests end before start_bapi stops the server.
    g.release()


def jwks_authenticator(dev: Any, url: str, secret_key: str = "") -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=secret_key or dev.secret_key, publishable_key=dev.publishable_key, api_url=url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_event_loop_runs_while_a_call_waits_on_the_backend_api(dev: Any, gated: Gated, backend: str) -> None:
    clerk = jwks_authenticator(dev, gated.url)
    headers = {"authorization": f"Bearer {token(dev)}"}

    async def main() -> clerkauth.RequestState:
        states: List[clerkauth.RequestState] = []

        async def call() -> None:
            states.append(await clerk.authenticate_request_async(url="https://app.example.com/", headers=headers))

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            # This loop only runs while the pending call leaves the event loop free; the gate
            # opens from here, so a blocked loop would get the gate's 503 instead.
            while gated.arrived() == 0:
                await anyio.sleep(0.005)
            assert states == []
            gated.release()
        return states[0]

    state = anyio.run(main, backend=backend)
    assert state.is_authenticated, state.reason
    assert state.to_auth().user_id == "user_1"


@pytest.mark.parametrize("backend", BACKENDS)
def test_waiting_calls_leave_the_event_loops_threads_free(dev: Any, gated: Gated, backend: str) -> None:
    # One instance per call (its own secret key, its own cold JWKS cache): each makes a request.
    clerks = [jwks_authenticator(dev, gated.url, f"sk_test_burst_{i}") for i in range(BURST)]
    headers = {"authorization": f"Bearer {token(dev)}"}

    async def main() -> List[clerkauth.RequestState]:
        states: List[clerkauth.RequestState] = []

        async def call(clerk: clerkauth.Authenticator) -> None:
            states.append(await clerk.authenticate_request_async(url="https://app.example.com/", headers=headers))

        async with anyio.create_task_group() as tg:
            for clerk in clerks:
                tg.start_soon(call, clerk)
            # A safety net, not a measurement: with a pool smaller than the burst, the rest of
            # the calls never start.
            with anyio.move_on_after(GATE_TIMEOUT_S / 2):
                while gated.arrived() < BURST:
                    await anyio.sleep(0.005)
            assert gated.arrived() == BURST, f"only {gated.arrived()} of {BURST} calls reached the Backend API at once"
            # All 48 calls wait on the Backend API. A host-name lookup (asyncio's default
            # executor / Trio's default limiter) and a worker-thread call (AnyIO's threads, which
            # Starlette runs sync endpoints on) still complete.
            assert await anyio.getaddrinfo("localhost", 80)
            assert await anyio.to_thread.run_sync(lambda: "free") == "free"
            assert states == []
            gated.release()
        return states

    states = anyio.run(main, backend=backend)
    assert len(states) == BURST
    assert all(s.is_authenticated for s in states), {s.reason for s in states}
