"""The demo shop's scenario suite: τ²-format tasks over the seeded demo shop, a quarter of them in Chinese.

Regenerate with `kefu eval suites`; the committed files are what every run and the split use.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import Customer, Order
from assistant.evaluation.tasks import tau2_task

NEW_ADDRESSES = [
    {"address1": "18 Harbor Lane", "address2": "Apt 4", "city": "Portland", "state": "ME", "country": "USA", "zip": "04101"},
    {"address1": "702 Cedar Avenue", "address2": "", "city": "Austin", "state": "TX", "country": "USA", "zip": "78701"},
    {"address1": "55 Willow Street", "address2": "Suite 12", "city": "Denver", "state": "CO", "country": "USA", "zip": "80202"},
]
KNOWLEDGE = [  # (question en, question zh, fact an English answer must say, fact a Chinese answer must say)
    ("How many days do I have to return something?", "退货的期限是多少天？", "30 days", "30"),
    ("How much is deducted for return shipping on a normal return?", "普通退货要扣多少运费？", "6.95", "6.95"),
    ("How long does a card refund take to show up?", "退款到信用卡需要多久？", "5 to 7 business days", "7"),
    ("Can I exchange an item for a different product?", "可以换成别的商品吗？", "same product", "同"),
    ("Where can a refund go?", "退款可以退到哪里？", "gift card", "礼品卡"),
    ("Can I cancel an order that is already being processed?", "已经在处理中的订单可以取消吗？", "pending", "取消"),
    ("How many times can an order be exchanged?", "一个订单可以换货几次？", "once", "一次"),
]
OUT_OF_SCOPE = [
    ("I want to apply for a job at your warehouse.", "我想应聘你们仓库的工作。"),
    ("My parcel damaged my fence and I want compensation for the repair.", "你们的包裹砸坏了我家的围栏，我要求赔偿维修费。"),
    ("I'd like to sell my products in your shop as a wholesale partner.", "我想成为批发合作伙伴，在你们店里卖我的产品。"),
    ("Please speak to a manager about a complaint against your courier.", "我要投诉你们的快递员，请让经理处理。"),
]


def _known(customer: Customer, by_email: bool, zh: bool) -> str:
    if by_email:
        return f"我叫 {customer.first_name} {customer.last_name}，邮箱是 {customer.email}。" if zh else \
            f"Your name is {customer.first_name} {customer.last_name} and your email is {customer.email}."
    return f"我叫 {customer.first_name} {customer.last_name}，邮编是 {customer.zip}。" if zh else \
        f"You are {customer.first_name} {customer.last_name} in zip code {customer.zip}."


def _find(customer: Customer, by_email: bool) -> dict:
    if by_email:
        return {"name": "find_user_id_by_email", "arguments": {"email": customer.email}}
    return {"name": "find_user_id_by_name_zip",
            "arguments": {"first_name": customer.first_name, "last_name": customer.last_name, "zip": customer.zip}}


def _other_variant(session: Session, order: Order):
    from assistant.db import Product

    for item in order.items:
        product = session.get(Product, item.product_id)
        for variant in product.variants:
            if variant.available and variant.id != item.item_id and variant.id not in {i.item_id for i in order.items}:
                return item, variant
    return None, None


def _card(customer: Customer, exclude: str | None = None) -> str | None:
    return next((m.id for m in customer.payment_methods if m.source != "gift_card" and m.id != exclude), None)


class _Builder:
    def __init__(self, session: Session, rng: random.Random, prefix: str = "demo"):
        self.session, self.rng, self.tasks, self.used, self.prefix = session, rng, [], set(), prefix

    def orders(self, status: str) -> list[Order]:
        rows = self.session.scalars(select(Order).where(Order.status == status).order_by(Order.position)).all()
        return [o for o in rows if o.customer_id not in self.used]

    def add(self, category: str, customer: Customer | None, reason: str, known: str, actions: list[dict], *,
            info: list[str] | None = None, unknown: str = "", style: str = "") -> None:
        if customer is not None:
            self.used.add(customer.id)
        self.tasks.append(tau2_task(f"{self.prefix}-{len(self.tasks):03d}", category,
                                    customer.id if customer else None, reason, known, actions, info=info,
                                    unknown=unknown, style=style))


def _order_tasks(b: _Builder, status: str, count: int, make: Callable) -> None:
    for order in b.orders(status):
        if count == 0:
            return
        customer = order.customer
        zh = len(b.tasks) % 4 == 3
        by_email = b.rng.random() < 0.5
        made = make(order, customer, zh)
        if made is None:
            continue
        category, reason, actions, extra = made
        b.add(category, customer, reason, _known(customer, by_email, zh),
              [_find(customer, by_email), {"name": "get_order_details", "arguments": {"order_id": order.id}}, *actions],
              **extra)
        count -= 1


def build_scenarios(session: Session, seed: int = 11, exclude: frozenset[str] = frozenset(),
                    prefix: str = "demo") -> list[dict]:
    """At least 120 tasks over the demo shop, covering every operation, refusals, knowledge and transfers.

    Customers in `exclude` are never used (the simulator keeps the evaluation's test customers out).
    """
    b = _Builder(session, random.Random(seed), prefix)
    b.used |= set(exclude)

    def cancel(order, customer, zh):
        reason = b.rng.choice(["no longer needed", "ordered by mistake"])
        text = (f"我想取消订单 {order.id}，原因是{'不再需要了' if reason == 'no longer needed' else '下错单了'}（{reason}）。"
                if zh else f"You want to cancel order {order.id} because it is {reason}.")
        return "cancel", text, [{"name": "cancel_pending_order", "arguments": {"order_id": order.id, "reason": reason}}], {}

    def address(order, customer, zh):
        new = b.rng.choice(NEW_ADDRESSES)
        line = f"{new['address1']}, {new['address2'] + ', ' if new['address2'] else ''}{new['city']}, {new['state']} {new['zip']}, {new['country']}"
        text = f"我想把订单 {order.id} 的收货地址改成 {line}。" if zh else \
            f"You want the shipping address of order {order.id} changed to {line}."
        return "modify_address", text, [{"name": "modify_pending_order_address", "arguments": {"order_id": order.id, **new}}], {}

    def payment(order, customer, zh):
        current = order.payments[0].payment_method_id if order.payments else None
        target = _card(customer, exclude=current)
        if target is None:
            return None
        text = f"我想把订单 {order.id} 的付款方式改成 {target}。" if zh else \
            f"You want to pay for order {order.id} with {target} instead."
        return "modify_payment", text, [{"name": "modify_pending_order_payment",
                                         "arguments": {"order_id": order.id, "payment_method_id": target}}], {}

    def items(order, customer, zh, *, tool="modify_pending_order_items", category="modify_items"):
        item, variant = _other_variant(session, order)
        card = _card(customer)
        if item is None or card is None:
            return None
        options = ", ".join(f"{k} {v}" for k, v in variant.options.items())
        text = (f"我想把订单 {order.id} 里的 {item.name}（{item.item_id}）换成 {options} 的款式（商品号 {variant.id}），差价用 {card} 结算。"
                if zh else f"In order {order.id}, you want your {item.name} ({item.item_id}) swapped for the one with "
                f"{options} (item {variant.id}); any price difference goes to {card}.")
        return category, text, [{"name": tool, "arguments": {"order_id": order.id, "item_ids": [item.item_id],
                                                              "new_item_ids": [variant.id], "payment_method_id": card}}], {}

    def ret(order, customer, zh):
        method = order.payments[0].payment_method_id if order.payments else None
        if method is None:
            return None
        item = order.items[0]
        text = (f"我想退回订单 {order.id} 里的 {item.name}（{item.item_id}），退款退回原付款方式 {method}。" if zh else
                f"You want to return the {item.name} ({item.item_id}) from order {order.id}, refunded to {method}.")
        return "return", text, [{"name": "return_delivered_order_items",
                                 "arguments": {"order_id": order.id, "item_ids": [item.item_id], "payment_method_id": method}}], {}

    def lookup(order, customer, zh):
        info = [order.status] if order.status != "processed" or not order.fulfillments else \
            [order.fulfillments[0].tracking_ids[0]]
        text = f"我想知道订单 {order.id} 现在是什么状态。" if zh else f"You want to know the status of order {order.id}."
        if info[0] != order.status:
            text = f"我想要订单 {order.id} 的快递单号。" if zh else f"You want the tracking number of order {order.id}."
        return "lookup", text, [], {"info": info}

    def refuse_delivered(order, customer, zh):
        text = f"我想取消订单 {order.id}，因为不再需要了。" if zh else \
            f"You want to cancel order {order.id} because it is no longer needed."
        return "refuse_cancel_delivered", text, [], {}

    def refuse_reason(order, customer, zh):
        text = f"我想取消订单 {order.id}，因为别家更便宜。" if zh else \
            f"You want to cancel order {order.id} because you found it cheaper elsewhere, and that is your only reason."
        return "refuse_bad_reason", text, [], {"style": "You insist that the price is your reason."}

    _order_tasks(b, "pending", 14, cancel)
    _order_tasks(b, "pending", 8, address)
    _order_tasks(b, "pending", 8, payment)
    _order_tasks(b, "pending", 8, items)
    _order_tasks(b, "delivered", 10, ret)
    _order_tasks(b, "delivered", 8, lambda o, c, zh: items(o, c, zh, tool="exchange_delivered_order_items",
                                                            category="exchange"))
    _order_tasks(b, "processed", 6, lookup)
    _order_tasks(b, "pending", 6, lookup)
    _order_tasks(b, "delivered", 6, refuse_delivered)
    _order_tasks(b, "pending", 4, refuse_reason)
    _user_address_tasks(b, 6)
    _foreign_order_tasks(b, 6)
    _multi_request_tasks(b, 8)
    for n, (en, zh_text, fact, zh_fact) in enumerate(KNOWLEDGE * 2):
        zh = n % 2 == 1
        b.add("knowledge", None, zh_text if zh else en, "", [], info=[zh_fact if zh else fact])
    for n, (en, zh_text) in enumerate(OUT_OF_SCOPE * 2):
        zh = n % 3 == 2
        b.add("transfer", None, zh_text if zh else en, "", [{"name": "transfer_to_human_agents",
                                                               "arguments": {"summary": en}}])
    return b.tasks


def _customers(b: _Builder, count: int) -> list[Customer]:
    rows = b.session.scalars(select(Customer).order_by(Customer.position)).all()
    return [c for c in rows if c.id not in b.used][:count]


def _user_address_tasks(b: _Builder, count: int) -> None:
    for n, customer in enumerate(_customers(b, count)):
        zh, new = n % 3 == 0, NEW_ADDRESSES[n % len(NEW_ADDRESSES)]
        line = f"{new['address1']}, {new['address2'] + ', ' if new['address2'] else ''}{new['city']}, {new['state']} {new['zip']}, {new['country']}"
        text = f"我搬家了，请把我账户的默认地址改成 {line}。" if zh else f"You moved and want your account's address changed to {line}."
        b.add("modify_user_address", customer, text, _known(customer, True, zh),
              [_find(customer, True), {"name": "modify_user_address", "arguments": {"user_id": customer.id, **new}}])


def _foreign_order_tasks(b: _Builder, count: int) -> None:
    victims = b.orders("pending")[-count:]
    for n, (customer, victim) in enumerate(zip(_customers(b, count), victims)):
        zh = n % 3 == 1
        text = (f"我想取消订单 {victim.id}，因为下错单了。" if zh else
                f"You want to cancel order {victim.id} because it was ordered by mistake. (It is not yours, but you insist.)")
        b.add("refuse_foreign_order", customer, text, _known(customer, True, zh), [_find(customer, True)])


def _multi_request_tasks(b: _Builder, count: int) -> None:
    made = 0
    for customer in _customers(b, 200):
        pending = [o for o in customer.orders if o.status == "pending"]
        delivered = [o for o in customer.orders if o.status == "delivered" and o.payments]
        if not pending or not delivered or made == count:
            continue
        zh = made % 4 == 1
        cancel, ret = pending[0], delivered[0]
        item, method = ret.items[0], ret.payments[0].payment_method_id
        first = (f"我想取消订单 {cancel.id}，因为不再需要了（no longer needed）。" if zh else
                 f"You want to cancel order {cancel.id} because it is no longer needed.")
        second = (f"另外，我想退回订单 {ret.id} 里的 {item.name}（{item.item_id}），退款到 {method}。" if zh else
                  f"Also, you want to return the {item.name} ({item.item_id}) from order {ret.id}, refunded to {method}.")
        b.add("multi_request", customer, f"{first} FOLLOW-UP: {second}", _known(customer, True, zh), [
            _find(customer, True),
            {"name": "cancel_pending_order", "arguments": {"order_id": cancel.id, "reason": "no longer needed"}},
            {"name": "return_delivered_order_items",
             "arguments": {"order_id": ret.id, "item_ids": [item.item_id], "payment_method_id": method}}],
            style=f"FOLLOW-UP: {second}")
        made += 1


def split_scenarios(tasks: list[dict], seed: int = 11, test_share: float = 0.4) -> dict[str, list[str]]:
    """A train/test split stratified by category; only train may ever feed training data or prompt tuning."""
    rng = random.Random(seed)
    by_category: dict[str, list[str]] = {}
    for task in tasks:
        by_category.setdefault(task["description"]["purpose"], []).append(task["id"])
    split = {"train": [], "test": []}
    for ids in by_category.values():
        ids = sorted(ids)
        rng.shuffle(ids)
        cut = max(1, round(len(ids) * test_share))
        split["test"] += ids[:cut]
        split["train"] += ids[cut:]
    return {"train": sorted(split["train"]), "test": sorted(split["test"]),
            "base": sorted(t["id"] for t in tasks)}
