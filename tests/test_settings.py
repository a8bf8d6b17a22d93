"""One settings object, read from KEFU_ variables, every field documented."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings


def test_defaults(monkeypatch):
    monkeypatch.delenv("KEFU_DATA_DIR", raising=False)
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("var")
    assert settings.resolved_database_url == f"sqlite:///{Path('var/kefu.db').resolve()}"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_PENDING_ACTION_TTL_S", "600")
    settings = Settings(_env_file=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'kefu.db'}"
    assert settings.pending_action_ttl_s == 600
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql+psycopg://kefu@db/kefu")
    assert Settings(_env_file=None).resolved_database_url == "postgresql+psycopg://kefu@db/kefu"


def test_every_setting_has_a_docstring():
    assert all(field.description for field in Settings.model_fields.values())


def test_a_mistyped_command_is_one_usage_error_not_a_traceback(tmp_path):
    from tests.conftest import run_kefu

    proc = run_kefu("serve", env={"KEFU_DATA_DIR": str(tmp_path)}, check=False)
    assert proc.returncode == 2
    assert "No such command 'serve'" in proc.stderr and "Traceback" not in proc.stderr
