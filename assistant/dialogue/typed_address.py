"""A postal address the shopper typed in full ("77 Orchard Row, Apt 12B, Albany, NY 12207, USA"), read in code.

A small model copying such an address into a tool call puts pieces in the wrong fields ("41" as the street, the
city as the second line). The US form is read by its commas: street, an optional unit, city, state and zip code.
A Chinese message gives the same parts largest first and marked ("美国 TX 州 Austin 市 88 Cedar Street，Unit 2，
邮编 78701"), so there each part is read by its marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

US_ADDRESS = re.compile(
    r"(?<![\w-])(?P<address1>\d+[A-Za-z]?(?: [A-Za-z0-9.'-]+)+?)\s*,\s*"
    r"(?:(?P<address2>(?i:apt|apartment|suite|ste|unit|room|rm|floor|fl|#)\.?\s*[A-Za-z0-9-]+)\s*,\s*)?"
    r"(?P<city>[A-Za-z][A-Za-z.' -]*?)\s*,\s*(?P<state>[A-Z]{2})\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?(?!\d)"
    r"(?:\s*,\s*(?i:USA|US|United States(?: of America)?)\b)?")

ADDRESS_TOOLS = frozenset({"modify_pending_order_address", "modify_user_address"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_PARTS = {
    "address1": re.compile(r"(?<![\w-])(\d+[A-Za-z]? (?:[A-Za-z0-9.'-]+ ?)*?[A-Za-z.]+)"
                           r"(?= *[,，。;；、]| *$| *(?i:apt|suite|unit|room|#))"),
    "address2": re.compile(r"\b((?i:apt|apartment|suite|ste|unit|room|rm|floor|fl)\.? ?[A-Za-z0-9-]+|#[A-Za-z0-9-]+)"),
    "city": re.compile(r"([A-Za-z][A-Za-z.' ]*?) *市"),
    "state": re.compile(r"(?<![A-Za-z])([A-Z]{2}) *州"),
    "zip": re.compile(r"(?:邮编|邮政编码|zip)[:： ]*(\d{5})(?!\d)", re.I),
}


def _zh_address(text: str) -> dict | None:
    """The address of a Chinese message, when it marks a street, city (市), state (州) and zip code (邮编)."""
    found = {field: m[1].strip() if (m := pattern.search(text)) else "" for field, pattern in _ZH_PARTS.items()}
    if not all(found[field] for field in ("address1", "city", "state", "zip")):
        return None
    return {**found, "country": "USA"}


def typed_addresses(text: str) -> list[dict]:
    """Every full US address in the text, as the tools' address fields."""
    found = [{"address1": m["address1"].strip(), "address2": (m["address2"] or "").strip(),
              "city": m["city"].strip(), "state": m["state"], "country": "USA", "zip": m["zip"]}
             for m in US_ADDRESS.finditer(text)]
    if not found and _CJK.search(text) and (address := _zh_address(text)):
        found.append({field: address[field] for field in ("address1", "address2", "city", "state", "country", "zip")})
    return found


def the_typed_address(said: list[str], known: str) -> dict | None:
    """The one new address the shopper typed in full, or None: none, several, or one that `known` (what the tools
    returned: the order's or profile's current address) already holds."""
    found = {(a["address1"].lower(), a["zip"]): a for text in said for a in typed_addresses(text)}
    new = [a for a in found.values() if a["address1"].lower() not in known.lower()]
    return new[0] if len(found) == 1 and len(new) == 1 else None


NOBODY_GAVE = ("Nobody gave this address: the customer did not type it and no tool returned it. Do not make one up: "
               "ask the customer for the full new address (street, unit if any, city, state and zip code).")


def address_nobody_gave(name: str, arguments, seen: Iterable[str]) -> bool:
    """Whether an address change's street or zip code is in none of `seen` (what the shopper typed, what the tools
    returned and the customer's profile address, read only for an address change): a small model fills the fields
    with placeholders ("jane_doe_1234", "0000000") rather than ask."""
    if name not in ADDRESS_TOOLS or not isinstance(arguments, dict):
        return False
    text = " ".join(seen).lower()
    values = [str(arguments.get(field) or "").strip().lower() for field in ("address1", "zip")]
    return any(not value or value not in text for value in values)
