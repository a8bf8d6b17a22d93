"""Tasks in τ²-bench's format: a shopper's instructions and the gold actions that define the right outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import KefuError


@dataclass
class Task:
    """One task: what the simulated shopper wants and knows, and what a correct agent does."""

    id: str
    reason: str
    known: str = ""
    unknown: str = ""
    style: str = ""
    actions: list[dict] = field(default_factory=list)
    communicate_info: list[str] = field(default_factory=list)
    user_id: str | None = None
    category: str | None = None

    @property
    def expects_transfer(self) -> bool:
        return any(a["name"] == "transfer_to_human_agents" for a in self.actions)

    @classmethod
    def from_tau2(cls, raw: dict, user_ids: dict[str, str | None]) -> Task:
        instructions = raw["user_scenario"]["instructions"]
        criteria = raw.get("evaluation_criteria") or {}
        notes = (raw.get("description") or {}).get("notes")
        meta = json.loads(notes) if isinstance(notes, str) and notes.startswith("{") else {}
        return cls(id=str(raw["id"]), reason=instructions.get("reason_for_call") or "",
                   known=instructions.get("known_info") or "", unknown=instructions.get("unknown_info") or "",
                   style=instructions.get("task_instructions") or "",
                   actions=[{"name": a["name"], "arguments": a.get("arguments") or {}}
                            for a in criteria.get("actions") or []],
                   communicate_info=[str(i) for i in criteria.get("communicate_info") or []],
                   user_id=meta.get("user_id") or user_ids.get(str(raw["id"])), category=meta.get("category"))


def tau2_task(task_id: str, category: str, user_id: str | None, reason: str, known: str, actions: list[dict], *,
              info: list[str] | None = None, unknown: str = "", style: str = "", language: str | None = None) -> dict:
    """One task in τ²-bench's file format; kefu's own facts (category, user, language) ride in the notes."""
    notes = {"category": category, "user_id": user_id} | ({"language": language} if language else {})
    return {
        "id": task_id,
        "description": {"purpose": category, "relevant_policies": None, "notes": json.dumps(notes)},
        "user_scenario": {"persona": None, "instructions": {
            "task_instructions": style, "domain": "retail", "reason_for_call": reason,
            "known_info": known, "unknown_info": unknown or None}},
        "initial_state": None,
        "evaluation_criteria": {"actions": [{"action_id": f"{task_id}_{i}", **a, "info": None}
                                            for i, a in enumerate(actions)],
                                "communicate_info": info or [], "nl_assertions": None, "reward_basis": ["DB"]}}


def load_tasks(path: Path, *, split: str | None = None, task_ids: list[str] | None = None) -> list[Task]:
    """Tasks from a τ²-format file, optionally only one split (from split_tasks.json beside it) or some ids."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise KefuError(f"cannot read tasks from {path}: {exc}") from exc
    index = path.parent / "expected" / "INDEX.json"
    user_ids = ({str(t["task_id"]): t.get("user_id") for t in json.loads(index.read_text())["tasks"]}
                if index.exists() else {})
    tasks = [Task.from_tau2(t, user_ids) for t in raw]
    if split:
        split_file = path.parent / "split_tasks.json"
        if not split_file.exists():
            raise KefuError(f"--split needs {split_file}")
        splits = json.loads(split_file.read_text())
        if split not in splits:
            raise KefuError(f"no split {split!r} in {split_file}; there are: {', '.join(splits)}")
        wanted = set(map(str, splits[split]))
        tasks = [t for t in tasks if t.id in wanted]
    if task_ids:
        missing = set(task_ids) - {t.id for t in tasks}
        if missing:
            raise KefuError(f"unknown task ids: {', '.join(sorted(missing))}")
        tasks = [t for t in tasks if t.id in set(task_ids)]
    if not tasks:
        raise KefuError(f"no tasks selected from {path}")
    return tasks
