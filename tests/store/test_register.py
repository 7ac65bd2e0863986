"""The door notice, the processing register and the DPIA summary: generated from the settings and the code, printable."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from dashboard.access.permissions import ROLES
from dashboard.canvass.documents_pdf import document_pdf
from dashboard.store import crypto
from dashboard.store.campaign_settings import CampaignSettings
from dashboard.store.register import COLUMN_LABELS, door_notice, dpia_summary, missing_settings, processing_register

SETTINGS = CampaignSettings(name="Liste Demain", election_date=date(2026, 3, 22), retention_days=30,
                            controller_name="Camille Exemple, candidate", controller_address="1 rue de la Démo, 99999 Fictiville",
                            contact_email="donnees@example.org", referent="Dominique Test")


def test_the_notice_says_everything_the_cnil_asks_from_the_settings() -> None:
    text = door_notice(SETTINGS).text()
    for needed in ("Responsable du traitement", "Camille Exemple", "1 rue de la Démo", "Pourquoi", "Base légale",
                   "Qui y a accès", "Durée de conservation", "21/04/2026", "Vos droits", "donnees@example.org",
                   "Référent ou délégué", "Dominique Test", "CNIL", "3 place de Fontenoy"):
        assert needed in text, needed
    assert missing_settings(SETTINGS) == []
    bare = door_notice(CampaignSettings())
    assert "Référent" not in bare.text() and "à renseigner" in bare.text()
    assert missing_settings(CampaignSettings()) == ["responsable du traitement", "adresse du responsable",
                                                    "courriel de contact", "date de l'élection"]


def test_the_register_and_the_dpia_follow_the_code() -> None:
    register = processing_register(SETTINGS, frozenset({"app_user", "audit_log"}), today=date(2026, 1, 5)).text()
    assert "05/01/2026" in register and "contacts (contact) : adresse, nom, téléphone, courriel, remarque chiffrés" in register
    assert "notes et remarques en attente de relecture" in register and "Conservé : journal d'audit" in register
    assert "opposition" not in register and "Conservé : réglages" not in register  # only what the store holds
    with_list = processing_register(SETTINGS, frozenset({"opposition"})).text()
    assert "liste d'opposition" in with_list and "gardée 3 ans" in door_notice(SETTINGS, frozenset({"opposition"})).text()
    assert "gardée 3 ans" not in door_notice(SETTINGS).text()
    dpia = dpia_summary(SETTINGS).text()
    for label in ROLES.values():  # one line per role, read from the permission table
        assert f"{label} : " in dpia
    assert "militant : voir les données personnelles (électeurs, contacts) : ses secteurs seulement" in dpia
    assert "Double authentification obligatoire pour : directeur de campagne, candidat" in dpia


def test_every_sealed_column_has_a_label_in_the_register() -> None:
    assert {f"{t}.{c}" for t, (_, cols) in crypto.ENCRYPTED.items() for c in cols} <= set(COLUMN_LABELS)


def test_the_documents_print_as_pdf_with_their_text() -> None:
    hostile = CampaignSettings(name="Liste « L'Avenir » \u202e\x00 😀", controller_name="X" * 150)
    for document in (door_notice(SETTINGS), processing_register(SETTINGS), dpia_summary(SETTINGS), door_notice(hostile)):
        pdf = document_pdf(document, printed_on=date(2026, 1, 5))
        assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = document_pdf(processing_register(SETTINGS), printed_on=date(2026, 1, 5))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True, timeout=60).stdout.decode()
    flat = " ".join(text.split())
    assert "Registre des activités de traitement" in flat and "Camille Exemple" in flat and "AES-256-GCM" in flat
