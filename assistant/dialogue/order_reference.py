"""Items the shopper names only to say which order they mean: "the order with the kettle and the lamp",
"the one where I bought a pet bed", "买了水杯和挂钟的那一单".

Shoppers pick an order out by its contents as often as by its id, and then name what to change in it: "send back
the wall clock from the order with the water bottle and the wall clock". Naming an item usually means wanting it, so
the item repair would otherwise return the water bottle too. A mention belongs to an order reference when such a
cue heads its list of mentions, with only small words between them; an item counts as said only to pick the order
out when every mention of it does.
"""

from __future__ import annotations

import re

from assistant.db import OrderItem
from assistant.dialogue.item_exclusion import cued
from assistant.tools.item_mentions import ORDER_CUE, mention_spans

BEFORE = ORDER_CUE
AFTER = re.compile(r"^[\s的]*(?:那一?单|这一?单|那一?个订单|这一?个订单|那笔订单|那笔|的?订单|那个包裹|那批)")


def reference_only_items(lines: list[OrderItem], said: str) -> set[str]:
    """The order's item ids whose every mention in the shopper's words only says which order they mean."""
    text = said.lower()
    spans = mention_spans({line.item_id: line.name for line in lines}, text)
    referring: dict[str, bool] = {}
    for index, (_start, _end, item_id) in enumerate(spans):
        inside = cued(spans, index, text, BEFORE, -1) or cued(spans, index, text, AFTER, 1)
        referring[item_id] = referring.get(item_id, True) and inside
    return {item_id for item_id, only in referring.items() if only}
