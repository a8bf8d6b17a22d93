"""`kefu bench agent`: end-to-end turn latency on the default stack, split into model, tools, retrieval, verifier."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation import harness_settings
from assistant.serving.models import served_model_name


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def model_steps(messages) -> dict:
    """How many times the model was asked in these messages, and the prompt tokens it read each time."""
    prompts = [m.usage_metadata["input_tokens"] for m in messages
               if m.type == "ai" and getattr(m, "usage_metadata", None)]
    return {"model_steps": len(prompts), "prompt_tokens": prompts}


def run_agent_bench(settings: Settings, tasks_path: Path, task_ids: list[str], out: Path) -> dict:
    """Scripted shoppers on the given tasks, one at a time; every turn's latency and where it went. One knowledge
    search is shared and warmed up first, as `kefu ui` does for all its sessions."""
    from assistant.agent import ShopAgent
    from assistant.dialogue.tool_execution import KnowledgeSearch
    from assistant.db import Database
    from assistant.evaluation.shops import shop_template
    from assistant.evaluation.tasks import load_tasks
    from assistant.evaluation.users import ScriptedUser, proposal_of

    template = shop_template(tasks_path, settings.data_dir / "eval" / "shops", settings.demo_seed)
    work = out.parent / "agent-bench"
    work.mkdir(parents=True, exist_ok=True)
    turns, knowledge = [], KnowledgeSearch.for_settings(settings)
    knowledge.warm_up()
    for task in load_tasks(tasks_path, task_ids=task_ids):
        shutil.copy(template, work / "shop.db")
        db = Database(f"sqlite:///{work / 'shop.db'}")
        agent, user = ShopAgent(db, harness_settings(settings), knowledge=knowledge), ScriptedUser(task)
        message, session_id = user.opening(), f"bench-{task.id}"
        for _ in range(6):
            before = len(agent.messages(session_id))
            reply = agent.respond(session_id, message)
            new = agent.messages(session_id)[before:]
            turns.append({"task": task.id, "latency_ms": reply.latency_ms,
                          "tool_calls": sum(m.type == "tool" for m in new), **model_steps(new), **reply.timings})
            message = user.reply(reply.text, proposal_of(db, reply.pending_action_id))
            if message is None or reply.handed_off:
                break
        agent.close()
        db.dispose()
    one_tool = [t["latency_ms"] for t in turns if t["tool_calls"] == 1]
    result = {
        "model": served_model_name(settings), "turns": len(turns),
        "turn_p50_ms": _pct([t["latency_ms"] for t in turns], 0.5),
        "turn_p95_ms": _pct([t["latency_ms"] for t in turns], 0.95),
        "one_tool_call_turns": len(one_tool), "one_tool_call_turn_p50_ms": _pct(one_tool, 0.5),
        "one_tool_call_turn_p95_ms": _pct(one_tool, 0.95),
        "model_steps_per_turn_mean": round(statistics.fmean([t["model_steps"] for t in turns]), 2) if turns else None,
        "prompt_tokens_per_step_p50": _pct([p for t in turns for p in t["prompt_tokens"]], 0.5),
        "prompt_tokens_per_step_max": max((p for t in turns for p in t["prompt_tokens"]), default=None),
        **{f"{part}_p50_ms": _pct([t.get(part, 0.0) for t in turns], 0.5)
           for part in ("model", "tools", "retrieval", "verifier")},
        **{f"{part}_mean_ms": round(statistics.fmean([t.get(part, 0.0) for t in turns]), 1) if turns else None
           for part in ("model", "tools", "retrieval", "verifier")},
        "per_turn": turns,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result
