"""One web server: the shopper widget at `/`, the staff console at `/staff` (login required), the HTTP API
at `/api`, and an embeddable example page at `/embed-example`."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount

from assistant.agent import ShopAgent
from assistant.config import Settings
from ui.api import api_router
from ui.auth import ExpiringTokens, LoginGuard, widget_secret
from ui.limits import RateLimits
from ui.shopper import CSS, build_shopper
from ui.site_policy import SitePolicy
from ui.staff_accounts import check_login, has_accounts
from ui.staff import build_staff

log = logging.getLogger(__name__)
EMBED_EXAMPLE = Path(__file__).with_name("embed_example.html")
WORKER_THREADS = 200
MAX_API_BODY = 64 * 1024
WIDGET_MAX_FILE = 1024


@asynccontextmanager
async def _lifespan(_app: FastAPI):
    import anyio.to_thread

    # Each waiting shopper holds one worker thread for the whole turn; AnyIO's default of 40 would queue
    # the 41st shopper behind everyone else's model calls.
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    yield


def create_app(agent: ShopAgent, settings: Settings, parts: tuple[str, ...] = ("public", "staff")) -> FastAPI:
    """The FastAPI app that `uvicorn` serves: the public part (widget, API, embed example) and the staff console,
    or only one of them (KEFU_STAFF_PORT serves the console on a port of its own)."""
    app = FastAPI(title="kefu", summary="Customer-service assistant: chat API", lifespan=_lifespan)
    limits = RateLimits.from_settings(settings)
    if "public" in parts:
        app.include_router(api_router(agent, limits))
    app.add_middleware(SitePolicy, staff_origins=[o.strip() for o in settings.staff_origins.split(",") if o.strip()],
                       widget_frame_ancestors=settings.widget_frame_ancestors,
                       max_login_failures=settings.staff_login_max_failures_per_client,
                       lockout_s=settings.staff_lockout_s)

    @app.middleware("http")
    async def cap_api_bodies(request, call_next):
        length = request.headers.get("content-length")
        if request.url.path.startswith("/api/") and length and length.isdigit() and int(length) > MAX_API_BODY:
            return JSONResponse(status_code=413, content={"detail": f"request body over {MAX_API_BODY} bytes"})
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the input back, which fails on text that is not valid Unicode and repeats
        # whatever personal data the body held.
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid")} for e in exc.errors()]})

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    if "staff" in parts:
        app = _with_staff(app, agent, settings)
    if "public" not in parts:
        return app

    @app.get("/embed-example", response_class=HTMLResponse)
    def embed_example() -> str:
        return EMBED_EXAMPLE.read_text().replace("{{ORIGIN}}", f"http://{settings.ui_host}:{settings.ui_port}")

    shopper = build_shopper(agent, settings.shop_name, widget_secret(settings.data_dir), limits)
    # The widget takes no files; Gradio's upload route is open all the same, so it accepts next to nothing.
    return gr.mount_gradio_app(app, shopper, path="/", css=CSS, max_file_size=WIDGET_MAX_FILE)


def _with_staff(app: FastAPI, agent: ShopAgent, settings: Settings) -> FastAPI:
    """The staff console at /staff: per-person logins checked off the event loop, logins that expire."""
    if not settings.staff_password_hash and not has_accounts(agent.db):
        log.warning("no staff account and no KEFU_STAFF_PASSWORD_HASH: nobody can log in to /staff "
                    "(add one with `kefu staff add NAME --role admin`)")
    guard = LoginGuard(lambda name, password: check_login(agent.db, name, password, settings.staff_password_hash),
                       settings.staff_login_max_failures, settings.staff_lockout_s)

    async def staff_login(name: str, password: str) -> bool:
        import anyio.to_thread

        # PBKDF2 takes a tenth of a second: on the event loop, a burst of logins would stall every shopper.
        return await anyio.to_thread.run_sync(guard, name, password)

    @app.get("/staff", include_in_schema=False)
    def staff_root() -> RedirectResponse:  # where Gradio sends a colleague who logged out
        return RedirectResponse("/staff/")

    app = gr.mount_gradio_app(app, build_staff(agent), path="/staff", auth=staff_login,
                              auth_message="kefu staff console: your staff name and password")
    staff_app = next(route.app for route in app.routes if isinstance(route, Mount) and route.path == "/staff")
    staff_app.tokens = ExpiringTokens(settings.staff_session_ttl_s)
    return app
