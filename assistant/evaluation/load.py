"""`kefu bench load`: many concurrent shoppers against the HTTP API or the widget's own Gradio endpoints,
checking that nothing is lost or leaked.

Each simulated shopper opens a session, says who they are (a different customer each) and keeps
asking about their own orders until the time is up, always waiting for the reply before the next
message. Afterwards every session's stored transcript must equal what was sent and received, and no
session may show another shopper's email, user id or order ids.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Shopper:
    """One simulated shopper: who they are, and the identifiers no other session may ever show."""

    email: str
    user_id: str
    order_ids: list[str]
    session_id: str | None = None
    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    """The server's own time in each turn (the API's `latency_ms`): what is left of a latency is waiting in line."""
    model_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shown: list[dict] = field(default_factory=list)

    def messages(self) -> list[str]:
        order = self.order_ids[0] if self.order_ids else "my last order"
        return [f"Hi, my email is {self.email}. What is the status of order {order}?",
                f"Can you tell me what is in order {order}?", "When will it arrive?", "Thanks, that's all."]


def _run_shopper(client: httpx.Client, shopper: Shopper, deadline: float) -> None:
    try:
        shopper.session_id = client.post("/api/sessions").raise_for_status().json()["session_id"]
        turn = 0
        while time.monotonic() < deadline:
            text = shopper.messages()[turn % len(shopper.messages())]
            started = time.perf_counter()
            shopper.sent.append(text)
            reply = client.post(f"/api/sessions/{shopper.session_id}/messages", json={"text": text})
            reply.raise_for_status()
            final = reply.json()
            shopper.received.append(final["text"])
            shopper.latencies_ms.append((time.perf_counter() - started) * 1000)
            shopper.turn_ms.append(final.get("latency_ms") or 0)
            shopper.model_ms.append((final.get("timings") or {}).get("model", 0))
            turn += 1
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        shopper.errors.append(f"{type(exc).__name__}: {exc}"[:300])


def _text(bubble: dict) -> str:
    content = bubble.get("content")
    return "".join(c.get("text", "") for c in content) if isinstance(content, list) else str(content or "")


def _run_widget_shopper(url: str, shopper: Shopper, deadline: float, timeout_s: float) -> None:
    """The same shopper through the widget's `/send` endpoint (what the browser calls), via gradio_client.
    It waits as long as the API's shoppers do: gradio_client's own default gives up on the queue after 5 s."""
    from gradio_client import Client

    try:
        client = Client(url.rstrip("/") + "/", verbose=False, httpx_kwargs={"timeout": timeout_s})
        turn = 0  # the first reply carries the conversation id the server issued, as a browser keeps it
        while time.monotonic() < deadline:
            text = shopper.messages()[turn % len(shopper.messages())]
            started = time.perf_counter()
            shopper.sent.append(text)
            outputs = client.predict(text, shopper.session_id, api_name="/send")
            shopper.session_id, shown = outputs[0], outputs[2]
            shopper.received.append(_text(shown[-1]))
            shopper.latencies_ms.append((time.perf_counter() - started) * 1000)
            shopper.shown = shown
            turn += 1
    except Exception as exc:  # noqa: BLE001 (a failed shopper is counted and reported, never hidden)
        shopper.errors.append(f"{type(exc).__name__}: {exc}"[:300])


def _check_widget(shopper: Shopper, others: list[Shopper]) -> tuple[bool, int]:
    """(transcript intact, leaks) from the widget's last full redraw of the conversation."""
    users = [_text(b) for b in shopper.shown if b.get("role") == "user"]
    replies = [_text(b) for b in shopper.shown if b.get("role") == "assistant" and not (b.get("metadata") or {})]
    shown = json.dumps(shopper.shown, ensure_ascii=False)
    foreign = {v for other in others if other is not shopper for v in (other.email, other.user_id, *other.order_ids)}
    return users == shopper.sent and replies == shopper.received, sum(1 for value in foreign if value in shown)


def _check(client: httpx.Client, shopper: Shopper, others: list[Shopper]) -> tuple[bool, int]:
    """(transcript intact, leaks): the stored conversation against what this shopper sent and received."""
    if shopper.session_id is None:
        return False, 0
    state = client.get(f"/api/sessions/{shopper.session_id}").raise_for_status().json()
    users = [m["content"] for m in state["messages"] if m["role"] == "user"]
    replies = [m["content"] for m in state["messages"] if m["role"] == "assistant"]
    intact = users == shopper.sent and replies == shopper.received
    shown = json.dumps(state, ensure_ascii=False)
    foreign = {v for other in others if other is not shopper for v in (other.email, other.user_id, *other.order_ids)}
    return intact, sum(1 for value in foreign if value in shown)


def run_load(url: str, shoppers: list[Shopper], seconds: float, timeout_s: float = 600,
             transport: str = "api") -> dict:
    """Run every shopper at once for `seconds` (turns in flight finish), then check each session.
    `transport` is `api` (the HTTP API) or `widget` (the widget's Gradio endpoints)."""
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(shoppers) + 4)
    with httpx.Client(base_url=url, timeout=timeout_s, limits=limits) as client:
        threads = [threading.Thread(target=_run_shopper, args=(client, s, deadline)) if transport == "api" else
                   threading.Thread(target=_run_widget_shopper, args=(url, s, deadline, timeout_s)) for s in shoppers]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        checks = [_check(client, s, shoppers) if transport == "api" else _check_widget(s, shoppers)
                  for s in shoppers]
    latencies = sorted(ms for s in shoppers for ms in s.latencies_ms)
    p95 = _quantile(latencies, 0.95) if latencies else None
    waits = [total - turn for s in shoppers for total, turn in zip(s.latencies_ms, s.turn_ms)]
    return {
        "transport": transport, "sessions": len(shoppers), "seconds": seconds, "wall_s": round(wall, 1),
        "messages_sent": sum(len(s.sent) for s in shoppers),
        "replies_received": sum(len(s.received) for s in shoppers),
        "messages_lost": sum(not intact for intact, _ in checks),
        "cross_session_leaks": sum(leaks for _, leaks in checks),
        "errors": sum(len(s.errors) for s in shoppers), "error_samples": [e for s in shoppers for e in s.errors][:5],
        "turn_p50_ms": round(statistics.median(latencies)) if latencies else None,
        "turn_p95_ms": round(p95) if p95 is not None else None,
        # Where the time goes (the API only: the widget's reply carries no timings): in line, in the turn, and
        # of the turn, in the model.
        **({"waiting_p50_ms": _quantile(waits, 0.5), "waiting_p95_ms": _quantile(waits, 0.95),
            "in_turn_p50_ms": _quantile([t for s in shoppers for t in s.turn_ms], 0.5),
            "in_turn_p95_ms": _quantile([t for s in shoppers for t in s.turn_ms], 0.95),
            "model_p50_ms": _quantile([t for s in shoppers for t in s.model_ms], 0.5),
            "model_p95_ms": _quantile([t for s in shoppers for t in s.model_ms], 0.95)} if waits else {}),
    }


def _quantile(values: list[float], q: float) -> int | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))]) if ordered else None


def shoppers_from_db(db, n: int) -> list[Shopper]:
    """`n` different customers of the shop, each with their order ids."""
    from sqlalchemy import select

    from assistant.db import Customer

    with db.session() as session:
        customers = session.scalars(select(Customer).order_by(Customer.id).limit(n)).all()
        shoppers = [Shopper(c.email, c.id, [o.id for o in c.orders]) for c in customers]
    if len(shoppers) < n:
        raise ValueError(f"the shop has only {len(shoppers)} customers; {n} sessions need {n}")
    return shoppers


def write_result(result: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    return path
