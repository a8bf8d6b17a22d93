"""What the shopper asked to change, read from their own words (English or Chinese), as the write tools that fit.

A 135M model confuses the write tools (a cancel request becomes an item swap); reading the request in code
narrows its choice. Words are matched allowing one swapped pair of letters, as hurried shoppers type.
"""

from __future__ import annotations

import re

from assistant.dialogue.grounding import ORDER_ID
from assistant.dialogue.typed_address import ADDRESS_TOOLS, typed_addresses

CANCEL = {"cancel_pending_order"}
RETURN = {"return_delivered_order_items"}
ITEMS = {"modify_pending_order_items", "exchange_delivered_order_items"}
ADDRESS = ADDRESS_TOOLS
PAYMENT = {"modify_pending_order_payment"}
ANY_CHANGE = ITEMS | ADDRESS | PAYMENT

_EN = {
    "cancel": CANCEL, "cancelled": CANCEL, "canceled": CANCEL, "cancellation": CANCEL, "cancelation": CANCEL,
    "halt": CANCEL, "scrap": CANCEL,
    "return": RETURN, "returned": RETURN, "returning": RETURN, "refund": RETURN, "refunded": RETURN,
    "exchange": ITEMS, "exchanged": ITEMS, "swap": ITEMS, "swapped": ITEMS, "replace": ITEMS, "replacement": ITEMS,
    "size": ITEMS, "color": ITEMS, "colour": ITEMS, "variant": ITEMS, "version": ITEMS,
    "address": ADDRESS, "moved": ADDRESS, "relocated": ADDRESS, "ship": ADDRESS, "deliver": ADDRESS,
    "pay": PAYMENT, "paying": PAYMENT, "payment": PAYMENT, "paypal": PAYMENT, "card": PAYMENT, "billing": PAYMENT,
    "charge": PAYMENT,
}
_EN_PHRASES = {"send back": RETURN, "send it back": RETURN, "money back": RETURN, "call off": CANCEL,
               "no longer need": CANCEL, "ordered by mistake": CANCEL,
               # money owed either way comes only with an item swap
               "price difference": ITEMS, "any difference": ITEMS, "extra cost": ITEMS}
# "Any refund or charge goes on my gift card" is a price difference either way, not a return.
_EITHER_WAY = re.compile(r"\b(refunds? or charges?|charges? or refunds?)\b", re.I)
# Beside a return, a size or colour says which item goes back ("the blue one in size L is going back"); it asks for
# a swap only with a word of swapping.
_OPTION_WORDS = {"size", "color", "colour", "variant", "version"}
_SWAP_WORDS = re.compile(r"\b(exchange|swap|replace|switch|instead|trade)\b|换")
_EN_GENERIC = {"change", "changed", "modify", "modified", "update", "updated", "switch", "edit", "correct"}
_ZH = {"取消": CANCEL, "不要了": CANCEL, "退订": CANCEL, "撤销订单": CANCEL, "撤单": CANCEL,
       "退货": RETURN, "退款": RETURN, "退回": RETURN, "退掉": RETURN,
       "换货": ITEMS, "换成": ITEMS, "更换": ITEMS, "调换": ITEMS, "换一": ITEMS, "尺码": ITEMS, "颜色": ITEMS,
       "同款": ITEMS, "差价": ITEMS,
       "地址": ADDRESS, "搬家": ADDRESS, "寄到": ADDRESS, "送到": ADDRESS,
       "支付": PAYMENT, "付款": PAYMENT, "付钱": PAYMENT, "信用卡": PAYMENT, "礼品卡": PAYMENT, "贝宝": PAYMENT}
_ZH_GENERIC = ("修改", "更改", "改成", "改为", "改一下", "变更")
ORDER_TALK = ("order", "package", "parcel", "purchase", "bought", "delivery", "tracking", "订单", "包裹", "快递", "物流",
              "买的", "那单", "那一单", "单号")
_ACCOUNT = re.compile(r"\b(account|profile|on file|default (shipping )?address|user address)\b"
                      r"|账号|账户|帐号|帐户|个人资料|个人信息|默认地址", re.I)
_WORD = re.compile(r"[a-z]+")
_CLAUSE = re.compile(r"(?<=[.!?。！？;；])\s*|,\s+(?=so |and |but )|，(?=所以|但|可)")
# A refund's destination ("refund to my gift card") names a card without asking to change the payment.
_REFUND_DESTINATION = re.compile(r"(refund|return|money back|left ?over|difference|退款|退到|退回|差价|多出来的钱|剩下的钱)"
                                 r".{0,60}(card|paypal|卡)", re.I)
# How an order was paid or where it stands describes which order is meant ("the order I paid for with my gift
# card", "the one still waiting to ship"); it asks for no change of payment or address.
_ORDER_DESCRIPTION = re.compile(
    r"\b(paid|bought|ordered|purchased|charged)\b[^.?!,;]{0,25}?\b(with|using|by|on|via|through)\b[^.?!,;]{0,25}?"
    r"\b(gift card|credit card|debit card|card|paypal)\b"
    r"|\b(waiting|yet|not|n't|still|about|ready)( \w+)?( to)? ship\b"
    r"|用[^，。,.]{0,10}(礼品卡|信用卡|贝宝|PayPal)[^，。,.]{0,4}(付|支付|买)的", re.I)
# "How much did I pay" asks what an order cost; it changes no payment.
_AMOUNT_QUESTION = re.compile(r"\b(how much|what)\b[^.?!]{0,30}\b(did|have|do|was|were) (i|we) (pay|paid|spend|spent"
                              r"|get charged|charged|been charged)\b|\bdid (i|we) (pay|get charged)\b")
# What happened ("plans changed", "I changed my mind") and what the shopper does not want ("I don't want to change
# how I pay", "不想改付款方式") ask for no change of the kind they name.
_NOT_ASKED = re.compile(
    r"\b(plans?|things|circumstances|situation)( have| has)? changed\b|\bchanged (my|our) (mind|plans?)\b"
    r"|\b(don't|do not|didn't|did not|not|never)( really)? (want|need|mean|asking|ask)( you)? to (change|modify|update"
    r"|switch|edit|exchange|swap|return|cancel)\b[^.?!,;]*"
    r"|(不想|不用|不要|不是要|没有要|不必|别)(改|换|修改|更改|更换|退货|取消)[^，。,.；;！!？?]*", re.I)
_PAYMENT_CHANGE_WORDS = re.compile(r"\b(payment|paypal|card|billing|method|switch|instead)\b")
# "How much will the refund be?" asks what a return brings back; on its own it asks for no return.
_REFUND_AMOUNT = re.compile(r"\b(how much|what(?:'s| is| was| will| would))\b[^.?!,;]{0,40}\brefund(ed|s)?\b"
                            r"|\btotal (amount of )?refund|\brefund (amount|total)\b"
                            r"|退款(金额|总额|一共|总共|是多少|有多少|多少)|(能|会|可以|一共|总共)退(回)?多少", re.I)


def _with_one_swap(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}


_FUZZY = {variant: tools for word, tools in _EN.items() if len(word) > 4 for variant in _with_one_swap(word)}
_FUZZY_GENERIC = {variant for word in _EN_GENERIC if len(word) > 4 for variant in _with_one_swap(word)}


def requested_writes(texts: list[str], meaning: bool = True) -> set[str]:
    """The write tools the shopper's messages ask for: what the keyword tables read, and what the learned request
    reader reads (it catches phrasings the tables miss). Only when neither reads any change in the whole
    conversation, what the messages mean (a question about the refund's amount left out, as the tables leave it):
    answers such as "the credit card" or "no, not that" mean a change only next to the request they answer.
    `meaning=False` leaves meaning out where a message is sorted before any order work: in meaning, "what colours
    does it come in?" sits near an item change."""
    from assistant.dialogue.request_reader import default_reader

    reader = default_reader()
    if reader is None:
        return _for_the_account(texts, keyword_writes(texts))
    if (wanted := keyword_writes(texts) | reader.writes(texts)) or not meaning:
        return _for_the_account(texts, wanted)
    return _for_the_account(texts, {tool for text in texts
                                    for tool in _meant(reader, _NOT_ASKED.sub(" ", _REFUND_AMOUNT.sub(" ", text)))})


def _for_the_account(texts: list[str], wanted: set[str]) -> set[str]:
    """An address change for the account alone when the shopper names their account and types the new address,
    and says nothing of an order ("我换了住处，账号里的收货地址帮我更新成 …"); for an order alone when they speak of an
    order and not of their account."""
    text = " ".join(texts)
    order_talk = ORDER_ID.search(text) or any(p in text.lower() for p in ORDER_TALK)
    if wanted >= ADDRESS and not wanted >= ANY_CHANGE and order_talk and not _ACCOUNT.search(text):
        return wanted - {"modify_user_address"}  # "那单…想改寄到公司": the order goes elsewhere, not every future one
    if not wanted & ADDRESS or order_talk or not _ACCOUNT.search(text) or not any(typed_addresses(t) for t in texts):
        return wanted
    return wanted - {"modify_pending_order_address"}


def _meant(reader, text: str) -> set[str]:
    """What one message means; when the whole reads as no change, what its last clause means: a shopper tells the
    story first and asks last ("I ordered it twice by accident …, so I want that order dropped"). A clause with
    digits or an email in it answers a question ("my zip code is 31481"); it asks for nothing."""
    if (tools := reader.meaning_writes(text)) or len(clauses := [c for c in _CLAUSE.split(text) if c.strip()]) < 2:
        return tools
    return set() if re.search(r"[\d@]", clauses[-1]) else reader.meaning_writes(clauses[-1])


def _options_only_describe(lowered: str, words: list[str]) -> bool:
    """Whether the only swap words of a message are option words ("size", "colour") and nothing swaps."""
    swap_words = {word for word in words if (_EN.get(word) or _FUZZY.get(word)) == ITEMS}
    return not swap_words - _OPTION_WORDS and not _SWAP_WORDS.search(lowered)


def keyword_writes(texts: list[str]) -> set[str]:
    """The write tools the keyword tables read; every change tool when they ask for an unnamed change."""
    wanted: set[str] = set()
    generic = False
    for text in texts:
        text = _NOT_ASKED.sub(" ", _ORDER_DESCRIPTION.sub(" ", _REFUND_AMOUNT.sub(" ", text)))
        text = _EITHER_WAY.sub(" price difference ", text)
        lowered, found = text.lower(), set()
        words = _WORD.findall(lowered)
        asks_change = any(word in _EN_GENERIC or word in _FUZZY_GENERIC for word in words)
        for word in words:
            found |= _EN.get(word) or _FUZZY.get(word) or set()
        generic = generic or asks_change
        found |= {tool for phrase, tools in _EN_PHRASES.items() if phrase in lowered for tool in tools}
        if found & RETURN and not asks_change and _options_only_describe(lowered, words):
            found -= ITEMS
        found |= {tool for phrase, tools in _ZH.items() if phrase in text for tool in tools}
        generic = generic or any(phrase in text for phrase in _ZH_GENERIC)
        # Each message on its own: a later question about a refund or a cost keeps an earlier payment change.
        if _REFUND_DESTINATION.search(text) and not re.search(r"\b(pay|payment)\b|支付|付款", lowered):
            found -= PAYMENT
        if _AMOUNT_QUESTION.search(lowered) and not _PAYMENT_CHANGE_WORDS.search(lowered):
            found -= PAYMENT
        wanted |= found
    if generic and not wanted - CANCEL - RETURN:
        wanted |= ANY_CHANGE
    return wanted
