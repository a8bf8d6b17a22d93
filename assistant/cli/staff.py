"""`kefu staff`: the staff console's accounts, one per person."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Staff console accounts (add, passwd, disable, list) and the outbox.")
Password = Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                       help="The password (asked for when not given; at least 8 characters).")]


def _db():
    from assistant.db import Database

    return Database.from_settings()


@app.command()
def add(name: Annotated[str, typer.Argument(help="The colleague's login name.")], password: Password,
        role: Annotated[str, typer.Option(help="agent (conversations) or admin (also knowledge, fine-tuning, "
                                               "approvals).")] = "agent") -> None:
    """Add a staff account."""
    from ui.staff_accounts import add_account

    add_account(_db(), name, password, role)
    typer.echo(f"staff account {name} ({role}) added; log in at /staff")


@app.command()
def passwd(name: Annotated[str, typer.Argument(help="The account.")], password: Password) -> None:
    """Set an account's password (and enable it again)."""
    from ui.staff_accounts import set_password

    set_password(_db(), name, password)
    typer.echo(f"password of {name} changed")


@app.command()
def disable(name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Disable an account: it can no longer log in."""
    from ui.staff_accounts import disable_account

    disable_account(_db(), name)
    typer.echo(f"{name} disabled")


@app.command("list")
def list_() -> None:
    """List the accounts."""
    from ui.staff_accounts import list_accounts

    for account in list_accounts(_db()):
        typer.echo(f"{account['name']}\t{account['role']}\t{'disabled' if account['disabled'] else 'active'}")


@app.command()
def outbox(limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 5) -> None:
    """Show the newest emails kept by the demo `outbox` sender, such as shoppers' one-time codes."""
    from ui.conversations import outbox as newest

    for message in newest(_db(), limit):
        typer.echo(f"{message['at']}\t{message['to']}\t{message['subject']}")
