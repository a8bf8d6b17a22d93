"""PII scrubbing of training data: 240 planted items of every kind, English and Chinese formats, none may leak."""

from __future__ import annotations

import json
import random

from finetune.scrub import Scrubber, luhn_ok

STREETS = ["Main Street", "Oak Avenue", "Cedar Lane", "Harbor Road", "Willow Drive", "Elm Court", "Pine Boulevard"]
ZH_STREETS = ["南京路", "长安街", "人民大道", "中山路"]


def _card(rng: random.Random) -> str:
    while True:
        digits = "4" + "".join(str(rng.randrange(10)) for _ in range(15))
        if luhn_ok(digits):
            return digits


def planted(seed: int = 3) -> list[tuple[str, str, str]]:
    """(kind, value, sentence) triples: 30 of each kind in English and in Chinese formats."""
    rng, items = random.Random(seed), []
    for n in range(30):
        email = f"shopper.{n}{rng.randrange(999)}@example.com"
        items += [("EMAIL", email, f"my email is {email}"), ("EMAIL", email, f"我的邮箱是{email}，谢谢")]
        us_phone = f"+1 {rng.randrange(200, 999)}-{rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"
        cn_phone = f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"
        items += [("PHONE", us_phone, f"call me at {us_phone} tomorrow"), ("PHONE", cn_phone, f"我的手机号是{cn_phone}")]
        card = _card(rng)
        spaced = " ".join(card[i:i + 4] for i in range(0, 16, 4))
        items += [("CARD", card, f"charge card {card} please"), ("CARD", spaced, f"卡号 {spaced}")]
        street = f"{rng.randrange(1, 9999)} {rng.choice(['North', 'Old', 'Lake'])} {rng.choice(STREETS)}"
        zh_street = f"上海市{rng.choice(ZH_STREETS)}{rng.randrange(1, 999)}号"
        items += [("ADDRESS", street, f"ship it to {street}, Springfield"), ("ADDRESS", zh_street, f"寄到{zh_street}")]
    return items


def test_no_planted_pii_survives():
    items = planted()
    assert len(items) >= 200 and {k for k, _, _ in items} == {"EMAIL", "PHONE", "CARD", "ADDRESS"}
    leaks = []
    for kind, value, sentence in items:
        scrubbed = Scrubber().text(sentence)
        if value in scrubbed or value.replace(" ", "") in scrubbed.replace(" ", ""):
            leaks.append((kind, sentence, scrubbed))
    assert leaks == []


def test_ids_that_look_like_numbers_are_kept():
    text = "order #W1234567, item 1234567890, tracking 123456789012, total $1,234.50, zip 19122"
    assert Scrubber().text(text) == text


def test_placeholders_are_consistent_across_a_conversation_and_its_tool_calls():
    scrubber = Scrubber()
    messages = [
        {"role": "user", "content": "I'm ann.lee@example.com"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "type": "function", "function": {
            "name": "find_user_id_by_email", "arguments": json.dumps({"email": "ann.lee@example.com"})}}]},
        {"role": "tool", "content": json.dumps({"email": "ann.lee@example.com", "address": {
            "address1": "445 Maple Drive", "address2": "Suite 394", "zip": "76165"}})},
    ]
    out = scrubber.messages(messages)
    assert out[0]["content"] == "I'm [EMAIL_1]"
    assert json.loads(out[1]["tool_calls"][0]["function"]["arguments"]) == {"email": "[EMAIL_1]"}
    tool = json.loads(out[2]["content"])
    assert tool["email"] == "[EMAIL_1]" and tool["address"]["address1"] == "[ADDRESS_1]"
    assert tool["address"]["zip"] == "76165" and scrubber.counts["EMAIL"] == 3
