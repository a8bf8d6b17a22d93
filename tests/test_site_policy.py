"""The staff console answers no other site (CORS, CSRF, framing), and its login cookie is SameSite=Lax."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.agent_helpers import scripted_agent
from ui.app import create_app
from ui.auth import hash_password

SHOP = {"host": "help.example-shop.com"}
EVIL = {"host": "help.example-shop.com", "origin": "https://evil.example"}


@pytest.fixture
def client(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [], staff_password_hash=hash_password("s3cret-pass"),
                              staff_origins="https://admin.example-shop.com",
                              widget_frame_ancestors="https://example-shop.com")
    with TestClient(create_app(agent, agent.settings), base_url="http://help.example-shop.com") as client:
        yield client
    agent.close()


def test_another_site_cannot_read_or_preflight_the_staff_console(client):
    preflight = client.options("/staff/config", headers=EVIL | {"access-control-request-method": "GET"})
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    read = client.get("/staff/config", headers=EVIL)
    assert read.status_code == 403 and "access-control-allow-origin" not in read.headers
    login = client.post("/staff/login", data={"username": "ann", "password": "s3cret-pass"}, headers=EVIL)
    assert login.status_code == 403  # no login, and no state change, from another site (CSRF)


def test_the_console_itself_and_configured_origins_are_answered(client):
    own = client.get("/staff/config", headers=SHOP | {"origin": "http://help.example-shop.com"})
    assert own.status_code == 401  # Gradio's own answer: log in first
    assert own.headers["x-frame-options"] == "SAMEORIGIN"
    assert own.headers["content-security-policy"] == "frame-ancestors 'self'"
    admin = client.get("/staff/config", headers=SHOP | {"origin": "https://admin.example-shop.com"})
    assert admin.status_code == 401 and admin.headers.get("access-control-allow-origin") in (
        None, "https://admin.example-shop.com")


def test_the_staff_login_cookie_is_same_site_lax(client):
    login = client.post("/staff/login", data={"username": "ann", "password": "s3cret-pass"},
                        headers=SHOP | {"origin": "http://help.example-shop.com"})
    assert login.status_code == 200
    cookies = login.headers.get_list("set-cookie")
    assert cookies and all("SameSite=Lax" in c and "samesite=none" not in c.lower() for c in cookies)


def test_the_widget_may_be_framed_by_the_shop_only(client):
    page = client.get("/", headers=SHOP)
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == "frame-ancestors https://example-shop.com"
    assert "x-frame-options" not in page.headers


def test_the_console_can_live_on_a_port_of_its_own(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [], staff_password_hash=hash_password("s3cret-pass"))
    public = TestClient(create_app(agent, agent.settings, parts=("public",)))
    assert public.get("/staff/config").status_code == 404  # not under the widget's origin at all
    assert public.get("/").status_code == 200 and public.post("/api/sessions").status_code == 200
    console = TestClient(create_app(agent, agent.settings, parts=("staff",)))
    assert console.get("/staff/config").status_code == 401 and console.get("/").status_code == 404
    assert console.post("/api/sessions").status_code == 404
    agent.close()
