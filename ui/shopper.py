"""The shopper's chat widget (Gradio Blocks), served at `/`.

Replies stream token by token; sources fold out under the reply; orders the conversation looked at show as
cards with their live status; a pending change shows Confirm and Cancel, which answer that change by its id
(a typed yes confirms only when it is a plain, unconditional yes); thumbs are stored as feedback; the session
id lives, encrypted, in the browser's localStorage, so a reload or a server restart continues the conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
import secrets

import gradio as gr

from assistant.agent import ShopAgent
from assistant.dialogue.idle import EXPIRED
from assistant.errors import KefuError
from ui import conversations as conv
from ui.detached import detached
from ui.limits import RateLimits
from ui.product_cards import card_samples, offered_cards, open_card

SOURCES = "\n\nSources: "
SLOW_DOWN = "You're sending messages faster than I can answer. Please wait a moment, then send it again."
POLL_S = 2.0
log = logging.getLogger(__name__)


WEB_SESSION = re.compile(r"^web-([0-9a-f]{16})([0-9a-f]{16})$")


class SessionIds:
    """Widget conversation ids this server mints: a random half and its HMAC under the widget key, so an id a
    client makes up (even a well-formed one, sent straight to the Gradio endpoints) is never accepted."""

    def __init__(self, secret: str):
        self.key = secret.encode()

    def _mac(self, nonce: str) -> str:
        return hmac.new(self.key, nonce.encode(), hashlib.sha256).hexdigest()[:16]

    def new(self) -> str:
        nonce = secrets.token_hex(8)
        return f"web-{nonce}{self._mac(nonce)}"

    def usable(self, session_id: str | None) -> str:
        """The id when this widget issued it, else a fresh one."""
        found = WEB_SESSION.match(session_id) if isinstance(session_id, str) else None
        if found and hmac.compare_digest(found.group(2), self._mac(found.group(1))):
            return session_id
        return self.new()


def chat_messages(lines: list[conv.Line]) -> list[gr.ChatMessage]:
    """The transcript as chat bubbles; a reply's sources become a folded-away bubble under it."""
    out = []
    for line in lines:
        if line.role == "user":
            out.append(gr.ChatMessage(role="user", content=line.content))
            continue
        text, _, sources = line.content.partition(SOURCES)
        prefix = f"**{line.author or 'Staff'}** (staff): " if line.role == "staff" else ""
        out.append(gr.ChatMessage(role="assistant", content=prefix + text))
        if sources:
            out.append(gr.ChatMessage(role="assistant", content="\n".join(f"- {s}" for s in sources.split("; ")),
                                      metadata={"title": "📚 Sources", "status": "done"}))
    return out


def cards_html(cards: list[dict]) -> str:
    if not cards:
        return ""
    parts = []
    for card in cards:
        tracking = ", ".join(card["tracking"]) or "not shipped yet"
        items = "".join(f"<li>{html.escape(i)}</li>" for i in card["items"])
        parts.append(f'<div class="kefu-order" data-order="{html.escape(card["order_id"])}">'
                     f'<b>{html.escape(card["order_id"])}</b> · <span class="kefu-status">{html.escape(card["status"])}'
                     f'</span><ul>{items}</ul><small>Tracking: {html.escape(tracking)}</small></div>')
    return "".join(parts)


CSS = """
.kefu-order {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 4px 0;}
.kefu-order ul {margin: 2px 0 2px 18px;}
.kefu-product {text-align: left; min-width: 180px; max-width: 240px;}
"""


def build_shopper(agent: ShopAgent, shop_name: str, secret: str | None = None,
                  limits: RateLimits | None = None) -> gr.Blocks:
    db = agent.db
    ids = SessionIds(secret or secrets.token_hex(32))
    usable, new_session_id = ids.usable, ids.new

    def view(session_id: str):
        pending = conv.pending_action(db, session_id)
        offered = card_samples(offered_cards(db, session_id))
        return (chat_messages(conv.transcript(db, session_id)), cards_html(conv.order_cards(db, session_id)),
                gr.Dataset(samples=offered, visible=bool(offered)), gr.update(visible=pending is not None),
                gr.update(value=pending["summary"] if pending else ""),
                pending["id"] if pending else None)

    def restore(session_id: str | None, request: gr.Request | None = None):
        session_id = usable(session_id)
        if conv.status(db, session_id) == EXPIRED:  # closed after inactivity: a reload starts afresh
            session_id = new_session_id()
        token = request.query_params.get("token") if request is not None else None
        if token:
            session_id = signed_in(session_id, token)
        return (session_id, *view(session_id))

    def signed_in(session_id: str, token: str) -> str:
        """The shop's page vouches for its logged-in shopper (`/?token=…`): the conversation starts
        authenticated; one already bound to someone else is left, and a new one starts."""
        if conv.customer_of(db, session_id) is not None:
            session_id = new_session_id()
        try:
            conv.verify_identity(agent, session_id, token)
        except KefuError as exc:
            log.warning("widget identity token refused: %s", exc)
        return session_id

    def allowed(kind: str, session_id: str, request: gr.Request | None) -> bool:
        client = request.client.host if request is not None and request.client else None
        return limits is None or limits.allow(kind, session=session_id, client=client)

    def send(text: str, session_id: str | None, request: gr.Request, decision: tuple[str, bool] | None = None):
        session_id = usable(session_id)  # the page may not have restored its session yet
        text = (text or "").strip()
        if not text and decision is None:
            yield (session_id, "", *view(session_id))
            return
        if not allowed("message", session_id, request):
            history = chat_messages(conv.transcript(db, session_id))
            yield (session_id, text, history + [gr.ChatMessage(role="assistant", content=SLOW_DOWN)], gr.skip(),
                   gr.skip(), gr.skip(), gr.skip(), gr.skip())  # the message stays in the box, to send again
            return
        conv.note_client(db, session_id, request.client.host if request is not None and request.client else None)
        events = detached((lambda: agent.decide(session_id, *decision)) if decision else (
            lambda: agent.stream(session_id, text)))
        shown = text or ("✓" if decision[1] else "✗")
        history = chat_messages(conv.transcript(db, session_id)) + [gr.ChatMessage(role="user", content=shown)]
        partial = ""
        yield (session_id, "", history, gr.skip(), gr.skip(), gr.update(visible=False), gr.skip(), gr.skip())
        for event in events:
            if event["type"] == "queued" and not partial:
                yield (session_id, "", history + [gr.ChatMessage(role="assistant", content=event["text"])], gr.skip(),
                       gr.skip(), gr.skip(), gr.skip(), gr.skip())
            elif event["type"] == "token":
                partial += event["text"]
                yield (session_id, "", history + [gr.ChatMessage(role="assistant", content=partial)], gr.skip(),
                       gr.skip(), gr.skip(), gr.skip(), gr.skip())
            elif event["type"] == "reset":
                partial = ""
        yield (session_id, "", *view(session_id))

    def answer(session_id: str | None, pending_id: str | None, confirm: bool, request: gr.Request):
        if not pending_id:
            session_id = usable(session_id)
            yield (session_id, "", *view(session_id))
            return
        yield from send("", session_id, request, (pending_id, confirm))

    def confirm_change(session_id: str | None, pending: str | None, request: gr.Request):
        yield from answer(session_id, pending, True, request)

    def cancel_change(session_id: str | None, pending: str | None, request: gr.Request):
        yield from answer(session_id, pending, False, request)

    def human(session_id: str | None, request: gr.Request):
        session_id = usable(session_id)
        if allowed("handoff", session_id, request):
            agent.request_human(session_id)
        return (session_id, *view(session_id))

    def rate(session_id: str | None, data: gr.LikeData):
        if usable(session_id) != session_id:
            return
        index = data.index if isinstance(data.index, int) else data.index[0]
        owners = [line for line in conv.transcript(db, session_id) for _ in _bubbles(line)]
        if 0 <= index < len(owners) and owners[index].role == "assistant":
            conv.record_feedback(db, session_id, owners[index].id, 1 if data.liked else -1)

    def show_product(session_id: str | None, index: int | None):
        if usable(session_id) != session_id or index is None:
            return ""
        return open_card(db, session_id, index)

    def refresh(session_id: str | None, shown: list | None):
        # Staff replies and approval decisions arrive without the shopper typing. Only a transcript that
        # grew beyond what is on screen is redrawn, so a reply that is streaming in is never overwritten.
        if usable(session_id) != session_id:
            return (gr.skip(),) * 6
        bubbles = chat_messages(conv.transcript(db, session_id))
        if len(bubbles) <= len(shown or []):
            return (gr.skip(),) * 6
        return view(session_id)

    with gr.Blocks(title=f"{shop_name} · help") as shopper:
        session = gr.BrowserState(None, storage_key="kefu-session", secret=secret)
        pending_id = gr.State(None)
        gr.Markdown(f"### {html.escape(shop_name)} · customer service")
        chatbot = gr.Chatbot(label="Chat", height=460, elem_id="kefu-chat", group_consecutive_messages=False,
                             placeholder="Ask about an order, a return, shipping or a product.")
        orders = gr.HTML(elem_id="kefu-orders")
        products = gr.Dataset(components=["html"], samples=[], type="index", label="Products", layout="gallery",
                              visible=False, elem_id="kefu-products")
        product_detail = gr.Markdown(elem_id="kefu-product-detail")
        with gr.Group(visible=False) as confirm_box:
            summary = gr.Markdown(elem_id="kefu-pending")
            with gr.Row():
                confirm = gr.Button("Confirm", variant="primary", elem_id="kefu-confirm")
                cancel = gr.Button("Cancel", elem_id="kefu-cancel")
        with gr.Row():
            box = gr.Textbox(placeholder="Type your message…", show_label=False, scale=5, elem_id="kefu-input",
                             submit_btn=True)
            ask_human = gr.Button("Talk to a human", scale=1, elem_id="kefu-human")
            fresh = gr.Button("New conversation", scale=1, elem_id="kefu-new")
        shown = [chatbot, orders, products, confirm_box, summary, pending_id]
        outputs = [session, box, *shown]
        shopper.load(restore, session, [session, *shown])
        # Gradio queues every listener one event at a time unless told otherwise; shoppers must not wait in line.
        box.submit(send, [box, session], outputs, concurrency_limit=None)
        confirm.click(confirm_change, [session, pending_id], outputs, concurrency_limit=None)
        cancel.click(cancel_change, [session, pending_id], outputs, concurrency_limit=None)
        ask_human.click(human, session, [session, *shown])
        fresh.click(lambda: restore(None), None, [session, *shown])
        chatbot.like(rate, session, None)
        products.click(show_product, [session, products], product_detail)
        gr.Timer(POLL_S).tick(refresh, [session, chatbot], shown, show_progress="hidden")
    return shopper


def _bubbles(line: conv.Line) -> list[None]:
    """How many chat bubbles a stored message becomes (a reply with sources is two)."""
    return [None, None] if line.role != "user" and SOURCES in line.content else [None]
