"""Catalog copy: product descriptions drafted by the served model from a product's record, checked for claims
the record does not hold, edited and saved by staff."""
