"""Account arguments set right from the conversation's own customer, before the call is proposed.

- A tool that needs the customer's id (`modify_user_address`, `list_user_orders`) and was called without it, or
  with the id of no customer (made up: "jane_doe_1234"), gets the id of the customer this conversation identified:
  the only one it may touch anyway.
- A payment method the shopper did not ask for becomes the one they named. A small model copies the order's
  current method into a payment change (which must differ), or refunds to the gift card when the shopper asked for
  the card they paid with. A method id the model made up becomes the one the order was paid with, and so does a
  return's refund to another of their methods they never named (a refund goes back to the method paid with or onto
  a gift card). A change called without the method it needs gets the one the shopper named, or else the one the
  order was paid with. Only this customer's methods are read; the shopper still confirms the summary.
- An order "moved" to the address it already has (the model copied the order's own address, perhaps garbling a
  field the shopper never typed) goes to the one new address the shopper typed in full, if there is one, and
  otherwise to the address on the customer's profile: the one other address kefu knows for certain, and what
  "my default address" means.
- A change to an order whose status it cannot apply to (a return on the order just cancelled), named while the
  order looked up last is of the status it needs, goes to that order: the model carried the previous request's
  order id over to the next one.
"""

from __future__ import annotations

import re

from assistant.db import Conversation, Customer, Database, Order, PaymentMethod
from assistant.dialogue.model_tools import parameters_of, required_of
from assistant.dialogue.typed_address import the_typed_address
from assistant.shop.records import address_record
from assistant.tools import ALL_TOOLS

PAYMENT_CHANGE = "modify_pending_order_payment"
RETURN = "return_delivered_order_items"
ORDER_ADDRESS = "modify_pending_order_address"
_KIND_NAMES = {"gift_card": ("gift card", "giftcard", "礼品卡", "购物卡"), "paypal": ("paypal", "贝宝"),
               "credit_card": ("credit card", "debit card", "信用卡", "银行卡")}


NEEDED_STATUS = {"return_delivered_order_items": "delivered", "exchange_delivered_order_items": "delivered",
                 "cancel_pending_order": "pending", "modify_pending_order_items": "pending",
                 ORDER_ADDRESS: "pending", PAYMENT_CHANGE: "pending"}


def order_that_fits(db: Database, session_id: str, name: str, arguments: dict, looked_up: list[str]) -> dict:
    """The call on the order looked up last (`looked_up`: order ids in lookup order) instead of the one it names,
    when that one's status does not allow the change and the last one's does; both the conversation's own."""
    needed, latest = NEEDED_STATUS.get(name), looked_up[-1] if looked_up else None
    if not needed or not isinstance(arguments, dict) or latest in (None, arguments.get("order_id")):
        return arguments
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        named, last = session.get(Order, str(arguments.get("order_id"))), session.get(Order, latest)
        owner = conversation.customer_id if conversation is not None else None
        if (owner is None or named is None or last is None or {named.customer_id, last.customer_id} != {owner}
                or named.status.startswith(needed) or not last.status.startswith(needed)):
            return arguments
    return dict(arguments, order_id=latest)


def _needs_user_id(name: str) -> bool:
    return name in ALL_TOOLS and "user_id" in required_of(name)


def named_methods(methods: list[PaymentMethod], said: str) -> list[PaymentMethod]:
    """The customer's methods the shopper's words name: by kind ("gift card", "PayPal"), by brand ("my visa"), by
    last four digits or by id. A method named by id, brand or digits outranks one named only by its kind."""
    text = said.lower()
    exact = [m for m in methods if m.id.lower() in text
             or (m.last_four and re.search(rf"(?<!\d){m.last_four}(?!\d)", text))
             or (m.brand and re.search(rf"\b{re.escape(m.brand.lower())}\b", text))]
    if exact:
        return exact
    return [m for m in methods if any(kind in text for kind in _KIND_NAMES.get(m.source, ()))]


def repaired_payment(name: str, arguments: dict, methods: list[PaymentMethod], current: str | None,
                     said: str) -> dict:
    """The call with its payment method set to the one the shopper named, when exactly one fits and the model's
    choice does not; a made-up method becomes the one the order was paid with, unless the shopper named one; a
    payment change never keeps the order's current method when one other method fits."""
    chosen = arguments.get("payment_method_id")
    if not isinstance(chosen, str) or not methods:
        return arguments
    named = named_methods(methods, said)
    if chosen not in {m.id for m in methods} and name != PAYMENT_CHANGE and len(named) != 1 and current:
        return dict(arguments, payment_method_id=current)  # a made-up id: the method the order was paid with
    if name == PAYMENT_CHANGE:
        # Named among the methods it can move to: "it went on my Mastercard; bill my PayPal instead" names PayPal.
        candidates = [m for m in methods if m.id != current]
        named = named_methods(candidates, said)
        others = named or candidates
        if chosen == current and len(others) == 1:
            return dict(arguments, payment_method_id=others[0].id)
    if len(named) == 1 and chosen not in {m.id for m in named}:
        return dict(arguments, payment_method_id=named[0].id)
    sources = {m.id: m.source for m in methods}
    if name == RETURN and current and not named and chosen != current and sources.get(chosen) != "gift_card":
        # A refund goes back to the method paid with or onto a gift card; the model carried another order's over.
        return dict(arguments, payment_method_id=current)
    return arguments


def _value(field: str, record: dict) -> str:
    return str(record.get(field) or "").strip().lower()


def _copied_address(arguments: dict, address: dict, said: str) -> bool:
    """The order's own address again: the same street and city, and any other field changed only to something the
    shopper never typed (a small model garbles the state or zip code it copies: "USA", "82")."""
    if any(_value(field, arguments) != _value(field, address) for field in ("address1", "address2", "city")):
        return False
    typed = said.lower()
    return not any(_value(field, arguments) and _value(field, arguments) in typed
                   for field in address if _value(field, arguments) != _value(field, address))


def repaired_account_call(db: Database, session_id: str, name: str, arguments: dict, said: list[str]) -> dict:
    """The call with the conversation's own customer id filled in, an order's new address not its current one, and
    its payment method as the shopper named it."""
    pays = name in ALL_TOOLS and "payment_method_id" in required_of(name)
    if not isinstance(arguments, dict) or ("payment_method_id" not in arguments and not _needs_user_id(name)
                                           and name != ORDER_ADDRESS and not pays):
        return arguments
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        customer_id = conversation.customer_id if conversation is not None else None
        if customer_id is None:
            return arguments
        given = arguments.get("user_id")
        # An id of no customer is made up; another customer's real id is kept, for the tool to refuse.
        if _needs_user_id(name) and (not given or given != customer_id and session.get(Customer, str(given)) is None):
            # The order id it came with is the model reaching for another tool's arguments, not a hint.
            arguments = {k: v for k, v in dict(arguments, user_id=customer_id).items() if k in parameters_of(name)}
        customer = session.get(Customer, customer_id)
        order = session.get(Order, str(arguments.get("order_id", "")))
        own = order is not None and order.customer_id == customer_id
        if name == ORDER_ADDRESS and own:
            current, profile = address_record(order), address_record(customer)
            typed = the_typed_address(said, " ".join(str(v) for v in (*current.values(), *profile.values())))
            # The order's own street beside a new address typed in full: the model mixed the two.
            if typed and _value("address1", arguments) == _value("address1", current):
                return dict(arguments, **typed)
            if _copied_address(arguments, current, " ".join(said)):
                return dict(arguments, **profile)
        methods = list(customer.payment_methods)
        current = order.payments[0].payment_method_id if own and order.payments else None
        if "payment_method_id" not in arguments:
            return _with_payment(name, arguments, methods, current, " ".join(said)) if pays and own else arguments
        return repaired_payment(name, arguments, methods, current, " ".join(said))


def profile_address(db: Database, session_id: str):
    """Yields the address on the conversation's own customer's profile, read only when the caller iterates this far:
    kefu knows it for certain, and what "my default address" means."""
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        customer_id = conversation.customer_id if conversation is not None else None
        customer = session.get(Customer, customer_id) if customer_id else None
        if customer is not None:
            yield " ".join(str(value) for value in address_record(customer).values())


def _with_payment(name: str, arguments: dict, methods: list[PaymentMethod], current: str | None, said: str) -> dict:
    """A change called without the payment method it needs gets the one the shopper named, or else (except for a
    payment change, which must move to another) the one the order was paid with."""
    named = [m.id for m in named_methods(methods, said) if name != PAYMENT_CHANGE or m.id != current]
    chosen = named[0] if len(named) == 1 else current if name != PAYMENT_CHANGE else None
    return dict(arguments, payment_method_id=chosen) if chosen else arguments
