"""Reading knowledge files of every supported type into chunks, with their content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.chunking import Chunk, chunk_faq_csv, chunk_html, chunk_json, chunk_markdown, chunk_text

SOURCE_TYPES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html",
                ".pdf": "pdf", ".csv": "faq", ".json": "json"}


@dataclass
class Document:
    """A source (file or catalog entry) and its chunks."""

    source: str
    source_type: str
    content_hash: str
    chunks: list[Chunk] = field(default_factory=list)
    updated: float = 0.0


def content_hash(data: bytes) -> str:
    """Short sha256 of the raw bytes: what sync compares."""
    return hashlib.sha256(data).hexdigest()[:32]


def _pdf_chunks(path: Path, title: str) -> list[Chunk]:
    from pypdf import PdfReader

    chunks = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        chunks += chunk_text(page.extract_text() or "", title, section_prefix=f"page {number}, part")
    return chunks


def read_document(path: Path, source: str) -> Document:
    """Chunks of one file; raises ValueError (or a parser error) for an unreadable or corrupt file."""
    kind = SOURCE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"unsupported file type {path.suffix}")
    data = path.read_bytes()
    title = path.stem
    if kind == "pdf":
        chunks = _pdf_chunks(path, title)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from exc
        chunks = {"markdown": chunk_markdown, "html": chunk_html, "text": chunk_text, "faq": chunk_faq_csv,
                  "json": chunk_json}[kind](text, title)
    if not chunks:
        raise ValueError("no text found")
    faq_like = kind == "json" and all(c.text.startswith("Q: ") for c in chunks)
    return Document(source, "faq" if faq_like else kind, content_hash(data), chunks, path.stat().st_mtime)


def discover(root: Path) -> dict[str, Path]:
    """Supported files under `root`, keyed by their POSIX path relative to it (the source name)."""
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix.lower() in SOURCE_TYPES and not p.name.startswith(".")}


def catalog_document(product: dict) -> Document:
    """One product with its variants and prices, as a knowledge document (`catalog/<product_id>`)."""
    lines = [f"{product['name']} (product {product['product_id']})"]
    if product.get("description"):
        lines.append(product["description"])
    lines += product.get("copy", [])
    for variant in product["variants"]:
        options = ", ".join(f"{k}: {v}" for k, v in variant["options"].items())
        stock = "in stock" if variant["available"] else "out of stock"
        lines.append(f"- item {variant['item_id']}: {options}; ${variant['price']:.2f}; {stock}")
    text = "\n".join(lines)
    chunk = Chunk(text=text, section=product["name"], title=product["name"])
    return Document(f"catalog/{product['product_id']}", "catalog", content_hash(text.encode()), [chunk])
