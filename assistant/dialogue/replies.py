"""The replies the agent makes without the model, in English and Chinese."""

from __future__ import annotations

from langchain_core.messages import AIMessage

CANNED = "kefu"
"""The `name` of assistant messages the agent wrote without the model; fine-tuning never trains on them."""

TEXTS: dict[str, dict[str, str]] = {
    "confirm": {
        "en": "Here is the change I can make:\n{summary}\n\nShall I go ahead? Please reply **yes** to confirm or **no** "
              "to leave it as it is.",
        "zh": "我可以为您做以下更改：\n{summary}\n\n确认执行吗？请回复“是”确认，或回复“不”保持不变。",
    },
    "catalog_count": {
        "en": "Right now {count} {name} options are available.",
        "zh": "{name} 目前有 {count} 款可选。",
    },
    "catalog_option_count": {
        "en": "Right now the {name} is available in {count} {option}s: {values}.",
        "zh": "{name} 目前有 {count} 种{option}可选：{values}。",
    },
    "still_pending": {
        "en": "Your change is still waiting for your answer:\n{summary}\n\nReply **yes** to confirm it or **no** to "
              "leave things as they are.",
        "zh": "您的更改仍在等待确认：\n{summary}\n\n回复“是”确认，或回复“不”保持不变。",
    },
    "done": {
        "en": "Done. {summary}\n\nIs there anything else I can help you with?",
        "zh": "已完成。{summary}\n\n还有什么可以帮您的吗？",
    },
    "failed": {
        "en": "I couldn't make that change: {error}\n\nIs there anything else I can help you with?",
        "zh": "这项更改未能完成：{error}\n\n还有什么可以帮您的吗？",
    },
    "approval": {
        "en": "Thank you. This refund needs a colleague's approval first:\n{summary}\n\nI've sent it to them; "
              "you'll see their decision here.",
        "zh": "谢谢。这笔退款需要同事先审批：\n{summary}\n\n我已提交审批，结果会在这里通知您。",
    },
    "approved": {
        "en": "Good news: a colleague approved it. {summary}\n\nIs there anything else I can help you with?",
        "zh": "好消息：同事已批准。{summary}\n\n还有什么可以帮您的吗？",
    },
    "rejected": {
        "en": "A colleague reviewed the change and couldn't approve it, so nothing was changed. They may contact "
              "you with details; is there anything else I can help you with?",
        "zh": "同事审核后未能批准这项更改，因此没有做任何修改。他们可能会联系您说明详情；还有什么可以帮您的吗？",
    },
    "declined": {
        "en": "All right, I haven't changed anything. Is there anything else I can help you with?",
        "zh": "好的，我没有做任何更改。还有什么可以帮您的吗？",
    },
    "ask_instead": {
        "en": "Sorry, I haven't understood yet which change you want, and I'd rather not make the wrong one. Which "
              "order is it, and what should I change on it?",
        "zh": "抱歉，我还没弄清您要做哪项更改，不想改错。是哪一个订单，要改什么？",
    },
    "refusal_ask": {
        "en": "I couldn't do that: {error}. How would you like me to go on?",
        "zh": "这项操作办不了：{error}。您希望怎么处理？",
    },
    "expired": {
        "en": "That proposed change is no longer valid, so nothing was changed. Tell me what you'd like and I'll "
              "prepare it again.",
        "zh": "该更改已失效，没有做任何修改。请告诉我您的需求，我会重新为您准备。",
    },
    "order_status": {
        "en": "Order {order_id} is **{status}**.\n{items}",
        "zh": "订单 {order_id} 的状态：**{status}**。\n{items}",
    },
    "order_tracking": {"en": "Tracking number: {tracking}", "zh": "快递单号：{tracking}"},
    "order_total": {"en": "Order total: {total}", "zh": "订单金额：{total}"},
    "order_payment": {"en": "Paid: {amount}", "zh": "已付款：{amount}"},
    "order_refund": {"en": "Refunded: {amount}", "zh": "已退款：{amount}"},
    "order_returning": {"en": "Being returned: {amount}", "zh": "退货中：{amount}"},
    "order_kept": {"en": "Items kept: {amount}", "zh": "保留的商品：{amount}"},
    "anything_else": {"en": "Is there anything else I can help you with?", "zh": "还有什么可以帮您的吗？"},
    "not_identified": {
        "en": "I couldn't find an account with those details. Could you check the email address, or give me your "
              "first name, last name and zip code instead?",
        "zh": "没有找到与这些信息匹配的账户。请核对一下邮箱，或者告诉我您的姓名和邮编。",
    },
    "code_sent": {
        "en": "Thank you. If those details match an account, I've just sent a 6-digit code to the email address on "
              "it. Please type the code here to continue.",
        "zh": "谢谢。如果这些信息与某个账户匹配，我们已向该账户的邮箱发送了一个 6 位验证码。请在这里输入验证码以继续。",
    },
    "code_wrong": {
        "en": "That code isn't right. Please check the email we sent and type the 6-digit code again.",
        "zh": "验证码不正确。请查看我们发送的邮件，重新输入 6 位验证码。",
    },
    "code_expired": {
        "en": "That code has expired or was already used. Tell me your email again and I'll send a new one.",
        "zh": "该验证码已过期或已使用。请再告诉我一次您的邮箱，我会发送新的验证码。",
    },
    "identification_locked": {
        "en": "I can't verify you in this chat after several attempts. Type /human and a colleague will help you.",
        "zh": "多次尝试后，无法在此对话中验证您的身份。请输入 /human，我们的同事会为您服务。",
    },
    "code_accepted": {
        "en": "Thank you, you're verified. How can I help you with your account or orders?",
        "zh": "谢谢，验证已通过。请问有什么可以帮您处理的账户或订单问题？",
    },
    "no_identity": {
        "en": "I can only look up an account with its email address, or a name and zip code. I've passed your "
              "conversation to a colleague, who can verify you another way and will reply here as soon as possible.",
        "zh": "我只能通过邮箱，或者姓名加邮编来查找账户。我已将您的对话转给人工客服同事，他们可以用其他方式核实您的身份，"
              "并会尽快在这里回复您。",
    },
    "handoff": {
        "en": "I've passed your conversation to a colleague, who will reply here as soon as possible.",
        "zh": "我已将您的对话转给人工客服同事，他们会尽快在这里回复您。",
    },
    "model_down": {
        "en": "Sorry, I'm having technical trouble right now. Your message is saved and I've passed it to a "
              "colleague, who will reply here shortly.",
        "zh": "抱歉，系统暂时出现问题。您的消息已保存，并已转给人工客服同事，他们会尽快回复您。",
    },
    "unverified": {
        "en": "Sorry, I couldn't verify that from your records. Could you tell me which order you mean, so I can "
              "look it up?",
        "zh": "抱歉，我无法从您的记录中核实这些信息。请告诉我您指的是哪个订单，我来为您查询。",
    },
    "identify": {
        "en": "I can look into that for you. First, please give me your email address, or your first name, last "
              "name and zip code, so I can find your account.",
        "zh": "我可以帮您查询。请先告诉我您的邮箱地址，或者您的姓名和邮编，以便查找您的账户。",
    },
    "sign_in": {
        "en": "I can look into that for you once you are signed in: please sign in to your account on the shop's "
              "website, then ask me again here.",
        "zh": "登录后我就可以为您查询：请先在商店网站上登录您的账户，然后在这里再问我一次。",
    },
    "rephrase": {
        "en": "Sorry, I didn't quite follow. Could you tell me which order it is about and what you would like me to "
              "do?",
        "zh": "抱歉，我没太明白。请告诉我是哪个订单，以及您希望我做什么？",
    },
    "waiting": {
        "en": "A colleague has your conversation and will reply here shortly.",
        "zh": "人工客服同事正在处理您的对话，会尽快在这里回复您。",
    },
    "empty": {
        "en": "I didn't get a message. How can I help you?",
        "zh": "我没有收到内容。请问有什么可以帮您？",
    },
    "reopened_outage": {
        "en": "I'm back: the technical problem is over, so I can help you again.",
        "zh": "我回来了：技术问题已经解决，可以继续为您服务。",
    },
    "reopened_unattended": {
        "en": "No colleague has been free to take over yet, so I'll keep helping you myself. You can still ask "
              "for a person at any time.",
        "zh": "暂时没有同事能够接手，我会继续为您服务。您随时可以要求转人工。",
    },
    "session_expired": {
        "en": "For your security this conversation has closed after a period of inactivity. Please start a new "
              "conversation, and I'll be glad to help.",
        "zh": "为了您的账户安全，此对话因长时间未活动已关闭。请开始新的对话，我很乐意继续为您服务。",
    },
    "queued": {
        "en": "Many shoppers are writing right now. You're number {position} in line; I'll answer as soon as I can.",
        "zh": "现在咨询的顾客较多，您目前排在第 {position} 位，我会尽快回复您。",
    },
    "busy": {
        "en": "I'm still working on your previous message. Please send this one again in a moment.",
        "zh": "我还在处理您的上一条消息，请稍后再发送这一条。",
    },
    "unreadable": {
        "en": "Sorry, I couldn't read that message: it has characters that are not valid text. Could you type it "
              "again?",
        "zh": "抱歉，这条消息含有无法识别的字符，我读不了。请重新输入一次好吗？",
    },
    "too_long": {
        "en": "Your message is too long ({length} characters). Please keep it under {limit} characters.",
        "zh": "您的消息过长（{length} 个字符），请控制在 {limit} 个字符以内。",
    },
}


ERRORS_ZH = {
    "Non-pending order cannot be cancelled": "订单已不是待处理状态，无法取消",
    "Non-pending order cannot be modified": "订单已不是待处理状态，无法修改",
    "Non-delivered order cannot be returned": "订单尚未送达，无法退货",
    "Non-delivered order cannot be exchanged": "订单尚未送达，无法换货",
    "Insufficient gift card balance to pay for the new item": "礼品卡余额不足以支付新商品",
    "Insufficient gift card balance to pay for the price difference": "礼品卡余额不足以支付差价",
    "Insufficient gift card balance to pay for the order": "礼品卡余额不足以支付订单",
    "Payment method not found": "找不到该支付方式",
    "Payment method should be the original payment method": "退款只能退回原支付方式或礼品卡",
    "Order not found": "找不到该订单",
    "Variant not found": "找不到该商品款式",
    "The new payment method should be different from the current one": "新的支付方式需要与当前的不同",
    "The number of items to be exchanged should match": "换货前后的商品数量需要一致",
    "The new item id should be different from the old item id": "新商品需要与原商品不同",
}


def tool_error(error: str | None, language: str | None) -> str:
    """A tool's error as the shopper reads it: the shop's known refusals in Chinese for a Chinese conversation."""
    error = (error or "").removeprefix("Error: ").strip()
    return ERRORS_ZH.get(error.rstrip("."), error) if language == "zh" else error


def reply(key: str, language: str | None = "en", **values) -> str:
    """The canned reply `key` in the shopper's language (English when unknown)."""
    texts = TEXTS[key]
    return texts.get(language or "en", texts["en"]).format(**values)


def canned(text: str, **kwargs) -> AIMessage:
    """An assistant message written by kefu itself, not the model."""
    return AIMessage(text, name=CANNED, **kwargs)
