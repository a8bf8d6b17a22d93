"""The web half of the adversarial suite holds with the shop's defaults, and its checks catch a front end that
lets an email log in or lets one address open sessions without limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.evaluation.shops import shop_template
from ui.web_attacks import WEB_ATTACKS, run_web_attacks

SCENARIOS = Path("assistant/shop/eval/scenarios/tasks.json")


@pytest.fixture(scope="module")
def demo_shop(tmp_path_factory) -> Path:
    return shop_template(SCENARIOS, tmp_path_factory.mktemp("shops"), 7)


def test_every_web_attack_holds_with_the_defaults(demo_shop, tmp_path):
    assert {finding for finding, _ in WEB_ATTACKS.values()} == {
        "identity", "session ids", "rate limits", "failed turns", "dead-end handoffs"}
    summary = run_web_attacks(Settings(_env_file=None, data_dir=tmp_path), demo_shop, tmp_path / "web")
    assert summary["held"] == summary["attacks"] == len(WEB_ATTACKS), summary["failed"]


def test_the_checks_fail_a_front_end_without_codes_or_limits(demo_shop, tmp_path):
    lax = Settings(_env_file=None, data_dir=tmp_path, identity="tau2", rate_limit_client_sessions="1000/minute")
    summary = run_web_attacks(lax, demo_shop, tmp_path / "web", ["known_email_reads_nothing", "session_flood"])
    problems = {f["id"]: f["problems"] for f in summary["failed"]}
    assert summary["held"] == 0 and any("by the email alone" in p for p in problems["known_email_reads_nothing"])
    assert problems["session_flood"] == ["40 new sessions in a row from one address were all accepted"]
