"""Plain-language summaries of what a proposed write would change, from records before and after."""

from __future__ import annotations


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def _address(a: dict) -> str:
    return ", ".join(str(a[k]) for k in ("address1", "address2", "city", "state", "zip", "country") if a.get(k))


def _line(item: dict) -> str:
    options = ", ".join(f"{k} {v}" for k, v in item["options"].items())
    return f"{item['name']} {item['item_id']} ({options}; {_money(item['price'])})"


def _entry(entry: dict) -> str:
    return f"{entry['transaction_type']} of {_money(entry['amount'])} via {entry['payment_method_id']}"


def describe_change(before: dict, after: dict) -> list[str]:
    """One line per changed field of a user or order record."""
    lines = []
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
            lines += [f"{pid} balance: {_money(old[pid]['balance'])} → {_money(m['balance'])}"
                      for pid, m in new.items() if m != old.get(pid) and "balance" in m]
        elif isinstance(new, float):
            lines.append(f"{key.replace('_', ' ')}: {_money(new)}")
        elif isinstance(new, list):
            lines.append(f"{key.replace('_', ' ')}: {', '.join(map(str, new))}")
        else:
            lines.append(f"{key.replace('_', ' ')}: {old if old is not None else '—'} → {new}")
    return lines


def summarize(tool_name: str, target_id: str, before: dict, after: dict) -> str:
    """A headline and the changed fields, shown to the shopper before they confirm."""
    headline = f"{tool_name.replace('_', ' ').capitalize()} for {target_id}"
    return "\n".join([headline, *(f"- {line}" for line in describe_change(before, after))])
