"""Turns that finish even when the shopper's browser or client goes away mid-reply."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

_DONE = object()


def detached(turn: Callable[[], Iterator[dict]]) -> Iterator[dict]:
    """The turn's events, produced by a thread of their own: a client that stops reading (a closed tab, a
    dropped stream) stops only the reading, and the turn still ends with its reply stored."""
    events: queue.Queue = queue.Queue()

    def run() -> None:
        try:
            for event in turn():
                events.put(event)
        except BaseException as exc:  # handed to the reader, who raises it as the turn would have
            events.put(exc)
        finally:
            events.put(_DONE)

    threading.Thread(target=run, name="kefu-turn", daemon=True).start()
    while (event := events.get()) is not _DONE:
        if isinstance(event, BaseException):
            raise event
        yield event
