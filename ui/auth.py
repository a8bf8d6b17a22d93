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


DEMO_NAME = "demo"
DEMO_HASH_FILE = "staff-demo-password.hash"


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


def demo_login(data_dir: Path) -> tuple[str, str | None]:
    """The demo's staff password hash, made on first use: `(hash, password)` the first time, when the password
    must be shown (it is never stored), and `(hash, None)` afterwards."""
    password = secrets.token_urlsafe(12)
    encoded, made = _kept(Path(data_dir) / DEMO_HASH_FILE, lambda: hash_password(password))
    return encoded, password if made else None


WIDGET_SECRET_FILE = "widget-secret"


def widget_secret(data_dir: Path) -> str:
    """The key the shopper widget encrypts its stored session id with, kept in the data folder so that a
    restarted server still reads what browsers stored (Gradio would otherwise pick a new one per process)."""
    return _kept(Path(data_dir) / WIDGET_SECRET_FILE, lambda: secrets.token_hex(32))[0]


class LoginGuard:
    """Gradio's auth callable: checks the password, and refuses a name for `lockout_s` after `max_failures`
    wrong passwords in that window (the right password too, so guessing gains nothing)."""

    def __init__(self, password_hash: str | None, max_failures: int = 5, lockout_s: float = 300):
        self.password_hash, self.max_failures, self.lockout_s = password_hash, max_failures, lockout_s
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def locked(self, username: str) -> bool:
        now = time.monotonic()
        with self.lock:
            recent = self.failures[username.lower()]
            while recent and now - recent[0] > self.lockout_s:
                recent.popleft()
            return len(recent) >= self.max_failures

    def __call__(self, username: str, password: str) -> bool:
        username = (username or "").strip()
        if not username or self.locked(username):
            log.warning("staff login refused for %r: locked out after repeated failures", username)
            return False
        if verify_password(password or "", self.password_hash):
            return True
        with self.lock:
            self.failures[username.lower()].append(time.monotonic())
        log.warning("staff login failed for %r", username)
        return False
