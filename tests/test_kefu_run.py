"""`kefu run` as a newcomer starts it: a subprocess on free ports with the real model, the demo shop and its
knowledge base; it answers in English and Chinese, prints a staff login that works, and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.serving.server import port_in_use
from tests.conftest import free_port, run_kefu

ROOT = Path(__file__).resolve().parents[1]


def _start(env: dict, log: Path) -> tuple[subprocess.Popen, list[str]]:
    kefu = Path(sys.executable).parent / "kefu"
    proc = subprocess.Popen([str(kefu), "run"], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=log.open("w"), text=True, start_new_session=True, cwd=ROOT)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    return proc, lines


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 420) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"kefu run exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"kefu run was not up within {timeout_s} s:\n{log.read_text()[-3000:]}")


@pytest.mark.vllm
def test_kefu_run_starts_answers_in_both_languages_logs_staff_in_and_stops(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    (data / "models").symlink_to((ROOT / "var" / "models").resolve())  # fetched by `make model`, as `make run` does
    vllm_port, ui_port = free_port(), free_port()
    env = {"KEFU_DATA_DIR": str(data), "KEFU_SERVE_PORT": str(vllm_port), "KEFU_UI_PORT": str(ui_port),
           "KEFU_STAFF_PASSWORD_HASH": "", "HF_HUB_OFFLINE": "1"}
    run_kefu("shop", "demo", "--if-empty", env=env)
    run_kefu("model", "add-adapter", str(ROOT / "finetune" / "adapters" / "kefu-default"), env=env)
    run_kefu("kb", "sync", env=env)
    log = tmp_path / "kefu-run.log"
    proc, lines = _start(env, log)
    url = f"http://127.0.0.1:{ui_port}"
    try:
        _wait_healthy(url, proc, log)
        with httpx.Client(base_url=url, timeout=180) as client:
            session = client.post("/api/sessions").json()["session_id"]
            english = client.post(f"/api/sessions/{session}/messages",
                                  json={"text": "Hello! How many days do I have to return an item?"}).json()
            assert english["text"].strip() and english["language"] == "en" and not english["handed_off"]
            session = client.post("/api/sessions").json()["session_id"]
            chinese = client.post(f"/api/sessions/{session}/messages", json={"text": "你好，退货政策是什么？"}).json()
            assert chinese["text"].strip() and chinese["language"] == "zh"

            printed = "".join(lines)
            password = re.search(r"name: demo\s+password: (\S+)", printed)
            assert password, printed
            assert client.post("/staff/login", data={"username": "demo", "password": "wrong-password"}
                               ).status_code >= 400
            login = client.post("/staff/login", data={"username": "demo", "password": password.group(1)})
            assert login.status_code == 200 and login.cookies
            assert client.get("/staff/").status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert not port_in_use("127.0.0.1", vllm_port) and not port_in_use("127.0.0.1", ui_port)


def test_a_busy_web_port_is_one_clear_line_before_anything_starts(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"KEFU_DATA_DIR": str(tmp_path), "KEFU_UI_PORT": str(port), "KEFU_SERVE_PORT": str(free_port())}
        run_kefu("shop", "demo", env=env)
        started = run_kefu("run", env=env, check=False)
    assert started.returncode == 1 and f"port {port} on 127.0.0.1 is busy" in started.stderr
    assert [line for line in started.stderr.splitlines() if line.startswith("error:")] == [
        f"error: port {port} on 127.0.0.1 is busy: stop what runs there or set KEFU_UI_PORT"]


def test_a_missing_model_is_one_clear_line_and_the_shop_is_kept(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path), "KEFU_UI_PORT": str(free_port()), "KEFU_SERVE_PORT": str(free_port())}
    run_kefu("shop", "demo", env=env)
    before = (tmp_path / "kefu.db").read_bytes()
    started = run_kefu("run", env=env, check=False)
    errors = [line for line in started.stderr.splitlines() if line.startswith("error:")]
    assert started.returncode == 1 and errors == [
        f"error: model 'smollm2-135m-instruct' is not in {tmp_path / 'models'}: run `kefu model fetch`"]
    assert (tmp_path / "kefu.db").read_bytes() == before


def test_an_unreadable_knowledge_folder_is_one_clear_line(tmp_path):
    (tmp_path / "docs").write_text("a file where the documents folder should be")
    synced = run_kefu("kb", "sync", env={"KEFU_DATA_DIR": str(tmp_path)}, check=False)
    assert synced.returncode == 1 and synced.stderr.strip() == f"error: {tmp_path / 'docs'} is not a folder"


def test_the_demo_login_is_an_admin_account_made_once(db, capsys, tmp_path):
    from assistant.cli.web import with_staff_login
    from assistant.config import Settings
    from ui.auth import widget_secret
    from ui.staff_accounts import check_login, list_accounts, role_of

    settings = Settings(_env_file=None)
    with_staff_login(settings, db, "http://127.0.0.1:7860/staff")
    password = re.search(r"name: demo\s+password: (\S+)", capsys.readouterr().out).group(1)
    assert check_login(db, "demo", password, None) and role_of(db, "demo") == "admin"
    with_staff_login(settings, db, "http://127.0.0.1:7860/staff")  # later starts make nothing, print no password
    assert "password:" not in capsys.readouterr().out and len(list_accounts(db)) == 1
    assert widget_secret(tmp_path) == widget_secret(tmp_path) and len(widget_secret(tmp_path)) == 64
    assert (tmp_path / "widget-secret").stat().st_mode & 0o777 == 0o600
