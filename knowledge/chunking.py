"""Structure-aware chunking: markdown and HTML by headings, FAQ files by whole pairs, JSON by its nesting."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_CHARS = 1200
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Chunk:
    """One retrievable passage with the structure it came from."""

    text: str
    section: str
    title: str = ""
    index: int = 0


def language_of(text: str) -> str:
    """'zh' when a noticeable share of the letters are CJK, else 'en'."""
    letters = [c for c in text if c.isalpha()]
    return "zh" if letters and sum(bool(CJK.match(c)) for c in letters) / len(letters) > 0.2 else "en"


def _split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    parts, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if current and len(current) + len(paragraph) + 2 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    return [*parts, current] if current else parts


def chunk_markdown(text: str, default_title: str) -> list[Chunk]:
    """One chunk per heading section (long sections split by paragraph); the heading path leads each chunk."""
    title, path, body, sections = default_title, [], [], []

    def flush():
        content = "\n".join(body).strip()
        if content:
            sections.append((" > ".join(path) or title, content))
        body.clear()

    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            flush()
            level, heading = len(match.group(1)), match.group(2)
            if level == 1 and not path:
                title = heading
            path[:] = path[: level - 1] + [heading]
        else:
            body.append(line)
    flush()
    chunks = []
    for section, content in sections:
        for i, part in enumerate(_split_long(content)):
            chunks.append(Chunk(text=f"{section}\n{part}", section=section, title=title, index=i))
    return chunks


def chunk_text(text: str, title: str, section_prefix: str = "part") -> list[Chunk]:
    """Plain text in paragraph-aligned pieces."""
    return [Chunk(text=part, section=f"{section_prefix} {i + 1}", title=title, index=0)
            for i, part in enumerate(_split_long(text))]


class _HtmlToMarkdown(HTMLParser):
    SKIP = {"script", "style", "nav", "footer", "head"}

    def __init__(self):
        super().__init__()
        self.out, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in ("p", "li", "br", "tr", "div"):
            self.out.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def chunk_html(html: str, default_title: str) -> list[Chunk]:
    """HTML reduced to headings and paragraphs, then chunked like markdown."""
    parser = _HtmlToMarkdown()
    parser.feed(html)
    return chunk_markdown("".join(parser.out), default_title)


def _qa_chunks(pairs: list[tuple[str, str]], title: str) -> list[Chunk]:
    return [Chunk(text=f"Q: {q.strip()}\nA: {a.strip()}", section=q.strip(), title=title) for q, a in pairs
            if q.strip() and a.strip()]


def _qa_keys(row: dict) -> tuple[str, str] | None:
    keys = {k.lower().strip(): k for k in row}
    question = next((keys[k] for k in ("question", "q", "问题") if k in keys), None)
    answer = next((keys[k] for k in ("answer", "a", "答案") if k in keys), None)
    return (question, answer) if question and answer else None


def chunk_faq_csv(text: str, title: str) -> list[Chunk]:
    """A CSV with question and answer columns: one chunk per pair."""
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = _qa_keys(rows[0]) if rows else None
    if keys is None:
        raise ValueError("a FAQ CSV needs 'question' and 'answer' columns")
    return _qa_chunks([(row[keys[0]] or "", row[keys[1]] or "") for row in rows], title)


def _flatten(value) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_flatten(v)}" if not isinstance(v, (dict, list)) else f"{k}:\n{_flatten(v)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(f"- {_flatten(v)}" for v in value)
    return str(value)


def _walk(value, path: list[str], title: str, out: list[Chunk]) -> None:
    text = _flatten(value)
    if len(text) <= MAX_CHARS or not isinstance(value, (dict, list)):
        section = " > ".join(path) or title
        for i, part in enumerate(_split_long(text) or [text]):
            out.append(Chunk(text=f"{section}\n{part}", section=section, title=title, index=i))
        return
    items = value.items() if isinstance(value, dict) else ((str(i + 1), v) for i, v in enumerate(value))
    for key, child in items:
        _walk(child, [*path, str(key)], title, out)


def chunk_json(text: str, title: str) -> list[Chunk]:
    """A list of question/answer objects becomes FAQ pairs; any other JSON is chunked along its nesting."""
    data = json.loads(text)
    if isinstance(data, list) and data and all(isinstance(x, dict) and _qa_keys(x) for x in data):
        return _qa_chunks([(str(x[_qa_keys(x)[0]]), str(x[_qa_keys(x)[1]])) for x in data], title)
    out: list[Chunk] = []
    _walk(data, [], title, out)
    return out
