"""Staff login: a PBKDF2 password hash in the settings, and a lockout after repeated wrong passwords."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

log = logging.getLogger(__name__)
ITERATIONS = 240_000


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    """`pbkdf2_sha256$ITERATIONS$SALT$HASH`, the form KEFU_STAFF_PASSWORD_HASH takes."""
    if len(password) < 8:
        raise ValueError("a staff password needs at least 8 characters")
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def verify_password(password: str, encoded: str | None) -> bool:
    try:
        scheme, iterations, salt, digest = (encoded or "").split("$")
        if scheme != "pbkdf2_sha256":
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(candidate, digest)


def _kept(path: Path, make) -> tuple[str, bool]:
    """The secret kept in `path` (readable by its owner only), made with `make()` on first use; and whether it
    was made just now."""
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    value = make()
    path.write_text(value + "\n")
    return value, True


WIDGET_SECRET_FILE = "widget-secret"


def widget_secret(data_dir: Path) -> str:
    """The key the shopper widget encrypts its stored session id with, kept in the data folder so that a
    restarted server still reads what browsers stored (Gradio would otherwise pick a new one per process)."""
    return _kept(Path(data_dir) / WIDGET_SECRET_FILE, lambda: secrets.token_hex(32))[0]


class LoginGuard:
    """Checks a staff login with `verify(name, password)`, and refuses a name for `lockout_s` after
    `max_failures` wrong passwords in that window (the right password too, so guessing gains nothing).
    Names seen are forgotten once their window passes, so cycling names cannot grow memory without bound."""

    MAX_TRACKED = 10_000

    def __init__(self, verify, max_failures: int = 5, lockout_s: float = 300):
        self.verify, self.max_failures, self.lockout_s = verify, max_failures, lockout_s
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _prune(self, now: float) -> None:
        for name in [n for n, times in self.failures.items() if not times or now - times[-1] > self.lockout_s]:
            del self.failures[name]
        while len(self.failures) > self.MAX_TRACKED:
            del self.failures[next(iter(self.failures))]

    def locked(self, username: str) -> bool:
        now = time.monotonic()
        with self.lock:
            self._prune(now)
            recent = self.failures.get(username.lower(), deque())
            while recent and now - recent[0] > self.lockout_s:
                recent.popleft()
            return len(recent) >= self.max_failures

    def __call__(self, username: str, password: str) -> bool:
        username = (username or "").strip()
        if not username or self.locked(username):
            log.warning("staff login refused for %r: locked out after repeated failures", username)
            return False
        if self.verify(username, password or ""):
            return True
        with self.lock:
            self.failures[username.lower()].append(time.monotonic())
        log.warning("staff login failed for %r", username)
        return False


class ExpiringTokens(dict):
    """Gradio's login tokens (token → name), each forgotten `ttl_s` after it was issued: Gradio keeps them forever."""

    def __init__(self, ttl_s: float):
        super().__init__()
        self.ttl_s, self.issued = ttl_s, {}

    def __setitem__(self, token, name) -> None:
        self.issued[token] = time.monotonic()
        super().__setitem__(token, name)

    def _live(self, token) -> bool:
        issued = self.issued.get(token)
        if issued is not None and time.monotonic() - issued > self.ttl_s:
            super().pop(token, None)
            self.issued.pop(token, None)
        return super().__contains__(token)

    def __contains__(self, token) -> bool:
        return self._live(token)

    def __getitem__(self, token):
        if not self._live(token):
            raise KeyError(token)
        return super().__getitem__(token)

    def get(self, token, default=None):
        return super().get(token, default) if self._live(token) else default
