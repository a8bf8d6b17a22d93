"""The one settings object. Every value can be set with a `KEFU_`-prefixed environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """kefu settings, read from the environment (`KEFU_<NAME>`) and an optional `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix="KEFU_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    data_dir: Path = Path("var")
    """Directory for the database, models, logs and the knowledge base (git-ignored)."""

    database_url: str | None = None
    """SQLAlchemy URL of the shop database; defaults to SQLite at `<data_dir>/kefu.db`. PostgreSQL works too."""

    pending_action_ttl_s: int = Field(default=1800, ge=60)
    """Seconds a proposed write waits for the shopper's confirmation before it expires."""

    demo_seed: int = 7
    """Seed of the deterministic demo shop built by `kefu shop demo`."""

    log_level: str = "INFO"
    """Log level of the `kefu` command (DEBUG, INFO, WARNING, ERROR)."""

    log_payloads: bool = False
    """Write message and tool payloads to logs. Off by default: payloads carry personal data."""

    @property
    def resolved_database_url(self) -> str:
        """The database URL to use, falling back to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kefu.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()
