"""The web front end in a real browser: Debian's chromium driven by Playwright, against a real web server.

The model is scripted here (what the browser tests is the widget and the console); the same cancel
conversation runs against the real SmolLM2 under vLLM in tests/test_vllm_agent.py. Screenshots go
to var/test-artifacts/ (docs/ holds copies for the README).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.db import PendingAction, Product
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import email_of, scripted_agent
from tests.conftest import find_order, free_port, order_state
from tests.ui_server import CHROMIUM, CHROMIUM_ARGS, UiServer
from ui.app import create_app
from ui.auth import hash_password

pytestmark = pytest.mark.browser
ARTIFACTS = Path("var/test-artifacts")
PASSWORD = "correct horse battery"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    # The first message carries the email, so kefu identifies the shopper before the model's first step.
    steps = [call("get_order_details", order_id=order_id),  # a status question: the lookup is the answer
             call("cancel_pending_order", order_id=order_id, reason="no longer needed")]
    agent, _ = scripted_agent(db, tmp_path, steps, staff_password_hash=hash_password(PASSWORD))
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        yield server, agent, order_id, customer_id
    agent.close()


def _say(page, text: str) -> None:
    page.locator("#kefu-input textarea").fill(text)
    page.locator("#kefu-input textarea").press("Enter")


def test_shopper_cancels_an_order_with_the_confirm_button(browser, site, db):
    from playwright.sync_api import expect

    server, _, order_id, customer_id = site
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    page.goto(server.url + "/")
    _say(page, f"Hi, I'm {email_of(db, customer_id)}. Where is my order {order_id}?")
    expect(page.locator("#kefu-chat")).to_contain_text(f"Order {order_id} is pending", timeout=30_000)
    expect(page.locator(f'.kefu-order[data-order="{order_id}"] .kefu-status')).to_have_text("pending")
    _say(page, "Yes, cancel it please, I no longer need it.")
    expect(page.locator("#kefu-confirm")).to_be_visible(timeout=30_000)
    expect(page.locator("#kefu-pending")).to_contain_text("cancelled")
    page.locator("#kefu-confirm").click()
    expect(page.locator(f'.kefu-order[data-order="{order_id}"] .kefu-status')).to_have_text("cancelled",
                                                                                              timeout=30_000)
    expect(page.locator("#kefu-chat")).to_contain_text("Done.")
    expect(page.locator("#kefu-confirm")).to_be_hidden()
    assert order_state(db, order_id)["status"] == "cancelled"
    with db.session() as session:  # the button answered the change by its id, not by the word "yes"
        assert session.scalars(select(PendingAction.confirmed_with)).all() == ["button"]
    page.screenshot(path=str(ARTIFACTS / "shopper.png"), full_page=True)

    page.reload()  # the session lives in localStorage: the conversation comes back
    expect(page.locator("#kefu-chat")).to_contain_text("Done.", timeout=30_000)
    expect(page.locator(f'.kefu-order[data-order="{order_id}"] .kefu-status')).to_have_text("cancelled")


def test_staff_logs_in_takes_over_replies_and_hands_back(browser, site):
    from playwright.sync_api import expect

    server, agent, _, _ = site
    agent.request_human("shopper-42")
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    page.goto(server.url + "/staff/")
    page.get_by_label("username").fill("ana")
    page.get_by_label("password").fill("wrong password")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text(re.compile("Incorrect credentials", re.I))).to_be_visible(timeout=15_000)
    page.get_by_label("username").fill("ana")
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page.locator("#staff-queue")).to_contain_text("shopper-42", timeout=30_000)

    page.get_by_role("tab", name="Conversation").click()
    page.locator("#staff-conversation input").fill("shopper-42")
    page.locator("#staff-conversation input").press("Enter")
    page.locator("#staff-open").click()
    expect(page.locator("#staff-state")).to_contain_text("handed_off", timeout=30_000)
    page.locator("#staff-take").click()
    expect(page.locator("#staff-state")).to_contain_text("with_staff", timeout=30_000)
    page.locator("#staff-reply textarea").fill("Hi, this is Ana from the shop. How can I help?")
    page.locator("#staff-send").click()
    expect(page.locator("#staff-transcript")).to_contain_text("this is Ana from the shop", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "staff.png"), full_page=True)
    page.locator("#staff-handback").click()
    expect(page.locator("#staff-state")).to_contain_text("open", timeout=30_000)
    assert any(m.name == "staff" and "Ana" in m.content for m in agent.messages("shopper-42"))
    page.locator("#staff-logout").click()  # the login ends: the console asks for it again
    expect(page.get_by_role("button", name=re.compile("login", re.I))).to_be_visible(timeout=30_000)
    page.goto(server.url + "/staff/")
    expect(page.get_by_role("button", name=re.compile("login", re.I))).to_be_visible(timeout=30_000)



def test_the_widget_keeps_its_conversation_across_a_server_restart(browser, db, tmp_path):
    from playwright.sync_api import expect

    port = free_port()
    agent, _ = scripted_agent(db, tmp_path, ["Hello! What can I do for you today?"])
    page = browser.new_page()
    with UiServer(create_app(agent, agent.settings), port) as server:
        page.goto(server.url + "/")
        _say(page, "Hi there")
        expect(page.locator("#kefu-chat")).to_contain_text("What can I do for you today?", timeout=30_000)
    agent.close()
    again, _ = scripted_agent(db, tmp_path, [])  # a restarted server builds its app the same way
    with UiServer(create_app(again, again.settings), port) as server:
        page.reload()
        expect(page.locator("#kefu-chat")).to_contain_text("What can I do for you today?", timeout=30_000)
        page.locator("#kefu-new").click()  # a fresh conversation, and it stays fresh after a reload
        expect(page.locator("#kefu-chat")).not_to_contain_text("What can I do", timeout=15_000)
        page.reload()
        expect(page.locator("#kefu-chat")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(2_000)
        expect(page.locator("#kefu-chat")).not_to_contain_text("What can I do")
    again.close()


def test_a_shopper_signed_in_at_the_shop_is_not_asked_who_they_are(browser, db, tmp_path):
    from playwright.sync_api import expect

    from assistant.identity import sign_identity

    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id)],
                              identity_secret="shop-secret-for-the-widget")
    token = sign_identity(customer_id, "shop-secret-for-the-widget")
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        page = browser.new_page()
        page.goto(f"{server.url}/?token={token}")
        expect(page.locator("#kefu-chat")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1_000)
        _say(page, f"Where is my order {order_id}?")  # no email given: the page vouched for the shopper
        expect(page.locator("#kefu-chat")).to_contain_text(f"Order {order_id} is pending", timeout=30_000)
    agent.close()


def test_an_anonymous_shopper_proves_who_they_are_with_the_code_from_their_email(browser, db, tmp_path):
    from playwright.sync_api import expect

    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id)], identity="code",
                              staff_password_hash=hash_password(PASSWORD))
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        shopper = browser.new_page()
        shopper.goto(server.url + "/")
        _say(shopper, f"Where is my order {order_id}? I'm {email_of(db, customer_id)}")
        expect(shopper.locator("#kefu-chat")).to_contain_text("6-digit code", timeout=30_000)
        staff = browser.new_page(viewport={"width": 1200, "height": 900})  # the demo's outbox stands in for email
        staff.goto(server.url + "/staff/")
        staff.get_by_label("username").fill("ana")
        staff.get_by_label("password").fill(PASSWORD)
        staff.get_by_role("button", name="Login").click()
        staff.get_by_role("tab", name="Outbox").click()
        expect(staff.locator("#staff-outbox")).to_contain_text(email_of(db, customer_id), timeout=30_000)
        code = re.search(r"code: (\d{6})", staff.locator("#staff-outbox").inner_text()).group(1)
        _say(shopper, code)
        expect(shopper.locator("#kefu-chat")).to_contain_text(f"Order {order_id} is pending", timeout=30_000)
    agent.close()


def test_staff_draft_edit_and_save_a_description_that_becomes_searchable(browser, db, tmp_path, monkeypatch):
    from functools import partial

    from playwright.sync_api import expect

    import ui.catalog_tab
    from assistant.catalog.drafting import draft, load_record
    from assistant.knowledge_base import open_knowledge_base
    from knowledge.search import search
    from tests.test_catalog_copy import Recording

    with db.session() as session:
        product = session.scalars(select(Product).order_by(Product.position)).first()
        label, product_id = f"{product.name} ({product.id})", product.id
    # The served model is scripted here; tests/test_vllm_agent.py drafts with the real one.
    monkeypatch.setattr(ui.catalog_tab, "draft", partial(draft, model=Recording(
        f"A {product.name.lower()} with a lifetime warranty, made for everyday use.")))
    agent, _ = scripted_agent(db, tmp_path, [], staff_password_hash=hash_password(PASSWORD))
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(server.url + "/staff/")
        page.get_by_label("username").fill("ana")
        page.get_by_label("password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.get_by_role("tab", name="Catalog copy").click()
        page.locator("#copy-product input").click()
        page.get_by_role("option", name=label).click()
        page.locator("#copy-draft").click()
        expect(page.locator("#copy-text textarea")).to_have_value(re.compile("lifetime warranty"), timeout=30_000)
        expect(page.locator("#copy-claims")).to_contain_text("lifetime", timeout=15_000)
        edited = f"A {product.name.lower()} made for everyday use, picked by our night-shift team."
        page.locator("#copy-text textarea").fill(edited)
        expect(page.locator("#copy-claims")).not_to_contain_text("lifetime", timeout=15_000)
        page.locator("#copy-save").click()
        expect(page.get_by_text("Saved; the knowledge base now answers from it.")).to_be_visible(timeout=120_000)
    agent.close()
    top = search(open_knowledge_base(agent.settings), "picked by our night-shift team", k=1)
    assert top and product_id in top[0].source and edited in top[0].text
    assert load_record(db, product_id)["name"] == product.name


def test_a_shopper_asks_for_a_product_by_need_and_opens_a_card(browser, tmp_path):
    from playwright.sync_api import expect

    from assistant.db import AgentEvent
    from assistant.dialogue.tool_execution import KnowledgeSearch
    from tests.conftest import small_demo_shop
    from knowledge.embedder import Embedder

    shop = small_demo_shop(tmp_path / "demo.db", seed=3)
    knowledge = KnowledgeSearch(lambda: None)
    knowledge.embed = Embedder()  # product search needs only the embedder
    agent, model = scripted_agent(shop, tmp_path, [], knowledge=knowledge)
    with UiServer(create_app(agent, agent.settings), free_port()) as server:
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        page.goto(server.url + "/")
        _say(page, "I need something to keep my coffee warm on my commute, under $30")
        cards = page.locator("#kefu-products .kefu-product")
        expect(cards.first).to_be_visible(timeout=60_000)
        expect(page.locator("#kefu-chat")).to_contain_text("Travel Mug")
        expect(page.locator("#kefu-products")).to_contain_text("Travel Mug")
        cards.first.click()
        expect(page.locator("#kefu-product-detail")).to_contain_text("price", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "shopper-products.png"), full_page=True)
    agent.close()
    assert model.prompts == []  # the catalog answered, not the model
    with shop.session() as session:
        kinds = session.scalars(select(AgentEvent.kind)).all()
    assert "product_search" in kinds and "product_card_opened" in kinds
    shop.dispose()
