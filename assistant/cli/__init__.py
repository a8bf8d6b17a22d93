"""The `kefu` console script: one command with subcommands."""

from __future__ import annotations

import logging
import sys

import typer

from assistant.cli import bench, catalog, evaluate, finetune, kb, model, shop, staff, tool, web
from assistant.errors import KefuError
from knowledge.errors import KnowledgeError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="kefu: a customer-service assistant for online shops.")
app.add_typer(shop.app, name="shop")
app.add_typer(tool.app, name="tool")
app.add_typer(model.app, name="model")
app.add_typer(bench.app, name="bench")
app.add_typer(kb.app, name="kb")
app.add_typer(evaluate.app, name="eval")
app.add_typer(finetune.app, name="finetune")
app.add_typer(web.app, name="ui")
app.add_typer(staff.app, name="staff")
app.add_typer(catalog.app, name="catalog")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (every command does this on its own too)."""
    from assistant.db import Database

    db = Database.from_settings()
    typer.echo(f"database at {db.engine.url.render_as_string(hide_password=True)} is up to date")


@app.command()
def run() -> None:
    """Start kefu: check the shop database, start vLLM, then serve the web front end until Ctrl-C."""
    import signal

    from assistant.cli.model import _interrupt
    from assistant.cli.shop import print_stats
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.serving.server import server_for

    db = Database.from_settings()
    if db.is_empty():
        raise KefuError("the shop is empty: run `kefu shop demo` or `kefu shop import --format tau2 PATH`")
    print_stats(db)
    settings = get_settings()
    web.check_port_free(settings.ui_host, settings.ui_port)  # before vLLM's half-minute start, not after
    signal.signal(signal.SIGTERM, _interrupt)
    with server_for(settings) as server:
        typer.echo(f"vLLM ready at {server.base_url} serving {server.name} ({server.device}); log: {server.log_path}")
        try:
            web.serve_ui(settings=settings.model_copy(update={"llm_base_url": server.base_url}))
        except KeyboardInterrupt:
            typer.echo("stopping …")


def _configure_logging() -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    from assistant.config import get_settings
    from assistant.redaction import RedactingFilter

    # Logs go to stderr so that stdout stays machine-readable (JSON lines).
    level = get_settings().log_level.upper()
    handler = RichHandler(show_path=False, console=Console(stderr=True))
    handler.setLevel(level)  # libraries that set their own loggers to DEBUG stay quiet too
    handler.addFilter(RedactingFilter())  # personal data never reaches the logs; it is in the database
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler])
    for noisy in ("alembic", "httpx", "httpx2", "httpcore", "sentence_transformers", "chromadb", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    """Entry point: configure logging, run the command, turn kefu errors into one clear line."""
    _configure_logging()
    try:
        app(standalone_mode=False)
    except (KefuError, KnowledgeError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # usage errors, from click or from the click that typer vendors
        if any(cls.__name__ == "ClickException" for cls in type(exc).__mro__):
            exc.show()
            sys.exit(exc.exit_code)
        raise
