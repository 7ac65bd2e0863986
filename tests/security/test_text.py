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


# -- every rendering path, as Streamlit runs the pages (AppTest) ------------------------------------------
# An element's ``value`` is the Markdown Streamlit renders: it must be the neutralised text.
ZONE = "Quartier ![x](http://127.0.0.1:9/z.png) **nord**"


def _ok(at):  # noqa: ANN001, ANN202 - AppTest
    assert not at.exception, at.exception
    return at


def test_title_parameter_on_carte_and_presentation(demo_env) -> None:  # noqa: ANN001
    from tests.apptest import app_test

    at = _ok(app_test("admin", titre=PHISH).run())
    assert at.title[0].value == plain(PHISH)
    at.switch_page("../pages/presentation.py")
    at.query_params.clear()
    at.query_params["election"] = "leg2024_t2"
    at.query_params["titre"] = PHISH
    _ok(at.run())
    assert at.title[0].value == plain(PHISH)


def test_slide_name_on_presentation(demo_env) -> None:  # noqa: ANN001
    from dashboard.store import CampaignStore
    from tests.apptest import app_test, open_page

    store = CampaignStore(demo_env / "campaign.duckdb")
    first = store.views()[0]
    store.rename_view(first.view_id, ZONE, by="cli")
    store.close()
    at = _ok(app_test("admin").run())
    at.query_params.clear()  # the first slide, not the Carte page's view
    at = _ok(open_page(at, "presentation.py"))
    assert at.title[0].value == plain(ZONE)


def _inert(at) -> list[str]:  # noqa: ANN001 - AppTest
    """Every rendered text quoting the hostile host: none may hold a link, an image or HTML."""
    texts = [e.value for e in [*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.success,
                                *at.error, *at.warning, *at.info] if isinstance(e.value, str)]
    texts += [w.label for w in [*at.checkbox, *at.button, *at.text_input] if isinstance(w.label, str)]
    quoting = [t for t in texts if "127.0.0.1" in t]
    for text in quoting:
        kinds, _ = _render(text)
        assert not kinds & {"link_open", "image", "html_inline", "html_block"}, text
        assert not re.search(r"https?://", text), text  # no GFM autolink either
    return quoting


def test_zone_name_on_the_zones_page(demo_env) -> None:  # noqa: ANN001
    from dashboard.store import CampaignStore, zones
    from tests.apptest import app_test, open_page

    store = CampaignStore(demo_env / "campaign.duckdb")
    zone = next(z for z in zones.zones_for(store, by="cli") if z.name == "Quartier nord (démo)")
    zones.rename_zone(store, zone.zone_id, ZONE, by="cli")
    store.close()
    at = _ok(open_page(_ok(app_test("strategist").run()), "zones.py"))
    at = _ok(at.selectbox(key="zones_current").select(zone.zone_id).run())
    quoting = _inert(at)
    assert any(plain(ZONE) in text for text in quoting), quoting


def test_a_hostile_display_name_in_the_admin_notices(demo_env) -> None:  # noqa: ANN001
    from tests.apptest import app_test, open_page

    at = _ok(open_page(_ok(app_test("admin").run()), "admin.py"))
    hostile_name = "![i](http://127.0.0.1:9/)"  # 40 characters at most
    at.text_input(key="admin_new_name").input(hostile_name)  # refused: the French error quotes it
    at.text_input(key="admin_new_password").input("un-mot-de-passe-solide-42")
    at.text_input(key="admin_new_password2").input("un-mot-de-passe-solide-42")
    at = _ok(next(b for b in at.button if b.key == "admin_new_submit").click().run())
    assert _inert(at), [e.value for e in at.error]  # the refusal quotes the name, as text
