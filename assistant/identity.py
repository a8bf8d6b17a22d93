"""Signed identity for shoppers already logged in to the shop: the shop's backend vouches for the customer.

Like Intercom's identity verification: the backend signs the customer id and an expiry with a secret it shares
with kefu (`KEFU_IDENTITY_SECRET`), and hands the token to the widget (`/?token=…`) or the API
(`POST /api/sessions {"identity_token": …}`). The conversation then starts authenticated, with no email asked.

Token: `base64url(JSON {"sub": customer id, "exp": unix seconds}) "." base64url(HMAC-SHA256(secret, payload))`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from assistant.errors import KefuError

MAX_TOKEN = 1024


class IdentityError(KefuError):
    """A token that is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign_identity(customer_id: str, secret: str, ttl_s: int = 3600, now: float | None = None) -> str:
    """A token vouching for `customer_id` until `ttl_s` seconds from now."""
    if not secret:
        raise IdentityError("set KEFU_IDENTITY_SECRET to sign identity tokens")
    payload = _b64(json.dumps({"sub": customer_id, "exp": int((now or time.time()) + ttl_s)}).encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify_identity(token: str, secret: str | None, now: float | None = None) -> str:
    """The customer id a valid, unexpired token vouches for; IdentityError otherwise."""
    if not secret:
        raise IdentityError("signed identity is not set up: KEFU_IDENTITY_SECRET is empty")
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise IdentityError("malformed identity token")
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise IdentityError("identity token signature does not match")
    try:
        claims = json.loads(_unb64(payload))
        customer_id, expires = str(claims["sub"]), float(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IdentityError("malformed identity token") from exc
    if expires < (now or time.time()):
        raise IdentityError("identity token expired")
    return customer_id
