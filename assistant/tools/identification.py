"""Identification beyond the τ² contract: one-time codes, and limits that span a client's conversations.

In `code` mode an email (or a name and zip code) does not authenticate: if it matches a customer, a six-digit code
goes to the account's email, and `verify_identity_code` authenticates the conversation once the shopper types it.
The shopper is told the same whether or not the account exists, so that the chat cannot be used to learn who shops
here. Only a salted hash of the code is kept; a code works once, for one conversation, until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db import Conversation, Customer, IdentityChallenge, OutboxMessage, ToolCall
from assistant.db.base import as_utc
from assistant.errors import ToolError

IDENTIFY = ("find_user_id_by_email", "find_user_id_by_name_zip")
VERIFY = "verify_identity_code"
CODE_SENT = ("Not identified yet: if this matches an account, a one-time code has been sent to the email address "
             "on it. Ask the customer to type the 6-digit code here.")
MAX_CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class IdentityPolicy:
    """How a conversation may identify its shopper (KEFU_IDENTITY and its limits), as the tool layer needs it."""

    mode: str = "tau2"
    max_failures: int = 5
    """Failed identification steps one conversation may make."""
    client_failures_per_hour: int | None = None
    ttl_s: int = 600
    per_account_per_hour: int = 5
    sender: str = "outbox"
    shop_name: str = "the shop"

    @classmethod
    def from_settings(cls, settings) -> IdentityPolicy:
        return cls(settings.identity, settings.max_identification_failures,
                   settings.identification_failures_per_client_per_hour, settings.identity_code_ttl_s,
                   settings.identity_codes_per_account_per_hour, settings.identity_code_sender, settings.shop_name)


def _digest(challenge_id: str, code: str) -> str:
    return hmac.new(challenge_id.encode(), code.encode(), hashlib.sha256).hexdigest()


def deliver(session: Session, sender: str, to: str, subject: str, body: str) -> None:
    """Send an email through the configured sender; `outbox` keeps it in the database, in this transaction."""
    if sender == "outbox":
        session.add(OutboxMessage(to_address=to, subject=subject, body=body))
        return
    module, _, name = sender.partition(":")
    try:
        send = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ToolError(f"The code could not be sent: no sender {sender!r}") from exc
    send(to, subject, body)


def send_code(session: Session, conversation_id: str, customer_id: str | None, policy: IdentityPolicy) -> None:
    """Issue a code for the customer (if any, and if their hourly allowance is not spent) and send it."""
    now = datetime.now(timezone.utc)
    if customer_id is None:
        return
    recent = session.scalar(select(func.count()).select_from(IdentityChallenge).where(
        IdentityChallenge.customer_id == customer_id, IdentityChallenge.created_at > now - timedelta(hours=1)))
    if recent >= policy.per_account_per_hour:
        return
    code, challenge_id = f"{secrets.randbelow(10**6):06d}", f"ic_{uuid.uuid4().hex}"
    session.add(IdentityChallenge(id=challenge_id, conversation_id=conversation_id, customer_id=customer_id,
                                  code_hash=_digest(challenge_id, code), created_at=now,
                                  expires_at=now + timedelta(seconds=policy.ttl_s)))
    email = session.get(Customer, customer_id).email
    minutes = max(1, policy.ttl_s // 60)
    deliver(session, policy.sender, email, f"Your {policy.shop_name} verification code: {code}",
            f"Your code is {code}. Type it in the chat to continue; it works once and expires in {minutes} minutes.\n"
            "If you did not ask for it, you can ignore this email: nobody can see your orders without it.")


def check_code(session: Session, conversation_id: str, code: str) -> str:
    """The customer id a right, live code of this conversation vouches for; the code is used up. ToolError else."""
    now = datetime.now(timezone.utc)
    challenge = session.scalar(select(IdentityChallenge).where(
        IdentityChallenge.conversation_id == conversation_id, IdentityChallenge.used_at.is_(None))
        .order_by(IdentityChallenge.created_at.desc()).limit(1))
    if challenge is None or as_utc(challenge.expires_at) <= now:
        raise ToolError("No code is waiting in this conversation, or it has expired: ask the customer for their "
                        "email again to send a new one")
    wrong = session.scalar(select(func.count()).select_from(ToolCall).where(
        ToolCall.conversation_id == conversation_id, ToolCall.name == VERIFY, ToolCall.is_error.is_(True),
        ToolCall.created_at >= challenge.created_at))
    if wrong >= MAX_CODE_ATTEMPTS:
        raise ToolError("Too many wrong codes: this code no longer works; ask for the email again to send a new one")
    if not hmac.compare_digest(challenge.code_hash, _digest(challenge.id, code.strip())):
        raise ToolError("That code is not right; ask the customer to check the email and type it again")
    challenge.used_at = now
    return challenge.customer_id


def client_failures(session: Session, conversation_id: str, within: timedelta = timedelta(hours=1)) -> int:
    """Failed identification steps in the last hour from the client address this conversation came from."""
    client = session.scalar(select(Conversation.client_key).where(Conversation.id == conversation_id))
    if client is None:
        return 0
    return session.scalar(select(func.count()).select_from(ToolCall).join(
        Conversation, Conversation.id == ToolCall.conversation_id).where(
        Conversation.client_key == client, ToolCall.name.in_((*IDENTIFY, VERIFY)), ToolCall.is_error.is_(True),
        ToolCall.created_at > datetime.now(timezone.utc) - within))
