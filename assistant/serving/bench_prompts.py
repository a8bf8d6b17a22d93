"""A fixed set of 64 customer-service prompts of about 200 tokens each, for `kefu bench serve`."""

from __future__ import annotations

import itertools

SYSTEM = (
    "You are the customer-service assistant of Harbor Goods, an online shop for clothing, home, outdoor and "
    "electronics products. Be brief, friendly and exact. Only pending orders can be cancelled or changed; "
    "delivered orders can be returned or exchanged within 30 days, once per order, for another variant of the "
    "same product. Refunds go to the original payment method or a gift card and take 5 to 7 business days. "
    "Never invent order numbers, amounts or tracking ids. If a request is outside the policy, offer a human agent. "
    "Identify the customer by email, or by name and zip code, before you look at any order. Before any change, "
    "summarise it and ask the customer to confirm. Answer in the customer's language."
)
CONTEXTS = [
    "I ordered a blue hoodie in size M and a water bottle last week.",
    "My order #W4817420 has two items: running shoes and wool socks.",
    "I bought an office chair a month ago and it arrived yesterday.",
    "I have a gift card with about $50 left on it and a Visa card on file.",
]
QUESTIONS = [
    "Can I still cancel it? I no longer need it.",
    "How do I change the shipping address to my office?",
    "Where is my parcel right now?",
    "Can I swap the size for a larger one?",
    "How long does a refund take to reach my card?",
    "Can I pay with my gift card instead?",
    "The item arrived damaged. What should I do?",
    "Do you ship to Alaska, and how much does it cost?",
    "What is your warranty on electronics?",
    "Can I exchange it for a different product?",
    "I want to talk to a human, please.",
    "How do I return only one of the items?",
    "Why was I charged twice?",
    "Can you tell me which colors are available?",
    "请问这个订单还能取消吗？",
    "退款多久能到账？",
]


def bench_prompts(count: int = 64) -> list[list[dict]]:
    """`count` chat conversations (system + user), the same for every run."""
    pairs = list(itertools.product(QUESTIONS, CONTEXTS))
    return [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{context} {question}"}]
            for question, context in pairs[:count]]
