"""Plain-language summaries of what a proposed write would change, from records before and after, in the
shopper's language (English or Chinese)."""

from __future__ import annotations

import re

from assistant.db import Variant

HEADLINES_ZH = {
    "cancel_pending_order": "取消待处理订单", "modify_pending_order_address": "修改待处理订单的收货地址",
    "modify_pending_order_items": "更换待处理订单中的商品", "modify_pending_order_payment": "更改待处理订单的支付方式",
    "modify_user_address": "修改账户默认地址", "return_delivered_order_items": "退回已送达订单中的商品",
    "exchange_delivered_order_items": "更换已送达订单中的商品",
}
LABELS_ZH = {
    "status": "状态", "address": "地址", "item": "商品", "new transaction": "新交易", "balance": "余额",
    "cancel reason": "取消原因", "return items": "退回商品", "exchange items": "换出商品",
    "exchange new items": "换入商品", "return payment method id": "退款方式", "exchange payment method id": "差价支付方式",
    "exchange price difference": "差价", "refund total": "退款金额",
}
VALUES_ZH = {
    "pending": "待处理", "processed": "已处理", "delivered": "已送达", "cancelled": "已取消",
    "return requested": "已申请退货", "exchange requested": "已申请换货", "pending (item modified)": "待处理（商品已修改）",
    "no longer needed": "不再需要", "ordered by mistake": "误下单", "payment": "付款", "refund": "退款",
}
_ENTRY = re.compile(r"^(payment|refund) of (\S+) via (\S+)$")
_VALUE = re.compile("|".join(rf"\b{re.escape(k)}\b" for k in sorted(VALUES_ZH, key=len, reverse=True)))


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def _address(a: dict) -> str:
    return ", ".join(str(a[k]) for k in ("address1", "address2", "city", "state", "zip", "country") if a.get(k))


def _line(item: dict) -> str:
    options = ", ".join(f"{k} {v}" for k, v in item["options"].items())
    return f"{item['name']} {item['item_id']} ({options}; {money(item['price'])})"


def _entry(entry: dict) -> str:
    return f"{entry['transaction_type']} of {money(entry['amount'])} via {entry['payment_method_id']}"


def _refund(items: list[dict], returned: list) -> float:
    """What the returned items come to: each returned id once per time it is named, at the price paid."""
    prices = {str(i["item_id"]): i["price"] for i in items}
    return round(sum(prices.get(str(i), 0.0) for i in returned), 2)


def describe_change(before: dict, after: dict, labels: dict[str, str] | None = None) -> list[str]:
    """One line per changed field of a user or order record; item ids in lists are shown with their `labels`."""
    lines, labels = [], labels or {}
    for key, new in after.items():
        old = before.get(key)
        if old == new:
            continue
        if key == "address":
            lines.append(f"address: {_address(old)} → {_address(new)}")
        elif key == "items":
            lines += [f"item: {_line(o)} → {_line(n)}" for o, n in zip(old, new) if o != n]
        elif key == "payment_history":
            lines += [f"new transaction: {_entry(e)}" for e in new[len(old):]]
        elif key == "payment_methods":
            lines += [f"{pid} balance: {money(old[pid]['balance'])} → {money(m['balance'])}"
                      for pid, m in new.items() if m != old.get(pid) and "balance" in m]
        elif isinstance(new, float):
            lines.append(f"{key.replace('_', ' ')}: {money(new)}")
        elif isinstance(new, list):
            shown = (f"{labels[str(v)]} {v}" if str(v) in labels else str(v) for v in new)
            lines.append(f"{key.replace('_', ' ')}: {', '.join(shown)}")
            if key == "return_items":
                lines.append(f"refund total: {money(_refund(before.get('items', []), new))}")
        else:
            lines.append(f"{key.replace('_', ' ')}: {old if old is not None else '—'} → {new}")
    return lines


def _chinese_line(line: str) -> str:
    label, sep, rest = line.partition(": ")
    if not sep:
        return line
    owner, _, last = label.rpartition(" ")
    if label == "new transaction":
        rest = _ENTRY.sub(lambda m: f"{VALUES_ZH[m[1]]} {m[2]}（{m[3]}）", rest)
    label = LABELS_ZH.get(label) or (f"{owner} {LABELS_ZH[last]}" if last in LABELS_ZH else label)
    return f"{label}：{_VALUE.sub(lambda m: VALUES_ZH[m.group(0)], rest)}"


def summarize(tool_name: str, target_id: str, before: dict, after: dict, language: str = "en",
              labels: dict[str, str] | None = None) -> str:
    """A headline and the changed fields, shown to the shopper before they confirm; `labels` name item ids."""
    lines = describe_change(before, after, labels)
    if language == "zh":
        headline = f"{HEADLINES_ZH.get(tool_name, tool_name)}：{target_id}"
        return "\n".join([headline, *(f"- {_chinese_line(line)}" for line in lines)])
    headline = f"{tool_name.replace('_', ' ').capitalize()} for {target_id}"
    return "\n".join([headline, *(f"- {line}" for line in lines)])


def item_labels(session, item_ids: list) -> dict[str, str]:
    """Each item id's product name and options, so the shopper sees what they confirm, not just numbers."""
    labels = {}
    for item_id in {str(i) for i in item_ids}:
        variant = session.get(Variant, item_id)
        if variant is not None:
            labels[item_id] = f"{variant.product.name} ({', '.join(map(str, variant.options.values()))})"
    return labels
