"""Row 9 of issue 12: user-, URL- and file-provided text is shown as text, never as Markdown or HTML.

``dashboard.text.plain`` is the one helper; the property test renders its output with a CommonMark
parser (markdown-it-py, the parser family Streamlit's own Markdown follows) and checks that no link,
image, HTML, emphasis, heading, list, code or table node survives and that the text read is the input.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dashboard.text import WORD_JOINER, plain, shown

PHISH = "![t](http://127.0.0.1:9/x.png) [Session expirée : reconnectez-vous](http://127.0.0.1:9/phish)"
HOSTILE = [
    PHISH,
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**gras** _penché_ ~~barré~~ `code`",
    "# Titre", "- puce", "1. liste", "> citation", "---",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    ":material/lock: :smile: :red[rouge]",
    "$x^2$ et $$y$$",
    "&amp; &lt;b&gt; &#60;",
    "<http://127.0.0.1:9/a> www.exemple.fr contact@exemple.fr",
    "[a][ref]\n\n[ref]: http://127.0.0.1:9/",
    "\\*déjà échappé\\*",
    "    bloc de code indenté",
]
FORBIDDEN = {
    "link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open", "code_inline",
    "heading_open", "bullet_list_open", "ordered_list_open", "blockquote_open", "hr", "fence", "code_block",
    "table_open",
}

md = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _render(markdown: str) -> tuple[set[str], str]:
    kinds: set[str] = set()
    text: list[str] = []
    for token in md.parse(markdown):
        kinds.add(token.type)
        for child in token.children or []:
            kinds.add(child.type)
            if child.type == "text":
                text.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                text.append(" ")
    return kinds, "".join(text)


def _expected(value: str) -> str:
    text = re.sub(r"[\r\n\u2028\u2029\v\f]+", " ", value).replace("\t", " ").strip()
    return text.replace("\x00", "\ufffd").replace(WORD_JOINER, "")  # NUL shows as U+FFFD; joiners are invisible


def _check(value: str) -> None:
    markdown = plain(value)
    kinds, text = _render(markdown)
    assert not kinds & FORBIDDEN, (value, markdown, kinds & FORBIDDEN)
    assert shown(text) == _expected(value)
    # Streamlit's extras: GFM autolinks are matched in the source, icons, emoji and colours in the text.
    assert not re.search(r"https?://|www\.|(?<!\\)@", markdown)
    assert not re.search(r":[\w/-]+:|:\w+\[", text)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_render_as_their_text(value: str) -> None:
    _check(value)


# Markdown's active characters, weighted up so that random strings form real syntax often.
_ALPHABET = st.sampled_from(list("![]()<>*_`#-+.|~$:&;/\\ \n\tah1é") + ["http://", "www.", ":smile:", "<b>", "&amp;"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=60))
def test_random_strings_render_as_their_text(value: str) -> None:
    _check(value)


def test_plain_keeps_ordinary_text_readable() -> None:
    assert plain("Saint-Étienne (centre) : 12 %, bureau 92019_20.") == "Saint-Étienne (centre) : 12 %, bureau 92019_20."
    assert plain("- 1. _a_ b_") == "\\- 1. \\_a\\_ b\\_"
    assert plain(":smile: http://x") == ":\u2060smile: http:\u2060//x"
    assert plain(None) == ""
    assert plain(42) == "42"
