"""Item ids in a return, exchange or item change set right from the order itself, before the call is proposed.

A 135M model knows which item the shopper means but garbles its id: it passes the item's name ("garden hose") or
its options ("750ml", "glass", "black"), copies the old item id as the new one, or puts the candidate kefu found
into the wrong slot. Each such id is replaced by the one item of the same order it can only mean, and an impossible
new item by the best candidate `find_item_variants` offered for that item. It also names the swap tool of the other
status (an item change on a delivered order); the swap runs under the one the order's status takes. The shopper
still sees the change and confirms or declines it; ids never leave the order named in the call, and the tool still
checks ownership.
"""

from __future__ import annotations

import difflib
import re

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from assistant.db import Conversation, Database, Order, OrderItem, Variant
from assistant.dialogue.intents import ITEMS, requested_writes
from assistant.dialogue.item_exclusion import EVERYTHING, all_but, excluded_items, outside_kept_clauses
from assistant.dialogue.order_reference import reference_only_items
from assistant.tools.item_mentions import item_texts
from assistant.tools.variant_match import in_english, offers_in, says

ITEM_TOOLS = {"return_delivered_order_items", "exchange_delivered_order_items", "modify_pending_order_items"}
SWAP_TOOLS = {"exchange_delivered_order_items", "modify_pending_order_items"}
RETURN_TOOL = "return_delivered_order_items"
ITEM_ID = re.compile(r"(?<!\d)\d{10}(?!\d)")
NEAR_ID = 0.8


def offered_swaps(messages: list[BaseMessage]) -> dict[str, list[str]]:
    """Old item id → new item ids, best first, from the latest successful `find_item_variants` result."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.name == "find_item_variants" and message.status != "error":
            return offers_in(str(message.content))
    return {}


def _resolved(value, lines: list[OrderItem], offers: dict[str, list[str]]) -> str | None:
    """The order's item id a value can only mean: the id itself, a candidate offered for it, its product's id, its
    name, or an id one slip away."""
    value = str(value).strip()
    ids = {line.item_id for line in lines}
    if value in ids:
        return value
    owners = [old for old, news in offers.items() if value in news]
    if len(owners) == 1:
        return owners[0]
    by_product = {line.item_id for line in lines if line.product_id == value}
    if len(by_product) == 1:  # the product id, copied from the order record instead of the item id
        return by_product.pop()
    named = item_texts({line.item_id: line.name for line in lines}, value)
    if len(named) == 1:
        return next(iter(named))
    if value.isdigit():
        near = [i for i in ids if difflib.SequenceMatcher(None, value, i).ratio() >= NEAR_ID]
        return near[0] if len(near) == 1 else None
    return None


def _by_options(values: list[str], lines: list[OrderItem]) -> str | None:
    """The one item whose option values include every value given."""
    wanted = {v.strip().lower() for v in values}
    fits = {line.item_id for line in lines if wanted <= {str(o).lower() for o in line.options.values()}}
    return fits.pop() if len(fits) == 1 else None


def named_items(lines: list[OrderItem], said: str) -> list[str]:
    """The order's items the shopper's words name, one per name; lines sharing a name are told apart by an option
    value said about them that the others lack. Empty when a name still fits several lines."""
    texts = item_texts({line.item_id: line.name for line in lines}, said)
    picked = []
    for name in dict.fromkeys(line.name for line in lines if line.item_id in texts):
        same = [line for line in lines if line.name == name]
        if len(same) > 1:
            words = " ".join(texts.get(line.item_id, "") for line in same)  # the mention goes to one of them
            same = [line for line in same if any(says(value, words) for value in _own_values(line, same))]
        if len(same) > 1:
            # "Keep the red one; the blue one in size L is going back": the red one's clause keeps it.
            rest = in_english(outside_kept_clauses(said.lower()))
            same = [line for line in same if any(says(value, rest) for value in _own_values(line, same))] or same
        if len(same) != 1:
            return []
        picked.append(same[0].item_id)
    return picked


def _own_values(line: OrderItem, same: list[OrderItem]) -> set[str]:
    others = {str(v).lower() for other in same if other is not line for v in other.options.values()}
    return {str(v).lower() for v in line.options.values()} - others


def repaired_item_ids(values: list, lines: list[OrderItem], offers: dict[str, list[str]], said: str = "",
                      complete: bool = False) -> list:
    """Each value as the order's item id it means; values that are all options of one item become that item; values
    none of which means an item (the order number copied as an item id), or none at all, become the order's items
    the shopper typed the ids of, or else named; and items none of which the shopper named, when they named others,
    become the ones they named. Items named only to be left out ("all but the pet bed") or only to say which order
    they mean ("the wall clock from the order with the water bottle") are never among them; with `complete`, some
    of the items the shopper named become all of them, and items they never named, unless they asked for all, are
    dropped."""
    resolved = [_resolved(v, lines, offers) for v in values]
    unresolved = [str(v) for v, r in zip(values, resolved) if r is None]
    left_out = excluded_items(lines, said) if said else set()
    rest = all_but(lines, left_out, said)
    # lines left out are not asked for: a name two of them share does not make the others' names unclear
    asked = [line for line in lines if line.item_id not in left_out]
    named = rest or [item for item in (named_items(asked, said) if said else []) if item not in left_out]
    if not rest and (wanted := [item for item in named if item not in reference_only_items(lines, said)]):
        left_out |= set(named) - set(wanted)  # said only to pick the order out
        named = wanted
    kept = rest or [item for item in resolved if item not in left_out] or named
    if values and not unresolved and (rest or left_out & set(resolved)) and kept:
        return kept  # "all but the pet bed": never the items left out, all the others when they asked for the rest
    if complete and values and not unresolved and set(resolved) < set(named):
        return named  # "the pet bed and the luggage set" proposed as the luggage set alone
    if values and not unresolved and named and not set(resolved) & set(named):
        return named  # real items of the order, but none the shopper spoke of, while they named others
    typed_ids = set(ITEM_ID.findall(said))
    if (complete and values and not unresolved and named and set(resolved) - set(named) - typed_ids
            and not EVERYTHING.search(said.lower())):
        return [item for item in resolved if item in named or item in typed_ids]  # not two more than the one named
    if len(unresolved) == len(values):  # none means an item, or none was given
        if unresolved and (item := _by_options(unresolved, lines)):
            return [item]
        typed = [line.item_id for line in lines if line.item_id in typed_ids]
        if picked := typed or named:
            return picked
    return [r if r is not None else v for v, r in zip(values, resolved)]


def repaired_swaps(old_ids: list, new_ids: list, lines: list[OrderItem], offers: dict[str, list[str]],
                   valid_new) -> tuple[list, list]:
    """Pairs of (order item, new item) where each new item is one the old item can become: an impossible one is
    replaced by the best candidate offered, and an old id given as the new one moves to its own slot. When a pair
    still cannot be made (an item nothing was offered for), the items offered are swapped for their best
    candidates instead."""
    ids = {line.item_id for line in lines}
    olds, news = [], []
    for index, old in enumerate(old_ids):
        new = new_ids[index] if index < len(new_ids) else None
        if old not in offers and new in offers and new in ids:
            old, new = new, None
        if new is not None and new != old and (new in offers.get(old, ()) or valid_new(old, new)):
            olds.append(old), news.append(new)
        elif offers.get(old):
            olds.append(old), news.append(offers[old][0])
        else:
            olds.append(old), news.append(new if new is not None else old)
    offered = [old for old in offers if old in ids and offers[old]]
    stuck = any(new == old or not (new in offers.get(old, ()) or valid_new(old, new)) for old, new in zip(olds, news))
    if stuck and offered:
        # The model picked an item the shopper's words do not point at: swap the items they do, as offered.
        return offered, [offers[old][0] for old in offered]
    return olds, news


SWAP_BY_STATUS = {"pending": "modify_pending_order_items", "delivered": "exchange_delivered_order_items"}


def _own_order(session, session_id: str, arguments: dict) -> Order | None:
    """The order the call names, if it is the conversation's own customer's."""
    conversation = session.get(Conversation, session_id)
    order = session.get(Order, str(arguments.get("order_id", "")))
    if order is None or conversation is None or order.customer_id != conversation.customer_id:
        return None
    return order


def repaired_item_call(db: Database, session_id: str, name: str, arguments: dict,
                       messages: list[BaseMessage]) -> tuple[str, dict]:
    """The call with its item ids set right from the named order of this conversation's own customer, and an item
    swap under the tool the order's status takes (a delivered order's items are exchanged, a pending order's
    modified, whichever of the two the model named: the arguments are the same)."""
    if name not in ITEM_TOOLS or not isinstance(arguments, dict):
        return name, arguments
    item_ids = arguments.get("item_ids", [])
    item_ids = [item_ids] if isinstance(item_ids, (str, int)) else item_ids
    if not isinstance(item_ids, list):
        return name, arguments
    with db.session() as session:
        if (order := _own_order(session, session_id, arguments)) is None:
            return name, arguments
        if name in SWAP_TOOLS:
            name = SWAP_BY_STATUS.get(order.status, name)
        lines = list(order.items)
        products = {line.item_id: line.product_id for line in lines}

        def valid_new(old: str, new) -> bool:
            variant = session.get(Variant, str(new))
            return bool(variant and variant.available and variant.product_id == products.get(old))

        offers = offered_swaps(messages)
        texts = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        said = " ".join(texts)
        # Only a return is made whole: a swap needs a new item for each, and "exchange X, return Y" names both.
        complete = name == RETURN_TOOL and not requested_writes(texts) & ITEMS
        fixed = dict(arguments, item_ids=repaired_item_ids(item_ids, lines, offers, said, complete))
        if name in SWAP_TOOLS:
            new_ids = arguments.get("new_item_ids")
            new_ids = new_ids if isinstance(new_ids, list) else []
            fixed["item_ids"], fixed["new_item_ids"] = repaired_swaps(fixed["item_ids"], new_ids, lines, offers,
                                                                      valid_new)
    return name, fixed
