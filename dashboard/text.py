"""Text is text: a user- or file-provided string shown through Streamlit's Markdown as the literal text.

Streamlit renders Markdown (CommonMark + GFM: links, images, autolinks, emphasis, tables), raw HTML
where allowed, ``$…$`` LaTeX, ``:material/…:`` icons, ``:emoji:`` shortcodes and ``:red[…]`` colour
directives in ``st.markdown``, ``st.caption``, titles, alerts, ``st.metric`` and widget labels. A zone
named ``![t](http://…/x.png)`` or a ``?titre=[Session expirée](http://…)`` would otherwise load an
external image or show a fake link. :func:`plain` is the one helper: every string that came from a
user, a URL or an imported file goes through it before it reaches one of those elements.
"""

from __future__ import annotations

import re

# Characters that open Markdown or HTML anywhere on a line: code, emphasis, strikethrough, links and
# images (``[``), HTML and autolinks (``<``), entities (``&``), headings, tables, ``$`` LaTeX and e-mail
# autolinks (``@``). A backslash-escaped one is always literal text in CommonMark.
_ALWAYS = re.compile(r"([\\`*~\[\]<>&#|$@])")
# ``_`` between two letters or digits can neither open nor close emphasis: ``92019_20`` stays readable.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What opens a block only at the start of a line: list markers, block quotes, thematic breaks.
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")
# GFM autolinks (``www.x.fr``) and Streamlit's ``:material/icon:``, ``:smile:`` and ``:red[…]``: an
# invisible word joiner after a colon that a word or a slash follows keeps them apart.
_WWW = re.compile(r"(?i)(www)\.")
_COLON = re.compile(r":(?=[\w/+-])")
WORD_JOINER = "\u2060"
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")


def plain(value: object) -> str:
    """``value`` as Markdown that renders as its literal text (one line: line breaks and tabs become spaces, ends trimmed).

    ``None`` gives ``""``. Use it for every user-, URL- or file-provided string shown through
    Streamlit's Markdown (zone, turf, user and display names, ``titre``, candidate, list, commune and
    place names, notes, messages that quote them); never for text that is Markdown on purpose.
    Ordinary punctuation (``.``, ``,``, ``'``, ``(``, ``-`` inside a word…) is left as it is.
    """
    if value is None:
        return ""
    # One line, no leading spaces (four would open a code block).
    text = _LINE_BREAKS.sub(" ", str(value)).replace("\t", " ").strip()
    text = _COLON.sub(":" + WORD_JOINER, text)
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return _WWW.sub(r"\1\\.", text)


def shown(markdown: str) -> str:
    """The text a reader sees for ``plain(x)`` once rendered, without the invisible word joiners."""
    return markdown.replace(WORD_JOINER, "")


def sentence(message: str) -> str:
    """A French message (``message_fr`` of an error, a store notice) as a sentence: trimmed, capital first
    letter, final full stop unless it already ends with one, ``!`` or ``?``."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")
