"""Test helpers: a local development instance (RSA key, keys, JWKS, session tokens).
It never contacts Clerk."""

from ._native import DevInstance

__all__ = ["DevInstance"]
