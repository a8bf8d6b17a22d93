"""Several threads opening the embedded knowledge base at the same moment on a fresh folder, as the web front
end's warm-up thread and the staff console do at start-up."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from assistant.config import Settings
from assistant.knowledge_base import open_knowledge_base
from knowledge.search import search
from knowledge.store import open_client

THREADS = 6


def test_concurrent_first_opens_share_one_client_and_all_work(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "var")
    start = threading.Barrier(THREADS)

    def open_and_search(n: int):
        start.wait()
        kb = open_knowledge_base(settings)
        kb.sync_documents([], "catalog")
        return kb, search(kb, f"return policy {n}", k=1)

    with ThreadPoolExecutor(THREADS) as pool:
        opened = list(pool.map(open_and_search, range(THREADS)))
    clients = {id(kb.client) for kb, _ in opened}
    assert len(clients) == 1 and all(found == [] for _, found in opened)


def test_relative_and_absolute_paths_are_one_client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert open_client(tmp_path / "chroma", None) is open_client(type(tmp_path)("chroma"), None)
