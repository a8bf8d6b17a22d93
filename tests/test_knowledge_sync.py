"""Incremental sync with the real embedder and a real persistent Chroma: add, change, delete, no-op, bad files."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from knowledge.embedder import Embedder
from knowledge.errors import KnowledgeError
from knowledge.search import search
from knowledge.store import KnowledgeBase, open_client
from tests.kb_helpers import write_pdf


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def kb(tmp_path, embedder) -> KnowledgeBase:
    return KnowledgeBase(open_client(tmp_path / "chroma", None), "test-kb", embedder)


def _write_docs(root):
    root.mkdir(exist_ok=True)
    (root / "returns.md").write_text("# Returns\n\n## Window\nReturn items within 30 days.\n\n## Refunds\n"
                                     "Refunds take 5 to 7 business days.\n")
    (root / "shipping.txt").write_text("We ship with UPS.\n\nExpress delivery takes two days.")
    (root / "faq.csv").write_text("question,answer\nDo you gift wrap?,Yes for $4.\nDo you ship abroad?,No.\n")
    (root / "faq.json").write_text(json.dumps([{"question": "Is there a store?", "answer": "Online only."}]))
    (root / "page.html").write_text("<html><head><style>x{}</style></head><body><h1>Care</h1><h2>Washing</h2>"
                                    "<p>Wash cold, hang dry.</p><script>alert(1)</script></body></html>")
    write_pdf(root / "gift.pdf", ["Gift wrapping costs 4 dollars per item."])
    return root


def test_first_sync_adds_every_type(kb, tmp_path):
    report = kb.sync_directory(_write_docs(tmp_path / "docs"), progress=False)
    assert sorted(report.added) == ["faq.csv", "faq.json", "gift.pdf", "page.html", "returns.md", "shipping.txt"]
    assert not report.errors
    stats = kb.stats()
    assert stats["by_source_type"] == {"markdown": 2, "text": 1, "faq": 3, "html": 1, "pdf": 1}
    assert stats["embedder"] == "all-MiniLM-L6-v2" and stats["dimension"] == 384
    html = search(kb, "how should I wash it", k=1)[0]
    assert html.source == "page.html" and "alert" not in html.text and html.section == "Care > Washing"


def test_second_sync_with_nothing_changed_does_nothing(kb, tmp_path):
    docs = _write_docs(tmp_path / "docs")
    kb.sync_directory(docs, progress=False)
    embedded = kb.embedder.texts_embedded
    report = kb.sync_directory(docs, progress=False)
    assert not report.changed and report.unchanged == 6 and kb.embedder.texts_embedded == embedded


def test_changed_file_is_re_embedded_and_removed_file_deleted(kb, tmp_path):
    docs = _write_docs(tmp_path / "docs")
    kb.sync_directory(docs, progress=False)
    (docs / "returns.md").write_text("# Returns\n\n## Window\nReturn items within 60 days.\n")
    (docs / "shipping.txt").unlink()
    embedded = kb.embedder.texts_embedded
    report = kb.sync_directory(docs, progress=False)
    assert report.updated == ["returns.md"] and report.deleted == ["shipping.txt"] and not report.added
    assert kb.embedder.texts_embedded - embedded == 1
    sources = {m["source"] for m in kb.collection.get(include=["metadatas"])["metadatas"]}
    assert "shipping.txt" not in sources
    texts = kb.collection.get(where={"source": "returns.md"}, include=["documents"])["documents"]
    assert texts == ["Returns > Window\nReturn items within 60 days."]


def test_bad_files_are_reported_and_skipped_and_nothing_is_lost(kb, tmp_path):
    docs = _write_docs(tmp_path / "docs")
    kb.sync_directory(docs, progress=False)
    (docs / "gift.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (docs / "latin.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (docs / "empty.md").write_text("   \n")
    report = kb.sync_directory(docs, progress=False)
    assert set(report.errors) == {"gift.pdf", "latin.txt", "empty.md"}
    assert "not UTF-8" in report.errors["latin.txt"]
    assert not report.deleted and not report.added
    assert kb.collection.get(where={"source": "gift.pdf"})["ids"], "the last good version stays searchable"


def test_one_changed_file_in_a_thousand_re_embeds_only_its_chunks(kb, tmp_path):
    docs = tmp_path / "many"
    docs.mkdir()
    for i in range(1000):
        (docs / f"doc{i:04d}.md").write_text(f"# Item {i}\n\n## Facts\nItem {i} weighs {i} grams.\n\n## Care\nKeep dry.\n")
    kb.sync_directory(docs, progress=False)
    assert kb.collection.count() == 2000
    calls, texts = kb.embedder.calls, kb.embedder.texts_embedded
    (docs / "doc0500.md").write_text("# Item 500\n\n## Facts\nItem 500 now weighs 9 grams.\n\n## Care\nKeep dry.\n")
    report = kb.sync_directory(docs, progress=False)
    assert report.updated == ["doc0500.md"] and report.unchanged == 999
    assert (kb.embedder.calls - calls, kb.embedder.texts_embedded - texts) == (1, 2)


def test_citation_ids_are_stable_and_structured(kb, tmp_path):
    docs = _write_docs(tmp_path / "docs")
    kb.sync_directory(docs, progress=False)
    first = search(kb, "How long do refunds take?", k=1)[0]
    assert first.citation == "returns.md#refunds:1" and first.section == "Returns > Refunds"
    (docs / "shipping.txt").write_text("We ship with FedEx now.")
    kb.sync_directory(docs, progress=False)
    assert search(kb, "How long do refunds take?", k=1)[0].citation == first.citation


def test_embedders_are_never_mixed(tmp_path, embedder):
    client = open_client(tmp_path / "chroma", None)
    client.get_or_create_collection("mixed-kb", metadata={"embedder": "bge-m3", "dimension": 1024})
    with pytest.raises(KnowledgeError, match="built with bge-m3"):
        KnowledgeBase(client, "mixed-kb", embedder)


def test_third_party_json_guidelines_are_ingested_generically(kb, tmp_path):
    docs = tmp_path / "abcd"
    docs.mkdir()
    (docs / "guidelines.json").write_bytes((Path(__file__).parent / "data" / "abcd" / "guidelines.json").read_bytes())
    report = kb.sync_directory(docs, progress=False)
    assert report.added == ["guidelines.json"] and kb.stats()["by_source_type"] == {"json": kb.collection.count()}
    top = search(kb, "The customer forgot their username", k=3)
    assert any("Username" in p.text or "username" in p.text for p in top)
    assert all(p.citation.startswith("guidelines.json#") for p in top)
