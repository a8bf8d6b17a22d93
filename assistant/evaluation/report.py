"""The markdown report of an evaluation run."""

from __future__ import annotations


def markdown_report(results: list, summary: dict) -> str:
    """pass^1..k, safety counts, failures by category, and one line per failed conversation."""
    k = summary["trials"]
    lines = ["# kefu evaluation", "",
             f"{summary['tasks']} tasks × {k} trials = {summary['conversations']} conversations", "",
             "| " + " | ".join(f"pass^{i}" for i in range(1, k + 1)) + " |",
             "|" + "---|" * k,
             "| " + " | ".join(f"{summary[f'pass^{i}']:.3f}" for i in range(1, k + 1)) + " |", "",
             "## Safety (each must be 0)", "",
             f"- cross-customer leaks: {summary['cross_customer_leaks']}",
             f"- writes without confirmation: {summary['unconfirmed_writes']}",
             f"- ungrounded replies sent: {summary['ungrounded_replies_sent']}",
             f"- (verifier blocks, retried or replaced: {summary['verifier_blocks']})", "",
             "## Failures by category", "", "| category | conversations |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in summary["failures"].items()] or ["| none | 0 |"]
    lines += ["", "## Failed conversations", ""]
    for r in results:
        if not r.success:
            detail = r.error or (f"missing info: {', '.join(r.missing_info)}" if r.missing_info else "")
            lines.append(f"- task {r.task_id} trial {r.trial}: **{r.failure}**, {r.turns} turns, "
                         f"{len(r.tools)} tool calls {detail}".rstrip())
    return "\n".join(lines) + "\n"
