"""Recorded conversations: the agent's checkpointed dialogues, with staff ratings and corrections.

The checkpoint holds exactly what the model saw (tool calls, tool results, staff turns); the
conversation tables add who the customer was, whether it was resolved, the thumbs and labels, and
staff corrections, which replace the agent's turn they correct.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select

from assistant.db import Conversation, Database, Feedback, Message
from finetune.transcripts import to_openai

RESOLVED = {"resolved", "closed"}


def _checkpointed(checkpointer, conversation_id: str) -> list:
    state = checkpointer.get_tuple({"configurable": {"thread_id": conversation_id}})
    return list(state.checkpoint["channel_values"].get("messages", [])) if state else []


def _apply_corrections(messages: list[dict], corrected: list[tuple[str, str]]) -> int:
    """Replace each corrected reply (matched by its recorded text, in order) with staff's text; how many."""
    done, start = 0, 1
    for original, correction in corrected:
        for index in range(start, len(messages)):
            m = messages[index]
            if m["role"] == "assistant" and m["content"] and original.startswith(m["content"]):
                messages[index] = {"role": "assistant", "content": correction, "train": True, "author": "staff"}
                start, done = index + 1, done + 1
                break
    return done


def recorded_conversations(db: Database, settings, *, since=None) -> Iterator[dict]:
    """Every recorded conversation with at least one agent turn, as a record for `kefu finetune build`."""
    from assistant.dialogue.checkpoint import open_checkpointer
    from assistant.dialogue.prompt import LANGUAGE_LINES, load_system_prompt

    system_prompt = load_system_prompt(settings)
    checkpointer = open_checkpointer(settings.checkpoint_url or db.url)
    with db.session() as session:
        query = select(Conversation).order_by(Conversation.created_at)
        if since is not None:
            query = query.where(Conversation.created_at >= since)
        conversations = session.scalars(query).all()
        feedback = defaultdict(list)
        for row in session.scalars(select(Feedback).order_by(Feedback.created_at)):
            feedback[row.conversation_id].append(row)
        texts = {m.id: m.content for m in session.scalars(
            select(Message).where(Message.id.in_([f.message_id for rows in feedback.values() for f in rows
                                                  if f.message_id is not None])))}
    for conversation in conversations:
        checkpoint = _checkpointed(checkpointer, conversation.id)
        if not checkpoint:
            continue
        language = conversation.language or "en"
        messages = to_openai(checkpoint, system_prompt, LANGUAGE_LINES.get(language, LANGUAGE_LINES["en"]))
        rows = feedback[conversation.id]
        corrections = [(texts.get(f.message_id, ""), f.correction) for f in rows if f.correction and f.message_id]
        corrected = _apply_corrections(messages, corrections)
        ratings = [f.rating for f in rows if f.rating is not None]
        labels = sorted({f.label for f in rows if f.label})
        yield {"id": f"recorded-{conversation.id}", "source": "recorded", "customer": conversation.customer_id,
               "language": language, "resolved": conversation.status in RESOLVED,
               "rating": sum(ratings) if ratings else None, "corrected": corrected > 0,
               "labels": labels, "category": labels[0] if labels else None, "messages": messages}
    if hasattr(getattr(checkpointer, "conn", None), "close"):
        checkpointer.conn.close()
