"""Replay a list of tool calls as one session, confirming each write (staff and conformance tests)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from assistant.tools.runner import ToolResult, ToolRunner


def replay(runner: ToolRunner, calls: Iterable[dict], *, confirm: bool) -> Iterator[ToolResult]:
    """Run each `{"name", "arguments"}` in order; a write is confirmed at once when `confirm` is set."""
    for call in calls:
        result = runner.call(call["name"], call.get("arguments") or {})
        if confirm and result.pending_action_id:
            result = runner.confirm(result.pending_action_id)
        yield result
