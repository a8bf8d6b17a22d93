"""The staff console's metrics, by day: automatic resolution, handoffs, CSAT from thumbs, turn latency,
tool errors, verifier blocks, and product questions (conversations where kefu searched the catalog for the
shopper) with how many of them ended with a product card opened, computed from the conversation tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select

from assistant.db import AgentEvent, Conversation, Feedback, HandoffTicket, Message, ToolCall

COLUMNS = ["day", "conversations", "automatic_resolution_rate", "handoff_rate", "csat", "turn_p50_ms",
           "turn_p95_ms", "tool_error_rate", "verifier_blocks", "product_questions", "product_cards_opened"]


def _pct(values: list[int], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return float(values[min(len(values) - 1, int(q * len(values)))])


def daily_metrics(db, days: int = 14, now: datetime | None = None) -> pd.DataFrame:
    """One row per day of the last `days` days (days without conversations included, as zeros or blanks)."""
    now = now or datetime.utcnow()
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)

    def day(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d")

    with db.session() as session:
        conversations = session.execute(select(Conversation.id, Conversation.created_at)
                                        .where(Conversation.created_at >= since)).all()
        handed_off = set(session.scalars(select(HandoffTicket.conversation_id)))
        answered = set(session.scalars(select(Message.conversation_id).where(Message.role == "assistant")))
        latencies = session.execute(select(Message.created_at, Message.latency_ms).where(
            Message.role == "assistant", Message.latency_ms.is_not(None), Message.created_at >= since)).all()
        thumbs = session.execute(select(Feedback.created_at, Feedback.rating).where(
            Feedback.source == "shopper", Feedback.rating.is_not(None), Feedback.created_at >= since)).all()
        tools = session.execute(select(ToolCall.created_at, ToolCall.is_error).where(ToolCall.created_at >= since)).all()
        blocks = session.scalars(select(AgentEvent.created_at).where(
            AgentEvent.kind.in_(("verifier_block", "verifier_fallback")), AgentEvent.created_at >= since)).all()
        shopping = session.execute(select(AgentEvent.created_at, AgentEvent.conversation_id).where(
            AgentEvent.kind == "product_search", AgentEvent.created_at >= since)).all()
        opened = set(session.scalars(select(AgentEvent.conversation_id).where(
            AgentEvent.kind == "product_card_opened", AgentEvent.created_at >= since)))

    per_day: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for conversation_id, created in conversations:
        per_day[day(created)]["conversations"].append(conversation_id)
    for created, ms in latencies:
        per_day[day(created)]["latency"].append(ms)
    for created, rating in thumbs:
        per_day[day(created)]["thumbs"].append(rating)
    for created, is_error in tools:
        per_day[day(created)]["tools"].append(is_error)
    for created in blocks:
        per_day[day(created)]["blocks"].append(1)
    for created, conversation_id in shopping:
        per_day[day(created)]["shopping"].append(conversation_id)

    rows = []
    for offset in range(days):
        name = day(since + timedelta(days=offset))
        data = per_day.get(name, {})
        ids = data.get("conversations", [])
        served = [c for c in ids if c in answered]
        thumbs_ = data.get("thumbs", [])
        calls = data.get("tools", [])
        rows.append({
            "day": name, "conversations": len(ids),
            "automatic_resolution_rate": (sum(c not in handed_off for c in served) / len(served)) if served else None,
            "handoff_rate": (sum(c in handed_off for c in ids) / len(ids)) if ids else None,
            "csat": (sum(r > 0 for r in thumbs_) / len(thumbs_)) if thumbs_ else None,
            "turn_p50_ms": _pct(data.get("latency", []), 0.5), "turn_p95_ms": _pct(data.get("latency", []), 0.95),
            "tool_error_rate": (sum(calls) / len(calls)) if calls else None,
            "verifier_blocks": len(data.get("blocks", [])),
            "product_questions": len(set(data.get("shopping", []))),
            "product_cards_opened": len(set(data.get("shopping", [])) & opened),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def rates_long(frame: pd.DataFrame) -> pd.DataFrame:
    """The rate columns in long form (day, metric, value), as gr.LinePlot's `color` wants them."""
    rates = ["automatic_resolution_rate", "handoff_rate", "csat", "tool_error_rate"]
    return frame.melt(id_vars="day", value_vars=rates, var_name="metric", value_name="value").dropna()


def latency_long(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.melt(id_vars="day", value_vars=["turn_p50_ms", "turn_p95_ms"], var_name="metric",
                      value_name="ms").dropna()
