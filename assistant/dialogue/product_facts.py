"""The shop's catalog as the grounding check reads it: each product's name and the values its options take."""

from __future__ import annotations

import time
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Database, Product
from assistant.dialogue.grounding import Catalog

REFRESH_S = 300.0
_cached: WeakKeyDictionary = WeakKeyDictionary()


def catalog_of(db: Database) -> Catalog:
    """The shop's products and their option values, lowercased, read at most every five minutes per database."""
    now = time.monotonic()
    hit = _cached.get(db)
    if hit is not None and now - hit[0] < REFRESH_S:
        return hit[1]
    with db.session() as session:
        products = session.scalars(select(Product).options(selectinload(Product.variants)))
        catalog = Catalog.of({p.name.lower(): frozenset(str(v).lower() for variant in p.variants
                                                        for v in variant.options.values()) for p in products})
    _cached[db] = (now, catalog)
    return catalog
