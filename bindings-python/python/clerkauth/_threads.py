"""The worker threads behind the async API (asyncio and Trio, directly or as AnyIO's backends).

A request that needs no Backend API (a ``jwt_key``, warm JWKS, cached memberships) is decided
on the event loop's thread by the core's no-network path (:func:`authenticate`), with the GIL
released: a hop to a thread would cost more than the verification. Only the others go to a
thread.

A call may wait seconds on the Backend API (JWKS, machine tokens, memberships: 5 s connect /
10 s total per request, with retries), with the GIL released. It runs on clerkauth's own
threads, never on the ones the event loop keeps for itself: asyncio's default executor (which
also resolves host names for ``loop.getaddrinfo``) and Trio's default thread limiter (shared
with ``trio.socket.getaddrinfo``). At most :data:`MAX_THREADS` calls run at once; more wait.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: Calls that run at once; more wait for a free thread.
MAX_THREADS = 64


def _new_executor() -> ThreadPoolExecutor:
    # Threads start on demand and are reused.
    return ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="clerkauth")


_executor = _new_executor()


def _after_fork() -> None:
    # A forked child (a pre-forking server) has none of the parent's threads: start afresh.
    global _executor
    _executor = _new_executor()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


# A trio.lowlevel.RunVar (made on first use): one CapacityLimiter per Trio run, as a limiter's
# tokens belong to the run that handed them out.
_trio_limiters: Any = None


async def run_sync(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on a clerkauth thread, awaited from asyncio or Trio. Cancelling the caller
    abandons the call (its result is dropped), as ``asyncio.to_thread`` does."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return await _run_sync_trio(fn, *args)
    return await loop.run_in_executor(_executor, fn, *args)


async def _run_sync_trio(fn: Callable[..., T], *args: Any) -> T:
    # No asyncio loop is running: Trio is the only other library AnyIO runs on.
    global _trio_limiters
    try:
        import trio
    except ImportError:
        raise RuntimeError("clerkauth: an async call needs a running asyncio event loop or Trio run") from None
    if _trio_limiters is None:
        _trio_limiters = trio.lowlevel.RunVar("clerkauth_limiter")
    try:
        limiter = _trio_limiters.get()
    except LookupError:
        limiter = trio.CapacityLimiter(MAX_THREADS)
        _trio_limiters.set(limiter)
    return await trio.to_thread.run_sync(fn, *args, limiter=limiter, abandon_on_cancel=True)


async def authenticate(native: Any, method: Any, url: Any, headers: Any, overrides: Any, now_ms: Any) -> Any:
    """``native.authenticate(...)`` without blocking the event loop: decided here when the core
    needs no Backend API, else on a clerkauth thread. Both paths give the same state.
    ``headers`` must be a list (it is read twice when the network is needed)."""
    state = native.authenticate_inline(method, url, headers, overrides, now_ms)
    if state is not None:
        return state
    return await run_sync(native.authenticate, method, url, headers, overrides, now_ms)
