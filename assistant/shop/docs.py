"""The demo shop's policy and FAQ documents, copied into the data directory for the knowledge base."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path


def demo_doc_names() -> list[str]:
    """File names of the packaged policy and FAQ documents."""
    return sorted(p.name for p in files("assistant.shop").joinpath("docs").iterdir() if p.name.endswith(".md"))


def write_demo_docs(target: Path) -> list[Path]:
    """Copy the policy and FAQ markdown files to `target`; returns the written paths."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in demo_doc_names():
        with files("assistant.shop").joinpath("docs", name).open("rb") as source, open(target / name, "wb") as out:
            shutil.copyfileobj(source, out)
        written.append(target / name)
    return written
