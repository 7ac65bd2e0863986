"""A tour of every page for every role, as a French campaign team reads it (issue 13, part A).

For each role, every page of its navigation at 1440 × 900, and the canvasser's pages at 390 × 844 (a
phone): the text a person can see (visible text nodes, not icon ligatures; the titles of visible
elements, which show as tooltips) holds no English UI string and no number in English format,
tables show no toolbar when hovered, and nothing is cut (no horizontal scroll). Screenshots:
``tests/e2e/artifacts/tour_<role>_<page>_<width>x<height>.png`` (the viewport) and ``…_full.png``
(the page's whole height), to look at.

One app server for the module, on a private copy of the demo with a contact recorded without phone
or e-mail (once shown « None »).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.access import permissions
from dashboard.store import CampaignStore, contacts, users, zones
from tests.e2e.conftest import ARTIFACTS, log_in, start_app, stop_app, wait_until_idle

pytestmark = pytest.mark.e2e

DESKTOP = (1440, 900)
PHONE = (390, 844)
# English strings of Streamlit's own chrome, and raw values, that must not reach the screen
ENGLISH = (
    "Press Enter", "Press Ctrl", "to submit form", "to apply", "Download", "Search", "Fullscreen", "Show/hide",
    "Hide column", "Sort ascending", "Autosize", "Pin column", "Skip to main content", "Running", "Clear all",
    "No results", "No options", "Choose an option", "Select all", "Made with Streamlit",
)
RAW = re.compile(r"(?<![\w/])(None|NaN|nan|NaT|<NA>|null|undefined)(?![\w/])|\d[eE][+-]\d")
ENGLISH_NUMBER = re.compile(r"(?<![\d.,/:])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\d.,/:\w-])\d+\.\d{1,2}(?![\d.])")

VISIBLE_TEXT = """() => {
  const skip = el => el.closest('[data-testid="stIconMaterial"], .material-symbols-rounded, [data-testid="stSkipToContent"], '
                              + '[translate="no"], iframe, script, style, noscript, [aria-hidden="true"]');
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || skip(el)) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
    parts.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[title]')) {
    if (el.checkVisibility() && !skip(el) && el.tagName !== 'IFRAME') parts.push(el.getAttribute('title'));
  }
  const skipLink = document.querySelector('[data-testid="stSkipToContent"]');
  if (skipLink) parts.push(getComputedStyle(skipLink, '::after').content.replace(/^"|"$/g, ''));
  return parts.join('\\n');
}"""
NUMBERS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stTable"] td, '
  + '[data-testid="stSliderThumbValue"], [data-testid="stSliderTickBar"], [data-testid="stNumberInput"] input')]
  .filter(e => e.checkVisibility()).map(e => e.value ?? e.textContent)"""


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("tour")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(demo_dir / name, data_dir / name)
    store = CampaignStore(data_dir / "campaign.duckdb")
    canvasser = users.get_user(store, "canvasser")
    contacts.add_contact(store, by=canvasser, address_id=min(zones.address_ids_for(store, by=canvasser)), address="1 rue du Tour",
                         full_name="Dominique Sansnuméro",
                         outcome="absent", consent=False)  # no phone, no e-mail: « — », not « None »
    store.close()
    process, url = start_app(data_dir, env={"ISOLOIR_BASEMAP": "aucun"})
    yield url
    stop_app(process)


def _settle(page) -> None:  # noqa: ANN001 - Playwright page
    """Idle, then until the text stops growing (a slow page, Cibles' scores, draws after the status widget left)."""
    wait_until_idle(page, 120_000)
    last, still = -1, 0
    for _ in range(60):
        size = page.evaluate("document.body.innerText.length")
        still = still + 1 if size == last else 0
        if still >= 3:
            return
        last = size
        page.wait_for_timeout(1000)


def _problems(text: str, numbers: list[str]) -> list[str]:
    found = [f"anglais : {word!r}" for word in ENGLISH if word in text]
    found += [f"valeur brute : {m.group(0)!r}" for m in RAW.finditer(text)]
    for value in numbers:
        for match in ENGLISH_NUMBER.finditer(value):
            found.append(f"nombre à l'anglaise : {match.group(0)!r} dans {value!r}")
    return found


def _tour(page, url: str, role: str, size: tuple[int, int]) -> list[str]:  # noqa: ANN001 - Playwright page
    width, height = size
    problems = []
    page.goto(url)
    page.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
    page.get_by_label("Nom d'utilisateur").fill(role)  # typing shows the form's instructions, if any
    page.wait_for_timeout(400)
    problems += [f"connexion : {p}" for p in _problems(page.evaluate(VISIBLE_TEXT), [])]
    log_in(page, role)
    wait_until_idle(page)
    for key in permissions.pages_for(role):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{url}/{key}" + ("?election=pres2022_t2&bv=45999_5" if key == "carte" else ""))
        _settle(page)
        for shown in page.query_selector_all('[data-testid="stException"]'):  # none is accepted
            problems.append(f"{key} : exception affichée : {shown.inner_text()[:200]}")
        frames = [f for f in page.query_selector_all('[data-testid="stDataFrame"]') if f.is_visible()]  # not in a closed tab
        for frame in frames[:3]:  # the toolbar shows on hover
            frame.scroll_into_view_if_needed()
            frame.hover()
            page.wait_for_timeout(300)
            if page.evaluate("""() => [...document.querySelectorAll('[data-testid="stElementToolbar"]')]
                                       .some(e => e.checkVisibility())"""):
                problems.append(f"{key} : barre d'outils de tableau visible")
        for field in page.query_selector_all('[data-testid="stForm"] input[type="text"]')[:2]:
            if field.is_visible() and field.is_editable():  # the Enter hint shows while typing
                field.type("a")
                page.wait_for_timeout(300)
                break
        text = page.evaluate(VISIBLE_TEXT)
        numbers = page.evaluate(NUMBERS)
        problems += [f"{key} : {p}" for p in _problems(text, numbers)]
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if scroll > inner:
            problems.append(f"{key} : défilement horizontal ({scroll} px pour {inner} px)")
        name = ARTIFACTS / f"tour_{role}_{key}_{width}x{height}"
        page.screenshot(path=f"{name}.png")
        tall = page.evaluate("""() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
                                              .map(e => e.scrollHeight))""")
        page.set_viewport_size({"width": width, "height": min(max(height, tall + 40), 9000)})
        page.wait_for_timeout(1200)
        page.screenshot(path=f"{name}_full.png")
    return problems


@pytest.mark.parametrize(("role", "size"), [(role, DESKTOP) for role in permissions.ROLES] + [("canvasser", PHONE)],
                         ids=lambda v: v if isinstance(v, str) else f"{v[0]}x{v[1]}")
def test_every_page_reads_french(app: str, browser: object, role: str, size: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fr-FR")  # type: ignore[attr-defined]
    try:
        problems = _tour(context.new_page(), app, role, size)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
