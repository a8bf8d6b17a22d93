"""KnowledgeBase: a Chroma collection with incremental sync, hybrid search and curated answers."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from knowledge.chunking import language_of
from knowledge.embedder import Embedder
from knowledge.errors import KnowledgeError
from knowledge.sources import Document, content_hash, discover, read_document

log = logging.getLogger(__name__)
BATCH = 256


@dataclass
class SyncReport:
    """What a sync did, source by source."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    chunks_embedded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)


def slug(text: str) -> str:
    """A URL-safe form of a section name (CJK kept)."""
    return re.sub(r"[^\w\u3400-\u9fff]+", "-", text.split(" > ")[-1].lower()).strip("-")[:60] or "section"


_CLIENTS: dict[str, object] = {}
_CLIENTS_LOCK = threading.Lock()


def open_client(path: Path | None, url: str | None):
    """An HttpClient for `url` (a `chroma run` server), else the process's one PersistentClient for `path`.

    Chroma keeps a per-path cache of its internals that two clients opened at once on the same path corrupt
    (`KeyError: '<path>'`, then "Could not connect to tenant"), so embedded clients are shared and opened under a
    lock, keyed by the resolved path so that `var/chroma` and `/abs/var/chroma` are one client.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(host=parsed.hostname, port=parsed.port or 8000, ssl=parsed.scheme == "https",
                                   settings=chroma_settings)
    key = str(Path(path).resolve())
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            try:
                Path(key).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise KnowledgeError(f"cannot create the knowledge base folder {key}: {exc.strerror}") from exc
            client = _CLIENTS[key] = chromadb.PersistentClient(path=key, settings=chroma_settings)
        return client


class KnowledgeBase:
    """One named collection; embeddings always come from our embedder, never Chroma's default."""

    def __init__(self, client, name: str = "kefu", embedder: Embedder | None = None,
                 curated_threshold: float = 0.8):
        if len(name) < 3:
            raise KnowledgeError("collection names need at least 3 characters")
        self.client, self.name = client, name
        self.embedder = embedder or Embedder()
        self.curated_threshold = curated_threshold
        self.collection = self._collection(name)
        self.curated = self._collection(f"{name}-curated")
        self._lexical = None
        self._lexical_revision = None
        self._counts: tuple[tuple, dict[str, int]] | None = None

    def _collection(self, name: str):
        meta = {"embedder": self.embedder.label, "dimension": self.embedder.dimension}
        with _CLIENTS_LOCK:  # two first uses at once would both try to create the collection
            collection = self.client.get_or_create_collection(name, metadata={**meta, "revision": 0},
                                                              configuration={"hnsw": {"space": "cosine"}})
        stored = collection.metadata or {}
        if (stored.get("embedder"), stored.get("dimension")) != (meta["embedder"], meta["dimension"]):
            raise KnowledgeError(f"collection '{name}' was built with {stored.get('embedder')} "
                                 f"({stored.get('dimension')} dimensions), not {meta['embedder']} "
                                 f"({meta['dimension']}); use another --collection or re-sync into a new one")
        return collection

    def get_all(self, include: list[str], where: dict | None = None, page: int = 2000) -> dict:
        """Every matching record, fetched page by page (one big get overflows SQLite's variable limit)."""
        merged = {"ids": [], **{key: [] for key in include}}
        offset = 0
        while True:
            got = self.collection.get(where=where, include=include, limit=page, offset=offset)
            for key in merged:
                merged[key] += got[key]
            if len(got["ids"]) < page:
                return merged
            offset += page

    # ---- writing -------------------------------------------------------------------------------
    def _existing(self, origin: str) -> dict[str, str]:
        got = self.get_all(["metadatas"], where={"origin": origin})
        return {m["source"]: m["content_hash"] for m in got["metadatas"]}

    def _stage(self, document: Document, origin: str, staged: dict[str, list]) -> int:
        """Queue a document's chunks for embedding; flushed in batches by `_flush`."""
        updated = datetime.fromtimestamp(document.updated or datetime.now().timestamp(), timezone.utc).isoformat()
        for ordinal, chunk in enumerate(document.chunks):
            citation = f"{document.source}#{slug(chunk.section)}:{ordinal}"
            staged["ids"].append(citation)
            staged["documents"].append(chunk.text)
            staged["metadatas"].append({
                "source": document.source, "source_type": document.source_type, "origin": origin,
                "title": chunk.title, "section": chunk.section, "language": language_of(chunk.text),
                "updated": updated, "content_hash": document.content_hash, "citation": citation})
        if len(staged["ids"]) >= BATCH:
            self._flush(staged)
        return len(document.chunks)

    def _flush(self, staged: dict[str, list]) -> None:
        """Embed and add the queued chunks, one embedder call per batch."""
        while staged["ids"]:
            batch = {key: values[:BATCH] for key, values in staged.items()}
            self.collection.add(**batch, embeddings=self.embedder(batch["documents"]))
            for values in staged.values():
                del values[:BATCH]

    def _sync(self, items: dict[str, tuple[str, Callable[[], Document]]], origin: str, progress: bool) -> SyncReport:
        """Add or re-embed what changed, delete what vanished; `items` maps source → (hash, loader)."""
        report, existing = SyncReport(), self._existing(origin)
        staged = {"ids": [], "documents": [], "metadatas": []}
        for source, (digest, load) in tqdm(items.items(), desc=f"sync {self.name}", unit="file",
                                            disable=not progress, leave=False):
            if existing.get(source) == digest:
                report.unchanged += 1
                continue
            try:
                document = load()
            except Exception as exc:  # noqa: BLE001  (any parser failure: report it, skip the file, keep going)
                report.errors[source] = f"{type(exc).__name__}: {exc}"
                log.warning("skipped %s: %s", source, exc)
                continue
            if source in existing:
                self.collection.delete(where={"source": source})
            report.chunks_embedded += self._stage(document, origin, staged)
            (report.updated if source in existing else report.added).append(source)
        self._flush(staged)
        for source in sorted(set(existing) - set(items)):
            self.collection.delete(where={"source": source})
            report.deleted.append(source)
        if report.changed:
            self.bump_revision("revision")
        return report

    def sync_directory(self, root: Path, progress: bool = True) -> SyncReport:
        """Mirror a folder of documents: content hashes decide what is re-embedded."""
        if not Path(root).is_dir():
            raise KnowledgeError(f"{root} is not a folder")
        items = {}
        for source, path in discover(Path(root)).items():
            items[source] = (content_hash(path.read_bytes()), lambda p=path, s=source: read_document(p, s))
        return self._sync(items, "files", progress)

    def sync_documents(self, documents: Iterable[Document], origin: str, progress: bool = False) -> SyncReport:
        """Mirror ready-made documents (such as the product catalog) under their own origin."""
        return self._sync({d.source: (d.content_hash, lambda d=d: d) for d in documents}, origin, progress)

    def bump_revision(self, key: str = "revision") -> None:
        """Advance a revision counter in the collection metadata, so every process drops its caches."""
        metadata = self.client.get_collection(self.name).metadata or {}
        self.collection.modify(metadata={**metadata, key: int(metadata.get(key, 0)) + 1})

    def _revisions(self) -> tuple:
        metadata = self.client.get_collection(self.name).metadata or {}
        return metadata.get("revision", 0), metadata.get("curated_revision", 0)

    def counts(self) -> dict[str, int]:
        """Chunk and curated-answer counts, cached until a sync or curated edit (count() is slow at 100k)."""
        revisions = self._revisions()
        if self._counts is None or self._counts[0] != revisions:
            self._counts = (revisions, {"chunks": self.collection.count(), "curated": self.curated.count()})
        return self._counts[1]

    # ---- curated answers -----------------------------------------------------------------------
    def add_curated(self, question: str, answer: str, answer_id: str | None = None) -> str:
        """Store a staff-written answer; it wins for questions close enough to `question`."""
        if not question.strip() or not answer.strip():
            raise KnowledgeError("a curated answer needs a question and an answer")
        answer_id = answer_id or f"curated:{content_hash(question.strip().lower().encode())[:12]}"
        self.curated.upsert(ids=[answer_id], documents=[question.strip()], embeddings=self.embedder([question]),
                            metadatas=[{"answer": answer.strip(), "language": language_of(question)}])
        self.bump_revision("curated_revision")
        return answer_id

    def remove_curated(self, answer_id: str) -> None:
        """Delete a curated answer."""
        self.curated.delete(ids=[answer_id])
        self.bump_revision("curated_revision")

    def list_curated(self) -> list[dict]:
        """Every curated answer: id, question, answer."""
        got = self.curated.get(include=["documents", "metadatas"])
        return [{"id": i, "question": q, "answer": m["answer"]}
                for i, q, m in zip(got["ids"], got["documents"], got["metadatas"])]

    # ---- reading -------------------------------------------------------------------------------
    def lexical(self):
        """The BM25 index, rebuilt when the collection's revision changed."""
        from knowledge.lexical import LexicalIndex

        revision = self._revisions()[0]
        if self._lexical is None or revision != self._lexical_revision:
            got = self.get_all(["documents", "metadatas"])
            self._lexical = LexicalIndex(got["ids"], got["documents"], got["metadatas"])
            self._lexical_revision = revision
        return self._lexical

    def stats(self) -> dict:
        """Counts by source type and language, the embedder, and the curated answers."""
        metas = self.get_all(["metadatas"])["metadatas"]
        by_type, by_language = {}, {}
        for m in metas:
            by_type[m["source_type"]] = by_type.get(m["source_type"], 0) + 1
            by_language[m["language"]] = by_language.get(m["language"], 0) + 1
        return {"collection": self.name, "chunks": len(metas), "sources": len({m["source"] for m in metas}),
                "by_source_type": by_type, "by_language": by_language, "embedder": self.embedder.label,
                "dimension": self.embedder.dimension, "curated_answers": self.curated.count()}
