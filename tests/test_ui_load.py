"""50 concurrent shoppers for 20 seconds through the HTTP API, then 50 through the widget's own Gradio
endpoints, against the real stack: vLLM on this CPU with the default model, the real agent, a real web server.
It starts its own vLLM with the adapter merged, as `kefu run` serves it: the tests' shared server has it as a LoRA
module, which took half as long again under this load.
Nothing may be lost or leaked; latency is reported (in the test's own folder), never asserted."""

from __future__ import annotations

import json

import pytest

from assistant.agent import ShopAgent
from assistant.config import Settings
from assistant.evaluation.load import run_load, shoppers_from_db, write_result
from assistant.serving.server import server_for
from tests.conftest import free_port
from tests.ui_server import UiServer
from ui.app import create_app

pytestmark = [pytest.mark.load, pytest.mark.vllm]
# 20 s of sending is enough to have all 50 in flight at once; `kefu bench load` runs longer for the figures.
SESSIONS, SECONDS = 50, 20


def test_fifty_concurrent_shoppers_through_the_api_and_the_widget_lose_and_leak_nothing(db, tmp_path):
    stack = Settings(_env_file=None)
    server = server_for(stack, port=free_port())
    server.log_path = tmp_path / "vllm.log"
    with server:
        # 50 shoppers from one test address stand for 50 addresses, and each sends its next message the moment
        # a (canned, instant) reply arrives, faster than a person types: the rate limits are lifted. They have no
        # inbox to read a one-time code from, so they identify by email alone (`tau2`).
        settings = Settings(_env_file=None, data_dir=tmp_path, llm_base_url=server.base_url, llm_model=server.name,
                            rate_limit_client_sessions="1000/minute", rate_limit_client_messages="10000/minute",
                            rate_limit_session_messages="1000/minute", identity="tau2")
        with ShopAgent(db, settings, knowledge=None) as agent, \
                UiServer(create_app(agent, settings), free_port()) as web:
            results = {transport: run_load(web.url, shoppers_from_db(db, SESSIONS), SECONDS, transport=transport)
                       for transport in ("api", "widget")}
    for transport, result in results.items():
        result["model"] = server.name
        out = write_result(result, tmp_path / ("load.json" if transport == "api" else "load-widget.json"))
        assert result["errors"] == 0, (transport, result["error_samples"])
        assert result["messages_lost"] == 0 and result["cross_session_leaks"] == 0, (transport, result)
        assert result["messages_sent"] >= SESSIONS and result["replies_received"] == result["messages_sent"]
        assert json.loads(out.read_text())["turn_p95_ms"] > 0
    assert results["api"]["in_turn_p50_ms"] > 0 and results["api"]["waiting_p50_ms"] is not None
