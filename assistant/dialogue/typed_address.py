"""A postal address the shopper typed in full ("77 Orchard Row, Apt 12B, Albany, NY 12207, USA"), read in code.

A small model copying such an address into a tool call puts pieces in the wrong fields ("41" as the street, the
city as the second line). The US form is read by its commas: street, an optional unit, city, state and zip code.
"""

from __future__ import annotations

import re

US_ADDRESS = re.compile(
    r"(?<![\w-])(?P<address1>\d+[A-Za-z]?(?: [A-Za-z0-9.'-]+)+?)\s*,\s*"
    r"(?:(?P<address2>(?i:apt|apartment|suite|ste|unit|room|rm|floor|fl|#)\.?\s*[A-Za-z0-9-]+)\s*,\s*)?"
    r"(?P<city>[A-Za-z][A-Za-z.' -]*?)\s*,\s*(?P<state>[A-Z]{2})\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?(?!\d)"
    r"(?:\s*,\s*(?i:USA|US|United States(?: of America)?)\b)?")


def typed_addresses(text: str) -> list[dict]:
    """Every full US address in the text, as the tools' address fields."""
    return [{"address1": m["address1"].strip(), "address2": (m["address2"] or "").strip(), "city": m["city"].strip(),
             "state": m["state"], "country": "USA", "zip": m["zip"]} for m in US_ADDRESS.finditer(text)]


def the_typed_address(said: list[str], known: str) -> dict | None:
    """The one new address the shopper typed in full, or None: none, several, or one that `known` (what the tools
    returned: the order's or profile's current address) already holds."""
    found = {(a["address1"].lower(), a["zip"]): a for text in said for a in typed_addresses(text)}
    new = [a for a in found.values() if a["address1"].lower() not in known.lower()]
    return new[0] if len(found) == 1 and len(new) == 1 else None
