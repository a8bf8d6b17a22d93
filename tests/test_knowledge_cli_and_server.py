"""`kefu kb` end to end, and the knowledge base against a real `chroma run` server process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from knowledge.embedder import Embedder
from knowledge.search import search
from knowledge.store import KnowledgeBase, open_client
from tests.conftest import json_lines, run_kefu


def _docs(root: Path) -> Path:
    root.mkdir()
    (root / "returns.md").write_text("# Returns\n\n## Window\nReturn items within 30 days of delivery.\n\n"
                                     "## Refunds\nRefunds take 5 to 7 business days.\n")
    (root / "faq.zh.md").write_text("# 常见问题\n\n## 退款多久到账？\n银行卡退款需要 5 到 7 个工作日。\n")
    return root


def test_kb_commands(tmp_path):
    docs = _docs(tmp_path / "docs")
    env = {"KEFU_DATA_DIR": str(tmp_path / "data")}
    synced = run_kefu("kb", "sync", str(docs), "--no-catalog", "--collection", "cli-kb", env=env).stdout
    assert "files: 2 added, 0 updated, 0 deleted, 0 unchanged, 3 chunks embedded" in synced
    again = run_kefu("kb", "sync", str(docs), "--no-catalog", "--collection", "cli-kb", env=env).stdout
    assert "files: 0 added, 0 updated, 0 deleted, 2 unchanged, 0 chunks embedded" in again
    hits = json.loads(run_kefu("kb", "search", "how long do refunds take", "-k", "2", "--json",
                               "--collection", "cli-kb", env=env).stdout)
    assert hits[0]["citation"] == "returns.md#refunds:1" and len(hits) == 2
    stats = json.loads(run_kefu("kb", "stats", "--collection", "cli-kb", env=env).stdout)
    assert stats["chunks"] == 3 and stats["by_language"] == {"en": 2, "zh": 1}
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"question": "refund timing", "relevant": ["returns.md#refunds"]},
        {"question": "退款多久到账", "answer_contains": "5 到 7  个工作日"},
        {"question": "deadline to send back", "relevant": ["returns.md"]}]))
    metrics = json_lines(run_kefu("kb", "eval", str(questions), "--json", "--collection", "cli-kb", env=env).stdout)[0]
    assert set(metrics) == {"recall@1", "recall@5", "recall@10", "mrr@10", "n"} and metrics["n"] == 3
    assert metrics["recall@5"] == 1.0
    empty = run_kefu("kb", "search", " ", "--collection", "cli-kb", env=env, check=False)
    assert empty.returncode == 1 and empty.stderr.strip() == "error: the query is empty; ask a question"


def test_collections_live_side_by_side(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path / "data")}
    run_kefu("kb", "sync", str(_docs(tmp_path / "docs")), "--no-catalog", "--collection", "shop-a", env=env)
    stats = json.loads(run_kefu("kb", "stats", "--collection", "shop-b", env=env).stdout)
    assert stats["chunks"] == 0 and stats["collection"] == "shop-b"


@pytest.fixture
def chroma_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("chroma run did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


def test_against_a_chroma_server(chroma_server, tmp_path):
    kb = KnowledgeBase(open_client(None, chroma_server), "server-kb", Embedder())
    report = kb.sync_directory(_docs(tmp_path / "docs"), progress=False)
    assert len(report.added) == 2 and kb.collection.count() == 3
    assert search(kb, "退款多久到账", k=1)[0].source == "faq.zh.md"
    again = KnowledgeBase(open_client(None, chroma_server), "server-kb", Embedder())
    assert not again.sync_directory(_docs(tmp_path / "docs2"), progress=False).changed
