"""How generated shoppers word their requests, in English and Chinese.

Written as shoppers talk, independently of the agent's intent tables and the demo scenario templates: a phrasing
here is never added because the agent recognises it. English reasons speak to the shopper ("You want…", as τ²
instructions do); Chinese ones are what the shopper says.
"""

from __future__ import annotations

import random
import re

ORDER_REFS = {
    "en": {
        "id": ["order {id}", "your order {id}", "the order numbered {id}"],
        "items": ["the order with the {a} and the {b}", "the order that has your {a} and {b} in it",
                  "the one where you bought a {a} and a {b}"],
        "item": ["the order with the {a} in it", "the order you got your {a} in", "the one with the {a}"],
        "status:pending": ["your order that hasn't shipped yet", "the order that is still waiting to go out"],
        "status:delivered": ["the order that already arrived", "your order that got delivered"],
        "status:processed": ["your order that is on its way", "the order that already left the warehouse"],
        "latest": ["your most recent order", "the last order you placed", "your latest purchase"],
    },
    "zh": {
        "id": ["订单 {id}", "我的订单 {id}", "单号 {id} 的订单"],
        "items": ["有 {a} 和 {b} 的那个订单", "买了 {a} 和 {b} 的那一单"],
        "item": ["买了 {a} 的那一单", "里面有 {a} 的订单"],
        "status:pending": ["还没发货的那个订单", "还在等待发货的那单"],
        "status:delivered": ["已经签收的那个订单", "已经送到的那单"],
        "status:processed": ["已经在路上的那个订单", "已经发出的那单"],
        "latest": ["我最近下的那一单", "我最新的那个订单"],
    },
}
CANCEL_REASONS = {  # τ²'s two accepted reasons, as a shopper gives them
    "no longer needed": {"en": ["you don't need it any more", "you changed your mind and have no use for it"],
                         "zh": ["我已经用不上了", "我改主意了，不需要了"]},
    "ordered by mistake": {"en": ["you placed it by accident", "you clicked buy without meaning to"],
                           "zh": ["我是不小心下的单", "下单的时候点错了"]},
}
GOALS = {
    "en": {
        "cancel": ["You want {ref} cancelled because {why}.", "You'd like to stop {ref} from going out, since {why}.",
                   "You want to scrap {ref} entirely; {why}."],
        "address_default": ["You want {ref} shipped to the default address saved on your account instead.",
                            "{Ref} should go to the address in your profile, not where it is set to go now."],
        "address_new": ["You want {ref} delivered to {address} instead.",
                        "You need {ref} sent to your new place at {address}."],
        "payment": ["You want to pay for {ref} with {pay} instead.",
                    "You'd rather {ref} be charged to {pay}."],
        "items": ["You want the {item} in {ref} switched to {change} before it ships; {settle}.",
                  "For {ref}, you'd like {change} for the {item} instead; {settle}."],
        "exchange": ["The {item} from {ref} isn't right: you want to swap it for {change}; {settle}.",
                     "You want to trade the {item} you got in {ref} for {change}; {settle}."],
        "return": ["You want to send back the {items} from {ref} and get your money back to {refund}.",
                   "You don't want the {items} you received in {ref}; you want a refund to {refund}."],
        "profile_address": ["You moved, and want the address on your account changed to {address}.",
                            "Your account still has your old address; the new one is {address}."],
        "status": ["You want to know where {ref} is and what state it is in.",
                   "You're wondering what is going on with {ref}."],
        "tracking": ["You want the tracking number for {ref}.", "You need the parcel tracking code of {ref}."],
        "refuse_cancel": ["You want {ref} cancelled because {why}, even though it has already arrived."],
        "transfer": ["You want to complain about how a delivery driver spoke to you and want a manager to call you.",
                     "You'd like to ask about buying in bulk for your company at a special price.",
                     "You want to know whether the shop is hiring people in your town."],
    },
    "zh": {
        "cancel": ["我想把{ref}取消掉，因为{why}。", "麻烦帮我撤销{ref}，{why}。"],
        "address_default": ["请把{ref}改寄到我账户里保存的默认地址。", "{ref}请送到我个人资料里的地址，不要送到现在那个地址。"],
        "address_new": ["{ref}请改寄到 {address}。", "我搬家了，{ref}要送到新地址 {address}。"],
        "payment": ["{ref}我想改用{pay}付款。", "请把{ref}的付款方式换成{pay}。"],
        "items": ["{ref}里的 {item} 我想换成{change}，趁还没发货；{settle}。", "发货前请把{ref}中的 {item} 改成{change}；{settle}。"],
        "exchange": ["{ref}里收到的 {item} 不合适，我想换成{change}；{settle}。", "我想把{ref}的 {item} 调换成{change}；{settle}。"],
        "return": ["我想把{ref}里的 {items} 退掉，钱退到{refund}。", "{ref}收到的 {items} 我不想要了，请退款到{refund}。"],
        "profile_address": ["我搬家了，请把账户上的地址改成 {address}。", "我账户里还是旧地址，新地址是 {address}。"],
        "status": ["我想知道{ref}现在到哪儿了，是什么状态。", "{ref}现在是什么情况？"],
        "tracking": ["请告诉我{ref}的快递单号。", "我需要{ref}的物流单号。"],
        "refuse_cancel": ["我想取消{ref}，因为{why}，虽然已经收到货了。"],
        "transfer": ["我要投诉送货员的态度，请让经理给我回电话。", "我想给公司批量采购，能不能谈个特价？", "你们在我这个城市招人吗？"],
    },
}
PAYMENT_NAMES = {
    "gift_card": {"en": "your gift card", "zh": "我的礼品卡"},
    "paypal": {"en": "your PayPal account", "zh": "我的 PayPal"},
    "credit_card": {"en": "your {brand} card ending in {last_four}", "zh": "尾号 {last_four} 的{brand}卡"},
    "original": {"en": "the same card you paid with", "zh": "原来付款的那张卡"},
}
SETTLE = {"en": "any price difference goes on {pay}", "zh": "差价用{pay}结算"}
ASK_AMOUNT = {  # questions about money: what an order cost, what a return brings back
    "en": {"paid": ["You want to find out how much you paid for {ref}.",
                    "You can't remember what {ref} cost you in total and would like the amount."],
           "refund": ["You also want to know how much money you'll get back.",
                      "Ask what the refund will come to."]},
    "zh": {"paid": ["我想查一下{ref}一共花了多少钱。", "{ref}我当时付了多少钱？"],
           "refund": ["另外想知道一共能退回多少钱。", "顺便问下退款金额是多少。"]},
}
CHANGE = {"en": "the same one but with {key} {value}", "zh": "同款但{key}是 {value} 的"}
FOLLOW_UPS = {  # what the shopper answers when asked, keyed by what they were asked about
    "en": {"why": "If asked why: {why}.", "pay": "If asked about payment or the refund: {pay}.",
           "item": "If asked which item: the {item}."},
    "zh": {"why": "如果问原因：{why}。", "pay": "如果问付款或退款方式：{pay}。", "item": "如果问哪件商品：{item}。"},
}
KNOWN = {
    "email": {"en": "You are {first} {last} and your email is {email}.", "zh": "我叫 {first} {last}，邮箱是 {email}。"},
    "zip": {"en": "You are {first} {last} and you live in zip code {zip}.", "zh": "我叫 {first} {last}，邮编是 {zip}。"},
}
NEW_ADDRESSES = [
    {"address1": "41 Juniper Court", "address2": "", "city": "Madison", "state": "WI", "country": "USA",
     "zip": "53703"},
    {"address1": "9 Quarry Road", "address2": "Unit 3", "city": "Tucson", "state": "AZ", "country": "USA",
     "zip": "85701"},
    {"address1": "260 Lakeview Terrace", "address2": "", "city": "Boise", "state": "ID", "country": "USA",
     "zip": "83702"},
    {"address1": "77 Orchard Row", "address2": "Apt 12B", "city": "Albany", "state": "NY", "country": "USA",
     "zip": "12207"},
]
_WORD = re.compile(r"(?<![{\w])[a-z]{6,}(?![}\w])")


def pick(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def address_line(address: dict) -> str:
    parts = [address["address1"], address["address2"], address["city"], f"{address['state']} {address['zip']}",
             address["country"]]
    return ", ".join(p for p in parts if p)


def with_typo(text: str, rng: random.Random) -> str:
    """One pair of neighbouring letters swapped in one longer lowercase word, as a hurried shopper types."""
    words = [m for m in _WORD.finditer(text)]
    if not words:
        return text
    word = words[rng.randrange(len(words))]
    i = word.start() + rng.randrange(1, len(word.group(0)) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]
