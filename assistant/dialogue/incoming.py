"""A shopper's message made safe to store and to show: Unicode normalized, control characters dropped, card
numbers masked before anything (database, checkpoint, staff transcript, model) sees them."""

from __future__ import annotations

import re
import unicodedata

from assistant.errors import KefuError
from assistant.redaction import mask_cards

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]")


class UnreadableText(KefuError):
    """The message is not valid text (for example a lone UTF-16 surrogate)."""


def clean_message(text: str) -> str:
    """NFC-normalized text without control characters and with card numbers masked; refuses invalid Unicode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnreadableText("the message has characters that are not valid text") from exc
    return mask_cards(_CONTROL.sub("", unicodedata.normalize("NFC", text)))
