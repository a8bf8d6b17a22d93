"""`kefu ui`: the shopper widget, the staff console and the HTTP API on one web server."""

from __future__ import annotations

from typing import Annotated

import typer

DEMO_NAME = "demo"
app = typer.Typer(no_args_is_help=False, invoke_without_command=True,
                  help="The web front end: shopper widget at /, staff console at /staff, HTTP API at /api.")


def serve_ui(host: str | None = None, port: int | None = None, settings=None) -> None:
    """Serve the web front end until Ctrl-C (the model server must already be up)."""
    import threading

    import uvicorn

    from assistant.agent import ShopAgent
    from assistant.config import get_settings
    from assistant.db import Database
    from ui.app import create_app

    settings = settings or get_settings()
    host, port = host or settings.ui_host, port or settings.ui_port
    check_port_free(host, port)
    if settings.staff_port:
        check_port_free(host, settings.staff_port)
    db = Database.from_settings(settings)
    staff_url = f"http://{host}:{settings.staff_port or port}/staff"
    with_staff_login(settings, db, staff_url)
    from assistant.serving.models import aids_mismatch

    if warning := aids_mismatch(settings):
        typer.secho(f"warning: {warning}", fg="yellow", err=True)
    with ShopAgent(db, settings) as agent:
        threading.Thread(target=agent.warm_up, name="kb-warm-up", daemon=True).start()
        if settings.staff_port:  # the console on its own port: the public one has no /staff at all
            console = uvicorn.Server(uvicorn.Config(create_app(agent, settings, parts=("staff",)), host=host,
                                                    port=settings.staff_port, log_level="warning"))
            threading.Thread(target=console.run, name="staff-console", daemon=True).start()
        parts = ("public",) if settings.staff_port else ("public", "staff")
        typer.echo(f"kefu at http://{host}:{port}/  (staff: {staff_url}, API: /api, docs: /docs)")
        if settings.identity == "code" and settings.identity_code_sender == "outbox":
            typer.echo("shoppers' one-time codes go to the demo outbox: the console's Outbox tab, or "
                       "`kefu staff outbox`")
        uvicorn.run(create_app(agent, settings, parts=parts), host=host, port=port, log_level="warning")


def check_port_free(host: str, port: int) -> None:
    """Refuse early, in one line, when something already listens where the web front end wants to."""
    from assistant.errors import KefuError
    from assistant.serving.server import port_in_use

    if port_in_use(host, port):
        raise KefuError(f"port {port} on {host} is busy: stop what runs there or set KEFU_UI_PORT")


def with_staff_login(settings, db, console_url: str) -> None:
    """Say how to log in to the staff console; on the first start of a shop with no staff account (and no shared
    password), make the demo's `demo` admin account and print its password once (only its hash is kept)."""
    import secrets

    from ui.staff_accounts import add_account, has_accounts, list_accounts

    if settings.staff_password_hash or has_accounts(db):
        demo = any(a["name"] == DEMO_NAME and not a["disabled"] for a in list_accounts(db))
        typer.echo(f"staff console: {console_url}  (your staff account"
                   f"{f', or {DEMO_NAME} with the password printed on the first start' if demo else ''}; "
                   "`kefu staff add NAME` adds one)")
        return
    password = secrets.token_urlsafe(12)
    add_account(db, DEMO_NAME, password, role="admin")
    typer.secho(f"staff console: {console_url}  name: {DEMO_NAME}  password: {password}\n"
                f"  (shown once; `kefu staff add NAME --role admin` adds your own, `kefu staff disable {DEMO_NAME}` "
                "retires this one)", fg="yellow")


@app.callback()
def ui(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default KEFU_UI_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KEFU_UI_PORT).")] = None,
) -> None:
    """Serve the web front end against the running model server (KEFU_LLM_BASE_URL)."""
    if ctx.invoked_subcommand is None:
        serve_ui(host, port)


@app.command("hash-password")
def hash_password(
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="The staff password (asked for when not given).")],
) -> None:
    """Print the hash to put in KEFU_STAFF_PASSWORD_HASH (the password itself is never stored)."""
    from assistant.errors import KefuError
    from ui.auth import hash_password as make_hash

    try:
        typer.echo(make_hash(password))
    except ValueError as exc:
        raise KefuError(str(exc)) from exc


@app.command("sign-identity")
def sign_identity(
    customer_id: Annotated[str, typer.Argument(help="The customer's id in the shop database.")],
    ttl: Annotated[int, typer.Option(min=30, max=86_400, help="Seconds the token stays valid.")] = 3600,
) -> None:
    """Print a signed identity token for a customer, as the shop's backend makes them (for trying `/?token=`)."""
    from assistant.config import get_settings
    from assistant.identity import sign_identity as sign

    secret = get_settings().identity_secret
    typer.echo(sign(customer_id, secret.get_secret_value() if secret else "", ttl))
