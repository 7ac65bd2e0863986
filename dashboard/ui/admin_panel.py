"""Widgets of the Administration page (``pages/admin.py``): accounts, audit log, campaign settings, rights, people
(``ui/person_panel.py``: rights of people, opposition list, message lists).

Every write goes through the store (``dashboard.store.users``,
``dashboard.store.campaign_settings``) with ``by=`` the logged-in user, so the
store checks the permission and writes the audit entry; nothing here touches
the database directly. Actions run in the buttons' callbacks, which Streamlit
calls before the app script: so the callback checks the session itself as
``dashboard/app.py`` does (not expired, account active, role allowed on the
page) with the user re-read from the store; the result is kept as a notice and
the run that follows draws the updated tables with it. Callbacks also empty
the password fields. Every session key starts with ``admin_``.

Timestamps are stored in UTC (naive) and shown in Paris time, ``dd/mm/yyyy HH:MM``.
The audit log is read-only here: there is no edit or delete control.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.access import passwords, permissions
from dashboard.errors import IsoloirError
from dashboard.formats import PARIS, fmt_date, fmt_datetime, fmt_number, paris_today
from dashboard.canvass.documents_pdf import document_pdf
from dashboard.store import audit, campaign_settings, data_right, purge, register, two_factor, users
from dashboard.store.users import User
from dashboard.ui import data, person_panel, session
from dashboard.ui.navigation import PAGE_FILES
from dashboard.ui.tables import show_table
from dashboard.text import plain, sentence

AUDIT_LIMITS = (100, 500, 2000, 10000)
DETAIL_CHARS = 160
GRANT_LABELS = {permissions.Grant.ALL: "tout", permissions.Grant.OWN_ZONES: "ses zones", permissions.Grant.NONE: "—"}
OBJECT_TYPES = {"user": "compte", "zone": "zone", "campaign": "campagne", "contact": "contact", "station": "bureau", "turf": "secteur"}
TABS = ("Comptes", "Journal d'audit", "Campagne", "Droits", "Personnes", "Registre et notice")
PURGE_WORD = "PURGER"
PURGE_LABELS = purge.PURGED_TABLE_LABELS
_NOTICE = "admin_notice_"  # + area: (kind, text) shown once, under the form that acted


# -- formatting -----------------------------------------------------------------------------


def utc_start_of(day: date) -> datetime:
    """Midnight of a Paris day, as the naive UTC timestamp the store compares with."""
    return datetime.combine(day, day_time(0), tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def short_detail(detail: dict[str, Any]) -> str:
    if not detail:
        return "—"
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


def object_label(object_type: str | None, object_id: str | None) -> str:
    kind = OBJECT_TYPES.get(object_type or "", object_type or "")
    if object_id:
        return f"{kind} « {object_id} »" if kind else f"« {object_id} »"
    return kind or "—"


def users_frame(accounts: list[User]) -> pd.DataFrame:
    """The accounts as text columns (no hash: :class:`User` has none)."""
    return pd.DataFrame(
        [{
            "utilisateur": u.user_name,
            "nom affiché": u.display_name,
            "rôle": u.role_label,
            "actif": "oui" if u.active else "non",
            "créé le": fmt_datetime(u.created_at),
            "mot de passe changé le": fmt_datetime(u.password_changed_at),
            "échecs de connexion": str(u.failed_logins),
            "démo": "oui" if u.demo else "non",
            "droit données": "oui" if permissions.permission(u.role, "import_data", u.rights) else "non",
        } for u in accounts],
        columns=["utilisateur", "nom affiché", "rôle", "actif", "créé le", "mot de passe changé le",
                 "échecs de connexion", "démo", "droit données"],
    )


def audit_frame(rows: list[audit.AuditEntry]) -> pd.DataFrame:
    return pd.DataFrame(
        [{
            "date/heure": fmt_datetime(e.at),
            "utilisateur": e.user_name or "—",
            "action": audit.AUDIT_ACTIONS.get(e.action, e.action),
            "objet": object_label(e.object_type, e.object_id),
            "détail": short_detail(e.detail),
            "résultat": audit.OUTCOMES.get(e.outcome, e.outcome),
        } for e in rows],
        columns=["date/heure", "utilisateur", "action", "objet", "détail", "résultat"],
    )


WITH_RIGHT = "avec le droit « données »"


def _grant_label(role: str, action: str) -> str:
    """The cell of the rights table: the role's grant, or the right that gives it to an account."""
    grant = permissions.PERMISSIONS[(role, action)]
    if grant is permissions.Grant.NONE and permissions.permission(role, action, tuple(permissions.RIGHTS)):
        return WITH_RIGHT
    return GRANT_LABELS[grant]


def rights_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [{"action": label, **{permissions.ROLES[role]: _grant_label(role, action) for role in permissions.ROLES}}
         for action, label in permissions.ACTIONS.items()],
        columns=["action", *permissions.ROLES.values()],
    )


def pages_frame() -> pd.DataFrame:
    """Pages × roles: "oui" where the role sees the page (``permissions.pages_for``)."""
    seen = {role: set(permissions.pages_for(role)) for role in permissions.ROLES}
    with_right = {role: set(permissions.pages_for(role, tuple(permissions.RIGHTS))) for role in permissions.ROLES}
    return pd.DataFrame(
        [{"page": f"{PAGE_FILES[page].title if page in PAGE_FILES else page} (/{page})",
          **{label: "oui" if page in seen[role] else WITH_RIGHT if page in with_right[role] else "—"
             for role, label in permissions.ROLES.items()}}
         for page in permissions.PAGES],
        columns=["page", *permissions.ROLES.values()],
    )


# format_func of the widgets: module functions (session state must pickle: enforceSerializableSessionState)
def _label(labels: dict[str, str], key: str) -> str:
    return labels.get(key, key)


def _role_label(role: str) -> str:
    return permissions.ROLES.get(role, role)


def _action_label(action: str) -> str:
    return audit.AUDIT_ACTIONS.get(action, action)


def _outcome_label(outcome: str) -> str:
    return audit.OUTCOMES.get(outcome, outcome)


# -- notices and the acting user --------------------------------------------------------------
def _notify(area: str, kind: str, text: str) -> None:
    st.session_state[_NOTICE + area] = (kind, text)


def _show_notice(area: str) -> None:
    notice = st.session_state.pop(_NOTICE + area, None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.error)(plain(text))


def _actor() -> User | None:
    """The logged-in admin, checked as ``dashboard/app.py`` checks before running the page.

    Callbacks run before the app script: a session that has expired, or an
    account disabled or demoted since the last run, must not act (the store
    also refuses the last two).
    """
    user = session.valid_user()
    return user if user is not None and permissions.may_open(user.role, "admin") else None


def _act(area: str, action: Any, success: str) -> bool:
    """Run ``action(actor)``; a notice says how it went. True on success.

    Without a valid admin session nothing runs and no notice is left: the app
    draws the login page or the refusal in this same run.
    """
    actor = _actor()
    if actor is None:
        return False
    try:
        action(actor)
    except IsoloirError as error:
        _notify(area, "error", sentence(error.message_fr))
        return False
    _notify(area, "success", success)
    return True


def _clear(*keys: str) -> None:
    for key in keys:
        st.session_state[key] = ""


# -- callbacks (run before the next script run, so the tables drawn after reflect the change) ----
def _create() -> None:
    s = st.session_state
    name, display, role = str(s.get("admin_new_name") or ""), str(s.get("admin_new_display") or ""), s.get("admin_new_role")
    password, again = str(s.get("admin_new_password") or ""), str(s.get("admin_new_password2") or "")
    _clear("admin_new_password", "admin_new_password2")
    if _actor() is None:
        return
    if not name.strip() or not password:
        _notify("create", "error", "Saisissez le nom d'utilisateur et le mot de passe.")
        return
    if password != again:
        _notify("create", "error", "Les deux mots de passe diffèrent.")
        return
    clean = name.strip().lower()
    if _act("create", lambda actor: users.add_user(data.campaign(), clean, password, str(role), by=actor,
                                                   display_name=display.strip() or None),
            f"Compte « {clean} » créé ({permissions.ROLES.get(str(role), role)})."):
        _clear("admin_new_name", "admin_new_display")


def _set_role(user_name: str) -> None:
    role = str(st.session_state.get(f"admin_role_{user_name}"))
    _act("target", lambda actor: users.set_role(data.campaign(), user_name, role, by=actor),
         f"Rôle de « {user_name} » : {permissions.ROLES.get(role, role)}.")


def _set_active(user_name: str, active: bool) -> None:
    if active:
        _act("target", lambda actor: users.enable_user(data.campaign(), user_name, by=actor),
             f"Compte « {user_name} » réactivé.")
    else:
        _act("target", lambda actor: users.disable_user(data.campaign(), user_name, by=actor),
             f"Compte « {user_name} » désactivé : ses sessions sont fermées.")


def _set_data_right(user_name: str) -> None:
    granted = bool(st.session_state.get(f"admin_data_right_{user_name}"))
    _act("target", lambda actor: data_right.set_right(data.campaign(), user_name, "data", granted, by=actor),
         f"Droit « données » de « {user_name} » : {'donné (page Importer)' if granted else 'retiré'}.")


def _reset(user_name: str) -> None:
    s = st.session_state
    password, again = str(s.get("admin_reset_password") or ""), str(s.get("admin_reset_password2") or "")
    _clear("admin_reset_password", "admin_reset_password2")
    if _actor() is None:
        return
    if not password:
        _notify("target", "error", "Saisissez le nouveau mot de passe.")
        return
    if password != again:
        _notify("target", "error", "Les deux mots de passe diffèrent.")
        return
    _act("target", lambda actor: users.reset_password(data.campaign(), user_name, password, by=actor),
         f"Mot de passe de « {user_name} » réinitialisé (ses sessions sont fermées).")


def _reset_two_factor(user_name: str) -> None:
    _act("target", lambda actor: two_factor.reset(data.campaign(), user_name, by=actor),
         f"Double authentification de « {user_name} » réinitialisée : elle sera à réactiver à la prochaine connexion"
         + (" (obligatoire pour son rôle)." if (u := users.get_user(data.campaign(), user_name)) and two_factor.required(u.role)
            else "."))


def _save_campaign() -> None:
    s = st.session_state
    _act("campaign", lambda actor: campaign_settings.set_campaign_settings(
        data.campaign(), by=actor, election_date=s.get("admin_campaign_date"),
        retention_days=s.get("admin_campaign_retention"), name=s.get("admin_campaign_name") or None,
        warning_days=s.get("admin_campaign_warning", campaign_settings.DEFAULT_WARNING_DAYS),
        controller_name=s.get("admin_campaign_controller") or None,
        controller_address=s.get("admin_campaign_address") or None,
        contact_email=s.get("admin_campaign_email") or None, referent=s.get("admin_campaign_referent") or None),
        "Paramètres de la campagne enregistrés.")


# -- tabs ---------------------------------------------------------------------------------------
def accounts_tab(user: User) -> None:
    store = data.campaign()
    accounts = users.list_users(store, by=user)
    st.subheader("Comptes")
    show_table(users_frame(accounts))
    st.caption("Heures de Paris. Les mots de passe ne sont jamais affichés : seule leur empreinte est conservée.")

    roles = list(permissions.ROLES)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Créer un compte**")
        with st.form("admin_new_form", enter_to_submit=False):
            st.text_input("Nom d'utilisateur", max_chars=40, key="admin_new_name",
                          help="2 à 40 caractères parmi a-z, 0-9, « . », « _ », « - »")
            st.text_input("Nom affiché", max_chars=120, key="admin_new_display")
            st.selectbox("Rôle", roles, index=roles.index("viewer"), format_func=_role_label,
                         key="admin_new_role")
            st.text_input(f"Mot de passe ({users.MIN_PASSWORD} caractères au moins)", type="password", max_chars=200,
                          key="admin_new_password", autocomplete="new-password", help=passwords.POLICY_FR)
            st.text_input("Mot de passe, encore", type="password", max_chars=200, key="admin_new_password2",
                          autocomplete="new-password")
            st.form_submit_button("Créer le compte", type="primary", key="admin_new_submit", on_click=_create)
        _show_notice("create")

    with right:
        st.markdown("**Modifier un compte**")
        by_name = {u.user_name: u for u in accounts}
        labels = {n: f"{n} — {u.display_name} ({u.role_label}" + ("" if u.active else ", désactivé") + ")"
                  for n, u in by_name.items()}
        target_name = st.selectbox("Compte", list(by_name), key="admin_target", format_func=partial(_label, labels))
        target = by_name.get(str(target_name)) if target_name else None
        if target is None:
            st.info("Aucun compte.")
            return
        if target.user_name == user.user_name:
            st.caption(":material/info: C'est votre propre compte : changer son rôle ou le désactiver vous retire "
                       "l'accès à cette page. Votre mot de passe se change aussi dans « Mon compte ».")
        with st.form(f"admin_role_form_{target.user_name}", border=False, enter_to_submit=False):
            st.selectbox("Rôle", roles, index=roles.index(target.role) if target.role in roles else 0,
                         format_func=_role_label, key=f"admin_role_{target.user_name}")
            st.form_submit_button("Changer le rôle", key="admin_role_submit", on_click=_set_role,
                                  args=(target.user_name,))
        if target.role != "admin":  # the admin imports by role
            st.toggle("Droit « données » : importer des fichiers (page Importer)", value="data" in target.rights,
                      key=f"admin_data_right_{target.user_name}", on_change=_set_data_right, args=(target.user_name,),
                      help="Donne à ce compte la page « Importer » : déposer des fichiers de données publiques "
                           "et les écrire dans l'entrepôt. Vérifié au moment de l'import.")
        if target.active:
            st.button("Désactiver le compte", key="admin_toggle", icon=":material/person_off:",
                      on_click=_set_active, args=(target.user_name, False))
        else:
            st.button("Réactiver le compte", key="admin_toggle", icon=":material/person_check:",
                      on_click=_set_active, args=(target.user_name, True))
        with st.form("admin_reset_form", enter_to_submit=False):
            st.markdown(f"Nouveau mot de passe pour « {plain(target.user_name)} »")
            st.text_input(f"Mot de passe ({users.MIN_PASSWORD} caractères au moins)", type="password", max_chars=200,
                          key="admin_reset_password", autocomplete="new-password", help=passwords.POLICY_FR)
            st.text_input("Mot de passe, encore", type="password", max_chars=200, key="admin_reset_password2",
                          autocomplete="new-password")
            st.form_submit_button("Réinitialiser le mot de passe", key="admin_reset_submit", on_click=_reset,
                                  args=(target.user_name,))
        state = two_factor.status(store, target.user_name)
        if state.enrolled:
            st.caption(f":material/phonelink_lock: Double authentification activée "
                       f"({state.recovery_codes_left} codes de secours restants).")
            st.button("Réinitialiser la double authentification", key="admin_two_factor_reset",
                      icon=":material/phonelink_erase:", on_click=_reset_two_factor, args=(target.user_name,),
                      help="Pour un compte qui a perdu son téléphone et ses codes de secours : il l'activera de nouveau.")
        else:
            st.caption(":material/phonelink_lock: Double authentification non activée"
                       + (" (obligatoire pour ce rôle : demandée à la prochaine connexion)." if two_factor.required(target.role)
                          and not target.demo else "."))
        _show_notice("target")


def audit_tab(user: User) -> None:
    store = data.campaign()
    st.subheader("Journal d'audit")
    altered = audit.verify_chain(store)
    if altered is None:
        st.success("Journal intègre : aucune entrée modifiée, supprimée ni insérée hors ordre.",
                   icon=":material/verified:")
    else:
        st.error(f"Journal altéré : l'entrée n° {altered} (ou une entrée supprimée juste avant elle) ne correspond "
                 "plus à la chaîne de contrôle. Les entrées suivantes ne sont plus garanties.", icon=":material/gpp_bad:")

    names = sorted({u.user_name for u in users.list_users(store, by=user)} | set(permissions.SYSTEM_ACTORS))
    actions = list(audit.AUDIT_ACTIONS)
    outcomes = list(audit.OUTCOMES)
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox("Utilisateur", names, index=None, placeholder="Tous", key="admin_audit_user",
                       accept_new_options=True)
    action = c2.selectbox("Action", actions, index=None, placeholder="Toutes",
                          format_func=_action_label, key="admin_audit_action")
    outcome = c3.selectbox("Résultat", outcomes, index=None, placeholder="Tous",
                           format_func=_outcome_label, key="admin_audit_outcome")
    c4, c5, c6 = st.columns(3)
    since = c4.date_input("Du", value=None, format="DD/MM/YYYY", key="admin_audit_from")
    until = c5.date_input("Au (inclus)", value=None, format="DD/MM/YYYY", key="admin_audit_to")
    limit = c6.selectbox("Lignes au plus", AUDIT_LIMITS, index=AUDIT_LIMITS.index(500),
                         format_func=fmt_number, key="admin_audit_limit")
    if since and until and since > until:
        st.error("La date de début est postérieure à la date de fin.")
        return
    rows = audit.entries(
        store, by=user, user_name=str(who).strip().lower() if who else None, action=action, outcome=outcome,
        since=utc_start_of(since) if since else None,
        until=utc_start_of(until + timedelta(days=1)) if until else None, limit=int(limit),
    )
    if not rows:
        st.info("Aucune entrée ne correspond à ces filtres.")
        return
    show_table(audit_frame(rows))
    more = " : limite atteinte, affinez les filtres pour voir les plus anciennes" if len(rows) >= int(limit) else ""
    st.caption(f"{len(rows)} entrée{'s' if len(rows) > 1 else ''}, les plus récentes d'abord (heures de Paris){more}. "
               "Le journal ne se modifie ni ne s'efface.")


def campaign_tab(user: User) -> None:
    store = data.campaign()
    current = campaign_settings.get_campaign_settings(store)
    st.subheader("Campagne")
    with st.form("admin_campaign_form", enter_to_submit=False):
        st.text_input("Nom de la campagne", value=current.name or "", max_chars=campaign_settings.MAX_CAMPAIGN_NAME,
                      key="admin_campaign_name")
        st.date_input("Date de l'élection", value=current.election_date, format="DD/MM/YYYY",
                      min_value=campaign_settings.EARLIEST_ELECTION, max_value=campaign_settings.LATEST_ELECTION,
                      key="admin_campaign_date")
        st.number_input("Conservation après l'élection (jours)", min_value=0,
                        max_value=campaign_settings.MAX_RETENTION_DAYS, value=current.retention_days, step=1,
                        key="admin_campaign_retention",
                        help="Les données personnelles (contacts de terrain) sont supprimées une fois ce délai écoulé.")
        st.number_input("Prévenir les administrateurs (jours avant la purge)", min_value=0,
                        max_value=campaign_settings.MAX_WARNING_DAYS, value=current.warning_days, step=1,
                        key="admin_campaign_warning")
        st.markdown("**Responsable du traitement** (notice remise aux portes, registre)")
        st.text_input("Nom du responsable (candidat, association de financement…)", value=current.controller_name or "",
                      max_chars=campaign_settings.MAX_CONTROLLER, key="admin_campaign_controller")
        st.text_input("Adresse postale", value=current.controller_address or "",
                      max_chars=campaign_settings.MAX_CONTROLLER_ADDRESS, key="admin_campaign_address")
        st.text_input("Courriel pour exercer ses droits", value=current.contact_email or "", max_chars=254,
                      key="admin_campaign_email")
        st.text_input("Référent ou délégué à la protection des données (facultatif)", value=current.referent or "",
                      max_chars=campaign_settings.MAX_REFERENT, key="admin_campaign_referent")
        st.form_submit_button("Enregistrer", type="primary", key="admin_campaign_submit", on_click=_save_campaign)
    _show_notice("campaign")
    if current.purge_after is None:
        st.warning("Date de l'élection non renseignée : aucune date de purge des données de campagne n'est fixée.",
                   icon=":material/event_busy:")
    else:
        st.info(f"Les données de campagne seront purgées après le {fmt_date(current.purge_after)} "
                f"(élection du {fmt_date(current.election_date)} + {current.retention_days} jours).",
                icon=":material/auto_delete:")
    if warning := current.warning(paris_today()):
        st.warning(warning, icon=":material/auto_delete:")
    if current.updated_at is not None:
        st.caption(f"Dernière modification : {fmt_datetime(current.updated_at)} par {plain(current.updated_by or '—')}.")
    if permissions.permission(user.role, "purge"):
        purge_section()


def _purge() -> None:
    if st.session_state.get("admin_purge_confirm", "").strip() != PURGE_WORD:
        _notify("purge", "error", f"Tapez {PURGE_WORD} pour confirmer la purge.")
        return
    _act("purge", lambda actor: purge.purge_campaign_data(data.campaign(), by=actor),
         "Données de campagne purgées (contacts, passages, zones, affectations, vues), fichiers réécrits. "
         "La purge est inscrite au journal d'audit, avec les lignes avant et après.")
    _clear("admin_purge_confirm")


def purge_section() -> None:
    status = purge.purge_status(data.campaign())
    st.subheader("Purge des données de campagne")
    held = ", ".join(f"{PURGE_LABELS[t]} : {fmt_number(n, 0)}" for t, n in status.rows.items())
    st.caption(f"Données détenues : {held}. Les comptes et le journal d'audit sont conservés.")
    if status.due:
        st.error(f"La date de purge ({fmt_date(status.purge_after)}) est passée : purgez les données de campagne.",
                 icon=":material/auto_delete:")
    with st.form("admin_purge_form", enter_to_submit=False):
        st.text_input(f"Tapez {PURGE_WORD} pour supprimer définitivement contacts, zones, affectations et vues",
                      key="admin_purge_confirm", max_chars=20)
        st.form_submit_button("Purger maintenant", key="admin_purge_submit", on_click=_purge)
    _show_notice("purge")
    last = purge.last_purge(data.campaign())
    if last is not None:
        who = "automatique, au démarrage" if last.automatic else f"par {plain(last.by)}"
        st.markdown(f"**Dernière purge** : {fmt_datetime(last.at)} ({who})")
        show_table(last_purge_frame(last))


def last_purge_frame(report: purge.PurgeReport) -> pd.DataFrame:
    """The rows per purged table before and after the last purge, as recorded in the audit log."""
    return pd.DataFrame({"données": [PURGE_LABELS.get(t, t) for t in report.before],
                         "avant": list(report.before.values()),
                         "après": [report.after.get(t, 0) for t in report.before]})


def purge_banner(user: User) -> None:
    """The warning before the purge (and once it is overdue), on every page, for the roles that may purge."""
    if not permissions.permission(user.role, "purge"):
        return
    try:
        warning = campaign_settings.get_campaign_settings(data.campaign()).warning(paris_today())
    except IsoloirError:
        return
    if warning:
        st.warning(warning, icon=":material/auto_delete:")


def register_tab() -> None:
    """The door notice, the processing register and the DPIA summary, generated from the settings, with their PDFs."""
    current = campaign_settings.get_campaign_settings(data.campaign())
    if missing := register.missing_settings(current):
        st.warning("À compléter dans l'onglet Campagne pour la notice : " + ", ".join(missing) + ".",
                   icon=":material/edit_note:")
    tables = purge.store_tables(data.campaign())
    documents = {"notice": register.door_notice(current, tables), "registre": register.processing_register(current, tables),
                 "aipd": register.dpia_summary(current, tables)}
    for key, document in documents.items():
        with st.expander(document.title, expanded=key == "registre"):
            for section in document.sections:
                st.markdown(f"**{plain(section.heading)}**")
                st.markdown("\n".join(f"- {plain(line)}" for line in section.lines))
            st.download_button(f"Télécharger en PDF : {document.title}", document_pdf(document),
                               file_name=f"{key}-{paris_today().isoformat()}.pdf", mime="application/pdf",
                               key=f"admin_register_pdf_{key}")


def rights_tab() -> None:
    st.subheader("Droits par rôle")
    show_table(rights_frame())
    st.caption("« tout » : partout ; « ses zones » : seulement dans les zones affectées à la personne ; « — » : refusé.")
    st.subheader("Pages visibles par rôle")
    show_table(pages_frame())


def render(user: User, link_for: Callable[[str], str]) -> None:
    """The whole page for an admin (the caller checked the role); ``link_for(token)``: a one-time download's address."""
    accounts, log, campaign, rights, people, documents = st.tabs(list(TABS))
    with accounts:
        accounts_tab(user)
    with log:
        audit_tab(user)
    with campaign:
        campaign_tab(user)
    with rights:
        rights_tab()
    with people:
        person_panel.render(user, link_for)
    with documents:
        register_tab()
