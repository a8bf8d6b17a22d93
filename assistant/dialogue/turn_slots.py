"""How many turns the server runs at once. A turn past capacity waits in line, first come first served, and
the shopper is told their place instead of waiting in silence."""

from __future__ import annotations

import itertools
import threading
from collections import deque


class TurnSlots:
    """A fair counting semaphore that can say how many are waiting ahead of a ticket."""

    def __init__(self, capacity: int):
        self.capacity, self.running = capacity, 0
        self._line: deque[int] = deque()
        self._tickets = itertools.count()
        self._changed = threading.Condition()

    def join(self) -> int:
        """Take a ticket in line."""
        with self._changed:
            ticket = next(self._tickets)
            self._line.append(ticket)
            return ticket

    def wait(self, ticket: int, timeout_s: float) -> int:
        """Wait up to `timeout_s` for this ticket's turn: 0 once it runs, else its place in line (1 = next)."""
        with self._changed:
            self._changed.wait_for(lambda: self._line[0] == ticket and self.running < self.capacity, timeout_s)
            if self._line[0] == ticket and self.running < self.capacity:
                self._line.popleft()
                self.running += 1
                self._changed.notify_all()
                return 0
            return self._line.index(ticket) + 1

    def leave(self, ticket: int) -> None:
        """Give up a place in line (the client went away before its turn)."""
        with self._changed:
            if ticket in self._line:
                self._line.remove(ticket)
                self._changed.notify_all()

    def release(self) -> None:
        """A running turn is done."""
        with self._changed:
            self.running -= 1
            self._changed.notify_all()
