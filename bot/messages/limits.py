"""Telegram's limits on what the bot sends, measured as Telegram measures them: the text after the HTML
is parsed (tags gone, entities decoded), in UTF-16 code units. Every message composed from people's
input goes through here: `clip` shortens one piece of user text to a budget, `fit` makes a whole HTML
message fit (cutting at the end, keeping tags balanced). The 64 bytes of callback_data are
bot.callbacks's (`encode` refuses more)."""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a document's or photo's caption
MAX_CALLBACK_BYTES = 64  # a button's callback_data
MAX_BUTTONS = 100  # buttons on one message
ELLIPSIS = "…"
#: Added where text was cut; the task card's buttons open the dashboard, which shows everything.
MORE = f"{ELLIPSIS} (cut: the full text is on your dashboard)"
CUT = f"{ELLIPSIS} (message cut: too long for Telegram)"

_TAG = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|.", re.DOTALL)


def units(text: str) -> int:
    """The length of plain text in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def visible(html_text: str) -> int:
    """The length Telegram counts for an HTML message: tags removed, entities decoded, in UTF-16 units."""
    return units(html.unescape(_TAG.sub("", html_text)))


def clip(text: str, budget: int, marker: str = ELLIPSIS) -> str:
    """Plain `text` (not yet escaped) cut to at most `budget` UTF-16 units, `marker` ending it when cut;
    never splits a surrogate pair."""
    if units(text) <= budget:
        return text
    room = max(budget - units(marker), 0)
    out, used = [], 0
    for char in text:
        size = units(char)
        if used + size > room:
            break
        out.append(char)
        used += size
    return "".join(out).rstrip() + marker


def fit(html_text: str, limit: int = MAX_TEXT, marker: str = CUT) -> str:
    """An HTML message cut at the end so that Telegram counts at most `limit`; tags stay balanced and
    no entity or tag is split. Unchanged when it fits."""
    if visible(html_text) <= limit:
        return html_text
    room = limit - units(marker)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for match in _TOKEN.finditer(html_text):
        token = match.group(0)
        if match.group(2) is not None:  # a tag: free, but remember what is open
            name = match.group(2).lower()
            if match.group(1):
                if name in open_tags:
                    open_tags.remove(name)
            else:
                open_tags.append(name)
            out.append(token)
            continue
        size = units(html.unescape(token))
        if used + size > room:
            break
        out.append(token)
        used += size
    closing = "".join(f"</{name}>" for name in reversed(open_tags))
    return "".join(out).rstrip() + closing + html.escape(marker)
