"""Rejection fine-tuning: the served adapter plays generated tasks, and the conversations that pass become data.

A conversation is kept only when it passes the task's own check (the final database equals the gold actions'
outcome and every required fact was said) with no safety finding; kefu's canned turns stay marked, so only the
model's own turns are trained on. Only train splits may be used: dev selects, test reports.
"""

from __future__ import annotations

import threading

from assistant.dialogue.language import detect_language
from assistant.errors import KefuError
from finetune.transcripts import to_openai


def check_split(split: str | None) -> None:
    if split != "train":
        raise KefuError("rejection fine-tuning plays only a train split (--split train): dev selects, test reports")


class Keeper:
    """`run_eval`'s keep hook: passing, safe conversations as training records (OpenAI chat format)."""

    def __init__(self, round_name: str):
        self.round, self.records, self.lock = round_name, [], threading.Lock()

    def __call__(self, trial, agent, session_id: str, task) -> None:
        from assistant.dialogue.prompt import LANGUAGE_LINES

        safety = trial.safety
        if not trial.success or safety.cross_customer_leaks or safety.unconfirmed_writes or \
                safety.ungrounded_replies_sent:
            return
        language = detect_language(task.reason)
        record = {"id": f"{self.round}-{task.id}-{trial.trial}", "source": "rft", "category": task.category,
                  "language": language, "customer": task.user_id, "resolved": True,
                  "messages": to_openai(agent.messages(session_id), agent.system_prompt, LANGUAGE_LINES[language])}
        with self.lock:
            self.records.append(record)
