"""The shop a task file runs against: τ²'s db.json beside the tasks, or the demo shop; built once, copied per trial."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.db import Database


def shop_template(tasks_path: Path, cache_dir: Path, demo_seed: int) -> Path:
    """A migrated SQLite file holding the tasks' shop, cached by the source's content."""
    tau2_db = Path(tasks_path).parent / "db.json"
    source = f"tau2:{hashlib.sha256(tau2_db.read_bytes()).hexdigest()[:16]}" if tau2_db.exists() else f"demo:{demo_seed}"
    path = cache_dir / f"shop-{source.replace(':', '-')}.db"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".building")
    scratch.unlink(missing_ok=True)
    db = Database(f"sqlite:///{scratch}")
    db.migrate()
    with db.session() as session:
        if tau2_db.exists():
            from assistant.shop.tau2 import import_tau2, load_tau2

            import_tau2(session, load_tau2(tau2_db))
        else:
            from assistant.shop.demo import build_demo_shop

            build_demo_shop(session, demo_seed)
    db.dispose()
    scratch.rename(path)
    return path
