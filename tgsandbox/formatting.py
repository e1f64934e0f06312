"""Text entities: parse_mode parsing (HTML, MarkdownV2, Markdown) and bot_command detection."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .errors import ApiError, bad_request

Entity = dict[str, Any]

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _entity_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _TelegramHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.out: list[str] = []
        self.length = 0
        self.stack: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        lines = self.source.split("\n")
        return len("\n".join(lines[: line - 1]).encode()) + (1 if line > 1 else 0) + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        attrs_map = dict(attrs)
        if kind is None or (tag == "span" and attrs_map.get("class") != "tg-spoiler"):
            raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        entity: Entity = {"type": kind, "offset": self.length}
        if tag == "a":
            href = attrs_map.get("href") or ""
            if href.startswith("tg://user?id="):
                entity["type"] = "text_mention"
            entity["url"] = href
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attrs_map.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][1]["language"] = language
            entity = {"type": "_inner_code", "offset": self.length}
        if tag == "blockquote" and "expandable" in attrs_map:
            entity["type"] = "expandable_blockquote"
        if tag == "tg-emoji":
            entity["custom_emoji_id"] = attrs_map.get("emoji-id") or ""
        self.stack.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</'
                f'{self.stack[-1][0] if self.stack else ""}>", found "</{tag}>"'
            )
        _, entity = self.stack.pop()
        entity["length"] = self.length - entity["offset"]
        if entity["type"] == "text_mention":
            entity.pop("url", None)
        if entity["length"] > 0 and entity["type"] != "_inner_code":
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.out.append(data)
        self.length += utf16_len(data)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    parser = _TelegramHtml(text)
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise _entity_error(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
        )
    parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.out), parser.entities


_MDV2_MARKS: list[tuple[str, str]] = [
    ("```", "pre"),
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
    ("`", "code"),
]


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """A faithful-enough MarkdownV2 parser: reserved characters must be escaped."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    open_marks: list[tuple[str, str, int, int]] = []  # mark, type, out offset, byte offset
    link_starts: list[tuple[int, int]] = []
    i = 0
    n = len(text)

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode())

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and ord(text[i + 1]) < 127:
                emit(text[i + 1])
                i += 2
                continue
            raise _entity_error(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        in_code = bool(open_marks) and open_marks[-1][1] in ("code", "pre")
        if in_code:
            mark = open_marks[-1][0]
            if text.startswith(mark, i):
                _, kind, start, _ = open_marks.pop()
                entities.append({"type": kind, "offset": start, "length": length - start})
                i += len(mark)
                continue
            emit(ch)
            i += 1
            continue
        matched = False
        for mark, kind in _MDV2_MARKS:
            if text.startswith(mark, i):
                if open_marks and open_marks[-1][0] == mark:
                    _, kind, start, _ = open_marks.pop()
                    if length > start:
                        entities.append({"type": kind, "offset": start, "length": length - start})
                else:
                    open_marks.append((mark, kind, length, byte_offset(i)))
                    if kind == "pre":
                        end_line = text.find("\n", i + 3)
                        lang = text[i + 3 : end_line] if end_line != -1 else ""
                        if lang and " " not in lang and "`" not in lang:
                            i = end_line + 1
                            matched = True
                            break
                i += len(mark)
                matched = True
                break
        if matched:
            continue
        if ch == "[":
            link_starts.append((length, byte_offset(i)))
            i += 1
            continue
        if ch == "]" and link_starts and text.startswith("(", i + 1):
            close = text.find(")", i + 2)
            if close == -1:
                raise _entity_error(f"Can't find end of a URL at byte offset {byte_offset(i + 1)}")
            start, _ = link_starts.pop()
            url = text[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
            if length > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": length - start, "url": url}
                )
            i = close + 1
            continue
        if ch in _MDV2_RESERVED:
            raise _entity_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if open_marks or link_starts:
        where = open_marks[-1][3] if open_marks else link_starts[-1][1]
        raise _entity_error(f"Can't find end of the entity starting at byte offset {where}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    i = 0
    n = len(text)
    marks = [("```", "pre"), ("*", "bold"), ("_", "italic"), ("`", "code")]
    while i < n:
        for mark, kind in marks:
            if text.startswith(mark, i):
                end = text.find(mark, i + len(mark))
                if end == -1:
                    raise _entity_error(
                        "Can't find end of the entity starting at byte offset "
                        f"{len(text[:i].encode())}"
                    )
                inner = text[i + len(mark) : end]
                if inner:
                    entities.append({"type": kind, "offset": length, "length": utf16_len(inner)})
                out.append(inner)
                length += utf16_len(inner)
                i = end + len(mark)
                break
        else:
            if text[i] == "[":
                close = text.find("]", i)
                if close != -1 and text.startswith("(", close + 1):
                    url_end = text.find(")", close)
                    if url_end != -1:
                        inner = text[i + 1 : close]
                        entities.append(
                            {
                                "type": "text_link",
                                "offset": length,
                                "length": utf16_len(inner),
                                "url": text[close + 2 : url_end],
                            }
                        )
                        out.append(inner)
                        length += utf16_len(inner)
                        i = url_end + 1
                        continue
            out.append(text[i])
            length += utf16_len(text[i])
            i += 1
    return "".join(out), entities


def apply_parse_mode(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Strip markup as Telegram does; returns the plain text and its entities."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def command_entities(text: str) -> list[Entity]:
    """bot_command entities like Telegram's, for commands at the start of words."""
    entities: list[Entity] = []
    for match in _COMMAND_RE.finditer(text):
        start = match.start()
        if start > 0 and not text[start - 1].isspace():
            continue
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "_/@"):
            continue
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[:start]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities
