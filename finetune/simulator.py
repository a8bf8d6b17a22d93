"""The dialogue simulator: complete, correct conversations over the demo shop, played through the real agent.

The expert plays the model and a varied scripted shopper plays the customer, on a scratch copy of the
shop, through `ShopAgent` itself: the same prompt, middleware, tool layer, confirmations and canned
replies as in production, so every tool result in the data is real and the format is exactly what the
served model sees. Tasks come from the scenario generator with another seed, and never touch a
customer of the evaluation's test split.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

from assistant.dialogue.language import detect_language
from assistant.evaluation import harness_settings
from assistant.evaluation.tasks import Task
from assistant.evaluation.users import ScriptedUser, proposal_of
from finetune.expert import Expert
from finetune.transcripts import to_openai

TYPO_RATE = 0.08
OPENERS = {"en": ["", "Hi, ", "Hello! ", "Hey there. ", "Good morning, "], "zh": ["", "你好，", "您好！"]}


def typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters of one longer word, as a hurried shopper does."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 4 and "@" not in w]
    if not candidates:
        return text
    i = rng.choice(candidates)
    j = rng.randrange(1, len(words[i]) - 2)
    word = words[i]
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


class VariedUser(ScriptedUser):
    """The scripted shopper with varied openings and occasional typos (never inside ids or emails)."""

    def __init__(self, task: Task, rng: random.Random):
        super().__init__(task)
        self.rng = rng

    def _vary(self, text: str | None) -> str | None:
        if text is None:
            return None
        return typo(text, self.rng) if self.language == "en" and self.rng.random() < TYPO_RATE else text

    def opening(self) -> str:
        return self.rng.choice(OPENERS[self.language]) + self._vary(super().opening())

    def reply(self, agent_text: str, proposal: dict | None = None) -> str | None:
        return self._vary(super().reply(agent_text, proposal))


def simulate(tasks: list[Task], template: Path, workdir: Path, settings, *, seed: int = 0,
             progress=None) -> Iterator[dict]:
    """One simulated conversation per task, as records ready for `kefu finetune build`."""
    from assistant.agent import ShopAgent
    from assistant.db import Database
    from assistant.dialogue.prompt import LANGUAGE_LINES
    from assistant.dialogue.tool_execution import KnowledgeSearch
    from assistant.evaluation.scoring import remove_database
    from assistant.evaluation.scripted_model import ScriptedChatModel
    from assistant.knowledge_base import open_knowledge_base

    workdir.mkdir(parents=True, exist_ok=True)
    knowledge = KnowledgeSearch(lambda: open_knowledge_base(settings))
    for index, task in enumerate(tasks):
        rng = random.Random(f"{seed}:{task.id}")
        language = detect_language(task.reason)
        path = workdir / "simulation.db"
        shutil.copy(template, path)
        db = Database(f"sqlite:///{path}")
        expert = Expert(task, language, rng)
        agent = ShopAgent(db, harness_settings(settings), model=ScriptedChatModel(steps=[expert] * 60),
                          knowledge=knowledge)
        user, session_id = VariedUser(task, rng), f"sim-{task.id}"
        message, turns = user.opening(), 0
        while message is not None and turns < 10:
            turns += 1
            answer = agent.respond(session_id, message)
            if answer.handed_off:
                break
            message = user.reply(answer.text, proposal_of(db, answer.pending_action_id))
        messages = agent.messages(session_id)
        record = {"id": f"sim-{seed}-{task.id}", "source": "simulated", "category": task.category,
                  "language": language, "customer": task.user_id, "resolved": not expert.unsure,
                  "messages": to_openai(messages, agent.system_prompt, LANGUAGE_LINES[language])}
        agent.close()
        db.dispose()
        remove_database(path)
        if progress:
            progress(index)
        yield record


def simulation_tasks(session, batches: int, scenarios: Path) -> list[Task]:
    """Tasks for the simulator: fresh customers per batch, never a test-split customer or question."""
    from assistant.evaluation.scenarios import build_scenarios
    from assistant.evaluation.tasks import load_tasks

    test = load_tasks(scenarios, split="test")
    used = {t.user_id for t in test if t.user_id}
    test_questions = {t.reason for t in test}
    tasks = []
    for batch in range(batches):
        for raw in build_scenarios(session, seed=100 + batch, exclude=frozenset(used), prefix=f"sim{batch}"):
            task = Task.from_tau2(raw, {})
            if task.user_id:
                used.add(task.user_id)
            elif batch > 0 or task.reason in test_questions:
                continue  # knowledge and transfer questions: once, and only those of the train split
            tasks.append(task)
    return tasks
