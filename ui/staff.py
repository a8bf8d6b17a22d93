"""The staff console (Gradio Blocks), served at `/staff` behind the staff login.

Queue of handoffs, the demo outbox, a live view of any conversation with its tool trace, take over / reply / hand back,
ratings, labels and corrections for fine-tuning, and the adapter registry.
"""

from __future__ import annotations

from datetime import datetime, timezone

import gradio as gr
from sqlalchemy import select

from assistant.agent import ShopAgent
from assistant.db import Conversation, Feedback, HandoffTicket, Message
from assistant.dialogue import staff as takeover
from assistant.errors import KefuError
from ui import conversations as conv
from ui.catalog_tab import catalog_tab
from ui.finetune_tab import finetune_tab
from ui.knowledge_tab import knowledge_tab
from ui.metrics import daily_metrics, latency_long, rates_long
from ui.shopper import chat_messages
from ui.staff_accounts import record_view, require_admin

LABELS = ["resolved well", "wrong tool", "wrong argument", "should have handed off", "policy violation", "rude",
          "other"]
QUEUE_COLUMNS = ["ticket", "conversation", "customer", "waiting (min)", "status", "staff", "summary"]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def queue_rows(db) -> list[list]:
    """Open and claimed handoff tickets, longest-waiting first."""
    with db.session() as session:
        tickets = session.scalars(select(HandoffTicket).where(HandoffTicket.status.in_(("open", "claimed")))
                                  .order_by(HandoffTicket.created_at)).all()
    return [[t.id, t.conversation_id, t.customer_id or "not identified",
             round((_now() - t.created_at).total_seconds() / 60, 1), t.status, t.claimed_by or "", t.summary]
            for t in tickets]


def approval_rows(db) -> list[list]:
    """Writes the shopper confirmed that wait for staff (refunds above KEFU_APPROVAL_THRESHOLD)."""
    return [[a.id, a.conversation_id, a.customer_id or "",
             round((_now() - a.decided_at).total_seconds() / 60, 1) if a.decided_at else "", a.summary]
            for a in takeover.awaiting_approval(db)]


def outbox_rows(db, limit: int = 50) -> list[list]:
    """The newest emails the `outbox` sender kept (one-time codes in the demo), newest first."""
    return [[m["at"], m["to"], m["subject"], m["body"]] for m in conv.outbox(db, limit)]


def recent_conversations(db, limit: int = 50) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Conversation.id).order_by(Conversation.updated_at.desc()).limit(limit)))


def label_conversation(db, conversation_id: str, staff: str, *, rating: int | None = None, label: str | None = None,
                       message_id: int | None = None, correction: str | None = None) -> None:
    """Store staff's rating, label or correction of an agent turn; `kefu finetune build --recorded` uses them."""
    with db.session() as session:
        if session.get(Conversation, conversation_id) is None:
            raise KefuError(f"no conversation {conversation_id!r}")
        if correction is not None:
            message = session.get(Message, message_id) if message_id else None
            if message is None or message.conversation_id != conversation_id or message.role != "assistant":
                raise KefuError("pick one of the assistant's replies in this conversation to correct")
            if not correction.strip():
                raise KefuError("the correction is empty")
        session.add(Feedback(conversation_id=conversation_id, message_id=message_id, source="staff", rating=rating,
                             label=label, correction=correction, author=staff))
        session.commit()


def build_staff(agent: ShopAgent) -> gr.Blocks:
    db = agent.db

    def who(request: gr.Request) -> str:
        return getattr(request, "username", None) or "staff"

    def show(conversation_id: str, request: gr.Request = None):
        if not conversation_id:
            return [], [], "", gr.update(choices=[])
        if request is not None:
            record_view(db, who(request), conversation_id)
        lines = conv.transcript(db, conversation_id)
        trace = [[t["at"], t["tool"], t["arguments"], t["result"], "error" if t["error"] else ""]
                 for t in conv.tool_trace(db, conversation_id)]
        replies = [(f"#{line.id}: {line.content[:60]}", line.id) for line in lines if line.role == "assistant"]
        state = f"status: **{conv.status(db, conversation_id) or 'unknown'}**"
        return chat_messages(lines), trace, state, gr.update(choices=replies, value=None)

    def act(action, conversation_id: str, request: gr.Request, *args):
        try:
            note = action(conversation_id, who(request), *args)
        except KefuError as exc:
            gr.Warning(str(exc))
            note = None
        if note:
            gr.Info(note)
        return show(conversation_id)

    def take(conversation_id, request: gr.Request):
        return act(lambda c, s: takeover.take_over(db, c, s) or f"you have {c}", conversation_id, request)

    def give_back(conversation_id, request: gr.Request):
        return act(lambda c, s: f"handed back with {takeover.hand_back(db, agent, c, s)} new turns",
                   conversation_id, request)

    def reply(conversation_id, text, request: gr.Request):
        return (*act(lambda c, s, t: takeover.staff_reply(db, c, s, t) and None, conversation_id, request, text), "")

    def rate(conversation_id, rating, label, request: gr.Request):
        return act(lambda c, s: label_conversation(db, c, s, rating=rating, label=label or None) or "saved",
                   conversation_id, request)

    def correct(conversation_id, message_id, text, request: gr.Request):
        return act(lambda c, s: label_conversation(db, c, s, message_id=message_id, correction=text)
                   or "correction saved for training", conversation_id, request)

    def metrics():
        frame = daily_metrics(db)
        return rates_long(frame), latency_long(frame), frame[["day", "verifier_blocks"]], frame.round(3)

    def approvals_view():
        rows = approval_rows(db)
        return rows, gr.update(choices=[r[0] for r in rows])

    def decide(action, approved, request: gr.Request):
        require_admin(db, who(request))
        try:
            gr.Info(takeover.decide(db, agent, action or "", who(request), approved)[:120])
        except KefuError as exc:
            gr.Warning(str(exc))
        return approvals_view()

    with gr.Blocks(title="kefu · staff") as console:
        with gr.Row():
            gr.Markdown("### kefu · staff console")
            gr.Button("Log out", link="/staff/logout", size="sm", scale=0, elem_id="staff-logout")
        with gr.Tab("Queue"):
            queue = gr.Dataframe(headers=QUEUE_COLUMNS, value=lambda: queue_rows(db), interactive=False,
                                 elem_id="staff-queue", wrap=True)
            gr.Timer(5).tick(lambda: queue_rows(db), None, queue, show_progress="hidden")
        with gr.Tab("Conversation"):
            with gr.Row():
                picked = gr.Dropdown(label="Conversation", allow_custom_value=True, elem_id="staff-conversation",
                                     choices=recent_conversations(db), scale=4)
                load = gr.Button("Open", scale=1, elem_id="staff-open")
            state = gr.Markdown(elem_id="staff-state")
            chat = gr.Chatbot(label="Transcript", height=360, elem_id="staff-transcript",
                              group_consecutive_messages=False)
            with gr.Row():
                take_btn = gr.Button("Take over", variant="primary", elem_id="staff-take")
                back_btn = gr.Button("Hand back to the assistant", elem_id="staff-handback")
            with gr.Row():
                text = gr.Textbox(placeholder="Reply to the shopper…", show_label=False, scale=5, elem_id="staff-reply")
                send = gr.Button("Send", scale=1, elem_id="staff-send")
            trace = gr.Dataframe(headers=["at", "tool", "arguments", "result", ""], label="Tool calls",
                                 interactive=False, wrap=True)
            with gr.Accordion("Rate, label and correct (for fine-tuning)", open=False):
                with gr.Row():
                    rating = gr.Radio([("👍", 1), ("👎", -1)], label="Rating")
                    label = gr.Dropdown(LABELS, label="Label")
                    save = gr.Button("Save rating")
                turn = gr.Dropdown(label="Agent reply to correct", choices=[])
                correction = gr.Textbox(label="What the assistant should have said", lines=3)
                save_correction = gr.Button("Save correction")
        with gr.Tab("Approvals"):
            approvals = gr.Dataframe(headers=["action", "conversation", "customer", "waiting (min)", "change"],
                                     value=lambda: approval_rows(db), interactive=False, wrap=True,
                                     elem_id="staff-approvals")
            with gr.Row():
                action_id = gr.Dropdown(label="Action", choices=[], allow_custom_value=True, scale=3)
                approve = gr.Button("Approve", variant="primary", scale=1)
                reject = gr.Button("Reject", variant="stop", scale=1)
        with gr.Tab("Outbox"):
            gr.Markdown("Emails kefu sent with the demo `outbox` sender (KEFU_IDENTITY_CODE_SENDER), such as one-time "
                        "codes; a live shop sends them through its own mail service instead.")
            outbox = gr.Dataframe(headers=["at", "to", "subject", "body"], value=lambda: outbox_rows(db),
                                  interactive=False, wrap=True, elem_id="staff-outbox")
            gr.Timer(5).tick(lambda: outbox_rows(db), None, outbox, show_progress="hidden")
        with gr.Tab("Metrics"):
            refresh_metrics = gr.Button("Refresh", elem_id="staff-metrics-refresh")
            with gr.Row():
                rates_plot = gr.LinePlot(x="day", y="value", color="metric", title="Rates by day", y_lim=[0, 1])
                latency_plot = gr.LinePlot(x="day", y="ms", color="metric", title="Turn latency (ms)")
            blocks_plot = gr.BarPlot(x="day", y="verifier_blocks", title="Verifier blocks by day")
            metrics_table = gr.Dataframe(interactive=False, elem_id="staff-metrics")
        knowledge_tab(agent.settings, db)
        catalog_tab(agent.settings, db)
        finetune_tab(agent.settings, db)

        approve.click(decide, [action_id, gr.State(True)], [approvals, action_id])
        reject.click(decide, [action_id, gr.State(False)], [approvals, action_id])
        gr.Timer(5).tick(approvals_view, None, [approvals, action_id], show_progress="hidden")
        metric_views = [rates_plot, latency_plot, blocks_plot, metrics_table]
        refresh_metrics.click(metrics, None, metric_views)
        console.load(metrics, None, metric_views)
        view = [chat, trace, state, turn]
        load.click(show, picked, view)
        picked.change(show, picked, view)
        take_btn.click(take, picked, view)
        back_btn.click(give_back, picked, view)
        send.click(reply, [picked, text], [*view, text])
        text.submit(reply, [picked, text], [*view, text])
        save.click(rate, [picked, rating, label], view)
        save_correction.click(correct, [picked, turn, correction], view)
        gr.Timer(3).tick(lambda c: show(c)[:3], picked, view[:3], show_progress="hidden")
    return console
