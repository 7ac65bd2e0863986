"""The team-load benchmark's pure parts: the element tree, widgets by label, widget states, the accounting.

No server: the client's message handling is fed ForwardMsgs built here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("websockets")  # the client's transport (the "bench" extra; streamlit installs it too)

from streamlit.proto.Element_pb2 import Element  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_team_load", REPO_ROOT / "benchmarks" / "team_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tl = _load()


def _element(kind: str, **fields: object) -> tuple[str, object]:
    element = Element()
    proto = getattr(element, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(proto, name).extend(value)
        else:
            setattr(proto, name, value)
    return kind, proto


def _delta(path: list[int], kind: str, **fields: object) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    getattr(msg.delta.new_element, kind).SetInParent()
    for name, value in fields.items():
        target = getattr(msg.delta.new_element, kind)
        if isinstance(value, list):
            getattr(target, name).extend(value)
        else:
            setattr(target, name, value)
    return msg


def _finished(status: int) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def _new_session() -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "main"
    return msg


def _nodes(*elements: tuple[str, object]) -> list[object]:
    return [tl.Node((0, i), kind, proto) for i, (kind, proto) in enumerate(elements)]


def test_find_widget_by_french_label_kind_and_form() -> None:
    nodes = _nodes(
        _element("alert", body="Nom de la personne"),  # not a widget: no label, no id
        _element("metric", label="Nom de la personne"),  # a label but no widget id
        _element("text_input", id="$$ID-a", label="Nom de la personne", form_id="autre"),
        _element("text_input", id="$$ID-b", label="Nom de la personne", form_id="terrain_contact"),
        _element("selectbox", id="$$ID-c", label="Bureau", options=["1 — École", "2 — Mairie"]),
        _element("number_input", id="$$ID-d", label="Portes faites sur ce secteur (total depuis le début)"),
        _element("button", id="$$ID-e", label="Enregistrer le passage", form_id="terrain_contact", is_form_submitter=True),
    )
    assert tl.find_widget(nodes, "Nom de la personne").proto.id == "$$ID-a"  # document order
    assert tl.find_widget(nodes, "Nom de la personne", form="terrain_").proto.id == "$$ID-b"
    assert tl.find_widget(nodes, "Bureau", kind="text_input") is None
    assert tl.find_widget(nodes, "Portes faites sur ce secteur", prefix=True).kind == "number_input"
    assert tl.find_widget(nodes, "Portes faites sur ce secteur") is None  # exact unless prefix
    assert tl.find_widget(nodes, "Enregistrer le passage", kind="button").proto.is_form_submitter


def test_widget_states_as_the_browser_sends_them() -> None:
    text, select, number, button, multi = _nodes(
        _element("text_input", id="t", label="Nom"),
        _element("selectbox", id="s", label="Élection", options=["Présidentielle 2022", "Européennes 2024"]),
        _element("number_input", id="n", label="Portes"),
        _element("button", id="b", label="Renommer", is_form_submitter=True),
        _element("multiselect", id="m", label="Communes", options=["A", "B"]),
    )
    assert tl.widget_state(text, "Charge s001 n1").string_value == "Charge s001 n1"
    assert tl.widget_state(select, "Européennes 2024").string_value == "Européennes 2024"  # the formatted label
    with pytest.raises(KeyError):
        tl.widget_state(select, "Municipales 2026")
    assert tl.widget_state(number, 12).double_value == 12.0
    state = tl.widget_state(button)
    assert state.id == "b" and state.WhichOneof("value") == "trigger_value" and state.trigger_value
    assert list(tl.widget_state(multi, ["A", "B"]).string_array_value.data) == ["A", "B"]


def test_current_option_reads_the_raw_value_then_the_default() -> None:
    (node,) = _nodes(_element("selectbox", id="s", label="Zone choisie", options=["Centre", "Nord"], default=1))
    assert tl.current_option(node) == "Nord"
    node.proto.raw_value = "Centre"
    assert tl.current_option(node) == "Centre"


def test_the_tree_drops_what_a_finished_run_did_not_draw_and_keeps_it_across_a_restart() -> None:
    session = tl.StreamlitSession("http://127.0.0.1:8501", timeout=1)
    session._on_message(_new_session())
    session._on_message(_delta([0, 0], "text_input", id="login", label="Nom d'utilisateur"))
    session._on_message(_delta([0, 1], "button", id="go", label="Se connecter"))
    session._on_message(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert session.widget("Se connecter") is not None

    session._record = tl.RunRecord(0.0)  # the login rerun: a run restarted by st.rerun, then the page
    session._on_message(_new_session())
    session._on_message(_delta([0, 0], "alert", body="Passage enregistré.", format=4))
    session._on_message(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
    assert session.widget("Se connecter") is not None  # not pruned by a run stopped for a rerun
    session._on_message(_new_session())
    session._on_message(_delta([0, 0], "heading", body="Terrain"))
    session._on_message(_delta([0, 1], "exception", type="TransactionException", message="Conflict on update"))
    session._on_message(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    record = session._record
    assert session.widget("Se connecter") is None and session.widget("Nom d'utilisateur") is None
    assert [n.kind for n in session.tree.nodes()] == ["heading", "exception"]
    assert record.restarts == 1 and record.finished is not None
    assert record.successes() == ["Passage enregistré."]
    assert record.errors() == [("exception (TransactionException)", "TransactionException: Conflict on update")]


def test_error_kinds_group_the_known_store_failures() -> None:
    assert tl.error_kind("exception", "InvalidInputException: connection is busy")[0] == "exception (connection is busy)"
    assert tl.error_kind("error message", "Nom déjà pris")[0] == "error message"


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # 1..10, unsorted
    assert tl.percentile(values, 50) == pytest.approx(5.5)
    assert tl.percentile(values, 95) == pytest.approx(9.55)
    assert tl.percentile(values, 100) == 10.0 and tl.percentile(values, 0) == 1.0
    assert tl.percentile([3.0], 95) == 3.0
    assert tl.percentile([], 95) is None


def test_stats_latencies_ignore_steps_without_an_end_and_count_errors() -> None:
    stats = tl.Stats()
    for seconds in (1.0, 2.0, 3.0):
        stats.step("contact", seconds)
    stats.step("contact", None, [("timeout", "no script_finished within 120 s")])
    stats.step("map_election", 0.5, [("exception (connection is busy)", "connection is busy")])
    stats.error("no confirmation", "progress: no success message and no error")
    assert stats.latencies(["contact"]) == [1.0, 2.0, 3.0]
    assert stats.p95(tl.SAVE_KINDS) == pytest.approx(2.9)
    assert stats.p95(tl.MAP_KINDS) == 0.5
    assert stats.p95(["zone_edit"]) is None
    assert stats.errors == 3
    table = stats.table()
    assert table[1].split()[:3] == ["contact", "4", "1"]


def test_lost_writes_match_each_confirmed_write_to_one_row() -> None:
    confirmed = [
        tl.Write("contact", ("Charge s001 n1", "bench-c001")),
        tl.Write("turf_progress", ("bench-c001", 12)),
        tl.Write("turf_progress", ("bench-c001", 12)),  # the same value reported twice needs two rows
        tl.Write("zone_version", ("rename", "Centre-ville (démo) r003.4", "bench-s003")),
    ]
    found = {
        "contact": [("Charge s001 n1", "bench-c001"), ("Camille Exemple", "demo")],
        "turf_progress": [("bench-c001", 12)],
        "zone_version": [],
    }
    lost, missing = tl.count_lost(confirmed, found)
    assert lost == 2
    assert {w.table for w in missing} == {"turf_progress", "zone_version"}
    assert tl.count_lost([], {})[0] == 0
    assert tl.count_lost([tl.Write("contact", ("x", "y"))], {})[0] == 1  # a table not read: lost


def test_the_team_mixes_the_roles_with_one_account_each() -> None:
    members = tl.team(10)
    roles = [m.role for m in members]
    assert (roles.count("canvasser"), roles.count("strategist"), roles.count("viewer")) == (6, 2, 2)
    assert len({m.user_name for m in members}) == 10
    assert all(m.password == tl.BENCH_PASSWORD for m in members)
    assert [m.role for m in tl.team(3)] == ["canvasser", "strategist", "viewer"]
    assert [m.role for m in tl.team(1)] == ["canvasser"]
    assert {m.user_name for m in tl.team(5, demo_accounts=True)} == {"canvasser", "strategist", "viewer"}


def test_the_contact_query_finds_the_names_the_sessions_write() -> None:
    duckdb = pytest.importorskip("duckdb")
    member = tl.team(1)[0]
    agent = tl.Agent(member, "http://127.0.0.1:8501", tl.Stats(), __import__("random").Random(1), 1.0, run_id="ab12")
    name = f"{tl.CONTACT_PREFIX} {agent.tag} n3"  # as Agent.contact builds it
    con = duckdb.connect()
    con.execute("CREATE TABLE contact (contact_id BIGINT, full_name VARCHAR, created_by VARCHAR)")
    from dashboard.store import crypto

    con.executemany("INSERT INTO contact VALUES (?, ?, ?)",  # sealed as the store writes them
                    [(i, crypto.seal("contact", "full_name", i, n), by)
                     for i, (n, by) in enumerate([(name, member.user_name), ("Camille Exemple", "demo")], start=1)])
    rows = [tuple(r) for r in con.execute(tl.STORE_QUERIES["contact"]).fetchall()]
    assert tl.open_store_rows("contact", rows) == [(name, member.user_name)]


def test_a_stale_save_refused_is_counted_apart_from_errors() -> None:
    record = tl.RunRecord(0.0)
    record.alerts = [
        (tl.ALERT_ERROR, "La zone « Nord » a été modifiée par bench-s001 le 07/12/2026 à 13:36 (heure de Paris) depuis que "
                         "vous l'avez ouverte : rechargez-la avant d'enregistrer vos changements."),
        (tl.ALERT_ERROR, "Le serveur est occupé, réessayez."),
    ]
    assert record.conflicts() == [record.alerts[0][1]]
    assert [kind for kind, _ in record.errors()] == ["error message"]  # the busy server is an error


def test_the_session_cookie_is_read_from_the_set_cookie_headers() -> None:
    headers = ["isoloir_csrf=; Max-Age=0; Path=/connexion", "isoloir_session=abc123; HttpOnly; Max-Age=43200; Path=/; SameSite=strict"]
    assert tl._set_cookie(headers, "isoloir_session") == "abc123"
    assert tl._set_cookie(headers, "isoloir_csrf") is None
    assert tl._set_cookie([], "isoloir_session") is None


def test_a_share_of_the_canvassers_records_visits_through_the_phone_api() -> None:
    members = tl.team(10, phone_share=0.5)
    canvassers = [m for m in members if m.role == "canvasser"]
    assert sum(m.phone for m in canvassers) == round(len(canvassers) * 0.5) and not any(
        m.phone for m in members if m.role != "canvasser")
    assert not any(m.phone for m in tl.team(10))
    assert sum(m.phone for m in tl.team(5, phone_share=0.01)) == 1  # above 0: at least one
    # each visit confirmed by the API is one row of the store, found by its id
    confirmed = [tl.Write("visit", ("a",)), tl.Write("visit", ("b",))]
    assert tl.count_lost(confirmed, {"visit": [("a",), ("b",)]})[0] == 0
    assert tl.count_lost(confirmed, {"visit": [("a",)]})[0] == 1
    assert "visit" in tl.STORE_QUERIES
