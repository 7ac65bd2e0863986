"""The documents the GDPR asks of a campaign, generated from its real configuration: door notice, register, DPIA summary.

Each is a :class:`Document` (a title and sections of French lines), built from
what the code and the store say now, never typed by hand:

- :func:`door_notice`: the information notice left at the door or printed with
  the walk sheet (responsable du traitement, finalités, base légale,
  destinataires, durée de conservation, droits et comment les exercer,
  contact, référent or DPO when set, the CNIL complaint) from the campaign
  settings (``store/campaign_settings.py``);
- :func:`processing_register`: the register of processing activities (GDPR
  art. 30): who, why, which people and data (the personal tables of the purge
  registry, ``store/purge.py``, and the sealed columns, ``store/crypto.py``),
  who receives them (the roles of ``access/permissions.py``), retention,
  safeguards;
- :func:`dpia_summary`: the impact assessment's summary: data, which role sees
  or does what with personal data (read from the permission table), retention
  and every safeguard in force.

The settings' free texts (names, address) are the admin's own; the UI shows
them through ``text.plain`` and the PDF through ``canvass.walklist_pdf.pdf_text``.
:func:`missing_settings` lists what the notice still lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dashboard.formats import paris_today
from dashboard.access.permissions import ACTIONS, ROLES, Grant, permission
from dashboard.store import crypto
from dashboard.store.campaign_settings import CampaignSettings
from dashboard.store.purge import KEPT, OPPOSITION_TABLE, OPPOSITION_YEARS, PURGED
from dashboard.store.two_factor import required as two_factor_required

CNIL_COMPLAINT = ("Vous pouvez adresser une réclamation à la CNIL : www.cnil.fr/plaintes, ou par courrier à la CNIL, "
                  "3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07.")
UNSET = "à renseigner (page Administration, onglet Campagne)"
# the personal actions of the permission table shown in the DPIA, in order
PERSONAL_ACTIONS = ("view_personal_data", "record_feedback", "review_feedback", "export_personal_data", "purge")
GRANT_FR = {Grant.ALL: "toutes", Grant.OWN_ZONES: "ses secteurs seulement", Grant.NONE: "non"}
# encrypted column -> French label (tests: every column of crypto.ENCRYPTED has one)
COLUMN_LABELS: dict[str, str] = {
    "contact.address": "adresse", "contact.full_name": "nom", "contact.phone": "téléphone", "contact.email": "courriel",
    "contact.remark": "remarque",
    "app_user.display_name": "nom des membres de l'équipe", "app_user.password_hash": "empreinte du mot de passe",
    "user_totp.secret": "secret de double authentification",
    "household.label": "repère de logement (« 2e gauche »)",
    "answer.text": "réponse libre", "answer_review.text": "réponse libre en attente",
    "visit.note": "note de passage", "text_review.text": "note ou remarque en attente",
    "voter.birth_name": "nom de naissance", "voter.usage_name": "nom d'usage", "voter.first_names": "prénoms",
    "voter.birth_date": "date de naissance", "voter.sex": "sexe", "voter.address": "adresse déclarée",
    "opposition.identity": "identité de la personne opposée (noms, prénoms, date de naissance, adresse)",
    "privacy_key.secret": "clé de rapprochement de la liste d'opposition",
}


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...]

    def text(self) -> str:
        """The whole document as plain text (tests, ``pdftotext`` comparisons)."""
        return "\n".join([self.title, *(f"{s.heading}\n" + "\n".join(s.lines) for s in self.sections)])


def _or_unset(value: str | None) -> str:
    return value if value else UNSET


def _campaign(settings: CampaignSettings) -> str:
    return f"la campagne « {settings.name} »" if settings.name else "la campagne"


def _retention_line(settings: CampaignSettings) -> str:
    if settings.purge_after is not None and settings.election_date is not None:
        return (f"Jusqu'au {settings.purge_after.strftime('%d/%m/%Y')} : {settings.retention_days} jours après l'élection du "
                f"{settings.election_date.strftime('%d/%m/%Y')}, puis suppression automatique.")
    return f"{settings.retention_days} jours après l'élection, puis suppression automatique."


def _opposition_lines(tables: frozenset[str]) -> tuple[str, ...]:
    """The opposition list's retention, only when the store holds one (the KEPT entry ``opposition``)."""
    if OPPOSITION_TABLE not in tables:
        return ()
    return (f"Si vous demandez à ne plus être sollicité, cette demande seule est gardée {OPPOSITION_YEARS} ans, "
            "pour être respectée.",)


def missing_settings(settings: CampaignSettings) -> list[str]:
    """The settings the notice needs and lacks (French labels)."""
    wanted = {"responsable du traitement": settings.controller_name, "adresse du responsable": settings.controller_address,
              "courriel de contact": settings.contact_email, "date de l'élection": settings.election_date}
    return [label for label, value in wanted.items() if not value]


def door_notice(settings: CampaignSettings, tables: frozenset[str] = frozenset()) -> Document:
    """The information notice for the door (see the module doc); ``tables``: the store's tables
    (``purge.store_tables``), which say whether an opposition list is kept."""
    contact = settings.contact_email or settings.controller_address
    how = (f"Écrivez à {contact}" if contact else "Écrivez au responsable du traitement") + (
        ", ou dites-le simplement à la personne qui vous rend visite.")
    sections = [
        Section("Responsable du traitement", (_or_unset(settings.controller_name),
                                               f"Adresse : {_or_unset(settings.controller_address)}")),
        Section("Pourquoi", (f"Organiser le porte-à-porte de {_campaign(settings)} et noter son passage à votre porte ; "
                             "avec votre accord seulement, vous recontacter.",
                             "Aucune mention de santé, de religion, d'orientation sexuelle ou d'origine n'est enregistrée.")),
        Section("Base légale", ("Votre consentement pour être recontacté (courriel, téléphone, SMS), retirable à tout moment ;",
                                "l'intérêt légitime du candidat à mener sa campagne pour le passage à votre porte.")),
        Section("Qui y a accès", ("Le candidat et le directeur de campagne ; le militant qui vous rend visite, pour les "
                                  "adresses de son secteur seulement. Aucune vente ni cession.",)),
        Section("Durée de conservation", (_retention_line(settings), *_opposition_lines(tables))),
        Section("Vos droits", ("Accès, rectification, effacement, opposition (« ne plus me solliciter »), limitation, "
                               "retrait du consentement.", how)),
    ]
    if settings.referent:
        sections.append(Section("Référent ou délégué à la protection des données", (settings.referent,)))
    sections.append(Section("Réclamation", (CNIL_COMPLAINT,)))
    return Document("Vos données personnelles", tuple(sections))


def personal_data_lines() -> tuple[str, ...]:
    """One line per table of personal data the purge empties: its label and its sealed columns."""
    lines = []
    for table in PURGED:
        if not table.personal:
            continue
        sealed = crypto.ENCRYPTED.get(table.name, ("", ()))[1]
        cols = ", ".join(COLUMN_LABELS.get(f"{table.name}.{c}", c) for c in sealed)
        lines.append(f"{table.label} ({table.name})" + (f" : {cols} chiffrés" if cols else ""))
    return tuple(lines)


def _roles_with(action: str) -> str:
    names = [f"{label} ({GRANT_FR[g]})" for role, label in ROLES.items()
             if (g := permission(role, action)) is not Grant.NONE]
    return ", ".join(names) or "personne"


def _safeguards(settings: CampaignSettings) -> tuple[str, ...]:
    sealed = sum(len(cols) for _, cols in crypto.ENCRYPTED.values())
    two_factor = ", ".join(label for role, label in ROLES.items() if two_factor_required(role))
    purge_day = settings.purge_after.strftime("%d/%m/%Y") if settings.purge_after else "dès que la date de l'élection est fixée"
    return (
        f"Chiffrement AES-256-GCM de {sealed} colonnes personnelles, lié à la table, la colonne et la ligne ; clé hors du magasin.",
        "Journal d'audit chaîné (chaque entrée scelle la précédente) : consultations, exports, décisions, purge.",
        f"Double authentification obligatoire pour : {two_factor}.",
        f"Accès limité par rôle ; un militant ne lit que les portes de ses secteurs (filtre dans la requête SQL).",
        f"Export de données personnelles réservé à : {_roles_with('export_personal_data')} ; chaque export journalisé.",
        f"Purge automatique au premier démarrage à partir du {purge_day}, comptes avant et après au journal, fichiers réécrits.",
        "Détecteur de mentions sensibles sur chaque texte libre (réponses, notes de passage, remarques) : un texte repéré "
        "attend la décision d'un superviseur et n'est enregistré qu'une fois approuvé ou corrigé.",
        "Opposition : « ne plus solliciter » noté à la porte depuis le téléphone.",
    )


def processing_register(settings: CampaignSettings, tables: frozenset[str] = frozenset(),
                        today: date | None = None) -> Document:
    """The register of processing activities (GDPR art. 30) of the campaign (see the module doc); what is kept is
    said for the tables the store holds (``tables``)."""
    day = (today or paris_today()).strftime("%d/%m/%Y")
    sections = (
        Section("Traitement", (f"Prospection politique et organisation du porte-à-porte de {_campaign(settings)}.",
                               f"Registre généré par Isoloir le {day} à partir de sa configuration.")),
        Section("Responsable du traitement", (_or_unset(settings.controller_name), f"Adresse : {_or_unset(settings.controller_address)}",
                                              f"Contact : {_or_unset(settings.contact_email)}",
                                              f"Référent ou DPO : {settings.referent or 'non désigné'}")),
        Section("Finalités", ("Choisir les secteurs de porte-à-porte à partir de données publiques agrégées.",
                              "Organiser les équipes et noter les passages aux portes.",
                              "Recontacter les personnes qui l'ont accepté.")),
        Section("Personnes concernées", ("Habitants et électeurs rencontrés lors du porte-à-porte.",
                                         "Membres de l'équipe de campagne (comptes).")),
        Section("Données", personal_data_lines()),
        Section("Destinataires", (f"Voir les données personnelles : {_roles_with('view_personal_data')}.",
                                  f"Exporter : {_roles_with('export_personal_data')}.",
                                  "Aucun destinataire extérieur à l'équipe ; aucune vente ni cession.")),
        Section("Durée de conservation", (_retention_line(settings), *_opposition_lines(tables),
                                          *(f"Conservé : {reason}." for name, reason in KEPT.items() if name in tables))),
        Section("Sécurité", _safeguards(settings)),
    )
    return Document("Registre des activités de traitement", sections)


def dpia_summary(settings: CampaignSettings, tables: frozenset[str] = frozenset()) -> Document:
    """The DPIA summary: data, who sees what (from the permission table), retention, safeguards."""
    roles = tuple(
        f"{label} : " + " ; ".join(f"{ACTIONS[action]} : {GRANT_FR[permission(role, action)]}" for action in PERSONAL_ACTIONS)
        for role, label in ROLES.items())
    sections = (
        Section("Données traitées", personal_data_lines()),
        Section("Qui voit quoi (table des droits en vigueur)", roles),
        Section("Conservation", (_retention_line(settings), *_opposition_lines(tables))),
        Section("Garanties", _safeguards(settings)),
        Section("Risques restants", ("Perte ou vol du téléphone d'un militant : seules les portes de ses secteurs ; "
                                     "l'administrateur révoque ses sessions.",
                                     "Fuite d'un export : réservé au candidat et au directeur, journalisé, fichier privé.",
                                     "Texte sensible que le détecteur ne reconnaît pas : consigne orale aux militants, "
                                     "relecture par un superviseur.")),
    )
    return Document("Analyse d'impact (AIPD) : résumé", sections)
