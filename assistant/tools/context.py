"""ToolContext: what a tool knows about its caller. The model never fills it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from assistant.db import Conversation, Database
from assistant.errors import AccessDenied, AuthenticationRequired


@dataclass
class ToolContext:
    """The session a tool runs in and the customer authenticated there (kept in `conversations`)."""

    db: Database
    """Shop database."""
    session_id: str
    """Conversation id; authentication state is stored on its row."""
    actor: str = "shopper"
    """Who acts: 'shopper', or 'staff:<name>' when staff act on a customer's behalf."""
    session: Session | None = field(default=None, repr=False)
    """The open database session of the call in progress (set by the runner)."""
    lock_rows: bool = False
    """A confirmed write is running: orders and payment methods are read `FOR UPDATE` (PostgreSQL), so two
    writes spending the same gift card, or refunding to it, wait for each other instead of both passing."""

    @property
    def conversation(self) -> Conversation:
        """This session's conversation row, created on first use."""
        conversation = self.session.get(Conversation, self.session_id)
        if conversation is None:
            conversation = Conversation(id=self.session_id)
            self.session.add(conversation)
            self.session.flush()
        return conversation

    @property
    def customer_id(self) -> str | None:
        """The authenticated customer's id, or None."""
        return self.conversation.customer_id

    def require_customer(self) -> str:
        """The authenticated customer's id; raises when nobody has authenticated yet."""
        customer_id = self.customer_id
        if customer_id is None:
            raise AuthenticationRequired(
                "Authentication required: identify the customer first with find_user_id_by_email "
                "or find_user_id_by_name_zip"
            )
        return customer_id

    def require_owner(self, owner_id: str, what: str) -> None:
        """Refuse access to a record that belongs to another customer than the authenticated one."""
        if owner_id != self.require_customer():
            raise AccessDenied(f"Access denied: {what} does not belong to the authenticated customer")

    def authenticate(self, customer_id: str) -> None:
        """Bind this session to a customer; a session can never switch to another customer."""
        conversation = self.conversation
        if conversation.customer_id not in (None, customer_id):
            raise AccessDenied(
                "This session is already authenticated as another customer; start a new conversation"
            )
        conversation.customer_id = customer_id
