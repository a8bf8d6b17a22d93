"""The shop a task file runs against: τ²'s db.json beside the tasks, or the demo shop; built once, copied per trial."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assistant.db import Database

TAU2_DB = Path(__file__).resolve().parents[1] / "shop" / "eval" / "tau2-retail" / "db.json"


def tau2_db_for(tasks_path: Path) -> Path | None:
    """The τ² db.json the tasks run on: one beside them, or the vendored one when `shop.json` beside them says
    `{"shop": "tau2"}` (generated task sets); None means the demo shop."""
    folder = Path(tasks_path).parent
    if (folder / "db.json").exists():
        return folder / "db.json"
    marker = folder / "shop.json"
    if marker.exists() and json.loads(marker.read_text()).get("shop") == "tau2":
        return TAU2_DB
    return None


def shop_template(tasks_path: Path, cache_dir: Path, demo_seed: int) -> Path:
    """A migrated SQLite file holding the tasks' shop, cached by the source's content; a cached one made before a
    newer migration is brought up to date first."""
    tau2_db = tau2_db_for(tasks_path)
    source = f"tau2:{hashlib.sha256(tau2_db.read_bytes()).hexdigest()[:16]}" if tau2_db else f"demo:{demo_seed}"
    path = cache_dir / f"shop-{source.replace(':', '-')}.db"
    if path.exists():
        cached = Database(f"sqlite:///{path}")
        cached.migrate()
        cached.dispose()
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".building")
    scratch.unlink(missing_ok=True)
    db = Database(f"sqlite:///{scratch}")
    db.migrate()
    with db.session() as session:
        if tau2_db:
            from assistant.shop.tau2 import import_tau2, load_tau2

            import_tau2(session, load_tau2(tau2_db))
        else:
            from assistant.shop.demo import build_demo_shop

            build_demo_shop(session, demo_seed)
    db.dispose()
    scratch.rename(path)
    return path
