"""Staff accounts in the database: one per person, a role each, and the audit of who looked at what.

`kefu staff add NAME` creates one. While a shop has none, the console still takes the shared
KEFU_STAFF_PASSWORD_HASH (or the demo login) with any name, as before, and everyone is an admin.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from assistant.db import AuditLog, Database, StaffAccount
from assistant.errors import KefuError
from ui.auth import hash_password, verify_password

ROLES = ("agent", "admin")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _hashed(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as exc:
        raise KefuError(str(exc)) from exc


def add_account(db: Database, name: str, password: str, role: str = "agent") -> None:
    if not NAME.match(name or ""):
        raise KefuError("a staff name is 1-64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise KefuError(f"role must be one of: {', '.join(ROLES)}")
    with db.session() as session:
        if session.get(StaffAccount, name) is not None:
            raise KefuError(f"staff account {name!r} exists already (use `kefu staff passwd`)")
        session.add(StaffAccount(name=name, password_hash=_hashed(password), role=role))
        session.commit()


def _account(session, name: str) -> StaffAccount:
    account = session.get(StaffAccount, name)
    if account is None:
        raise KefuError(f"no staff account {name!r}")
    return account


def set_password(db: Database, name: str, password: str) -> None:
    with db.session() as session:
        account = _account(session, name)
        account.password_hash, account.disabled = _hashed(password), False
        session.commit()


def disable_account(db: Database, name: str) -> None:
    with db.session() as session:
        _account(session, name).disabled = True
        session.commit()


def list_accounts(db: Database) -> list[dict]:
    with db.session() as session:
        return [{"name": a.name, "role": a.role, "disabled": a.disabled, "created_at": a.created_at.isoformat()}
                for a in session.scalars(select(StaffAccount).order_by(StaffAccount.name))]


def has_accounts(db: Database) -> bool:
    with db.session() as session:
        return bool(session.scalar(select(func.count()).select_from(StaffAccount)))


def check_login(db: Database, name: str, password: str, shared_hash: str | None) -> bool:
    """The person's own password when the shop has accounts; the shared one (any name) while it has none."""
    with db.session() as session:
        if not session.scalar(select(func.count()).select_from(StaffAccount)):
            return verify_password(password, shared_hash)
        account = session.get(StaffAccount, name)
        return account is not None and not account.disabled and verify_password(password, account.password_hash)


def role_of(db: Database, name: str | None) -> str:
    with db.session() as session:
        if not session.scalar(select(func.count()).select_from(StaffAccount)):
            return "admin"
        account = session.get(StaffAccount, name or "")
        return account.role if account is not None and not account.disabled else "none"


def require_admin(db: Database, name: str | None) -> None:
    """Refuse knowledge, fine-tuning and approval actions to anyone but an admin."""
    import gradio as gr

    if role_of(db, name) != "admin":
        raise gr.Error("Only an admin may do this (kefu staff add NAME --role admin).")


def record_view(db: Database, name: str, conversation_id: str) -> None:
    """Audit that a colleague opened a conversation (transcripts hold personal data)."""
    if not conversation_id:
        return
    with db.session() as session:
        session.add(AuditLog(conversation_id=conversation_id, actor=f"staff:{name}", action="staff_view",
                             target_type="conversation", target_id=conversation_id[:64], arguments={}))
        session.commit()
