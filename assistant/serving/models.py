"""Where models live: fetched ones under `<data_dir>/models/<name>`, registered ones by path."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.config import Settings
from assistant.errors import KefuError


class ModelMissing(KefuError):
    """The model is neither fetched nor registered."""


def _registry_path(settings: Settings) -> Path:
    return settings.models_dir / "registry.json"


def registered(settings: Settings) -> dict[str, str]:
    """Names of models registered with `kefu model fetch --from`, mapped to their folders."""
    path = _registry_path(settings)
    return json.loads(path.read_text()) if path.exists() else {}


def register_model(settings: Settings, name: str, folder: Path) -> Path:
    """Register a local Hugging Face model folder under a name."""
    folder = folder.expanduser().resolve()
    if not (folder / "config.json").exists():
        raise KefuError(f"{folder} is not a Hugging Face model folder (no config.json)")
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise KefuError(f"{folder} holds no weights (*.safetensors or *.bin)")
    entries = registered(settings) | {name: str(folder)}
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    _registry_path(settings).write_text(json.dumps(entries, indent=2))
    return folder


def model_path(settings: Settings, name: str | None = None) -> Path:
    """The folder of a fetched or registered model; a clear error says what to run when it is missing."""
    name = name or settings.model_name
    fetched = settings.models_dir / name
    if (fetched / "config.json").exists():
        return fetched.resolve()
    if name in registered(settings):
        return Path(registered(settings)[name])
    raise ModelMissing(f"model '{name}' is not in {settings.models_dir}: run `kefu model fetch`")


def _registry_call(settings: Settings, method: str, *args, **kwargs):
    """One call on the adapter registry of the settings' database (for the settings' base model unless other
    arguments are given), with its engine disposed afterwards."""
    from assistant.db import Database
    from assistant.serving.registry import AdapterRegistry

    db = Database(settings.resolved_database_url)
    try:
        return getattr(AdapterRegistry(db), method)(*(args or (settings.model_name,)), **kwargs)
    finally:
        db.dispose()


def adapters(settings: Settings) -> dict[str, Path]:
    """LoRA adapters offered to vLLM: those of the registry (`kefu finetune list`) for the base model
    (KEFU_MODEL_NAME) that are not retired."""
    return _registry_call(settings, "served")


def default_adapter(settings: Settings) -> str | None:
    """The registry's default adapter for the base model (`kefu finetune promote`), or None to serve it bare."""
    return _registry_call(settings, "default")


def drafting_base(settings: Settings, chat: str) -> str:
    """The base a drafting adapter is trained on and served beside: the base model with a chat adapter merged."""
    return f"{settings.model_name}+{chat}"


def drafting_adapters(settings: Settings, chat: str | None = None) -> dict[str, Path]:
    """Drafting adapters trained on the served chat adapter (`chat`, else the one the agent talks to)."""
    return _registry_call(settings, "served", drafting_base(settings, chat or served_model_name(settings)),
                          task="drafting")


def served_model_name(settings: Settings) -> str:
    """What the agent asks the server for: KEFU_LLM_MODEL, else the default adapter, else the base model."""
    return settings.llm_model or default_adapter(settings) or settings.model_name


def aids_mismatch(settings: Settings) -> str | None:
    """A warning when the served adapter was trained with the small-model aids on and they are off now, or the other
    way round (its card says which; an adapter without a card says nothing)."""
    path = adapters(settings).get(served_model_name(settings))
    if path is None:
        return None
    card, report = Path(path) / "model_card.json", Path(path) / "training_report.json"
    trained = (json.loads(card.read_text()).get("small_model_aids") if card.exists() else None)
    if trained is None and report.exists():
        trained = json.loads(report.read_text()).get("scoped_tools")
    if trained is None or trained == settings.small_model_aids:
        return None
    now = "true" if settings.small_model_aids else "false"
    return (f"adapter {served_model_name(settings)} was trained with the small-model aids "
            f"{'on' if trained else 'off'}, but KEFU_SMALL_MODEL_AIDS is {now}: expect more wrong tool calls, "
            "or set it back")
