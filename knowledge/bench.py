"""`kefu bench kb`: ingest throughput, query latency at 10k and 100k chunks, dense vs BM25 vs hybrid."""

from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path

import numpy as np

from knowledge.evaluation import evaluate
from knowledge.search import search
from knowledge.sources import Document
from knowledge.store import KnowledgeBase

FILLER_WORDS = ("order delivery parcel refund invoice colour size fabric warranty battery charger kettle blender "
                "voucher courier address account password discount bundle sample replacement bracket hinge lid "
                "strap zipper cushion filter nozzle cable adapter").split()


def _percentiles(samples: list[float]) -> dict:
    cut = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(cut[94] * 1000, 2)}


def _latency(kb: KnowledgeBase, questions: list[str], mode: str) -> dict:
    search(kb, questions[0], mode=mode)  # builds the BM25 index once, outside the timing
    samples = []
    for question in questions:
        began = time.perf_counter()
        search(kb, question, k=5, mode=mode)
        samples.append(time.perf_counter() - began)
    return _percentiles(samples)


def _add_filler(kb: KnowledgeBase, count: int, start: int, rng: random.Random) -> None:
    """Synthetic chunks with random unit vectors: they load the index without paying for embeddings."""
    dim = kb.embedder.dimension
    for offset in range(0, count, 5000):
        size = min(5000, count - offset)
        ids = [f"filler/{start + offset + i}#part:0" for i in range(size)]
        texts = [" ".join(rng.choices(FILLER_WORDS, k=24)) for _ in range(size)]
        vectors = np.random.default_rng(start + offset).standard_normal((size, dim)).astype("float32")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        metas = [{"source": i.split("#")[0], "source_type": "text", "origin": "filler", "title": "filler",
                  "section": "part", "language": "en", "updated": "", "content_hash": "", "citation": i} for i in ids]
        kb.collection.add(ids=ids, documents=texts, embeddings=list(vectors), metadatas=metas)
    kb.bump_revision("revision")


def run_kb_bench(kb: KnowledgeBase, docs_dir: Path, catalog: list[Document], items: list[dict], out: Path,
                 sizes: tuple[int, ...] = (10_000, 100_000), probes: int = 100) -> dict:
    """Measure everything on `kb` (an empty collection) and write kb.json and kb.png under `out`."""
    rng = random.Random(7)
    began = time.perf_counter()
    embedded = kb.sync_directory(docs_dir, progress=False).chunks_embedded
    embedded += kb.sync_documents(catalog, "catalog").chunks_embedded
    ingest_s = time.perf_counter() - began
    questions = [item["question"] for item in items]
    quality = {mode: evaluate(kb, items, mode) | _latency(kb, questions, mode) for mode in ("dense", "bm25", "hybrid")}
    chunk_type = type(catalog[0].chunks[0])
    extra = [Document(f"synthetic/{i}", "text", f"h{i}", [chunk_type(
        text=" ".join(rng.choices(FILLER_WORDS, k=60)), section="part", title="synthetic")]) for i in range(1000)]
    began = time.perf_counter()
    embedded += kb.sync_documents(extra, "synthetic").chunks_embedded
    ingest_s += time.perf_counter() - began
    result = {"embedder": kb.embedder.label, "ingest": {"chunks": embedded, "seconds": round(ingest_s, 2),
                                                         "chunks_per_s": round(embedded / ingest_s, 1)},
              "quality": quality, "latency": {}}
    total = kb.collection.count()
    for size in sizes:
        _add_filler(kb, size - total, total, rng)
        total = size
        probe = rng.sample(questions, min(probes, len(questions)))
        result["latency"][str(size)] = {mode: _latency(kb, probe, mode) for mode in ("dense", "bm25", "hybrid")}
    out.mkdir(parents=True, exist_ok=True)
    (out / "kb.json").write_text(json.dumps(result, indent=2))
    _chart(result, out / "kb.png")
    return result


def _chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = ("dense", "bm25", "hybrid")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.bar(modes, [result["quality"][m]["recall@5"] for m in modes], color="#3b7dd8")
    left.set_ylim(0, 1)
    left.set_ylabel("recall@5 on the demo question set")
    sizes = list(result["latency"])
    for mode in modes:
        right.plot(sizes, [result["latency"][s][mode]["p50_ms"] for s in sizes], marker="o", label=mode)
    right.set_xlabel("chunks in the collection")
    right.set_ylabel("query p50, ms (embedding included)")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
