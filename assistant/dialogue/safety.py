"""Tool output and retrieved text are data: chat-template control tokens and instruction-like lines are defused."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"<\|?/?(?:im_start|im_end|endoftext|tool_call|tool_response|tools)\|?>", re.I)
_INSTRUCTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)\s+"
    r"(instructions|rules|prompt|policy)|system prompt|you are now|new instructions|developer mode"
    r"|忽略(之前|以上|所有)?的?(指令|规则|说明)|你现在是", re.I)


def defuse(text: str) -> str:
    """The text with template control tokens bracketed, so data can never open or close a chat turn."""
    return _CONTROL.sub(lambda m: "[" + m.group(0).strip("<>|/") + "]", text)


def defuse_passage(text: str) -> str:
    """A retrieved passage with control tokens defused and instruction-like lines withheld."""
    lines = [("[a line that looked like an instruction was withheld]" if _INSTRUCTION.search(line) else line)
             for line in defuse(text).splitlines()]
    return "\n".join(lines)


def looks_like_injection(text: str) -> bool:
    """True when text carries instruction-like phrases or template control tokens."""
    return bool(_INSTRUCTION.search(text) or _CONTROL.search(text))
