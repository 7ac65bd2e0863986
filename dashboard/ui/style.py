"""The app's own CSS and the demo banner: injected by ``dashboard/app.py`` on every run.

* Phones (≤ 640 px): Streamlit's header and the tables' hover toolbars must not cover a heading. The
  header gets a solid background and the main area starts below it; anchored headings scroll to below
  it (the tables' toolbars, which a touch screen shows at all times, are hidden everywhere).
* Présentation in full screen (:func:`presentation`): no sidebar, no header, the map's height follows
  the window so the title, the map and its legend fit without scrolling at 1280 × 720 and above; the
  demo banner becomes a small tag in a corner.
"""

from __future__ import annotations

import html

import streamlit as st

DEMO_BANNER_KEY = "isoloir_demo_banner"
PRESENTATION_STAGE_KEY = "presentation_stage"
# Room kept above the map in full screen (title row, paddings, gaps) and below it (a note), in pixels.
PRESENTATION_TOP_PX = 92
PRESENTATION_BOTTOM_PX = 34

BASE_CSS = """
<style>
/* Streamlit's own chrome, in English whatever the app's language, hidden on every page: the table
   toolbar (download, search, fullscreen) and column menu, the « Press Enter to submit form » hint;
   the skip link reads French. The table's data stays on screen. */
[data-testid="stElementToolbar"],
[data-testid="stDataFrameColumnMenu"],
[data-testid="stDataFrameColumnVisibilityMenu"],
[data-testid="stDataFrameColumnFormattingMenu"] { display: none !important; }
/* « Press Enter to submit form / to apply »: the hint is the first span, the characters counter
   (inputs with a maximum length only) the second one, after a dot */
[data-testid="InputInstructions"] > span:first-child:has(+ span) { display: none !important; }
[data-testid="InputInstructions"] > span::before { content: none !important; }
:is([data-testid="stTextInput"], [data-testid="stTextArea"], [data-testid="stNumberInput"], [data-testid="stDateInput"]):not(:has(input[maxlength], textarea[maxlength])) [data-testid="InputInstructions"] { display: none !important; }
[data-testid="stSkipToContent"] { font-size: 0 !important; }
[data-testid="stSkipToContent"]::after { content: "Aller au contenu principal"; font-size: 1rem; }
@media (max-width: 640px) {
  header[data-testid="stHeader"] { background: var(--background-color, #fff); box-shadow: 0 1px 0 rgba(0,0,0,0.08); }
  [data-testid="stMainBlockContainer"] { padding-top: 4.25rem !important; }
  [data-testid="stHeading"], h1, h2, h3 { scroll-margin-top: 4.25rem; }
}
</style>
"""


def inject() -> None:
    """The app-wide CSS (every run: Streamlit drops elements a run does not draw again)."""
    st.html(BASE_CSS)


def demo_banner(territory: str) -> None:
    """The demo warning, in a keyed container that full-screen pages may restyle."""
    with st.container(key=DEMO_BANNER_KEY):
        st.warning(
            f"**Territoire de démonstration** ({territory}) : toutes les données affichées sont **fictives** "
            "(communes, bureaux, résultats, adresses) et ne décrivent aucun lieu réel.",
            icon=":material/science:",
        )


def presentation_map_height(full_screen: bool) -> str | None:
    """The map's CSS height on Présentation: in full screen, the window's height less the title row and margins."""
    return f"calc(100vh - {PRESENTATION_TOP_PX + PRESENTATION_BOTTOM_PX}px)" if full_screen else None


def presentation(full_screen: bool, demo: bool) -> None:
    """Présentation's CSS: in full screen, the window holds the title row, the map and its legend, nothing else;
    the demo banner becomes a corner tag (``demo``: the territory is the demo)."""
    if not full_screen:
        return
    css = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
.st-key-{DEMO_BANNER_KEY} {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 0.6rem 1.2rem 0 1.2rem !important; max-width: 100% !important; }}
[data-testid="stMain"] {{ overflow: hidden; }}
[data-testid="stMainBlockContainer"] h1 {{ font-size: clamp(1.4rem, 2.2vw, 2.4rem); padding: 0.2rem 0; line-height: 1.2; }}
.st-key-{PRESENTATION_STAGE_KEY} [data-testid="stElementToolbar"] {{ display: none !important; }}
.isoloir-demo-tag {{ position: fixed; right: 10px; bottom: 8px; z-index: 1000; padding: 2px 8px; border-radius: 10px;
  background: rgba(255, 243, 205, 0.92); color: #7a5b00; font-size: 0.75rem; border: 1px solid #e7c65c; }}
</style>
"""
    st.html(css)
    if demo:
        st.html(f"<div class='isoloir-demo-tag' title='{html.escape('Données fictives')}'>Démo — données fictives</div>")
