"""The web half of the adversarial suite: attacks on the HTTP front end rather than on the model, each against a
fresh demo shop behind the real app (FastAPI and Gradio, in process), with the shop's own settings.

Each attack names the finding it guards (identity, session ids, rate limits, failed turns, dead-end handoffs) and
returns what went wrong; an attack holds when nothing did. `kefu eval attack` runs them after the model attacks.
"""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from assistant.db import Conversation, Customer, Database, HandoffTicket, Message, ToolCall
from assistant.tools.identification import IDENTIFY

WEB_ATTACKS: dict[str, tuple[str, Callable]] = {}


@dataclass
class WebAttackResult:
    id: str
    finding: str
    problems: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.problems


def web_attack(finding: str):
    def register(func: Callable) -> Callable:
        WEB_ATTACKS[func.__name__] = (finding, func)
        return func
    return register


def _count(db: Database, model, *where) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _start(client) -> str:
    return client.post("/api/sessions").json()["session_id"]


@web_attack("session ids")
def made_up_session_ids(client, db, agent, model) -> list[str]:
    made_up = [f"api-{secrets.token_hex(16)}", "cli-1a2b3c4d", "victim", "web-" + "0" * 32]
    codes = [client.post(f"/api/sessions/{sid}/messages", json={"text": "show my orders"}).status_code
             for sid in made_up]
    stored = _count(db, Conversation, Conversation.id.in_(made_up))
    return [f"a made-up id got {code}" for code in codes if code != 404] + (
        [f"{stored} conversations stored under made-up ids"] if stored else [])


@web_attack("rate limits")
def session_flood(client, db, agent, model) -> list[str]:
    codes = [client.post("/api/sessions").status_code for _ in range(40)]
    return [] if 429 in codes else ["40 new sessions in a row from one address were all accepted"]


@web_attack("rate limits")
def handoff_flood(client, db, agent, model) -> list[str]:
    sessions = [_start(client) for _ in range(12)]
    for session_id in sessions:
        for _ in range(4):
            client.post(f"/api/sessions/{session_id}/human")
    tickets = _count(db, HandoffTicket, HandoffTicket.conversation_id.in_(sessions))
    limit = agent.settings.rate_limit_client_handoffs
    return [] if tickets <= int(limit.split("/")[0]) else [f"{tickets} tickets from one address (limit {limit})"]


@web_attack("rate limits")
def oversized_bodies(client, db, agent, model) -> list[str]:
    session_id = _start(client)
    huge = client.post(f"/api/sessions/{session_id}/messages", content=b'{"text": "' + b"x" * 70_000 + b'"}',
                       headers={"content-type": "application/json"})
    upload = client.post("/gradio_api/upload", files={"files": ("big.bin", b"\0" * 10_000)})
    return [f"{what} got {r.status_code}, not 413" for what, r in (("a 70 KB body", huge), ("an upload", upload))
            if r.status_code != 413]


@web_attack("failed turns")
def malformed_input(client, db, agent, model) -> list[str]:
    session_id = _start(client)
    surrogate = client.post(f"/api/sessions/{session_id}/messages", content=b'{"text": "hi \\ud800 there"}',
                            headers={"content-type": "application/json"})
    feedback = client.post(f"/api/sessions/{session_id}/feedback", json={"message_id": 10**30, "rating": 1})
    problems = [f"{what} got {r.status_code}" for what, r in (("a lone surrogate", surrogate),
                                                               ("a feedback id of 10**30", feedback))
                if r.status_code >= 500 or r.status_code < 400]
    after = client.post(f"/api/sessions/{session_id}/messages", json={"text": "Do you ship to Canada?"})
    return problems + ([] if after.status_code == 200 and after.json()["text"] else ["the session broke"])


@web_attack("identity")
def identification_flood(client, db, agent, model) -> list[str]:
    """From one address, new conversation after new conversation, each trying another email."""
    sessions = [_start(client) for _ in range(25)]
    for n, session_id in enumerate(sessions):
        client.post(f"/api/sessions/{session_id}/messages", json={"text": f"my email is guess{n}@example.com"})
    tried = _count(db, ToolCall, ToolCall.conversation_id.in_(sessions), ToolCall.name.in_(IDENTIFY),
                   ToolCall.result.not_like("Error: Too many%"))
    limit = agent.settings.identification_failures_per_client_per_hour
    return [] if tried <= limit else [f"{tried} identification attempts from one address (limit {limit}/hour)"]


@web_attack("identity")
def known_email_reads_nothing(client, db, agent, model) -> list[str]:
    with db.session() as session:
        victim = session.scalars(select(Customer).order_by(Customer.position)).first()
        email, name, orders = victim.email, victim.first_name, [o.id for o in victim.orders]
    session_id = _start(client)
    replies = [client.post(f"/api/sessions/{session_id}/messages", json={"text": text}).json()["text"]
               for text in (f"Hi, I'm {email}. Where is my order {orders[0]}?", "what is my address?")]
    unknown = client.post(f"/api/sessions/{_start(client)}/messages",
                          json={"text": "Hi, I'm nobody-here@example.com. Where is my order?"}).json()["text"]
    cards = client.get(f"/api/sessions/{session_id}").json()["orders"]
    problems = [f"order cards of {name}'s account shown: {[c['order_id'] for c in cards]}"] if cards else []
    if replies[0] != unknown:
        problems.append("a known email is answered differently from an unknown one")
    with db.session() as session:
        if session.get(Conversation, session_id).customer_id is not None:
            problems.append(f"authenticated as {name}'s account by the email alone")
    return problems


@web_attack("dead-end handoffs")
def outage_then_recovery(client, db, agent, model) -> list[str]:
    import httpx

    session_id = _start(client)
    model.fail_with = httpx.ConnectError("model server down")
    down = client.post(f"/api/sessions/{session_id}/messages", json={"text": "Do you ship to Canada?"}).json()
    model.fail_with = None
    back = client.post(f"/api/sessions/{session_id}/messages", json={"text": "Hello? Canada?"}).json()
    problems = [] if down["handed_off"] else ["an outage was not handed off"]
    return problems + (["after the outage the conversation stayed with nobody"] if back["handed_off"] else [])


def run_web_attacks(settings, template: Path, workdir: Path, names: list[str] | None = None) -> dict:
    """Every web attack on its own copy of `template` (a migrated demo shop); the suite's totals."""
    from fastapi.testclient import TestClient

    from assistant.agent import ShopAgent
    from assistant.evaluation.scripted_model import ScriptedChatModel
    from ui.app import create_app

    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names or list(WEB_ATTACKS):
        finding, attack = WEB_ATTACKS[name]
        path = workdir / f"web-{name}-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(template, path)
        db = Database(f"sqlite:///{path}")
        model = ScriptedChatModel(steps=["Thanks, happy to help."] * 400)
        agent = ShopAgent(db, settings, model=model, knowledge=None)
        result = WebAttackResult(name, finding)
        try:
            with TestClient(create_app(agent, settings)) as client:
                result.problems = attack(client, db, agent, model)
                lost = _count(db, Message, Message.role == "user") - _count(db, Message, Message.role == "assistant")
                result.problems += [f"{lost} messages without a reply"] if lost > 0 else []
        except Exception as exc:  # noqa: BLE001 (a crash is a failed attack, reported)
            result.problems.append(f"{type(exc).__name__}: {exc}"[:300])
        agent.close()
        db.dispose()
        path.unlink(missing_ok=True)
        results.append(result)
    return {"attacks": len(results), "held": sum(r.held for r in results),
            "failed": [asdict(r) for r in results if not r.held]}
