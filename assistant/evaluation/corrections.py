"""What a simulated shopper says when a proposed change is not the one they want: what is wrong with it,
told from their own goal (the task's gold writes), the way a person corrects a clerk."""

from __future__ import annotations

_EN = {"cancel_pending_order": "cancel {order}",
       "modify_pending_order_address": "change the shipping address of {order}",
       "modify_pending_order_items": "change the items of {order}",
       "modify_pending_order_payment": "change how I pay for {order}",
       "return_delivered_order_items": "return items from {order}",
       "exchange_delivered_order_items": "exchange items from {order}",
       "modify_user_address": "change the address on my account"}
_ZH = {"cancel_pending_order": "取消{order}", "modify_pending_order_address": "改{order}的收货地址",
       "modify_pending_order_items": "改{order}里的商品", "modify_pending_order_payment": "改{order}的付款方式",
       "return_delivered_order_items": "退{order}里的商品", "exchange_delivered_order_items": "换{order}里的商品",
       "modify_user_address": "改我账户上的地址"}


def target(action: dict) -> str | None:
    return action["arguments"].get("order_id") or action["arguments"].get("user_id")


def _doing(action: dict, zh: bool, named: str) -> str:
    verbs = _ZH if zh else _EN
    return verbs.get(action["name"], action["name"].replace("_", " ")).format(order=named)


def correction(proposal: dict, writes: list[dict], done: list[dict], known_orders: list[str], zh: bool,
               opening: str) -> str:
    """The shopper's "no": the change was already made, or it has the wrong kind or the wrong order; the order
    is named by id only when the shopper's instructions hold it, else their request is said again."""
    outstanding = [w for w in writes if w not in done]
    no = "不对，" if zh else "No, "
    this = "这个订单" if zh else "that order"

    def wanted(action: dict) -> str:
        if target(action) in known_orders or action["name"] == "modify_user_address":
            return _doing(action, zh, target(action) or "") + ("。" if zh else ".")
        return (f"{_doing(action, zh, '我说的那一单')}。" if zh else f"{_doing(action, zh, 'the order I described')}. ") \
            + opening

    if any(w["name"] == proposal["name"] and target(w) == target(proposal) for w in done) and outstanding:
        return no + ("这个已经办好了。我还要" if zh else "that is already done. I still want to ") + wanted(outstanding[0])
    same_order = [w for w in outstanding if target(w) == target(proposal)]
    if same_order:
        return no + (f"我不是要{_doing(proposal, zh, this)}，我要{_doing(same_order[0], zh, this)}。" if zh else
                     f"I don't want to {_doing(proposal, zh, this)}. I want to {_doing(same_order[0], zh, this)}.")
    same_kind = [w for w in outstanding if w["name"] == proposal["name"]]
    if same_kind:
        return no + ("不是这一单。我要" if zh else "not that order. I want to ") + wanted(same_kind[0])
    return no + ("这不是我要的。" if zh else "that is not what I asked for. ") + opening
