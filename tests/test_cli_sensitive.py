"""``isoloir sensitive-check``: one JSON object per line of standard input, exactly ``{"text", "sensitive", "categories"}``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import cli

ROOT = Path(__file__).resolve().parent.parent


def test_one_object_per_line_in_order(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["Absent, repasser samedi", "Sa femme est hospitalisée", "", "Délégué CGT, vote RN  ", "12 rue de l'Église\r"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["sensitive-check"]) == 0
    out = capsys.readouterr().out
    assert "hospitalisée" in out and "\\u" not in out  # UTF-8 as written, not escaped
    records = [json.loads(line) for line in out.splitlines()]
    assert [list(r) for r in records] == [["text", "sensitive", "categories"]] * 5
    assert records == [
        {"text": "Absent, repasser samedi", "sensitive": False, "categories": []},
        {"text": "Sa femme est hospitalisée", "sensitive": True, "categories": ["sante"]},
        {"text": "", "sensitive": False, "categories": []},
        {"text": "Délégué CGT, vote RN  ", "sensitive": True, "categories": ["opinion_politique", "syndicat"]},
        {"text": "12 rue de l'Église", "sensitive": False, "categories": []},
    ]


def test_an_invalid_line_is_named_in_french(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raw = b"\xef\xbb\xbfIl est malade\nbon\n\xff cass\xc3\xa9\nfin\n"  # a BOM, then a Latin-1 byte on line 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert cli.main(["sensitive-check"]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["text"] for line in captured.out.splitlines()] == ["Il est malade", "bon"]
    assert captured.err == "Erreur : entrée standard : la ligne 3 n'est pas du texte UTF-8\n"


def test_the_installed_command_speaks_utf8_under_any_locale_and_stops_quietly_when_the_reader_does() -> None:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    process = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "sensitive-check"], cwd=ROOT, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write("Musulmane pratiquante\nIntéressée par le programme culture\n".encode())
    process.stdin.flush()
    assert [process.stdout.readline().decode("utf-8") for _ in range(2)] == [
        '{"text": "Musulmane pratiquante", "sensitive": true, "categories": ["religion"]}\n',
        '{"text": "Intéressée par le programme culture", "sensitive": false, "categories": []}\n',
    ]
    process.stdout.close()  # the reader goes away (``| head -2``)
    process.stdin.write("Délégué CGT\n".encode())
    process.stdin.close()
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""  # no traceback
    process.stderr.close()
