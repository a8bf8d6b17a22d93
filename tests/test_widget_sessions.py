"""Widget conversation ids are minted and signed by the server: one a client makes up is never used."""

from __future__ import annotations

from tests.agent_helpers import scripted_agent
from tests.conftest import free_port
from tests.ui_server import UiServer
from ui.app import create_app
from ui.shopper import SessionIds


def test_only_ids_this_widget_minted_are_usable():
    ids, other = SessionIds("widget-key"), SessionIds("another-key")
    minted = ids.new()
    assert ids.usable(minted) == minted and len(minted) == len("web-") + 32
    for made_up in ("web-" + "0" * 32, other.new(), minted[:-1] + ("0" if minted[-1] != "0" else "1"), None, 42):
        fresh = ids.usable(made_up)
        assert fresh != made_up and ids.usable(fresh) == fresh


def test_the_widget_endpoint_ignores_a_made_up_conversation_id(db, tmp_path):
    from gradio_client import Client

    agent, _ = scripted_agent(db, tmp_path, ["Hello! How can I help?", "Sure."])
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        client = Client(server.url + "/", verbose=False)
        chosen = "web-" + "0" * 32
        first = client.predict("hi", chosen, api_name="/send")
        assert first[0] != chosen  # a fresh conversation, not the one the client named
        again = client.predict("thanks", first[0], api_name="/send")
        assert again[0] == first[0]  # the id the server issued continues its conversation
    agent.close()
