"""τ² import and export: a lossless round trip, through the API and the real `kefu` command."""

from __future__ import annotations

import json

import pytest

from assistant.db import Database
from assistant.shop.tau2 import ShopImportError, export_tau2, import_tau2, load_tau2, write_json
from tests.conftest import run_kefu


def test_round_trip_is_byte_identical(db, tau2_dir, tmp_path):
    with db.session() as session:
        data = export_tau2(session)
    write_json(data, tmp_path / "out.json")
    assert (tmp_path / "out.json").read_bytes() == (tau2_dir / "db.json").read_bytes()
    assert data == json.loads((tau2_dir / "db.json").read_text())


def test_cli_round_trip_honours_database_url(tau2_dir, tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path / "data"), "KEFU_DATABASE_URL": f"sqlite:///{tmp_path / 'custom.db'}"}
    imported = run_kefu("shop", "import", "--format", "tau2", str(tau2_dir / "db.json"), env=env)
    assert "500 customers, 1000 orders" in imported.stdout
    run_kefu("shop", "export", "--format", "tau2", str(tmp_path / "out.json"), env=env)
    assert json.loads((tmp_path / "out.json").read_text()) == json.loads((tau2_dir / "db.json").read_text())
    assert (tmp_path / "custom.db").exists() and not (tmp_path / "data" / "kefu.db").exists()


def test_import_refuses_non_empty_shop(db, tau2_dir):
    with pytest.raises(ShopImportError, match="not empty"), db.session() as session:
        import_tau2(session, load_tau2(tau2_dir / "db.json"))


@pytest.mark.parametrize("content,message", [
    ("{not json", "problem"),
    ('{"products": {}, "users": {}}', "orders: Field required"),
    ('{"products": {}, "users": {}, "orders": {"#W1": {"order_id": "#W1"}}}', "orders.#W1.user_id"),
])
def test_bad_file_gives_clear_error_and_writes_nothing(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ShopImportError, match=message):
        load_tau2(path)
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    proc = run_kefu("shop", "import", "--format", "tau2", str(path), env=env, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("error: ") and len(proc.stderr.splitlines()) == 1
    assert Database(f"sqlite:///{tmp_path / 'kefu.db'}").is_empty()


def test_missing_file(tmp_path):
    with pytest.raises(ShopImportError, match="cannot read"):
        load_tau2(tmp_path / "absent.json")
