"""The staff console's fine-tuning tab: build a dataset from recorded conversations, train an adapter with
live progress, compare adapters' held-out metrics, promote or roll back.

Building and training run as `kefu finetune …` subprocesses, so a long CPU run never blocks the web
server and survives a closed browser tab; one job runs at a time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import gradio as gr

from assistant.config import Settings
from assistant.db import Database
from assistant.errors import KefuError
from assistant.serving.registry import AdapterRegistry
from ui.staff_accounts import require_admin

STEP = re.compile(r"(\d+)/(\d+) \[")
METRICS = ("next_action_accuracy", "argument_exact_match", "valid_json_rate")


def step_fraction(log: str) -> float:
    """How far a job is, from the last `step/total [` of its tqdm progress bar (0 before the first)."""
    steps = STEP.findall(log)
    return int(steps[-1][0]) / max(1, int(steps[-1][1])) if steps else 0.0


class Job:
    """The one fine-tuning subprocess of this web server, with its log file."""

    def __init__(self, log_dir: Path):
        self.log_dir, self.process, self.log_path, self.lock = log_dir, None, None, threading.Lock()

    def start(self, name: str, args: list[str]) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                raise KefuError("a fine-tuning job is already running")
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = self.log_dir / f"{name}.log"
            with self.log_path.open("w") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "assistant", "finetune", *args],
                                                stdout=log, stderr=subprocess.STDOUT)

    def progress(self) -> tuple[float, str]:
        """(fraction done, last log lines) of the current or last job."""
        if self.log_path is None or not self.log_path.exists():
            return 0.0, "no job yet"
        text = self.log_path.read_text(errors="replace")
        done = step_fraction(text)
        state = "running" if self.process and self.process.poll() is None else f"exit code {self.process.returncode}"
        tail = "\n".join(text.replace("\r", "\n").splitlines()[-12:])
        return (1.0 if state == "exit code 0" else done), f"{state}\n{tail}"


def adapter_rows(db: Database) -> list[list]:
    """Registered adapters with the base model's and the adapter's held-out metrics side by side."""
    rows = []
    for row in AdapterRegistry(db).all():
        base, adapter = row.figures("base"), row.figures("adapter")
        rows.append([row.name, row.status, *(f"{base.get(k, '–')} → {adapter.get(k, '–')}" for k in METRICS),
                     (row.data_sha256 or "")[:12], row.created_at.strftime("%Y-%m-%d %H:%M")])
    return rows


def finetune_tab(settings: Settings, db: Database) -> None:
    """Render the tab inside the staff console's Blocks."""
    job = Job(settings.data_dir / "logs" / "finetune")

    def start(name: str, args: list[str]):
        try:
            job.start(name, args)
            gr.Info(f"started: kefu finetune {' '.join(args)}")
        except KefuError as exc:
            gr.Warning(str(exc))
        return poll()

    def poll():
        fraction, text = job.progress()
        return round(fraction * 100), text

    def build(request: gr.Request):
        require_admin(db, request.username)
        sources = [str(p) for p in [settings.data_dir / "finetune" / "simulated.jsonl"] if p.exists()]
        return start("build", ["build", "--recorded", *sources])

    def train(name: str, minutes: float, request: gr.Request):
        require_admin(db, request.username)
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name or ""):
            gr.Warning("adapter names are 1-64 letters, digits, '.', '_' or '-'")
            return poll()
        return start(f"train-{name}", ["train", "--name", name, "--max-minutes", str(minutes)])

    def evaluate(name: str, request: gr.Request):
        require_admin(db, request.username)
        return start(f"eval-{name}", ["eval", "--name", name, "--limit", "40"])

    def promote_adapter(name: str, request: gr.Request):
        require_admin(db, request.username)
        return registry("promote", name)

    def roll_back(request: gr.Request):
        require_admin(db, request.username)
        return registry("rollback", "")

    def registry(kind: str, name: str):
        try:
            reg = AdapterRegistry(db)
            row = reg.promote(name) if kind == "promote" else reg.rollback(settings.model_name)
            gr.Info(f"{row.name} is the default adapter; restart `kefu model serve` to serve it")
        except KefuError as exc:
            gr.Warning(str(exc))
        return adapter_rows(db)

    with gr.Tab("Fine-tuning"):
        gr.Markdown("Rated, resolved and corrected conversations become training data; an adapter is trained "
                    "on this machine and compared with the base model on held-out turns.")
        with gr.Row():
            build_button = gr.Button("Build dataset from recorded conversations")
            name = gr.Textbox(label="New adapter name", value="kefu-shop")
            minutes = gr.Number(label="Training minutes", value=40, minimum=1, maximum=600)
            train_button = gr.Button("Train", variant="primary")
            eval_button = gr.Button("Evaluate")
        progress = gr.Slider(0, 100, label="Progress (%)", interactive=False)
        log = gr.Textbox(label="Job log", lines=8, interactive=False)
        table = gr.Dataframe(headers=["adapter", "status", "next action (base → adapter)", "arguments",
                                      "valid JSON", "data", "created"], value=lambda: adapter_rows(db),
                             interactive=False, wrap=True)
        with gr.Row():
            chosen = gr.Textbox(label="Adapter", scale=3)
            promote = gr.Button("Promote to default")
            rollback = gr.Button("Roll back")
        build_button.click(build, None, [progress, log])
        train_button.click(train, [name, minutes], [progress, log])
        eval_button.click(evaluate, name, [progress, log])
        promote.click(promote_adapter, chosen, table)
        rollback.click(roll_back, None, table)
        gr.Timer(3).tick(poll, None, [progress, log], show_progress="hidden")
