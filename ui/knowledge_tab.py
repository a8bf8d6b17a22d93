"""The staff console's knowledge-base tab: upload documents, sync, and edit curated answers."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import gradio as gr

from assistant.config import Settings
from assistant.db import Database
from knowledge.errors import KnowledgeError
from knowledge.sources import SOURCE_TYPES
from ui.staff_accounts import require_admin


def sync_knowledge(settings: Settings, db: Database) -> dict:
    """Mirror the documents folder and the catalog into the knowledge base (what `kefu kb sync` does)."""
    from assistant.knowledge_base import catalog_documents, open_knowledge_base

    kb = open_knowledge_base(settings)
    docs = settings.data_dir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    files = kb.sync_directory(docs, progress=False)
    catalog = kb.sync_documents(catalog_documents(db), "catalog")
    return {"files": asdict(files), "catalog": asdict(catalog)}


def save_uploads(settings: Settings, paths: list[str]) -> list[str]:
    """Copy uploaded documents into the documents folder; refuse types the knowledge base cannot read."""
    docs = settings.data_dir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    saved = []
    for path in paths or []:
        source = Path(path)
        if source.suffix.lower() not in SOURCE_TYPES:
            raise KnowledgeError(f"{source.name}: unsupported type (use {', '.join(sorted(SOURCE_TYPES))})")
        shutil.copy(source, docs / source.name)
        saved.append(source.name)
    return saved


def knowledge_tab(settings: Settings, db: Database) -> None:
    """Render the tab inside the staff console's Blocks."""
    from assistant.knowledge_base import open_knowledge_base

    def curated_rows():
        return [[c["id"], c["question"], c["answer"]] for c in open_knowledge_base(settings).list_curated()]

    def upload(paths, request: gr.Request):
        require_admin(db, request.username)
        try:
            saved = save_uploads(settings, paths)
            report = sync_knowledge(settings, db)
            gr.Info(f"saved {len(saved)} file(s) and synced")
            return report
        except KnowledgeError as exc:
            gr.Warning(str(exc))
            return gr.skip()

    def sync(request: gr.Request):
        require_admin(db, request.username)
        return sync_knowledge(settings, db)

    def add(question, answer, request: gr.Request):
        require_admin(db, request.username)
        try:
            open_knowledge_base(settings).add_curated(question or "", answer or "")
        except KnowledgeError as exc:
            gr.Warning(str(exc))
        return curated_rows(), "", ""

    def remove(answer_id, request: gr.Request):
        require_admin(db, request.username)
        if answer_id:
            open_knowledge_base(settings).remove_curated(answer_id)
        return curated_rows()

    with gr.Tab("Knowledge base"):
        with gr.Row():
            files = gr.File(label="Upload policy, FAQ or product documents", file_count="multiple",
                            file_types=sorted(SOURCE_TYPES))
            with gr.Column():
                sync_button = gr.Button("Sync now")
                report = gr.JSON(label="Last sync")
        curated = gr.Dataframe(headers=["id", "question", "answer"], value=curated_rows, interactive=False,
                               wrap=True, label="Curated answers (win over search for close questions)")
        with gr.Row():
            question = gr.Textbox(label="Question")
            answer = gr.Textbox(label="Answer", lines=2)
            add_button = gr.Button("Add or replace")
        with gr.Row():
            answer_id = gr.Textbox(label="Curated answer id to remove")
            remove_button = gr.Button("Remove", variant="stop")
        files.upload(upload, files, report)
        sync_button.click(sync, None, report)
        add_button.click(add, [question, answer], [curated, question, answer])
        remove_button.click(remove, answer_id, curated)
