"""Who may reach the staff console from where, and who may frame which page.

Gradio answers cross-origin requests with the caller's own origin and credentials allowed whenever the Host is
not localhost, and sets its login cookie with `SameSite=None`; so any site a logged-in colleague opens could read
transcripts or approve refunds. This ASGI layer sits in front of it:

- `/staff`: a request carrying an `Origin` that is not the console's own (or one of `KEFU_STAFF_ORIGINS`) is
  refused before Gradio sees it: cross-site reads, preflights and state-changing calls (CSRF) alike. Responses
  lose any CORS grant for other origins, may be framed only by the console itself, and the login cookie becomes
  `SameSite=Lax`.
- The shopper widget may be framed by `KEFU_WIDGET_FRAME_ANCESTORS` (the shop's own pages).
- Staff logins: a client address with too many wrong logins, whatever names it tries, is refused (429) for a
  while before its password is even checked.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

STAFF_PREFIX = "/staff"
CORS_HEADERS = {b"access-control-allow-origin", b"access-control-allow-credentials"}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None, allowed: set[str]) -> bool:
    """No Origin (a same-site navigation) or the console's own host, or one configured exactly."""
    if origin is None:
        return True
    origin = origin.rstrip("/")
    return origin in allowed or (host is not None and urlsplit(origin).netloc == host)


class SitePolicy:
    """Pure ASGI middleware (streams pass through untouched)."""

    def __init__(self, app, staff_origins: list[str], widget_frame_ancestors: str, max_login_failures: int = 20,
                 lockout_s: float = 300):
        self.app, self.staff_origins = app, {o.rstrip("/") for o in staff_origins}
        self.widget_frame_ancestors = widget_frame_ancestors
        self.max_login_failures, self.lockout_s = max_login_failures, lockout_s
        self.login_failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _client_locked(self, client: str) -> bool:
        now = time.monotonic()
        with self.lock:
            for key in [k for k, times in self.login_failures.items() if not times or now - times[-1] > self.lockout_s]:
                del self.login_failures[key]
            return len(self.login_failures.get(client, ())) >= self.max_login_failures

    async def _refuse(self, send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        staff = path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")
        if staff and not origin_allowed(_header(scope, b"origin"), _header(scope, b"host"), self.staff_origins):
            return await self._refuse(send, 403, "the staff console does not answer other sites")
        login = staff and path.rstrip("/").endswith("/login") and scope.get("method") == "POST"
        client = (scope.get("client") or ("unknown",))[0]
        if login and self._client_locked(client):
            return await self._refuse(send, 429, "too many wrong staff logins from this address; try again later")
        frame = b"'self'" if staff else self.widget_frame_ancestors.encode()
        granted = (_header(scope, b"origin") or "").rstrip("/") in self.staff_origins

        async def with_policy(message):
            if message["type"] == "http.response.start":
                if login and message["status"] in (400, 401):
                    with self.lock:
                        self.login_failures[client].append(time.monotonic())
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (staff and not granted and k.lower() in CORS_HEADERS)]
                if staff:
                    headers = [(k, _lax(v) if k.lower() == b"set-cookie" else v) for k, v in headers]
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                if not path.startswith("/api/"):
                    headers.append((b"content-security-policy", b"frame-ancestors " + frame))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_policy)


def _lax(cookie: bytes) -> bytes:
    parts = [p for p in cookie.split(b";") if p.strip().lower() not in (b"samesite=none", b"samesite=lax",
                                                                         b"samesite=strict")]
    return b";".join(parts) + b"; SameSite=Lax"
