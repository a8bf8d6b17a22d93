"""Running tasks: one fresh shop copy per trial, a simulated shopper talking to the agent, then scoring."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from math import comb
from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.db import Conversation, Database
from assistant.dialogue.events import event_counts
from assistant.dialogue.product_facts import catalog_of
from assistant.evaluation import scoring
from assistant.evaluation.tasks import Task
from assistant.evaluation.users import proposal_of

MAX_TURNS = 12


@dataclass
class Trial:
    """One conversation of one task, scored."""

    task_id: str
    trial: int
    success: bool
    db_match: bool
    missing_info: list[str]
    handed_off: bool
    failure: str | None
    safety: scoring.Safety
    events: dict[str, int]
    turns: int
    transcript: list[dict] = field(default_factory=list)
    tools: list[dict] = field(default_factory=list)
    error: str | None = None


def _transcript(messages) -> list[dict]:
    out = []
    for m in messages:
        if isinstance(m, HumanMessage):
            out.append({"role": "user", "content": str(m.content)})
        elif isinstance(m, AIMessage):
            out.append({"role": "assistant", "content": str(m.content),
                        **({"tool_calls": [{"name": c["name"], "arguments": c["args"]} for c in m.tool_calls]}
                           if m.tool_calls else {})})
        elif isinstance(m, ToolMessage):
            out.append({"role": "tool", "name": m.name, "content": str(m.content)})
    return out


def categorize(task: Task, db_match: bool, missing: list[str], handed_off: bool, tools: list[dict],
               expected_changes: set, actual_changes: set, events: dict) -> str | None:
    """Why a trial failed: the first matching category, or None for a success."""
    if db_match and not missing and (handed_off or not task.expects_transfer):
        return None
    if handed_off != task.expects_transfer:
        # A handoff forced by the model server (a timeout on an overloaded machine) says nothing of the agent.
        return "model error" if handed_off and events.get("model_error") else "handoff"
    if actual_changes - expected_changes:
        return "policy violation"
    writes = [a for a in task.actions if a["name"].startswith(("cancel", "modify", "return", "exchange"))]
    called = [t for t in tools if not t["name"].startswith("confirm:")]
    for gold in writes:
        same_tool = [t for t in called if t["name"] == gold["name"]]
        if not same_tool:
            return "wrong tool"
        if not any(t["arguments"] == gold["arguments"] for t in same_tool):
            return "wrong argument"
        if not any(t["name"] == f"confirm:{gold['name']}" for t in tools):
            return "missing confirmation"
    if events.get("verifier_fallback"):
        return "ungrounded reply"
    if missing:
        return "missing information"
    return "other"


def run_trial(task: Task, trial: int, template: Path, workdir: Path, make_agent: Callable, make_user: Callable,
              initial: dict, expected: dict, keep: Callable | None = None) -> Trial:
    """Play one conversation on a fresh copy of the shop and score it; `keep(trial, agent, session_id, task)`
    sees each scored conversation before its agent closes (rejection fine-tuning keeps the passing ones)."""
    path = workdir / f"trial-{task.id}-{trial}-{uuid.uuid4().hex[:6]}.db"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    session_id = f"eval-{task.id}-{trial}"
    agent, user = make_agent(db), make_user(task)
    replies, error, turns = [], None, 0
    try:
        message = user.opening()
        while message is not None and turns < MAX_TURNS:
            turns += 1
            answer = agent.respond(session_id, message)
            replies.append(answer.text)
            if answer.handed_off:
                break
            message = user.reply(answer.text, proposal_of(db, answer.pending_action_id))
    except Exception as exc:  # a crash is a failed trial, never a lost run
        error = f"{type(exc).__name__}: {exc}"
    final = scoring.shop_state(db)
    messages = agent.messages(session_id)
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        customer_id = conversation.customer_id if conversation else None
        handed_off = bool(conversation and conversation.status == "handed_off")
    tools = scoring.tool_trace(db, session_id)
    said = " ".join(str(m.content) for m in messages if isinstance(m, HumanMessage))
    outputs = [t["result"] or "" for t in tools] + replies
    safety = scoring.Safety(scoring.leaks(db, session_id, customer_id, outputs, said),
                            scoring.unconfirmed_writes(db, session_id, initial, final),
                            scoring.ungrounded_sent(messages, catalog_of(db)))
    actual_changes, expected_changes = (scoring.changed_records(initial, final),
                                        scoring.changed_records(initial, expected))
    db_match = all(final[k].get(key) == expected[k].get(key) for k, key in actual_changes | expected_changes)
    missing = scoring.said_all(task.communicate_info, replies)
    events = event_counts(db, session_id)
    failure = "crash" if error else categorize(task, db_match, missing, handed_off, tools, expected_changes,
                                               actual_changes, events)
    result = Trial(task.id, trial, failure is None, db_match, missing, handed_off, failure, safety, events, turns,
                   _transcript(messages), tools, error)
    if keep is not None:
        keep(result, agent, session_id, task)
    getattr(agent, "close", lambda: None)()
    db.dispose()
    scoring.remove_database(path)
    return result


def pass_hat_k(successes: dict[str, list[bool]], k: int) -> float:
    """τ-bench's pass^k: the chance that k trials of a task all succeed, averaged over tasks."""
    scores = [comb(sum(s), k) / comb(len(s), k) for s in successes.values() if len(s) >= k]
    return round(sum(scores) / len(scores), 4) if scores else 0.0


def run_eval(tasks: list[Task], trials: int, template: Path, workdir: Path, make_agent: Callable,
             make_user: Callable, *, concurrency: int = 1, progress: Callable | None = None,
             keep: Callable | None = None) -> list[Trial]:
    """Every task `trials` times; results in task order."""
    workdir.mkdir(parents=True, exist_ok=True)
    seed = Database(f"sqlite:///{template}")
    initial = scoring.shop_state(seed)
    seed.dispose()
    expected = {t.id: scoring.expected_state(template, t, workdir) for t in tasks}
    jobs = [(t, i) for t in tasks for i in range(trials)]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(run_trial, t, i, template, workdir, make_agent, make_user, initial, expected[t.id],
                               keep) for t, i in jobs]
        for future in as_completed(futures):
            results.append(future.result())
            if progress:
                progress(results[-1])
    order = {t.id: n for n, t in enumerate(tasks)}
    return sorted(results, key=lambda r: (order[r.task_id], r.trial))


def summarize(results: list[Trial], trials: int) -> dict:
    """The figures `kefu eval run --json` prints."""
    successes: dict[str, list[bool]] = {}
    for r in results:
        successes.setdefault(r.task_id, []).append(r.success)
    failures: dict[str, int] = {}
    for r in results:
        if r.failure:
            failures[r.failure] = failures.get(r.failure, 0) + 1
    return {**{f"pass^{k}": pass_hat_k(successes, k) for k in range(1, trials + 1)},
            "tasks": len(successes), "trials": trials, "conversations": len(results),
            "cross_customer_leaks": sum(len(r.safety.cross_customer_leaks) for r in results),
            "unconfirmed_writes": sum(len(r.safety.unconfirmed_writes) for r in results),
            "ungrounded_replies_sent": sum(len(r.safety.ungrounded_replies_sent) for r in results),
            "verifier_blocks": sum(r.events.get("verifier_block", 0) for r in results),
            "model_errors": sum(bool(r.events.get("model_error")) for r in results),
            "handoffs": sum(r.handed_off for r in results), "crashes": sum(r.error is not None for r in results),
            "failures": dict(sorted(failures.items()))}


PARTIAL = "transcripts.partial.jsonl"


def _line(result: Trial) -> str:
    return json.dumps(asdict(result), ensure_ascii=False) + "\n"


def append_result(result: Trial, out: Path) -> None:
    """One finished conversation, kept as it ends so that an interrupted run loses nothing already run."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / PARTIAL).open("a") as f:
        f.write(_line(result))


def write_results(results: list[Trial], summary: dict, out: Path) -> None:
    """transcripts.jsonl (every conversation and tool trace), summary.json and report.md under `out`."""
    from assistant.evaluation.report import markdown_report

    out.mkdir(parents=True, exist_ok=True)
    (out / PARTIAL).unlink(missing_ok=True)
    with (out / "transcripts.jsonl").open("w") as f:
        f.writelines(_line(r) for r in results)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "report.md").write_text(markdown_report(results, summary))
