"""PII scrubbing of training data: 240 planted items of every kind, English and Chinese formats, none may leak."""

from __future__ import annotations

import json
import random
import re

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
    stand_in = out[0]["content"].removeprefix("I'm ")
    assert re.fullmatch(r"[a-z]+\.[a-z]+\d{4}@example\.net", stand_in)  # looks real, is fictitious
    assert json.loads(out[1]["tool_calls"][0]["function"]["arguments"]) == {"email": stand_in}
    tool = json.loads(out[2]["content"])
    assert tool["email"] == stand_in and tool["address"]["address1"] != "445 Maple Drive"
    assert re.fullmatch(r"\d+ [A-Z][a-z]+ [A-Z][a-z]+", tool["address"]["address1"])
    assert tool["address"]["address2"].startswith("Apt ")
    assert re.fullmatch(r"\d{5}", tool["address"]["zip"]) and tool["address"]["zip"] != "76165"
    assert scrubber.counts["EMAIL"] == 3 and scrubber.counts["ADDRESS"] == 2
    assert Scrubber().messages(messages) == out  # deterministic


def test_a_typed_address_gets_the_stand_ins_of_the_call_made_from_it():
    messages = [
        {"role": "user", "content": "Please ship it to 18 Harbor Lane, Apt 4, Portland, ME 04101."},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "type": "function", "function": {
            "name": "modify_pending_order_address",
            "arguments": json.dumps({"address1": "18 Harbor Lane", "address2": "Apt 4", "city": "Portland"})}}]},
    ]
    out = Scrubber().messages(messages)
    arguments = json.loads(out[1]["tool_calls"][0]["function"]["arguments"])
    assert "18 Harbor Lane" not in out[0]["content"] and "Apt 4," not in out[0]["content"]
    assert f"{arguments['address1']}, {arguments['address2']}, {arguments['city']}" in out[0]["content"]
    assert "Portland" not in json.dumps(out)


def test_stand_ins_keep_their_format():
    from finetune.scrub import surrogate

    assert surrogate("PHONE", "14155550123", 1, "+1 415-555-0123") == "+1 555-0101"
    assert surrogate("PHONE", "13812345678", 2, "138 1234 5678") == "13800130002"
    assert luhn_ok(surrogate("CARD", "4111111111111111", 3)) and surrogate("ADDRESS", "上海市南京路12号", 1).endswith("1号")


def test_names_zip_codes_cities_user_ids_and_other_street_forms_do_not_survive():
    messages = [
        {"role": "user", "content": "Hi, my name is Sara Doe and my zip code is 94107. I'm in Oakland."},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "type": "function", "function": {
            "name": "find_user_id_by_name_zip",
            "arguments": json.dumps({"first_name": "Sara", "last_name": "Doe", "zip": "94107"})}}]},
        {"role": "tool", "content": "sara_doe_4961"},
        {"role": "tool", "content": json.dumps({"user_id": "sara_doe_4961", "name": {
            "first_name": "Sara", "last_name": "Doe"}, "address": {"address1": "1 Bay St", "address2": "",
            "city": "Oakland", "state": "CA", "country": "USA", "zip": "94107"}, "payment_methods": {
            "credit_card_1234567": {"source": "credit_card", "id": "credit_card_1234567"}}})},
        {"role": "assistant", "content": "Thanks Sara! Your account sara_doe_4961 is found."},
        {"role": "user", "content": "我叫 Sara Doe，邮编 94107。Send it to 12 Ocean Highway, or 5 Elm Circle, "
                                    "or 12 main street."},
    ]
    out = json.dumps(Scrubber().messages(messages), ensure_ascii=False)
    for secret in ("Sara", "Doe", "sara", "94107", "Oakland", "sara_doe_4961", "Ocean Highway", "Elm Circle",
                   "main street"):
        assert secret not in out, secret
    scrubbed = Scrubber().messages(messages)
    record = json.loads(scrubbed[3]["content"])  # payment ids and states are not identities
    assert "credit_card_1234567" in record["payment_methods"] and record["address"]["state"] == "CA"
    call = json.loads(scrubbed[1]["tool_calls"][0]["function"]["arguments"])
    assert scrubbed[2]["content"] == f"{call['first_name'].lower()}_{call['last_name'].lower()}_" \
        + scrubbed[2]["content"].rsplit("_", 1)[1]  # the stand-in login is made of the stand-in name
    assert call["zip"] in scrubbed[0]["content"] and call["first_name"] in scrubbed[0]["content"]
