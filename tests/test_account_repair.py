"""Customer ids, payment methods and order addresses set right from the conversation's own customer."""

from __future__ import annotations

from sqlalchemy import select

from assistant.db import Customer, Order
from assistant.dialogue.account_repair import order_that_fits, repaired_account_call
from assistant.shop.records import ADDRESS_FIELDS
from assistant.tools import ToolRunner


def _pending_with_other_methods(db) -> tuple[str, str, str, list]:
    """A pending order paid once, whose customer has at least one method of another kind than the one used."""
    with db.session() as session:
        for order in session.scalars(select(Order).where(Order.status == "pending").order_by(Order.position)):
            if len(order.payments) != 1:
                continue
            current = order.payments[0].payment_method_id
            methods = order.customer.payment_methods
            kinds = {m.source for m in methods}
            if len(methods) >= 2 and len(kinds) >= 2:
                return order.customer_id, order.id, current, [(m.id, m.source, m.brand, m.last_four)
                                                               for m in methods]
    raise AssertionError("no pending order whose customer has two kinds of payment method")


def _bound(db, session_id, customer_id):
    ToolRunner(db, session_id, actor="staff:test").act_as_customer(customer_id)


KIND_WORDS = {"gift_card": "my gift card", "paypal": "my PayPal", "credit_card": "my credit card"}


def test_a_payment_change_to_the_current_method_becomes_the_method_the_shopper_named(db):
    customer_id, order_id, current, methods = _pending_with_other_methods(db)
    _bound(db, "p1", customer_id)
    current_kind = next(source for id_, source, *_ in methods if id_ == current)
    wanted = next(m for m in methods if m[1] != current_kind and sum(x[1] == m[1] for x in methods) == 1)
    said = [f"Please pay order {order_id} with {KIND_WORDS[wanted[1]]} instead"]
    call = {"order_id": order_id, "payment_method_id": current}
    assert repaired_account_call(db, "p1", "modify_pending_order_payment", call, said)["payment_method_id"] == wanted[0]
    kept = {"order_id": order_id, "payment_method_id": wanted[0]}
    assert repaired_account_call(db, "p1", "modify_pending_order_payment", kept, said) == kept


def test_a_change_without_its_payment_method_gets_the_one_named_or_the_one_paid_with(db):
    customer_id, order_id, current, methods = _pending_with_other_methods(db)
    _bound(db, "p7", customer_id)
    current_kind = next(source for id_, source, *_ in methods if id_ == current)
    wanted = next(m for m in methods if m[1] != current_kind and sum(x[1] == m[1] for x in methods) == 1)
    call = {"order_id": order_id, "item_ids": ["1"], "new_item_ids": ["2"]}
    plain = repaired_account_call(db, "p7", "modify_pending_order_items", call, ["swap it for the blue one"])
    assert plain["payment_method_id"] == current
    named = repaired_account_call(db, "p7", "modify_pending_order_items", call, [f"charge {KIND_WORDS[wanted[1]]}"])
    assert named["payment_method_id"] == wanted[0]
    move = repaired_account_call(db, "p7", "modify_pending_order_payment", {"order_id": order_id}, ["change it"])
    assert "payment_method_id" not in move  # a payment change never defaults to the method it moves from


def test_a_refund_goes_to_the_card_named_by_its_last_four_digits(db):
    with db.session() as session:
        customer = next(c for c in session.scalars(select(Customer).order_by(Customer.position))
                        if sum(m.source == "credit_card" for m in c.payment_methods) >= 2
                        and any(m.source == "gift_card" for m in c.payment_methods))
        card = next(m for m in customer.payment_methods if m.source == "credit_card")
        gift = next(m for m in customer.payment_methods if m.source == "gift_card")
        customer_id, card_id, gift_id, digits = customer.id, card.id, gift.id, card.last_four
    _bound(db, "p2", customer_id)
    call = {"order_id": "#W0000000", "item_ids": ["1"], "payment_method_id": gift_id}
    said = [f"Refund it to the card ending in {digits}, please"]
    assert repaired_account_call(db, "p2", "return_delivered_order_items", call, said)["payment_method_id"] == card_id
    unsure = ["I paid by credit card but the gift card is fine too"]
    assert repaired_account_call(db, "p2", "return_delivered_order_items", call, unsure) == call


def test_the_customer_id_is_filled_in_and_nothing_happens_before_identification(db):
    customer_id, order_id, *_ = _pending_with_other_methods(db)
    call = {"order_id": order_id, "address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
            "country": "USA", "zip": "78701"}
    assert repaired_account_call(db, "nobody", "modify_user_address", call, []) == call
    _bound(db, "p3", customer_id)
    fixed = repaired_account_call(db, "p3", "modify_user_address", call, [])
    assert fixed["user_id"] == customer_id and "order_id" not in fixed and fixed["city"] == "Austin"
    with db.session() as session:
        someone_else = session.scalars(select(Customer.id).where(Customer.id != customer_id)).first()
    given = {"user_id": someone_else, **{k: v for k, v in call.items() if k != "order_id"}}
    assert repaired_account_call(db, "p3", "modify_user_address", given, []) == given  # the tool refuses it
    made_up = dict(given, user_id="jane_doe_1234")
    assert repaired_account_call(db, "p3", "modify_user_address", made_up, [])["user_id"] == customer_id


def test_an_order_moved_to_its_own_address_goes_to_the_profile_address(db):
    with db.session() as session:
        order = next(o for o in session.scalars(select(Order).where(Order.status == "pending"))
                     if any(getattr(o, f) != getattr(o.customer, f) for f in ADDRESS_FIELDS))
        customer_id, order_id = order.customer_id, order.id
        same = {f: getattr(order, f) for f in ADDRESS_FIELDS}
        profile = {f: getattr(order.customer, f) for f in ADDRESS_FIELDS}
        other = session.scalars(select(Customer.id).where(Customer.id != customer_id)).first()
    _bound(db, "p4", customer_id)
    fixed = repaired_account_call(db, "p4", "modify_pending_order_address", {"order_id": order_id, **same}, [])
    assert fixed == {"order_id": order_id, **profile}
    garbled = {"order_id": order_id, **same, "state": "USA", "zip": "82"}  # copied, two fields garbled
    said = ["Please send it to the address on my profile, not the current one"]
    assert repaired_account_call(db, "p4", "modify_pending_order_address", garbled, said) == fixed
    corrected = {"order_id": order_id, **same, "zip": "99999"}  # the shopper fixes the zip code they typed
    assert repaired_account_call(db, "p4", "modify_pending_order_address", corrected, ["the zip is 99999"]) == corrected
    typed = ["Please send the order to my new place at 9 Quarry Road, Unit 3, Tucson, AZ 85701, USA."]
    moved = repaired_account_call(db, "p4", "modify_pending_order_address", {"order_id": order_id, **same}, typed)
    assert moved == {"order_id": order_id, "address1": "9 Quarry Road", "address2": "Unit 3", "city": "Tucson",
                     "state": "AZ", "country": "USA", "zip": "85701"}
    mixed = {"order_id": order_id, **same, "city": "Tucson", "state": "AZ", "zip": "85701"}  # old street, new city
    assert repaired_account_call(db, "p4", "modify_pending_order_address", mixed, typed) == moved
    _bound(db, "p5", other)
    untouched = {"order_id": order_id, **same}
    assert repaired_account_call(db, "p5", "modify_pending_order_address", untouched, []) == untouched


def test_a_made_up_payment_method_becomes_the_one_the_order_was_paid_with(db):
    customer_id, order_id, current, _ = _pending_with_other_methods(db)
    _bound(db, "p6", customer_id)
    call = {"order_id": order_id, "item_ids": ["1"], "new_item_ids": ["2"], "payment_method_id": "exchange_card_1"}
    fixed = repaired_account_call(db, "p6", "modify_pending_order_items", call, ["swap it for the blue one"])
    assert fixed["payment_method_id"] == current


def test_a_method_typed_by_its_id_is_named():
    from types import SimpleNamespace

    from assistant.dialogue.account_repair import named_methods

    card = SimpleNamespace(id="credit_card_1", source="credit_card", brand="visa", last_four="4242")
    gift = SimpleNamespace(id="gift_card_2", source="gift_card", brand=None, last_four=None)
    assert named_methods([card, gift], "Refund to gift_card_2 please, not my credit card") == [gift]
    assert named_methods([card, gift], "the visa one") == [card]


def test_a_refund_to_a_method_the_shopper_never_named_goes_back_to_the_one_paid_with():
    from types import SimpleNamespace

    from assistant.dialogue.account_repair import repaired_payment

    card = SimpleNamespace(id="credit_card_1", source="credit_card", brand="visa", last_four="4242")
    paypal = SimpleNamespace(id="paypal_2", source="paypal", brand=None, last_four=None)
    gift = SimpleNamespace(id="gift_card_3", source="gift_card", brand=None, last_four=None)
    methods, call = [card, paypal, gift], {"order_id": "#W1", "item_ids": ["1"], "payment_method_id": "paypal_2"}
    refund = repaired_payment("return_delivered_order_items", call, methods, "credit_card_1", "the original one")
    assert refund["payment_method_id"] == "credit_card_1"
    named = repaired_payment("return_delivered_order_items", call, methods, "credit_card_1", "back to PayPal")
    assert named["payment_method_id"] == "paypal_2"  # the tool refuses it, and says why
    gift_call = dict(call, payment_method_id="gift_card_3")
    assert repaired_payment("return_delivered_order_items", gift_call, methods, "credit_card_1", "") == gift_call
    assert repaired_payment("exchange_delivered_order_items", call, methods, "credit_card_1", "") == call


def test_a_change_carried_over_to_an_order_it_cannot_apply_to_goes_to_the_order_looked_up_last(db):
    with db.session() as session:
        customer = next(c for c in session.scalars(select(Customer))
                        if {"pending", "delivered"} <= {o.status for o in c.orders})
        pending = next(o.id for o in customer.orders if o.status == "pending")
        delivered = next(o.id for o in customer.orders if o.status == "delivered")
        other = session.scalars(select(Order.id).where(Order.customer_id != customer.id,
                                                       Order.status == "delivered")).first()
        customer_id = customer.id
    _bound(db, "p6", customer_id)
    call = {"order_id": pending, "item_ids": ["1"], "payment_method_id": "x"}
    moved = order_that_fits(db, "p6", "return_delivered_order_items", call, [pending, delivered])
    assert moved == dict(call, order_id=delivered)
    unfit = order_that_fits(db, "p6", "return_delivered_order_items", call, [delivered, pending])
    assert unfit == call  # the order looked up last cannot be returned either
    assert order_that_fits(db, "p6", "cancel_pending_order", {"order_id": pending}, [delivered]) == {
        "order_id": pending}  # the named order allows it
    assert order_that_fits(db, "p6", "return_delivered_order_items", call, [pending, other]) == call  # not theirs


def test_a_payment_change_moves_to_the_method_named_beside_the_card_it_leaves():
    from types import SimpleNamespace

    from assistant.dialogue.account_repair import repaired_payment

    card = SimpleNamespace(id="credit_card_1", source="credit_card", brand="mastercard", last_four="7291")
    paypal = SimpleNamespace(id="paypal_2", source="paypal", brand=None, last_four=None)
    gift = SimpleNamespace(id="gift_card_3", source="gift_card", brand=None, last_four=None)
    said = "The order went on my Mastercard. I'd like it billed to my PayPal account instead."
    call = {"order_id": "#W1", "payment_method_id": "credit_card_1"}
    moved = repaired_payment("modify_pending_order_payment", call, [card, paypal, gift], "credit_card_1", said)
    assert moved["payment_method_id"] == "paypal_2"
    unnamed = repaired_payment("modify_pending_order_payment", call, [card, paypal, gift], "credit_card_1", "switch")
    assert unnamed == call  # two methods it could move to, neither named: the tool's own error asks
