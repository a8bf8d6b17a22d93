"""`kefu tool`: call the shop tools from the command line, for staff and for tests."""

from __future__ import annotations

import getpass
import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import KefuError

app = typer.Typer(no_args_is_help=True, help="Call shop tools as a session would.")

SessionOpt = Annotated[str | None, typer.Option("--session", help="Session id; authentication is kept per session.")]
AsCustomerOpt = Annotated[
    str | None, typer.Option("--as-customer", help="Staff: act as this customer (audit-logged).")
]


def _runner(session: str | None, as_customer: str | None):
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.tools import ToolRunner

    settings = get_settings()
    actor = f"staff:{getpass.getuser()}" if as_customer else "shopper"
    runner = ToolRunner(Database.from_settings(settings), session or f"cli-{uuid.uuid4().hex[:8]}", actor=actor,
                        ttl_s=settings.pending_action_ttl_s)
    if as_customer:
        runner.act_as_customer(as_customer)
    return runner


def _echo(payload: dict) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


def _parse_json(text: str, what: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise KefuError(f"{what} is not valid JSON: {exc}") from exc


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print the OpenAI tool schemas.")] = False) -> None:
    """List the tools: name, kind and description."""
    from assistant.tools import ALL_TOOLS

    for tool in ALL_TOOLS.values():
        if as_json:
            _echo(tool.openai_schema)
        else:
            typer.echo(f"{tool.name:34} {tool.kind:8} {tool.description}")


@app.command()
def call(
    name: str,
    session: SessionOpt = None,
    args: Annotated[str, typer.Option("--args", help="Arguments as a JSON object.")] = "{}",
    as_customer: AsCustomerOpt = None,
) -> None:
    """Call one tool. A write prints its summary and pending-action id; confirm it with `kefu tool confirm`."""
    result = _runner(session, as_customer).call(name, _parse_json(args, "--args"))
    _echo(result.as_json())
    if result.error is not None:
        raise typer.Exit(1)


@app.command()
def confirm(action_id: str, session: Annotated[str, typer.Option("--session")]) -> None:
    """Confirm a pending write: it runs once; confirming again changes nothing."""
    result = _runner(session, None).confirm(action_id, confirmed_with="command line")
    _echo(result.as_json())
    if result.error is not None:
        raise typer.Exit(1)


@app.command()
def decline(action_id: str, session: Annotated[str, typer.Option("--session")]) -> None:
    """Decline a pending write; it can no longer run."""
    _runner(session, None).decline(action_id)
    _echo({"pending_action_id": action_id, "status": "cancelled"})


@app.command()
def replay(
    file: Path,
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm each write at once.")] = False,
    as_customer: AsCustomerOpt = None,
    session: SessionOpt = None,
) -> None:
    """Run a JSON list of {"name", "arguments"} calls as one session; one JSON line per call."""
    from assistant.tools.replay import replay as run_replay

    try:
        calls = _parse_json(file.read_text(), str(file))
    except OSError as exc:
        raise KefuError(f"cannot read {file}: {exc.strerror}") from exc
    if not isinstance(calls, list) or not all(isinstance(c, dict) and "name" in c for c in calls):
        raise KefuError(f'{file} must hold a JSON list of {{"name": ..., "arguments": {{...}}}} objects')
    for result in run_replay(_runner(session, as_customer), calls, confirm=confirm):
        _echo(result.as_json())
