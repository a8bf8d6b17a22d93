"""Generated tasks for any τ²-format shop: a blueprint first (customer, goal, gold actions), then its wording.

In the spirit of APIGen-MT: each blueprint's gold actions are executed through the tool layer on a scratch copy of
the shop, and only blueprints whose every call succeeds (and whose forbidden call is refused) are kept. Customers
and orders that an evaluation keeps apart (`Exclusions`) are never sampled.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import Customer, Database, Order, Product
from assistant.evaluation import phrasings as P
from assistant.evaluation.scoring import remove_database
from assistant.evaluation.tasks import tau2_task
from assistant.shop.records import address_record
from assistant.tools import ToolRunner
from assistant.tools.replay import replay

GOALS = ("cancel", "address_default", "address_new", "payment", "items", "exchange", "return", "profile_address",
         "status", "tracking", "refuse_cancel", "transfer", "two_requests")
AMOUNT_GOALS = ("paid", "return_refund")  # a set of its own (`--goals`): adding them to GOALS reshuffles the rest
NEEDS = {"cancel": "pending", "address_default": "pending", "address_new": "pending", "payment": "pending",
         "items": "pending", "exchange": "delivered", "return": "delivered", "status": None, "tracking": "processed",
         "refuse_cancel": "delivered", "paid": None, "return_refund": "delivered"}


@dataclass
class Exclusions:
    """Customers and orders that nothing which trains, tunes or selects may touch."""

    customers: set[str] = field(default_factory=set)
    orders: set[str] = field(default_factory=set)

    @classmethod
    def beside(cls, tasks_path: Path, session: Session) -> Exclusions:
        """The test split's customers and orders of the task file, and `reserved_users.json`'s customers, with
        every order of an excluded customer."""
        folder, found = Path(tasks_path).parent, cls()
        if (folder / "split_tasks.json").exists():
            found.add_split(tasks_path, "test", session)
        reserved = folder / "reserved_users.json"
        if reserved.exists():
            found.customers |= set(json.loads(reserved.read_text())["users"])
        found.close_over(session)
        return found

    def add_split(self, tasks_path: Path, split: str, session: Session) -> None:
        """Keep out every customer and order that a split of a task file touches."""
        from assistant.evaluation.tasks import load_tasks

        order_ids = list(session.scalars(select(Order.id)))
        for task in load_tasks(tasks_path, split=split):
            self.customers |= {task.user_id} if task.user_id else set()
            text = json.dumps([task.reason, task.known, task.unknown, task.style, task.actions])
            self.orders |= {o for o in order_ids if o in text}
            self.customers |= {a["arguments"]["user_id"] for a in task.actions if "user_id" in a["arguments"]}

    def close_over(self, session: Session) -> None:
        """Every order of an excluded customer, and every customer of an excluded order."""
        self.orders |= set(session.scalars(select(Order.id).where(Order.customer_id.in_(self.customers))))
        self.customers |= set(session.scalars(select(Order.customer_id).where(Order.id.in_(self.orders))))
        self.orders |= set(session.scalars(select(Order.id).where(Order.customer_id.in_(self.customers))))


class _Blueprints:
    """Goal makers over one customer: each returns (reason, gold writes, extra) or None when it does not fit."""

    def __init__(self, session: Session, rng: random.Random, language: str, typo: bool = False):
        self.session, self.rng, self.lang, self.typo = session, rng, language, typo

    def say(self, options: list[str], **slots) -> str:
        ref, template = slots.get("ref", ""), P.pick(self.rng, options)
        template = P.with_typo(template, self.rng) if self.typo else template  # never in names, ids or options
        return template.format(**slots, Ref=ref[:1].upper() + ref[1:])

    def ref(self, order: Order, customer: Customer) -> str:
        """A reference to the order that picks it out among the customer's orders: by id, items, status or recency."""
        refs, names = P.ORDER_REFS[self.lang], list(dict.fromkeys(i.name for i in order.items))
        kinds = ["id"]
        holding = lambda wanted: [o for o in customer.orders if wanted <= {i.name for i in o.items}]  # noqa: E731
        if len(names) >= 2 and holding(set(names[:2])) == [order]:
            kinds += ["items", "items"]
        elif names and holding({names[0]}) == [order]:
            kinds += ["item", "item"]
        if sum(o.status == order.status for o in customer.orders) == 1 and f"status:{order.status}" in refs:
            kinds.append(f"status:{order.status}")
        if customer.orders[-1] is order:
            kinds.append("latest")
        kind = P.pick(self.rng, kinds)
        return P.pick(self.rng, refs[kind]).format(id=order.id, a=names[0], b=names[1] if len(names) > 1 else "")

    def pay_name(self, method) -> str:
        template = P.PAYMENT_NAMES[method.source][self.lang]
        return template.format(brand=(method.brand or "").title(), last_four=method.last_four)

    def other_variant(self, line):
        product = self.session.get(Product, line.product_id)
        for variant in self.rng.sample(list(product.variants), len(product.variants)):
            differs = [k for k in line.options if variant.options.get(k) != line.options[k]]
            if variant.available and variant.id != line.item_id and len(differs) == 1:
                return variant, differs[0]
        return None, None

    def make(self, goal: str, customer: Customer, order: Order | None) -> tuple[str, list[dict], dict] | None:
        return getattr(self, f"goal_{goal}")(customer, order)

    def goal_cancel(self, customer, order, template="cancel"):
        reason = P.pick(self.rng, list(P.CANCEL_REASONS))
        why = P.pick(self.rng, P.CANCEL_REASONS[reason][self.lang])
        text = self.say(P.GOALS[self.lang][template], ref=self.ref(order, customer), why=why)
        writes = [] if template == "refuse_cancel" else [
            {"name": "cancel_pending_order", "arguments": {"order_id": order.id, "reason": reason}}]
        forbidden = [{"name": "cancel_pending_order", "arguments": {"order_id": order.id, "reason": reason}}]
        return text, writes, {"follow": {"why": why}, **({"forbidden": forbidden} if not writes else {})}

    def goal_refuse_cancel(self, customer, order):
        return self.goal_cancel(customer, order, "refuse_cancel")

    def goal_address_default(self, customer, order):
        if address_record(order) == address_record(customer):
            return None
        text = self.say(P.GOALS[self.lang]["address_default"], ref=self.ref(order, customer))
        return text, [{"name": "modify_pending_order_address",
                       "arguments": {"order_id": order.id, **address_record(customer)}}], {}

    def goal_address_new(self, customer, order):
        new = P.pick(self.rng, P.NEW_ADDRESSES)
        text = self.say(P.GOALS[self.lang]["address_new"], ref=self.ref(order, customer), address=P.address_line(new))
        return text, [{"name": "modify_pending_order_address", "arguments": {"order_id": order.id, **new}}], {}

    def goal_profile_address(self, customer, _order):
        new = P.pick(self.rng, P.NEW_ADDRESSES)
        text = self.say(P.GOALS[self.lang]["profile_address"], address=P.address_line(new))
        return text, [{"name": "modify_user_address", "arguments": {"user_id": customer.id, **new}}], {}

    def goal_payment(self, customer, order):
        current = {p.payment_method_id for p in order.payments}
        total = sum(i.price for i in order.items)
        options = [m for m in customer.payment_methods if m.id not in current and
                   (m.source != "gift_card" or (m.balance or 0) >= total)]
        if not options:
            return None
        method = P.pick(self.rng, options)
        text = self.say(P.GOALS[self.lang]["payment"], ref=self.ref(order, customer), pay=self.pay_name(method))
        return text, [{"name": "modify_pending_order_payment",
                       "arguments": {"order_id": order.id, "payment_method_id": method.id}}], {}

    def _swap(self, customer, order, goal: str, tool: str):
        if not order.payments:
            return None
        line = P.pick(self.rng, list(order.items))
        variant, key = self.other_variant(line)
        if variant is None:
            return None
        method = next(m for m in customer.payment_methods if m.id == order.payments[0].payment_method_id)
        pay = P.PAYMENT_NAMES["original"][self.lang] if method.source == "credit_card" else self.pay_name(method)
        change = P.CHANGE[self.lang].format(key=key, value=variant.options[key])
        text = self.say(P.GOALS[self.lang][goal], ref=self.ref(order, customer), item=line.name, change=change,
                        settle=P.SETTLE[self.lang].format(pay=pay))
        return text, [{"name": tool, "arguments": {"order_id": order.id, "item_ids": [line.item_id],
                                                   "new_item_ids": [variant.id], "payment_method_id": method.id}}], \
            {"follow": {"item": line.name, "pay": pay}}

    def goal_items(self, customer, order):
        return self._swap(customer, order, "items", "modify_pending_order_items")

    def goal_exchange(self, customer, order):
        return self._swap(customer, order, "exchange", "exchange_delivered_order_items")

    def goal_return(self, customer, order):
        if not order.payments:
            return None
        lines = self.rng.sample(list(order.items), min(len(order.items), self.rng.choice([1, 1, 2])))
        original = next(m for m in customer.payment_methods if m.id == order.payments[0].payment_method_id)
        cards = [m for m in customer.payment_methods if m.source == "gift_card"]
        method = P.pick(self.rng, [original, *cards])
        refund = P.PAYMENT_NAMES["original"][self.lang] if method is original and method.source == "credit_card" \
            else self.pay_name(method)
        items = (" 和 " if self.lang == "zh" else " and the ").join(line.name for line in lines)
        text = self.say(P.GOALS[self.lang]["return"], ref=self.ref(order, customer), items=items, refund=refund)
        return text, [{"name": "return_delivered_order_items",
                       "arguments": {"order_id": order.id, "item_ids": [line.item_id for line in lines],
                                     "payment_method_id": method.id}}], {"follow": {"pay": refund}}

    def goal_return_refund(self, customer, order):
        made = self.goal_return(customer, order)
        if made is None:
            return None
        text, writes, extra = made
        prices = {line.item_id: line.price for line in order.items}
        refund = sum(prices[i] for i in writes[0]["arguments"]["item_ids"])
        ask = P.pick(self.rng, P.ASK_AMOUNT[self.lang]["refund"])
        return f"{text} {ask}", writes, {**extra, "info": [f"{refund:.2f}"]}

    def goal_paid(self, customer, order):
        paid = sum(p.amount for p in order.payments if p.transaction_type == "payment")
        if not paid:
            return None
        text = self.say(P.ASK_AMOUNT[self.lang]["paid"], ref=self.ref(order, customer))
        return text, [], {"info": [f"{paid:.2f}"]}

    def goal_status(self, customer, order):
        text = self.say(P.GOALS[self.lang]["status"], ref=self.ref(order, customer))
        return text, [], {"info": [order.status]}

    def goal_tracking(self, customer, order):
        tracking = [t for f in order.fulfillments for t in f.tracking_ids]
        if not tracking:
            return None
        return self.say(P.GOALS[self.lang]["tracking"], ref=self.ref(order, customer)), [], {"info": tracking[:1]}

    def goal_transfer(self, _customer, _order):
        text = P.pick(self.rng, P.GOALS[self.lang]["transfer"])
        return text, [{"name": "transfer_to_human_agents", "arguments": {"summary": text}}], {}


def _known(customer: Customer, lang: str, rng: random.Random) -> tuple[str, str, dict]:
    by = "email" if rng.random() < 0.5 else "zip"
    known = P.KNOWN[by][lang].format(first=customer.first_name, last=customer.last_name, email=customer.email,
                                     zip=customer.zip)
    find = ({"name": "find_user_id_by_email", "arguments": {"email": customer.email}} if by == "email" else
            {"name": "find_user_id_by_name_zip", "arguments": {"first_name": customer.first_name,
                                                               "last_name": customer.last_name, "zip": customer.zip}})
    unknown = "" if by == "email" else ("我不记得邮箱了。" if lang == "zh" else "You do not remember your email.")
    return known, unknown, find


def _follow_lines(lang: str, follow: dict) -> str:
    return " ".join(P.FOLLOW_UPS[lang][key].format(**{key: value}) for key, value in follow.items())


def _order_for(customer: Customer, goal: str, excluded: set[str], rng: random.Random) -> Order | None:
    fits = [o for o in customer.orders if o.id not in excluded and (NEEDS.get(goal) in (None, o.status))]
    return P.pick(rng, fits) if fits else None


def blueprint(session: Session, rng: random.Random, customer: Customer, goal: str, lang: str,
              excluded_orders: set[str]) -> dict | None:
    """One task, before validation: τ²'s shape, with the gold actions and any call that must be refused."""
    maker = _Blueprints(session, rng, lang, typo=lang == "en" and rng.random() < 0.2)
    if goal == "two_requests":
        first = _order_for(customer, "cancel", excluded_orders, rng)
        second = _order_for(customer, "return", excluded_orders, rng)
        made = [maker.make("cancel", customer, first) if first else None,
                maker.make("return", customer, second) if second else None]
        if None in made:
            return None
        (text1, writes1, extra1), (text2, writes2, extra2) = made
        text, writes, extra = f"{text1} FOLLOW-UP: {text2}", writes1 + writes2, {
            "follow": extra1["follow"] | extra2["follow"], "style": f"FOLLOW-UP: {text2}"}
    else:
        order = None if goal in ("profile_address", "transfer") else _order_for(customer, goal, excluded_orders, rng)
        if goal not in ("profile_address", "transfer") and order is None:
            return None
        made = maker.make(goal, customer, order)
        if made is None:
            return None
        text, writes, extra = made
    known, unknown, find = _known(customer, lang, rng)
    follow = _follow_lines(lang, extra.get("follow", {}))
    return {"category": goal, "user_id": customer.id, "reason": text, "known": f"{known} {follow}".strip(),
            "unknown": unknown, "style": extra.get("style", ""), "info": extra.get("info", []),
            "actions": [find, *writes], "forbidden": extra.get("forbidden", []), "language": lang}


def validate(db: Database, plan: dict) -> bool:
    """Every gold call succeeds (writes confirmed) and every forbidden call is refused, on this scratch shop."""
    runner = ToolRunner(db, f"generate-{plan['user_id']}", actor="staff:generator")
    runner.act_as_customer(plan["user_id"])
    if any(r.error for r in replay(runner, [a for a in plan["actions"] if a["name"] != "transfer_to_human_agents"],
                                   confirm=True)):
        return False
    return all(r.error for r in replay(runner, plan["forbidden"], confirm=True))


def generate(template: Path, workdir: Path, count: int, *, seed: int = 7, exclusions: Exclusions | None = None,
             zh_share: float = 0.4, prefix: str = "gen", progress: Callable[[], None] | None = None,
             goals: tuple[str, ...] = GOALS) -> list[dict]:
    """`count` validated tasks over the shop at `template`, each customer used once, a `zh_share` in Chinese,
    spread evenly over `goals`."""
    exclusions = exclusions or Exclusions()
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = workdir / f"generate-{seed}.db"
    shutil.copy(template, scratch)
    source, target = Database(f"sqlite:///{template}"), Database(f"sqlite:///{scratch}")
    tasks: list[dict] = []
    try:
        with source.session() as session:
            customers = [c for c in session.scalars(select(Customer).order_by(Customer.position))
                         if c.id not in exclusions.customers]
            rng.shuffle(customers)
            for customer in customers:
                if len(tasks) == count:
                    break
                lang = "zh" if rng.random() < zh_share else "en"
                # The rarest goal so far that this customer's orders allow; a failed validation may have changed
                # the scratch shop for this customer, so it is not tried again.
                made = Counter(t["description"]["purpose"] for t in tasks)
                plans = (blueprint(session, rng, customer, goal, lang, exclusions.orders)
                         for goal in sorted(goals, key=lambda g: (made[g], goals.index(g))))
                plan = next((p for p in plans if p is not None), None)
                if plan is None or not validate(target, plan):
                    continue
                tasks.append(tau2_task(f"{prefix}-{len(tasks):03d}", plan["category"], plan["user_id"], plan["reason"],
                                       plan["known"], plan["actions"], info=plan["info"], unknown=plan["unknown"],
                                       style=plan["style"], language=plan["language"]))
                if progress:
                    progress()
    finally:
        source.dispose()
        target.dispose()
        remove_database(scratch)
    return tasks
