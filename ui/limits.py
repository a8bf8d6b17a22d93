"""Rate limits on what a client can ask of the web front end, so that one client cannot flood the model, the
staff queue or the identification tools (moving windows, in memory, per server process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from assistant.config import Settings


@dataclass
class RateLimits:
    """One limit per (kind, scope): messages and handoffs per session and per client address, new sessions per
    client address. `allow` records a hit and says whether it was within every limit that applies."""

    rules: dict[tuple[str, str], RateLimitItem]
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls({("message", "session"): parse(settings.rate_limit_session_messages),
                    ("message", "client"): parse(settings.rate_limit_client_messages),
                    ("session", "client"): parse(settings.rate_limit_client_sessions),
                    ("handoff", "session"): parse(settings.rate_limit_session_handoffs),
                    ("handoff", "client"): parse(settings.rate_limit_client_handoffs)})

    def allow(self, kind: str, *, session: str | None = None, client: str | None = None) -> bool:
        keys = {"session": session, "client": client}
        applying = [(rule, scope, keys[scope]) for (k, scope), rule in self.rules.items() if k == kind and keys[scope]]
        if not all(self.limiter.test(rule, kind, scope, key) for rule, scope, key in applying):
            return False
        return all([self.limiter.hit(rule, kind, scope, key) for rule, scope, key in applying])
