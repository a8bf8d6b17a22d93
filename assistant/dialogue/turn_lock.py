"""One turn at a time per conversation: two messages sent at once would otherwise fork its checkpointed state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TurnLocks:
    """A lock per session id, kept only while some turn holds or waits for it (so memory stays bounded)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}  # session id → [lock, turns holding or waiting]

    @contextmanager
    def hold(self, session_id: str, timeout_s: float) -> Iterator[bool]:
        """Yields True once this session's earlier turn is done, False if that took longer than `timeout_s`."""
        with self._guard:
            entry = self._locks.setdefault(session_id, [threading.Lock(), 0])
            entry[1] += 1
        acquired = entry[0].acquire(timeout=timeout_s)
        try:
            yield acquired
        finally:
            if acquired:
                entry[0].release()
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[session_id]

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)
