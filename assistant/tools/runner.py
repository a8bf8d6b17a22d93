"""Runs tools for one session: validation, transactions, the confirmation flow and the audit log."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_, select, update

from assistant.config import OLD_MODE_NAMES
from assistant.db import AuditLog, Customer, Database, Order, PendingAction, ToolCall
from assistant.db.base import as_utc
from assistant.errors import ConfirmationError, ToolError
from assistant.redaction import session_ref
from assistant.shop.records import order_record, user_record
from assistant.tools.approval import needs_approval
from assistant.tools.context import ToolContext
from assistant.tools.identification import CODE_SENT, IDENTIFY, VERIFY, IdentityPolicy, client_failures, send_code
from assistant.tools.registry import ALL_TOOLS, Tool
from assistant.tools.summary import item_labels, summarize

log = logging.getLogger(__name__)
MAX_IDENTIFICATION_FAILURES = 5


@dataclass
class ToolResult:
    """What a call produced: an output, or an error message; writes also carry their pending action."""

    name: str
    output: Any = None
    error: str | None = None
    pending_action_id: str | None = None

    def as_text(self) -> str:
        """The text the model sees: 'Error: …', a plain string, or JSON."""
        if self.error is not None:
            return f"Error: {self.error}"
        return self.output if isinstance(self.output, str) else json.dumps(self.output, ensure_ascii=False)

    def as_json(self) -> dict:
        """One JSON-able line for the command line."""
        body = {"name": self.name}
        body |= {"error": self.error} if self.error is not None else {"output": self.output}
        return body | ({"pending_action_id": self.pending_action_id} if self.pending_action_id else {})


class ToolRunner:
    """Calls tools on behalf of one session (conversation) of the shop database."""

    def __init__(self, db: Database, session_id: str, actor: str = "shopper", ttl_s: int = 1800,
                 approval_threshold: float | None = None, language: str = "en",
                 max_identification_failures: int = MAX_IDENTIFICATION_FAILURES,
                 identity: IdentityPolicy | str = "tau2", changes_only: bool = False):
        self.db, self.session_id, self.actor, self.ttl_s = db, session_id, actor, ttl_s
        self.changes_only = changes_only  # refuse a write that changes nothing; τ²'s own tools accept one
        self.approval_threshold, self.language = approval_threshold, language
        self.policy = identity if isinstance(identity, IdentityPolicy) else IdentityPolicy(
            OLD_MODE_NAMES.get(identity, identity), max_identification_failures)

    def _context(self, session, lock_rows: bool = False) -> ToolContext:
        return ToolContext(db=self.db, session_id=self.session_id, actor=self.actor, session=session,
                           lock_rows=lock_rows)

    def call(self, name: str, arguments: dict | None = None) -> ToolResult:
        """Run a tool. Reads return data; writes only return a summary and a pending-action id."""
        try:
            tool = ALL_TOOLS.get(name)
            if tool is None:
                raise ToolError(f"Tool '{name}' not found.")
            args = self.validated(tool, arguments or {})
            if name in (*IDENTIFY, VERIFY) and self.actor == "shopper":
                self._check_identification(name)
            if name in IDENTIFY and self.policy.mode == "code" and self.actor == "shopper":
                result = self._send_code(tool, args)
            else:
                result = self._propose(tool, args) if tool.kind == "write" else self._run(tool, args)
        except ToolError as exc:
            result = ToolResult(name, error=str(exc))
        self.record(name, arguments or {}, result)
        return result

    def _check_identification(self, name: str) -> None:
        if name in IDENTIFY and self.policy.mode == "signed":
            raise ToolError("Identification by email or name is turned off in this shop: the customer must "
                            "sign in to the shop's website to see their orders")
        with self.db.session() as session:
            failures = session.scalar(select(func.count()).select_from(ToolCall).where(
                ToolCall.conversation_id == self.session_id, ToolCall.name.in_((*IDENTIFY, VERIFY)),
                ToolCall.is_error.is_(True)))
            per_client = self.policy.client_failures_per_hour
            if failures >= self.policy.max_failures or (
                    per_client is not None and client_failures(session, self.session_id) >= per_client):
                raise ToolError("Too many failed identification attempts; offer to transfer the customer to a "
                                "human agent")

    def _send_code(self, tool: Tool, args: dict) -> ToolResult:
        """`code` mode: find the customer without authenticating, send them a code; say the same either way."""
        with self.db.session() as session:
            ctx = self._context(session)
            try:
                customer_id = tool.func(ctx, **args)
            except ToolError:
                customer_id = None
            session.rollback()
            send_code(session, self._context(session).conversation.id, customer_id, self.policy)
        return ToolResult(tool.name, error=CODE_SENT)

    @staticmethod
    def validated(tool: Tool, arguments: dict) -> dict:
        if not isinstance(arguments, dict):
            raise ToolError(f"Invalid arguments for {tool.name}: expected a JSON object")
        try:
            parsed = tool.args_schema.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"Invalid arguments for {tool.name}: {problems}") from exc
        return {key: getattr(parsed, key) for key in arguments}

    def _run(self, tool: Tool, args: dict) -> ToolResult:
        with self.db.session() as session:
            return ToolResult(tool.name, output=tool.func(self._context(session), **args))

    def _target(self, ctx: ToolContext, tool: Tool, args: dict) -> tuple[str, dict | None]:
        if tool.target == "order":
            order = ctx.session.get(Order, args["order_id"])
            return args["order_id"], order_record(order) if order else None
        customer = ctx.session.get(Customer, args["user_id"])
        return args["user_id"], user_record(customer) if customer else None

    def _propose(self, tool: Tool, args: dict) -> ToolResult:
        """Dry-run the write in a transaction that is rolled back, then store it as a pending action."""
        if self.changes_only and "item_ids" in args and not args["item_ids"]:
            # τ²'s tools accept an empty list and set the order's status: a return of nothing, $0.00 back
            raise ToolError("No items were given: ask the customer which items they mean")
        with self.db.session() as session:
            ctx = self._context(session)
            target_id, before = self._target(ctx, tool, args)
            after = tool.func(ctx, **args)
            customer_id = ctx.customer_id
            labels = item_labels(session, [*args.get("item_ids", []), *args.get("new_item_ids", [])])
            session.rollback()
        if self.changes_only and before is not None and before == after:
            raise ToolError(f"This changes nothing: {target_id} already has these values. Ask the customer what "
                            "they want changed.")
        action = PendingAction(
            id=f"pa_{uuid.uuid4().hex[:12]}", conversation_id=self.session_id, customer_id=customer_id,
            tool_name=tool.name, arguments=args, summary=summarize(tool.name, target_id, before, after, self.language, labels),
            requires_approval=needs_approval(tool.name, before, after, self.approval_threshold),
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=self.ttl_s))
        with self.db.session() as session:
            session.add(action)
        output = {"status": "awaiting_confirmation", "pending_action_id": action.id, "summary": action.summary,
                  "next_step": "Show the summary and ask the customer to confirm; nothing has changed yet."}
        return ToolResult(tool.name, output=output, pending_action_id=action.id)

    def confirm(self, action_id: str, decided_by: str | None = None, confirmed_with: str | None = None) -> ToolResult:
        """Execute a pending write once; confirming it again returns the first result and changes nothing.
        A write that needs approval goes to staff instead (`awaiting_approval`) and runs on `approve`."""
        now = datetime.now(timezone.utc)
        live = (PendingAction.id == action_id, PendingAction.conversation_id == self.session_id,
                PendingAction.status == "pending",
                or_(PendingAction.expires_at.is_(None), PendingAction.expires_at > now))
        with self.db.session() as session:
            queued = session.execute(update(PendingAction).where(*live, PendingAction.requires_approval.is_(True))
                                     .values(status="awaiting_approval", decided_at=now,
                                             decided_by=decided_by or self.actor, confirmed_with=confirmed_with)
                                     ).rowcount
            if queued:
                action = session.get(PendingAction, action_id)
                return ToolResult(action.tool_name, output={"status": "awaiting_approval", "summary": action.summary})
        return self._execute(action_id, now, live, status="executed", decided_by=decided_by or self.actor,
                             confirmed_with=confirmed_with)

    def approve(self, action_id: str, staff: str) -> ToolResult:
        """Staff approve a confirmed write that was waiting for them: it runs now, once."""
        waiting = (PendingAction.id == action_id, PendingAction.conversation_id == self.session_id,
                   PendingAction.status == "awaiting_approval")
        return self._execute(action_id, datetime.now(timezone.utc), waiting, status="executed",
                             decided_by=f"approved:{staff}")

    def reject(self, action_id: str, staff: str) -> None:
        """Staff reject a confirmed write that was waiting for them: it never runs."""
        with self.db.session() as session:
            changed = session.execute(update(PendingAction).where(
                PendingAction.id == action_id, PendingAction.conversation_id == self.session_id,
                PendingAction.status == "awaiting_approval").values(status="rejected", decided_by=f"rejected:{staff}")
            ).rowcount
        if not changed:
            raise ConfirmationError(f"No action {action_id} is waiting for approval in this session")

    def _execute(self, action_id: str, now: datetime, claimable: tuple, **values) -> ToolResult:
        """Claim the action (one claimer wins), run the write, audit it; all in one transaction."""
        with self.db.session() as session:
            claimed = session.execute(update(PendingAction).where(*claimable).values(decided_at=now, **values)).rowcount
            action = session.get(PendingAction, action_id)
            if not claimed:
                return self._unclaimed(session, action, now)
            tool = ALL_TOOLS[action.tool_name]
            ctx = self._context(session, lock_rows=True)
            target_id, before = self._target(ctx, tool, action.arguments)
            try:
                after = tool.func(ctx, **action.arguments)
            except ToolError as exc:
                session.rollback()
                return self._fail(action_id, str(exc))
            action.result = after
            session.add(AuditLog(conversation_id=self.session_id, customer_id=ctx.customer_id, actor=self.actor,
                                 action=tool.name, target_type=tool.target, target_id=target_id,
                                 pending_action_id=action_id, arguments=action.arguments, before=before,
                                 after=after))
        log.info("executed %s (%s) for session %s", action.tool_name, action_id, session_ref(self.session_id))
        result = ToolResult(action.tool_name, output=after)
        self.record(f"confirm:{action.tool_name}", {"pending_action_id": action_id}, result)
        return result

    def _unclaimed(self, session, action: PendingAction | None, now: datetime) -> ToolResult:
        if action is None or action.conversation_id != self.session_id:
            raise ConfirmationError(f"No pending action {action.id if action else ''} in this session".strip())
        if action.status == "executed":
            return ToolResult(action.tool_name, output=action.result)
        if action.status == "pending" and action.expires_at is not None and as_utc(action.expires_at) <= now:
            action.status = "expired"
            session.commit()
        raise ConfirmationError(f"Pending action {action.id} is {action.status}; propose the change again")

    def _fail(self, action_id: str, error: str) -> ToolResult:
        with self.db.session() as session:
            action = session.get(PendingAction, action_id)
            action.status, action.error = "failed", error
        return ToolResult(action.tool_name, error=error)

    def decline(self, action_id: str, decided_by: str | None = None) -> None:
        """The shopper (or staff) said no: the pending action is cancelled and can never run."""
        with self.db.session() as session:
            changed = session.execute(
                update(PendingAction)
                .where(PendingAction.id == action_id, PendingAction.conversation_id == self.session_id,
                       PendingAction.status == "pending")
                .values(status="cancelled", decided_at=datetime.now(timezone.utc), decided_by=decided_by or self.actor)
            ).rowcount
        if not changed:
            raise ConfirmationError(f"No pending action {action_id} awaiting confirmation in this session")

    def verify_identity(self, token: str, secret: str | None) -> str:
        """Authenticate the session from a token the shop's backend signed (see `assistant.identity`), audited;
        the customer's id, or IdentityError."""
        from assistant.identity import IdentityError, verify_identity

        customer_id = verify_identity(token, secret)
        self._bind(customer_id, "verify_identity", IdentityError("identity token names no customer of this shop"))
        return customer_id

    def act_as_customer(self, customer_id: str) -> None:
        """Staff only: authenticate the session as a customer without a lookup, and audit it."""
        if not self.actor.startswith("staff"):
            raise ToolError("Only staff can act on a customer's behalf")
        self._bind(customer_id, "act_as_customer", ToolError("User not found"))

    def _bind(self, customer_id: str, action: str, unknown: Exception) -> None:
        with self.db.session() as session:
            if session.get(Customer, customer_id) is None:
                raise unknown
            self._context(session).authenticate(customer_id)
            session.add(AuditLog(conversation_id=self.session_id, customer_id=customer_id, actor=self.actor,
                                 action=action, target_type="user", target_id=customer_id,
                                 arguments={}, before=None, after=None))

    def record(self, name: str, arguments: dict, result: ToolResult) -> None:
        """Store a call and its result or error as a tool_calls row of this conversation."""
        with self.db.session() as session:
            self._context(session).conversation  # noqa: B018  (creates the row on first use)
            session.add(ToolCall(conversation_id=self.session_id, name=name, arguments=arguments,
                                 result=result.as_text(), is_error=result.error is not None))
