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

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one is
# always literal text: escaping them all closes links, images, emphasis, headings, lists, code, HTML
# tags, entities (``&``), tables (``|``), autolinks (``http\:``, ``www\.``, ``a\@b``) and ``\$`` LaTeX.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's icon and emoji shortcodes are matched in the text after escapes are resolved: a word
# joiner (invisible, no line break) after each colon keeps ``:material/x:`` and ``:smile:`` apart.
WORD_JOINER = "\u2060"
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")


def plain(value: object) -> str:
    """``value`` as Markdown that renders as its literal text (one line: line breaks and tabs become spaces, ends trimmed).

    ``None`` gives ``""``. Use it for every user-, URL- or file-provided string shown through
    Streamlit's Markdown (zone, turf, user and display names, ``titre``, candidate, list, commune and
    place names, notes); never for text that is Markdown on purpose.
    """
    if value is None:
        return ""
    # One line, no leading spaces (four would open a code block).
    text = _LINE_BREAKS.sub(" ", str(value)).replace("\t", " ").strip(" ")
    text = _PUNCTUATION.sub(r"\\\1", text)
    return text.replace(":", ":" + WORD_JOINER)


def shown(markdown: str) -> str:
    """The text a reader sees for ``plain(x)`` once rendered, without the invisible word joiners."""
    return markdown.replace(WORD_JOINER, "")
