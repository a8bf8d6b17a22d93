"""The HTTP API next to the Gradio apps, for shops that build their own widget.

    POST /api/sessions {"identity_token"?}      → {"session_id", "customer_id"?}: with a token the shop's backend
                                                  signed (KEFU_IDENTITY_SECRET), the session starts authenticated;
                                                  a bad or expired token is a 401
    POST /api/sessions/{id}/messages {"text"}   → the reply as JSON, or as server-sent events with ?stream=true
    POST /api/sessions/{id}/confirm | /decline {"pending_action_id"?}
                                                → a structured yes or no to that pending change (default: the
                                                  one waiting now); 409 when it is not the one waiting
    POST /api/sessions/{id}/human               → hand the conversation to staff
Requests over the rate limits (per conversation and per client address) get 429 with Retry-After; bodies over
64 KiB get 413.
    POST /api/sessions/{id}/feedback {"message_id", "rating": 1 | -1}
    GET  /api/sessions/{id}                     → transcript, status, pending change and order cards

A session id is a bearer secret (128 random bits) that only this server issues: whoever holds it continues
that conversation, and nothing else; an id the server did not issue on /api is a 404. The agent itself only
ever reaches the customer the conversation authenticated as.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.agent import ShopAgent
from assistant.errors import KefuError
from ui import conversations as conv
from ui.detached import detached
from ui.limits import RateLimits


class MessageIn(BaseModel):
    text: str = Field(max_length=20_000)


class SessionIn(BaseModel):
    identity_token: str | None = Field(default=None, max_length=1024,
                                       description="the shop backend's signed identity token for a logged-in shopper")


class DecisionIn(BaseModel):
    pending_action_id: str | None = Field(default=None, description="the change answered; default: the one waiting")


class FeedbackIn(BaseModel):
    message_id: int = Field(ge=1, le=2**63 - 1)
    rating: int = Field(description="1 for thumbs up, -1 for thumbs down")


API_SESSION = re.compile(r"^api-[0-9a-f]{32}$")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def api_router(agent: ShopAgent, limits: RateLimits | None = None) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["chat"])
    db = agent.db

    def _limit(kind: str, request: Request, session: str | None = None) -> None:
        if limits is not None and not limits.allow(kind, session=session, client=_client(request)):
            raise HTTPException(429, f"too many requests ({kind}); wait a moment and send it again",
                                headers={"Retry-After": "60"})

    def _checked(session_id: str) -> str:
        if not API_SESSION.match(session_id) or not conv.issued(db, session_id, "api"):
            raise HTTPException(404, "unknown session: start one with POST /api/sessions")
        return session_id

    def answer(session_id: str, text: str, stream: bool, decision: tuple[str, bool] | None = None):
        session_id = _checked(session_id)

        def turn():
            events = (lambda: agent.decide(session_id, *decision)) if decision else (
                lambda: agent.stream(session_id, text))
            return detached(events)

        if not stream:
            final = None
            for event in turn():
                final = event if event["type"] == "final" else final
            return final

        def events():
            for event in turn():
                yield f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    def decided(session_id: str, body: DecisionIn | None, confirm: bool, stream: bool, request: Request):
        waiting = conv.pending_action(db, _checked(session_id))
        _limit("message", request, session_id)
        if waiting is None:
            raise HTTPException(409, "nothing is waiting for confirmation in this session")
        action_id = (body.pending_action_id if body else None) or waiting["id"]
        if action_id != waiting["id"]:
            raise HTTPException(409, f"{action_id} is not the change waiting for confirmation ({waiting['id']} is)")
        return answer(session_id, "", stream, (action_id, confirm))

    @router.post("/sessions")
    def start(request: Request, body: SessionIn | None = None) -> dict:
        _limit("session", request)
        session_id = f"api-{secrets.token_hex(16)}"
        conv.open_conversation(db, session_id, "api", _client(request))
        if body is None or not body.identity_token:
            return {"session_id": session_id}
        try:
            customer_id = conv.verify_identity(agent, session_id, body.identity_token)
        except KefuError as exc:
            raise HTTPException(401, str(exc)) from exc
        return {"session_id": session_id, "customer_id": customer_id}

    @router.post("/sessions/{session_id}/messages")
    def send(session_id: str, body: MessageIn, request: Request, stream: bool = False):
        _limit("message", request, _checked(session_id))
        return answer(session_id, body.text, stream)

    @router.post("/sessions/{session_id}/confirm")
    def confirm(session_id: str, request: Request, body: DecisionIn | None = None, stream: bool = False):
        return decided(session_id, body, True, stream, request)

    @router.post("/sessions/{session_id}/decline")
    def decline(session_id: str, request: Request, body: DecisionIn | None = None, stream: bool = False):
        return decided(session_id, body, False, stream, request)

    @router.post("/sessions/{session_id}/human")
    def human(session_id: str, request: Request) -> dict:
        _limit("handoff", request, _checked(session_id))
        return asdict(agent.request_human(session_id))

    @router.post("/sessions/{session_id}/feedback")
    def feedback(session_id: str, body: FeedbackIn) -> dict:
        try:
            conv.record_feedback(db, _checked(session_id), body.message_id, body.rating)
        except KefuError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"ok": True}

    @router.get("/sessions/{session_id}")
    def show(session_id: str) -> dict:
        session_id = _checked(session_id)
        return {"session_id": session_id, "status": conv.status(db, session_id),
                "messages": [asdict(line) for line in conv.transcript(db, session_id)],
                "pending_action": conv.pending_action(db, session_id),
                "orders": conv.order_cards(db, session_id)}

    return router
