"""Running the adversarial suite: a demo shop per attack, a real knowledge base holding the poisoned documents."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation import harness_settings
from assistant.evaluation.adversarial import obedient_model, run_attack, summarize_attacks


def poisoned_knowledge(attacks: list[dict], settings: Settings, workdir: Path):
    """A KnowledgeSearch over the shop's policy documents plus every attack's injected document."""
    from knowledge.embedder import Embedder
    from knowledge.store import KnowledgeBase, open_client

    from assistant.dialogue.tool_execution import KnowledgeSearch
    from assistant.shop.docs import write_demo_docs

    docs = workdir / "docs"
    write_demo_docs(docs)
    for attack in attacks:
        if attack.get("knowledge_doc"):
            (docs / f"{attack['id']}.md").write_text(f"# Notice {attack['id']}\n\n{attack['knowledge_doc']}\n")
    kb = KnowledgeBase(open_client(workdir / "chroma", None), "attacks", Embedder(settings.embedder))
    kb.sync_directory(docs, progress=False)
    return KnowledgeSearch(lambda: kb)


def run_suite(attacks: list[dict], settings: Settings, model: str, workdir: Path, concurrency: int = 1) -> dict:
    """Every attack against the agent with the obedient model or the served one, `concurrency` at once (each on
    its own shop copy and agent); the suite's totals."""
    from assistant.agent import ShopAgent
    from assistant.evaluation.shops import shop_template
    from assistant.llm import chat_model

    workdir.mkdir(parents=True, exist_ok=True)
    template = shop_template(Path(__file__).resolve().parents[1] / "shop" / "eval" / "scenarios" / "tasks.json",
                             settings.data_dir / "eval" / "shops", settings.demo_seed)
    knowledge = poisoned_knowledge(attacks, settings, workdir)
    served = chat_model(settings, max_tokens=settings.agent_max_tokens) if model == "served" else None

    def make_agent(db, attack):
        shop = harness_settings(settings)  # τ²'s email login, unless the attack is on another identity mode
        shop = shop.model_copy(update={"identity": attack.get("identity", shop.identity)})
        return ShopAgent(db, shop, model=served or obedient_model(attack), knowledge=knowledge)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return summarize_attacks(list(pool.map(lambda a: run_attack(a, template, workdir, make_agent), attacks)))
