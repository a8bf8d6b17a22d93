"""Reading a shopper's reply to "shall I go ahead?" as run, withdraw or keep pending.

A strict rule in code, never the model: only a short, unconditional yes runs a change. An explicit no (or a
message that replaces the request, or a long message that opens with a no) withdraws it. Everything else (a
question, a condition, hesitation, a new topic, anything unclear) keeps it pending, so the question is answered
and the change asked about again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RUN, WITHDRAW, KEEP = "run", "withdraw", "keep"
MAX_ANSWER_CHARS = 80

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")
_ORDER_ID = re.compile(r"#?w\d{7}")

# English -------------------------------------------------------------------------------------------------------
_EN_AS_YES = ("go ahead", "do it", "please do", "that's right", "that is right", "sounds good", "looks good",
              "no problem", "no worries", "of course", "sure thing", "let's do it", "lets do it", "all right",
              "yes please")
_EN_CORE = {"yes", "y", "yeah", "yea", "yep", "yup", "ya", "sure", "ok", "okay", "k", "kk", "confirm", "confirmed",
            "correct", "proceed", "absolutely", "affirmative", "definitely", "certainly", "agreed", "alright"}
_EN_FILLER = {"please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "it", "that", "this", "is", "go",
              "ahead", "do", "i", "the", "my", "order", "that's", "thats", "right", "good", "great", "perfect", "cool",
              "fine", "exactly", "just", "so", "then", "now", "lovely", "awesome", "indeed", "totally", "oh",
              "cancel", "return", "exchange", "change", "modify", "update", "refund", "process", "them"}
_EN_HESITATE = re.compile(r"\b(not sure|don'?t know|let me think|think about|hold on|wait|hmm+|um+|maybe|perhaps|"
                          r"i guess|one sec|one moment|give me a|later|not yet|unsure|by the way|btw)\b")
_EN_NO_LEAD = {"no", "nope", "nah", "n", "nay", "negative", "don't", "dont", "stop", "never"}
_EN_NO = re.compile(r"\b(never ?mind|forget it|changed? my mind|don'?t|"
                    r"do not|not anymore|leave it|keep it as it is|rather not|not now)\b")
_EN_INSTEAD = re.compile(r"\b(instead|rather than)\b")
_EN_QUESTION_LEAD = {"how", "what", "when", "where", "why", "which", "who", "whose"}
_EN_AUX = re.compile(r"^(can|could|would|will|is|are|was|were|does|did|should|has|have|may|might) "
                     r"(you|i|it|we|they|this|that|the|my|there)\b")
_EN_WORD = re.compile(r"[a-z0-9#']+")

# Chinese -------------------------------------------------------------------------------------------------------
_ZH_CORE = ("是的", "是", "好的", "好啊", "好吧", "好", "行", "可以", "确认", "确定", "对的", "对", "没错", "没问题",
            "同意", "就这样", "办吧")
_ZH_FILLER = ("请", "麻烦", "您", "你", "了", "吧", "啊", "呀", "哈", "的", "谢谢", "谢啦", "多谢", "嗯嗯", "嗯",
              "帮我", "一下", "那就", "就", "那", "直接", "取消", "退货", "退款", "换货", "修改", "更改", "订单号", "订单", "它",
              "这个", "操作", "执行", "处理", "办理")
_ZH_HESITATE = ("再想想", "想一想", "想想", "考虑", "等等", "等一下", "稍等", "再说", "不确定", "不知道", "犹豫",
                "先等", "回头", "对了", "顺便", "你好", "您好")
_ZH_QUESTION = re.compile(r"[吗嘛么呢]|是不是|能不能|可不可以|行不行|好不好|对不对|有没有|要不要|会不会|多久|多少|"
                          r"什么|怎么|为什么|哪|几时|何时")
_ZH_NO_LEAD = ("不", "别", "算了", "先不", "没必要")
_ZH_NO = ("不要", "不用", "算了", "先别", "不需要", "不想", "放弃", "不确认", "不同意")
_ZH_INSTEAD = ("换成", "改成", "改为", "改用", "而是")
_LONG_NO = re.compile(r"^(no|nope|nah)\s*[,.!;:]|^(不对|不是的|不是这样|不要这样)")
_ZH_PUNCT = re.compile(r"[\s,.!~，。！、…:：;；\"'“”‘’()（）]+")


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ZH_YES = re.compile(f"^(?:{_alternation(_ZH_CORE + _ZH_FILLER)})+$")
_ZH_CORE_RE = re.compile(_alternation(_ZH_CORE))


@dataclass(frozen=True)
class Reading:
    """What a reply means for a pending change, and whether it says nothing but that (a bare yes or no)."""

    outcome: str
    bare: bool = True


def read_reply(text: str, order_ids: frozenset[str] | set[str] = frozenset()) -> Reading:
    """Run, withdraw or keep: a change runs only on a short, plain, unconditional yes.

    `order_ids` are the ids the proposal names; a yes may repeat them ("yes, cancel #W1234567").
    """
    text = (text or "").strip().lower().replace("’", "'")
    if len(text) > MAX_ANSWER_CHARS and _LONG_NO.match(text):
        return Reading(WITHDRAW, bare=False)  # "No, that's not what I asked for. …": declining only runs nothing
    if not text or len(text) > MAX_ANSWER_CHARS:
        return Reading(KEEP, bare=False)
    named = {i.lower().lstrip("#") for i in order_ids}
    if _CJK.search(text):
        if _LATIN.search(_ORDER_ID.sub("", text)):
            return Reading(KEEP, bare=False)
        unknown_id = any(m.lstrip("#") not in named for m in _ORDER_ID.findall(text))
        return Reading(KEEP, bare=False) if unknown_id else _chinese(_ORDER_ID.sub("", text))
    return _english(text, named)


def _english(text: str, order_ids: set[str]) -> Reading:
    if _EN_HESITATE.search(text):
        return Reading(KEEP, bare=False)
    for phrase in _EN_AS_YES:
        text = re.sub(rf"\b{re.escape(phrase)}\b", " yes ", text)
    words = _EN_WORD.findall(text)
    if not words:
        return Reading(KEEP, bare=False)
    if words[0] in _EN_NO_LEAD or _EN_NO.search(text):
        return Reading(WITHDRAW, bare=all(w in _EN_NO_LEAD | {"thanks", "thank", "you", "please"} for w in words))
    if "?" in text or words[0] in _EN_QUESTION_LEAD or _EN_AUX.match(" ".join(words)):
        return Reading(KEEP, bare=False)
    if _EN_INSTEAD.search(text):
        return Reading(WITHDRAW, bare=False)
    known = _EN_CORE | _EN_FILLER
    if any(w in _EN_CORE for w in words) and all(w in known or w.lstrip("#") in order_ids for w in words):
        return Reading(RUN)
    return Reading(KEEP, bare=False)


def _chinese(text: str) -> Reading:
    if "?" in text or "？" in text or _ZH_QUESTION.search(text):
        return Reading(KEEP, bare=False)
    text = _ZH_PUNCT.sub("", text.replace("不好意思", ""))
    if not text or any(h in text for h in _ZH_HESITATE):
        return Reading(KEEP, bare=False)
    if text.startswith(_ZH_NO_LEAD) or any(n in text for n in _ZH_NO):
        return Reading(WITHDRAW, bare=len(text) <= 4)
    if any(i in text for i in _ZH_INSTEAD):
        return Reading(WITHDRAW, bare=False)
    if _ZH_YES.match(text) and _ZH_CORE_RE.search(text):
        return Reading(RUN)
    return Reading(KEEP, bare=False)
