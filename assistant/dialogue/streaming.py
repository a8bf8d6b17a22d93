"""Token streaming that never shows an ungrounded fact: text is released word by word once it checks out."""

from __future__ import annotations

from assistant.dialogue.grounding import Evidence, unverified

_HOLD = "<"  # a tool call or template token may be starting; wait for more


class GroundedStream:
    """Releases a draft's text up to its last whitespace while every fact in it is in the evidence."""

    def __init__(self, evidence: Evidence):
        self.evidence = evidence
        self.draft_id: str | None = None
        self.text = ""
        self.released = 0
        self.stopped = False

    def new_draft(self, draft_id: str | None) -> bool:
        """Start a new model output; True when the previous one had shown text (the client must clear it)."""
        shown = self.released > 0
        self.draft_id, self.text, self.released, self.stopped = draft_id, "", 0, False
        return shown

    def stop(self) -> None:
        """This draft is a tool call or was blocked: show nothing more of it."""
        self.stopped = True

    def feed(self, piece: str) -> str:
        """Add streamed text; return what may be shown now."""
        self.text += piece
        if self.stopped:
            return ""
        pending = self.text[self.released:]
        if _HOLD in pending:
            pending = pending[: pending.index(_HOLD)]
        # Release up to a space or a Chinese character, never inside a number or an id still being written.
        cut = next((i + 1 for i in range(len(pending) - 1, -1, -1)
                    if pending[i].isspace() or "\u3000" <= pending[i] <= "\u9fff" or "\uff00" <= pending[i] <= "\uffef"),
                   0)
        if cut == 0:
            return ""
        candidate = self.text[: self.released + cut]
        if unverified(candidate, self.evidence):
            self.stop()
            return ""
        out = self.text[self.released: self.released + cut]
        self.released += cut
        return out
