"""The ``isoloir`` command line: import, info, demo, run, blocs, interpolate, stations, versions, crosswalk, users,
contacts, voters, keys, purge, sensitive-check.

Errors are :class:`~dashboard.errors.IsoloirError` rendered as one French line
on stderr with exit code 1; progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from dashboard.access.permissions import ROLES, check_role
from dashboard.config import Settings
from dashboard.errors import ConfigError, IsoloirError, WarehouseMissing
from dashboard.formats import format_fr, paris_today
from dashboard.ingest import KINDS, ImportOptions


def _progress(message: str, fraction: float) -> None:
    print(f"[{fraction * 100:3.0f} %] {message}", file=sys.stderr, flush=True)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (attendu AAAA-MM-JJ)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="isoloir", description="Isoloir : carte de stratégie électorale.")
    sub = parser.add_subparsers(dest="command", required=True)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", type=Path, help="dossier des données (défaut : $ISOLOIR_DATA_DIR ou data/)")

    imp = sub.add_parser("import", parents=[data_dir], help="importer des fichiers officiels dans l'entrepôt")
    imp.add_argument("kind", choices=list(KINDS), help="type de fichier")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--election", help="identifiant de l'élection (pres2022_t1, leg2024_t2, euro2024…)")
    imp.add_argument("--mapping", type=Path, help="fichier TOML décrivant une mise en page non standard")
    imp.add_argument("--label", help="libellé de la version de contours (stations)")
    imp.add_argument("--valid-from", type=_date, help="début de validité des contours (AAAA-MM-JJ)")
    imp.add_argument("--valid-to", type=_date, help="fin de validité des contours (AAAA-MM-JJ)")
    imp.add_argument("--crs", help="système de coordonnées du fichier (ex. EPSG:2154) ; remplace celui qu'il déclare, avec un avertissement")
    imp.add_argument("--layer", help="couche à lire dans un GeoPackage")
    imp.add_argument("--year", type=int, help="année des indicateurs si elle ne se lit pas dans les variables")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="importer le reste quand une ligne ou une entité est invalide, et lister chacune (ligne ou entité, raison) dans le rapport")
    imp.add_argument("--allow-partial-votes", action="store_true",
                     help="résultats : accepter des voix qui ne font pas les exprimés (fichier qui ne garde que certaines listes)")
    imp.add_argument("--json", action="store_true", help="rapport au format JSON")

    info = sub.add_parser("info", parents=[data_dir], help="ce que contient l'entrepôt et ce qui ne se joint pas")
    info.add_argument("--json", action="store_true")

    demo = sub.add_parser("demo", parents=[data_dir], help="générer et construire le territoire de démonstration")
    demo.add_argument("--scale", choices=["city", "national"], default="city")
    demo.add_argument("--seed", type=int, default=2026)

    run = sub.add_parser("run", parents=[data_dir], help="lancer l'application Streamlit")
    run.add_argument("--port", type=int, help="port HTTP (défaut : $ISOLOIR_PORT ou 8501)")
    run.add_argument("--host", help="adresse d'écoute (défaut : $ISOLOIR_HOST ou 127.0.0.1 ; 0.0.0.0 : toutes les interfaces)")
    run.add_argument("--demo", action="store_true", help="construire le territoire de démonstration s'il n'y a pas d'entrepôt")
    run.add_argument("--headless", action="store_true", help="ne pas ouvrir de navigateur")

    blocs = sub.add_parser("blocs", parents=[data_dir], help="voir ou modifier la table nuance → bloc politique")
    blocs.add_argument("action", choices=["list", "set"])
    blocs.add_argument("values", nargs="*", help="pour set : PORTÉE NUANCE BLOC (portée : leg2024, euro2024… ou *)")

    sub.add_parser(
        "interpolate", parents=[data_dir],
        help="pondérer les IRIS sur les bureaux de vote (adresses du REU, sinon surfaces) et les stocker",
    )

    stations = sub.add_parser("stations", help="contours de bureaux de vote construits par Isoloir")
    stations_sub = stations.add_subparsers(dest="stations_command", required=True)
    from_addresses = stations_sub.add_parser(
        "from-addresses", parents=[data_dir],
        help="dessiner les bureaux d'une commune depuis les adresses du REU (nouvelle version de contours)",
    )
    from_addresses.add_argument("addresses", type=Path, help="table des adresses du REU (géolocalisées)")
    from_addresses.add_argument("--commune-outline", type=Path, help="contour de la commune (défaut : entrepôt, sinon union des IRIS)")
    from_addresses.add_argument("--label", help="libellé de la version de contours")
    from_addresses.add_argument("--valid-from", type=_date, help="début de validité (AAAA-MM-JJ)")
    from_addresses.add_argument("--valid-to", type=_date, help="fin de validité (AAAA-MM-JJ)")
    from_addresses.add_argument("--method", choices=["iris", "empty", "streets", "voronoi"], default="iris",
                                help="iris (défaut : Voronoï découpé le long des IRIS), empty (idem, terrains vides seulement), streets, voronoi (référence)")
    from_addresses.add_argument("--reference", help="version de contours à comparer (défaut : la plus récente des mêmes communes)")
    from_addresses.add_argument("--json", action="store_true", help="mesures au format JSON")
    versions = sub.add_parser("versions", help="versions de contours par commune : dates, élections liées")
    versions_sub = versions.add_subparsers(dest="versions_action", required=True)
    versions_sub.add_parser("list", parents=[data_dir], help="versions par commune, leurs dates et les élections dessinées dessus").add_argument(
        "--commune", help="code INSEE d'une commune")
    validity = versions_sub.add_parser("set-validity", parents=[data_dir], help="dates de validité d'une version (toutes communes, ou une)")
    validity.add_argument("set_id", help="identifiant de la version (colonne set_id de « versions list »)")
    validity.add_argument("--commune", help="code INSEE : ces dates pour cette commune seulement")
    validity.add_argument("--valid-from", type=_date, help="début de validité (AAAA-MM-JJ ; absent : sans date)")
    validity.add_argument("--valid-to", type=_date, help="fin de validité (AAAA-MM-JJ ; absent : sans date)")
    link = versions_sub.add_parser("link", parents=[data_dir], help="dessiner une élection sur une version dans une commune (gardé aux imports suivants)")
    link.add_argument("election_id")
    link.add_argument("commune_code")
    link.add_argument("set_id", nargs="?", help="version ; absente avec --unlink")
    link.add_argument("--unlink", action="store_true", help="retirer le lien : la version en vigueur à la date de l'élection")
    diff = versions_sub.add_parser("diff", parents=[data_dir], help="ce qui a changé entre deux versions d'une commune")
    diff.add_argument("commune_code")
    diff.add_argument("set_a")
    diff.add_argument("set_b")

    crosswalk = sub.add_parser(
        "crosswalk", parents=[data_dir],
        help="table de passage entre deux versions de contours (adresses du REU, sinon surfaces) et la stocker",
    )
    crosswalk.add_argument("from_set", help="version ancienne (set_id)")
    crosswalk.add_argument("to_set", help="version nouvelle (set_id)")
    crosswalk.add_argument("--commune", action="append", help="code INSEE (répétable ; défaut : toutes les communes des deux versions)")

    users = sub.add_parser("users", help="gérer les comptes de l'application (magasin de campagne)")
    users_sub = users.add_subparsers(dest="users_action", required=True)
    password = argparse.ArgumentParser(add_help=False)
    password.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard (une ligne)")
    add = users_sub.add_parser("add", parents=[data_dir, password], help="créer un compte (le mot de passe est demandé)")
    add.add_argument("user_name", help="nom d'utilisateur (minuscules, chiffres, . _ -)")
    add.add_argument("--role", required=True, help=f"rôle : {', '.join(ROLES)}")
    add.add_argument("--name", help="nom affiché")
    users_sub.add_parser("list", parents=[data_dir], help="lister les comptes (sans mots de passe)").add_argument("--json", action="store_true")
    users_sub.add_parser("disable", parents=[data_dir], help="désactiver un compte").add_argument("user_name")
    users_sub.add_parser("enable", parents=[data_dir], help="réactiver un compte").add_argument("user_name")
    set_role = users_sub.add_parser("set-role", parents=[data_dir], help="changer le rôle d'un compte")
    set_role.add_argument("user_name")
    set_role.add_argument("role", help=f"rôle : {', '.join(ROLES)}")
    reset = users_sub.add_parser("reset-password", parents=[data_dir, password], help="définir un nouveau mot de passe")
    reset.add_argument("user_name")
    users_sub.add_parser(
        "reset-two-factor", parents=[data_dir],
        help="réinitialiser la double authentification d'un compte (téléphone et codes de secours perdus)",
    ).add_argument("user_name")

    contacts = sub.add_parser("contacts", help="données personnelles de la campagne (contacts de terrain)")
    contacts_sub = contacts.add_subparsers(dest="contacts_action", required=True)
    export = contacts_sub.add_parser(
        "export", parents=[data_dir, password],
        help="exporter les contacts en CSV (candidat ou directeur de campagne ; mot de passe demandé ; inscrit au journal)",
    )
    export.add_argument("--user", required=True, help="votre nom d'utilisateur (rôle admin ou candidate)")
    export.add_argument("--output", "-o", required=True, type=Path, help="fichier CSV à écrire (refusé s'il existe)")

    voters = sub.add_parser("voters", help="liste électorale (REU) : import, adresses à revoir, sélections permises")
    voters_sub = voters.add_subparsers(dest="voters_action", required=True)
    vimport = voters_sub.add_parser("import", parents=[data_dir],
                                    help="importer une liste électorale (CSV ou xlsx) dans le magasin de campagne, adresses rapprochées")
    vimport.add_argument("file", type=Path)
    vimport.add_argument("--mapping", type=Path, help="correspondance TOML des colonnes (kind = \"voters\")")
    vimport.add_argument("--election-date", type=_date, help="date du scrutin (AAAA-MM-JJ ; défaut : celle des réglages)")
    vimport.add_argument("--commune", help="code INSEE de la commune quand le fichier ne le donne pas")
    vimport.add_argument("--dry-run", action="store_true", help="lire, vérifier et rapprocher sans rien écrire")
    vimport.add_argument("--review-csv", type=Path, help="écrire les lignes à revoir (douteuses, non rapprochées) dans ce CSV")
    vimport.add_argument("--json", action="store_true", help="rapport en JSON")
    vreview = voters_sub.add_parser("review", parents=[data_dir], help="adresses douteuses ou non rapprochées, à revoir")
    vreview.add_argument("--csv", type=Path, help="les écrire dans ce CSV plutôt qu'à l'écran")
    vdecide = voters_sub.add_parser("decide", parents=[data_dir], help="décision de relecture pour un électeur")
    vdecide.add_argument("voter_id", type=int)
    choice = vdecide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--address", help="l'adresse REU choisie (<id BAN>@<bureau>)")
    choice.add_argument("--none", action="store_true", help="laisser l'électeur sans adresse")
    vlist = voters_sub.add_parser("list", parents=[data_dir, password],
                                  help="compter (et, pour les rôles qui le peuvent, nommer) les électeurs d'une sélection permise")
    vlist.add_argument("--station", help="bureau de vote (45999_3)")
    vlist.add_argument("--street", help="rue (une partie du nom suffit)")
    vlist.add_argument("--age-band", help="tranche d'âge : 18-24, 25-34, 35-49, 50-64, 65-79, 80+")
    vlist.add_argument("--sex", help="F ou M")
    vlist.add_argument("--filter", action="append", default=[], metavar="CRITÈRE=VALEUR",
                       help="un autre critère (refusé s'il n'est pas permis : nom, lieu de naissance, nationalité…)")
    vlist.add_argument("--nationality", help="refusé (CNIL) : la nationalité ne sert pas à cibler")
    vlist.add_argument("--birthplace", help="refusé (CNIL) : le lieu de naissance ne sert pas à cibler")
    vlist.add_argument("--name-consonance", help="refusé (CNIL) : la consonance du nom ne sert pas à cibler")
    vlist.add_argument("--user", help="votre nom d'utilisateur, pour lister les noms (mot de passe demandé ; rôles autorisés)")
    vlist.add_argument("--election-date", type=_date, help="date des âges (défaut : celle des réglages, sinon aujourd'hui)")
    vdemo = voters_sub.add_parser("demo", parents=[data_dir], help="écrire une liste électorale fictive du territoire de démonstration")
    vdemo.add_argument("output", type=Path)
    vdemo.add_argument("--size", type=int, default=5000, help="nombre d'électeurs (défaut 5 000)")
    vdemo.add_argument("--seed", type=int, default=2026)
    login = argparse.ArgumentParser(add_help=False, parents=[data_dir, password])
    login.add_argument("--user", required=True, help="votre nom d'utilisateur (mot de passe demandé ; l'action est inscrite au journal)")
    consent = sub.add_parser("consent", help="consentements par finalité et canal")
    consent_sub = consent.add_subparsers(dest="consent_action", required=True)
    withdraw = consent_sub.add_parser("withdraw", parents=[login], help="retirer le consentement d'un contact (tout, ou une finalité / un canal)")
    withdraw.add_argument("contact_id", type=int)
    withdraw.add_argument("--purpose", help="recontact, newsletter ou volunteering (défaut : toutes)")
    withdraw.add_argument("--channel", help="email, sms, telephone ou courrier (défaut : tous)")
    opposition = sub.add_parser("opposition", help="liste d'opposition (ne plus solliciter)")
    opposition_sub = opposition.add_subparsers(dest="opposition_action", required=True)
    oppose = opposition_sub.add_parser("add", parents=[login], help="enregistrer une demande reçue par courriel ou courrier")
    oppose.add_argument("--source", required=True, choices=["courriel", "courrier"])
    oppose.add_argument("--received", required=True, help="date de réception (AAAA-MM-JJ ou JJ/MM/AAAA)")
    oppose.add_argument("--birth-name", help="nom de naissance")
    oppose.add_argument("--usage-name", help="nom d'usage")
    oppose.add_argument("--first-names", required=True, help="prénoms")
    oppose.add_argument("--birth-date", help="date de naissance")
    oppose.add_argument("--address", help="adresse")
    person = sub.add_parser("person", help="droits des personnes : tout exporter (accès) ou effacer")
    person_sub = person.add_subparsers(dest="person_action", required=True)
    for action, text in (("export", "exporter tout ce qui est détenu sur une personne (JSON et résumé en français)"),
                         ("erase", "effacer une personne (ne reste que son opposition, sous forme de clés)")):
        p = person_sub.add_parser(action, parents=[login], help=text)
        p.add_argument("--contact", type=int, help="n° de contact")
        p.add_argument("--name", help="nom et prénom")
        p.add_argument("--birth-date", help="date de naissance (avec --name)")
        if action == "export":
            p.add_argument("--output", "-o", required=True, type=Path, help="dossier où écrire personne.json et personne.txt (créé)")
    messages = sub.add_parser("messages", parents=[login],
                              help="liste de diffusion : contacts ayant consenti à une finalité sur un canal, opposés exclus (CSV)")
    messages.add_argument("purpose", help="recontact, newsletter ou volunteering")
    messages.add_argument("channel", help="email, sms, telephone ou courrier")
    messages.add_argument("--output", "-o", required=True, type=Path, help="fichier CSV à écrire (refusé s'il existe)")

    keys = sub.add_parser("keys", help="clé de chiffrement des données personnelles du magasin de campagne")
    keys_sub = keys.add_subparsers(dest="keys_action", required=True)
    keys_sub.add_parser("status", parents=[data_dir], help="clé en service et valeurs chiffrées par clé (jamais la clé)")
    keys_sub.add_parser("rotate", parents=[data_dir],
                        help="nouvelle clé : tout rechiffrer en une transaction, puis retirer l'ancienne (inscrit au journal)")

    purge = sub.add_parser("purge", parents=[data_dir], help="purger les données de campagne après l'élection")
    purge.add_argument("--yes", action="store_true", help="purger vraiment (sans : dire seulement ce qui serait supprimé)")

    sub.add_parser(
        "sensitive-check",
        help="repérer les mentions sensibles (santé, religion, opinions…) : une ligne de texte lue, un objet JSON écrit",
    )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(data_dir=args.data_dir, port=getattr(args, "port", None), host=getattr(args, "host", None))


def cmd_import(args: argparse.Namespace) -> int:
    from dashboard.boundaries.crosswalk import refresh_after_import
    from dashboard.warehouse.importer import import_files

    settings = _settings(args)
    options = ImportOptions(
        election=args.election, mapping=args.mapping, label=args.label, valid_from=args.valid_from,
        valid_to=args.valid_to, crs=args.crs, layer=args.layer, year=args.year,
        skip_invalid=args.skip_invalid, allow_partial_votes=args.allow_partial_votes,
    )
    reports = import_files(args.kind, args.files, settings.data_dir, options, _progress, after_write=refresh_after_import)
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2, default=str))
    else:
        for report in reports:
            print("\n".join(report.lines_fr()))
            print("\n".join(report.details.get("after_write", [])))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from dashboard.warehouse.info import warehouse_info, warehouse_info_lines
    from dashboard.warehouse.database import Warehouse

    settings = _settings(args)
    with Warehouse(settings.warehouse_path, read_only=True) as wh:
        info = warehouse_info(wh)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(warehouse_info_lines(info)))
    return 0


ROOT = Path(__file__).resolve().parent.parent  # the project: .streamlit/secrets.toml lives here, not in the data folder


def _ensure_data_key() -> None:
    """``run`` and ``demo``: a key for the personal data when none is configured (written, never printed)."""
    from dashboard.access import data_key

    if data_key.ensure(os.environ, ROOT / data_key.SECRETS_FILE):
        print(f"Clé de chiffrement des données personnelles créée dans {ROOT / data_key.SECRETS_FILE} (à garder secrète, "
              "jamais versionnée, à sauvegarder à part : sans elle les contacts sont illisibles)", file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    from dashboard.demo.build import build_demo

    _ensure_data_key()
    settings = _settings(args)
    summary = build_demo(settings.data_dir, scale=args.scale, seed=args.seed, progress=_progress)
    print("\n".join(summary))
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Refuse, in French, a port another server already listens on (before starting Streamlit)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise ConfigError(f"adresse d'écoute inconnue : « {host} » (--host ou ISOLOIR_HOST)") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit's server binds
        try:
            sock.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"Le port {port} est déjà utilisé sur {host} : une autre application (peut-être un autre "
                    "« isoloir run ») l'occupe. Arrêtez-la ou choisissez un autre port (--port ou ISOLOIR_PORT)."
                ) from None
            raise ConfigError(f"impossible d'écouter sur {host}:{port} : {error.strerror}") from None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the server gets SIGTERM if ``isoloir run`` itself dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_GRACE_S = 10.0


def serve(command: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run the server as our child and stop it with us: SIGTERM, SIGINT and SIGHUP are passed on
    to it, and it is killed if it has not stopped ``STOP_GRACE_S`` seconds later. Returns its
    exit status (128 + signal number when a signal ended it or was passed on to it)."""
    child = subprocess.Popen(command, env=env, cwd=cwd, preexec_fn=_die_with_parent)  # noqa: PLW1509 - no threads yet
    stop_by: list[float] = []
    stopped_by: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)
        if not stop_by:
            stop_by.append(time.monotonic() + STOP_GRACE_S)
            stopped_by.append(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stop_by and time.monotonic() > stop_by[0]:
                    child.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.kill()
            child.wait()
    if stopped_by:  # asked to stop, and stopped (uvicorn under click exits 1 on SIGINT): the shell's code
        return 128 + stopped_by[0]
    return 128 - code if code < 0 else code


def cmd_run(args: argparse.Namespace) -> int:
    # Everything the server and its children create is private to this account (data, logs, exports);
    # the caller's umask comes back when the server ends (the command may run inside another program).
    previous = os.umask(RUN_UMASK)
    try:
        return _run(args)
    finally:
        os.umask(previous)


RUN_UMASK = 0o077


def _run(args: argparse.Namespace) -> int:
    from dashboard.files import private_dir, private_file

    settings = _settings(args)
    private_dir(settings.data_dir)
    _check_port_free(settings.host, settings.port)
    _ensure_data_key()
    if not settings.warehouse_path.exists():
        if not args.demo:
            raise WarehouseMissing(
                f"pas d'entrepôt dans {settings.data_dir} : lancez « isoloir demo » ou « isoloir import … », ou « isoloir run --demo »."
            )
        from dashboard.demo.build import build_demo

        print("\n".join(build_demo(settings.data_dir, progress=_progress)))
    app = Path(__file__).with_name("server.py")  # the st.App around dashboard/app.py
    root = ROOT
    _campaign_store(settings).close()  # the purge at start, when due; the file released for the server
    _setup_code(settings)
    env = {**os.environ, "ISOLOIR_DATA_DIR": str(settings.data_dir.resolve()), "ISOLOIR_PORT": str(settings.port),
           "ISOLOIR_HOST": settings.host}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(settings.port),
        "--server.address", settings.host, "--browser.gatherUsageStats", "false",
    ]
    if args.headless:
        command += ["--server.headless", "true"]
    shown = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0") else settings.host  # noqa: S104
    print(f"Isoloir : http://{shown}:{settings.port}", file=sys.stderr)
    return serve(command, env, root)


def _campaign_store(settings: Settings):  # type: ignore[no-untyped-def] - a CampaignStore, imported lazily
    """The campaign store of ``settings``, purged first when its purge day has come (the purge at start)."""
    from dashboard.store import CampaignStore

    store = CampaignStore.from_settings(settings)
    _purge_if_due(store)
    return store


def _purge_if_due(store) -> None:  # type: ignore[no-untyped-def]
    from dashboard.store.purge import purge_if_due

    report = purge_if_due(store)
    if report is not None:
        print("Purge automatique des données de campagne (date de purge passée), inscrite au journal d'audit :\n  "
              + "\n  ".join(report.lines_fr()), file=sys.stderr)


def _setup_code(settings: Settings) -> None:
    """No admin yet: print the one-time code that creating the first admin requires (also in a 600 file)."""
    from dashboard.store import CampaignStore, users
    from dashboard.web import setup_code

    store = CampaignStore.from_settings(settings)
    try:
        if users.has_admin(store):
            return
    finally:
        store.close()
    code = setup_code.issue(settings.data_dir)
    print(f"Premier démarrage : aucun administrateur. Code de premier démarrage : {code} "
          f"(aussi dans {setup_code.path(settings.data_dir)}, lisible par vous seul ; "
          "il sert une fois, sur la page de connexion).", file=sys.stderr)


def cmd_blocs(args: argparse.Namespace) -> int:
    from dashboard.warehouse.database import Warehouse
    from dashboard.warehouse.writing import writing

    settings = _settings(args)
    if args.action == "list":
        with Warehouse(settings.warehouse_path, read_only=True) as wh:
            table = wh.query('SELECT scope, nuance, bloc, label_fr, edited FROM nuance_bloc ORDER BY scope, nuance')
        print(table.to_string(index=False))
        return 0
    if len(args.values) != 3:
        raise ConfigError("usage : isoloir blocs set PORTÉE NUANCE BLOC (ex. isoloir blocs set leg2024 DSV droite)")
    scope, nuance, bloc = args.values
    if not settings.warehouse_path.exists():
        raise WarehouseMissing(f"entrepôt introuvable : {settings.warehouse_path}. Lancez « isoloir demo » ou « isoloir import … ».")
    with writing(settings.warehouse_path, progress=_progress) as wh:
        with wh.transaction():
            wh.set_nuance_bloc(scope, nuance, bloc)
            changed = wh.recompute_blocs()
    print(f"{scope} {nuance.upper()} → {bloc} ; {changed} ligne(s) de voix reclassée(s)")
    return 0


def cmd_interpolate(args: argparse.Namespace) -> int:
    from dashboard.iris.weights import interpolate_all

    settings = _settings(args)
    if not settings.warehouse_path.exists():
        raise WarehouseMissing(f"entrepôt introuvable : {settings.warehouse_path}. Lancez « isoloir demo » ou « isoloir import … ».")
    rows, lines = interpolate_all(settings.warehouse_path, progress=_progress)
    print(f"Pondérations IRIS → bureaux de vote : {rows} ligne(s) écrite(s) dans station_iris")
    print("\n".join(lines))
    return 0


def cmd_stations(args: argparse.Namespace) -> int:
    from dashboard.boundaries.from_addresses import build_version
    from dashboard.boundaries.quality import summary_lines
    from dashboard.warehouse.writing import writing

    settings = _settings(args)
    with writing(settings.warehouse_path, progress=_progress) as wh:
        built = build_version(
            wh, args.addresses, outline=args.commune_outline, label=args.label, valid_from=args.valid_from,
            valid_to=args.valid_to, method=args.method, reference_set_id=args.reference, progress=_progress,
        )
    if args.json:
        print(json.dumps({"set_id": built.set_id, "reference_set_id": built.reference_set_id, **built.quality.summary}, ensure_ascii=False, default=str))
        return 0
    print(f"Version de contours « {built.label} » ({built.set_id}) : {len(built.result.stations)} bureau(x) écrit(s)")
    if built.reference_set_id:
        print(f"Comparée à la version « {built.reference_set_id} »")
    print("\n".join(summary_lines(built.quality)))
    return 0


def _existing_warehouse(settings: Settings) -> Path:
    if not settings.warehouse_path.exists():
        raise WarehouseMissing(f"entrepôt introuvable : {settings.warehouse_path}. Lancez « isoloir demo » ou « isoloir import … ».")
    return settings.warehouse_path


def cmd_versions(args: argparse.Namespace) -> int:
    from dashboard.boundaries import versions
    from dashboard.formats import format_fr
    from dashboard.warehouse.database import Warehouse
    from dashboard.warehouse.writing import writing

    settings = _settings(args)
    path = _existing_warehouse(settings)
    if args.versions_action in ("list", "diff"):
        with Warehouse(path, read_only=True) as wh:
            if args.versions_action == "list":
                table = versions.versions_table(wh, [args.commune] if args.commune else None)
                links = versions.links_table(wh)
                print(table.drop(columns=["imported_at"]).to_string(index=False) if len(table) else "Aucune version de contours.")
                for row in links.itertuples(index=False):
                    print(f"Lien manuel : {row.election_id} dans {row.commune_code} → {row.set_id}")
                return 0
            diff = versions.diff_versions(wh, args.commune_code, args.set_a, args.set_b)
        print(", ".join(f"{format_fr(n)} {kind}(s)" for kind, n in versions.diff_summary(diff).items()))
        changed = diff[diff["change"] != versions.UNCHANGED]
        for row in changed.itertuples(index=False):
            moved = "" if row.change != versions.REDRAWN else f" : {format_fr(row.moved_m2)} m² déplacés"
            print(f"{row.station_id} {row.change}{moved}")
        return 0
    with writing(path, progress=_progress) as wh:
        if args.versions_action == "set-validity":
            versions.set_validity(wh, args.set_id, args.valid_from, args.valid_to, args.commune)
            print(f"Version {args.set_id}{' (' + args.commune + ')' if args.commune else ''} : du "
                  f"{args.valid_from or '—'} au {args.valid_to or '—'} ; élections reliées à nouveau")
        else:
            if args.unlink == (args.set_id is not None):
                raise ConfigError("usage : isoloir versions link ÉLECTION COMMUNE VERSION (ou --unlink sans VERSION)")
            versions.link(wh, args.election_id, args.commune_code, None if args.unlink else args.set_id)
            print(f"{args.election_id} dans {args.commune_code} : " + ("lien retiré" if args.unlink else f"dessinée sur {args.set_id}"))
    return 0


def cmd_crosswalk(args: argparse.Namespace) -> int:
    from dashboard.boundaries.crosswalk import build_crosswalks, summary_line
    from dashboard.warehouse.writing import writing

    settings = _settings(args)
    with writing(_existing_warehouse(settings), progress=_progress) as wh:
        with wh.transaction():
            summary = build_crosswalks(wh, args.from_set, args.to_set, args.commune)
    print(summary_line(summary))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """From one line of stdin (``--password-stdin``) or typed twice without echo; never an argument."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez le mot de passe : ") != password:
            raise ConfigError("les deux mots de passe diffèrent")
    if not password:
        raise ConfigError("mot de passe vide")
    return password


def cmd_users(args: argparse.Namespace) -> int:
    from dashboard.access.permissions import ROLES as role_labels
    from dashboard.store import users

    store = _campaign_store(_settings(args))
    action = args.users_action
    if action == "list":
        accounts = users.list_users(store, by="cli")
        if args.json:
            print(json.dumps([
                {"user_name": u.user_name, "display_name": u.display_name, "role": u.role, "active": u.active,
                 "demo": u.demo, "created_at": u.created_at, "password_changed_at": u.password_changed_at,
                 "failed_logins": u.failed_logins, "locked_until": u.locked_until} for u in accounts
            ], ensure_ascii=False, indent=2, default=str))
        elif not accounts:
            print("Aucun compte : « isoloir users add NOM --role admin ».")
        else:
            for u in accounts:
                state = "actif" if u.active else "désactivé"
                extra = " ; démo" if u.demo else ""
                print(f"{u.user_name}\t{u.display_name}\t{u.role} ({role_labels.get(u.role, u.role)})\t{state}{extra}")
        return 0
    if action == "add":
        role = check_role(args.role)
        user = users.add_user(store, args.user_name, _read_password(args), role, by="cli", display_name=args.name)
        print(f"Compte « {user.user_name} » créé ({role_labels[user.role]}).")
    elif action == "disable":
        user = users.disable_user(store, args.user_name, by="cli")
        print(f"Compte « {user.user_name} » désactivé.")
    elif action == "enable":
        user = users.enable_user(store, args.user_name, by="cli")
        print(f"Compte « {user.user_name} » réactivé.")
    elif action == "set-role":
        user = users.set_role(store, args.user_name, args.role, by="cli")
        print(f"Compte « {user.user_name} » : rôle {user.role} ({role_labels[user.role]}).")
    elif action == "reset-password":
        if users.get_user(store, args.user_name) is None:
            raise users.UserError(f"utilisateur inconnu : « {args.user_name} »")
        user = users.reset_password(store, args.user_name, _read_password(args), by="cli")
        print(f"Mot de passe de « {user.user_name} » modifié.")
    elif action == "reset-two-factor":
        from dashboard.store import two_factor

        two_factor.reset(store, args.user_name, by="cli")
        print(f"Double authentification de « {args.user_name.strip().lower()} » réinitialisée : "
              "le compte l'activera de nouveau à sa prochaine connexion.")
    return 0


def cmd_contacts(args: argparse.Namespace) -> int:
    """``contacts export``: the export gate as in the app: a person logs in (throttled, audited), then
    ``export_personal_data`` is checked and the export audited; the file is readable by its owner only."""
    from dashboard.store import contacts

    store, user = _logged_in(args)
    output: Path = args.output
    if output.exists():
        raise ConfigError(f"le fichier existe déjà : {output} (choisissez un autre nom)")
    export = contacts.export_contacts(store, by=user)
    _private_write(output, export.content)
    left_out = f" ; {export.excluded} exclu(s) : opposition" if export.excluded else ""
    print(f"{export.rows} contact(s) exporté(s) dans {output}{left_out} (export inscrit au journal d'audit ; "
          "à supprimer après usage).")
    return 0


def _logged_in(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The store and the account of ``--user`` after its password (throttled and audited as in the app)."""
    from dashboard.store import users

    settings = _settings(args)
    store = _campaign_store(settings)
    result = users.verify_login(store, args.user, _read_password(args), client="cli",
                                demo_allowed=_demo_territory(settings))
    if not result.ok or result.user is None:
        raise users.UserError(result.message_fr)
    return store, result.user


def _private_write(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def cmd_consent(args: argparse.Namespace) -> int:
    """``consent withdraw``: rights of the account re-read when it runs (``store/consent.py``), audited."""
    from dashboard.store import consent

    store, user = _logged_in(args)
    count = consent.withdraw(store, args.contact_id, by=user, purpose=args.purpose, channel=args.channel, source="cli")
    print(f"{count} consentement(s) retiré(s) pour le contact n° {args.contact_id} (inscrit au journal d'audit).")
    return 0


def cmd_opposition(args: argparse.Namespace) -> int:
    """``opposition add``: a request received by e-mail or post (``store/opposition.py``)."""
    from dashboard.privacy.identity import parse_date
    from dashboard.store import opposition

    store, user = _logged_in(args)
    try:
        received = parse_date(args.received)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if received is None:
        raise ConfigError("date de réception manquante")
    entry = opposition.add_request(store, by=user, source=args.source, received_on=received, birth_name=args.birth_name,
                                   usage_name=args.usage_name, first_names=args.first_names, birth_date=args.birth_date,
                                   address=args.address)
    print(f"Opposition n° {entry} enregistrée : la personne est exclue des listes, exports et imports.")
    return 0


def cmd_person(args: argparse.Namespace) -> int:
    """``person export`` / ``person erase`` (``store/person.py``): rights re-read when it runs, audited."""
    from dashboard.store import person

    query = person.Query(contact_id=args.contact, full_name=args.name, birth_date=args.birth_date)
    store, user = _logged_in(args)
    if args.person_action == "export":
        record = person.export_person(store, query, by=user)
        folder: Path = args.output
        folder.mkdir(mode=0o700, parents=True, exist_ok=False)
        _private_write(folder / "personne.json", record.to_json().encode("utf-8"))
        _private_write(folder / "personne.txt", record.summary_fr().encode("utf-8"))
        counts = record.counts()
        print(f"Exporté dans {folder} : {counts['contacts']} contact(s), {counts['voters']} inscription(s) sur la liste "
              f"électorale, {counts['consents']} consentement(s), "
              f"{counts['visits']} passage(s), {counts['oppositions']} opposition(s) (inscrit au journal d'audit).")
        return 0
    done = person.erase_person(store, query, by=user)
    print(f"Effacé : {done.contacts} contact(s), {done.voters} inscription(s) sur la liste électorale, "
          f"{done.consents} consentement(s), {done.visits} passage(s), "
          f"{done.answers} réponse(s) ; opposition gardée sous forme de clés : n° {', '.join(map(str, done.oppositions_kept))}.")
    return 0


def cmd_messages(args: argparse.Namespace) -> int:
    """``messages PURPOSE CHANNEL``: the message list (``store/messages.py``), opposed people left out and counted."""
    from dashboard.store import messages

    output: Path = args.output
    if output.exists():
        raise ConfigError(f"le fichier existe déjà : {output} (choisissez un autre nom)")
    store, user = _logged_in(args)
    listed = messages.message_list(store, args.purpose, args.channel, by=user)
    _private_write(output, listed.csv())
    print(f"{len(listed.rows)} destinataire(s) ({listed.title}) dans {output} ; {listed.excluded} exclu(s) : opposition ; "
          f"{listed.unreachable} sans coordonnée pour ce canal.")
    return 0


def _demo_territory(settings: Settings) -> bool:
    """Whether the warehouse holds the demo territory (demo accounts log in nowhere else)."""
    from dashboard.warehouse.database import Warehouse

    if not settings.warehouse_path.exists():
        return False
    with Warehouse(settings.warehouse_path, read_only=True) as wh:
        value = wh.meta("territory")
    return bool(value and str(value).startswith("démo"))


def _election_date(store, given: date | None) -> date:  # type: ignore[no-untyped-def]
    from dashboard.store.campaign_settings import get_campaign_settings

    return given or get_campaign_settings(store).election_date or paris_today()


def _write_new(path: Path, content: bytes) -> None:
    if path.exists():
        raise ConfigError(f"le fichier existe déjà : {path} (choisissez un autre nom)")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def cmd_voters(args: argparse.Namespace) -> int:
    """``voters import | review | decide | list | demo``: the electoral list (personal data, campaign store)."""
    from dashboard.store import CampaignStore
    from dashboard.store import voters as voter_store
    from dashboard.warehouse.database import Warehouse

    settings = _settings(args)
    if args.voters_action == "demo":
        from dashboard.demo.voters import generate_voter_list, write_voter_csv

        if not _demo_territory(settings):
            raise ConfigError("liste fictive réservée au territoire de démonstration (isoloir demo)")
        if not 1 <= args.size <= 2_000_000:
            raise ConfigError("--size : de 1 à 2 000 000 électeurs")
        with Warehouse(settings.warehouse_path, read_only=True) as wh:
            frame = generate_voter_list(wh.query("SELECT * FROM address"), args.size, args.seed)
        write_voter_csv(frame, args.output)
        print(f"{len(frame)} électeur(s) fictif(s) écrit(s) dans {args.output}")
        return 0
    store = CampaignStore.from_settings(settings)
    if args.voters_action == "import":
        from dashboard.canvass.voters import opposition_exclude, prepare_voter_import, write_prepared

        if not settings.warehouse_path.exists():
            raise WarehouseMissing("entrepôt absent : importez d'abord les adresses REU de la commune")
        with Warehouse(settings.warehouse_path, read_only=True) as wh:
            prepared = prepare_voter_import(args.file, wh, mapping=args.mapping, commune=args.commune,
                                            election_date=_election_date(store, args.election_date),
                                            exclude=opposition_exclude(store))
        report = prepared.report if args.dry_run else write_prepared(prepared, store, by="cli")
        if args.review_csv is not None:
            _write_new(args.review_csv, report.review_csv())
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
            return 0
        print("\n".join(report.lines_fr()))
        if args.review_csv is None and len(report.review):
            print("À revoir (ligne du fichier, bureau, adresse, état, score, proposition) :")
            for row in report.review.itertuples(index=False):
                print(f"  {row.line} | {row.station_id} | {row.address} | {row.status} | {format_fr(row.score, 0)} | "
                      f"{row.candidate or '—'}")
        return 0
    if args.voters_action == "review":
        from dashboard.csv_export import french_csv

        queue = voter_store.review_queue(store, by="cli")
        columns = ["voter_id", "line", "station_id", "address", "match_status", "match_method", "match_score", "candidate_id",
                   "match_reason"]
        if args.csv is not None:
            _write_new(args.csv, french_csv(["n° électeur", "ligne", "bureau", "adresse", "état", "méthode", "score",
                                             "adresse proposée", "raison"], queue[columns].itertuples(index=False, name=None)))
            print(f"{len(queue)} ligne(s) à revoir écrite(s) dans {args.csv}")
            return 0
        print(f"{len(queue)} électeur(s) à revoir (isoloir voters decide N --address ID ou --none) :")
        for row in queue.itertuples(index=False):
            print(f"  n° {row.voter_id} (ligne {row.line}) | {row.station_id} | {row.address} | {row.match_status} | "
                  f"{format_fr(row.match_score, 0)} | {row.candidate_id or '—'}")
        return 0
    if args.voters_action == "decide":
        status = voter_store.decide(store, by="cli", voter_id=args.voter_id, address_id=None if args.none else args.address)
        print(f"Électeur n° {args.voter_id} : {'adresse choisie' if status == 'reviewed' else 'laissé sans adresse'} "
              "(inscrit au journal d'audit).")
        return 0
    return _voters_list(args, store, settings)


def _voters_list(args: argparse.Namespace, store, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    from dashboard.privacy.segmentation import AGE_BANDS, LAWFUL, SEXES
    from dashboard.store import users
    from dashboard.store import voters as voter_store

    asked: dict[str, object] = {}
    for key, value in (("nationality", args.nationality), ("birthplace", args.birthplace),
                       ("name_consonance", args.name_consonance)):
        if value is not None:
            asked[key] = value
    for item in args.filter:
        key, _, value = item.partition("=")
        asked[key.strip()] = value
    for key in ("station", "street", "age_band", "sex"):
        if getattr(args, key) is not None:
            asked[key] = getattr(args, key)
    by: object = "cli"
    if args.user:
        result = users.verify_login(store, args.user, _read_password(args), client="cli",
                                    demo_allowed=_demo_territory(settings))
        if not result.ok or result.user is None:
            raise users.UserError(result.message_fr)
        by = result.user
    selection = voter_store.select_voters(store, by=by, asked=asked, on=_election_date(store, args.election_date),  # type: ignore[arg-type]
                                          names=bool(args.user))
    shown = ", ".join(f"{LAWFUL[k]} : {v}" for k, v in selection.criteria.as_dict().items()) or "toute la liste"
    print(f"{format_fr(selection.total)} électeur(s) ({shown})")
    print("  par tranche d'âge : " + ", ".join(f"{b} : {format_fr(selection.counts['age_band'][b])}" for b, _, _ in AGE_BANDS))
    print("  par sexe : " + ", ".join(f"{label} : {format_fr(selection.counts['sex'][s])}" for s, label in SEXES.items()))
    stations = selection.counts["station_id"]
    print("  par bureau : " + (", ".join(f"{k} : {format_fr(v)}" for k, v in list(stations.items())[:40]) or "—")
          + ("…" if len(stations) > 40 else ""))
    if args.user:
        for row in selection.frame.itertuples(index=False):
            name = f"{row.birth_name}{f' ({row.usage_name})' if row.usage_name else ''} {row.first_names}"
            print(f"  {row.station_id} | {row.address} | {name} | {row.age_band}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from dashboard.access import data_key
    from dashboard.store import keys

    store = _campaign_store(_settings(args))
    secrets_path = ROOT / data_key.SECRETS_FILE
    origin = {"file": str(secrets_path), "environment": data_key.ENV_VARIABLE}
    if args.keys_action == "status":
        state = keys.status(store, os.environ, secrets_path)
        counts = ", ".join(f"{kid} : {n}" for kid, n in sorted(state.sealed_by.items())) or "aucune"
        print(f"Clé en service : {state.current} ({origin[state.origin]}) ; clés configurées : {', '.join(state.configured)}")
        print(f"Valeurs chiffrées par clé : {counts} ; valeurs en clair : {state.clear}")
        return 0
    done = keys.rotate(store, os.environ, secrets_path, progress=_progress)
    print(f"Rotation faite : {done.values} valeur(s) rechiffrée(s) avec la clé {done.new_id} "
          f"(ancienne(s) : {', '.join(done.old_ids)}) ; inscrite au journal d'audit.")
    if done.new_key_file is not None:
        print(f"La clé venait de {data_key.ENV_VARIABLE} : remplacez sa valeur par le contenu de {done.new_key_file}, "
              "relancez Isoloir, puis supprimez ce fichier. L'ancienne clé ne lit plus rien.")
    else:
        print(f"Nouvelle clé écrite dans {secrets_path} ; l'ancienne en est retirée. Sauvegardez la nouvelle à part.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from dashboard.store.purge import purge_status, purge_with_report

    store = _campaign_store(_settings(args))
    status = purge_status(store)
    held = ", ".join(f"{table} : {count}" for table, count in status.rows.items())
    when = "date de purge non fixée (page Administration)" if status.purge_after is None else (
        f"purge {'due depuis' if status.due else 'prévue le'} {status.purge_after:%d/%m/%Y}")
    if not args.yes:
        print(f"Données de campagne : {held} ; {when}. Relancez avec --yes pour les supprimer définitivement.")
        return 0
    report = purge_with_report(store, by="cli")
    print("Purge faite, inscrite au journal d'audit (lignes avant et après, par table) :\n  " + "\n  ".join(report.lines_fr())
          + "\nFichiers réécrits : rien des lignes supprimées n'y reste. Comptes et journal d'audit conservés.")
    return 0


def cmd_sensitive_check(args: argparse.Namespace) -> int:
    """One JSON object per line of standard input: ``{"text", "sensitive", "categories"}``, written as it is read.

    Lines are read as bytes and decoded one by one, so an invalid one is named by its number."""
    from dashboard.privacy.sensitive import as_json_dict

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    lines = getattr(sys.stdin, "buffer", sys.stdin)
    try:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError:
                raise ConfigError(f"entrée standard : la ligne {number} n'est pas du texte UTF-8") from None
            print(json.dumps(as_json_dict(line.rstrip("\r\n")), ensure_ascii=False), flush=True)
    except BrokenPipeError:  # the reader stopped (``| head``): stop quietly, as a filter does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


COMMANDS = {"import": cmd_import, "info": cmd_info, "demo": cmd_demo, "run": cmd_run, "blocs": cmd_blocs, "interpolate": cmd_interpolate,
            "stations": cmd_stations,
            "versions": cmd_versions, "crosswalk": cmd_crosswalk,
            "users": cmd_users, "contacts": cmd_contacts, "voters": cmd_voters, "keys": cmd_keys,
            "purge": cmd_purge, "sensitive-check": cmd_sensitive_check, "consent": cmd_consent,
            "opposition": cmd_opposition, "person": cmd_person, "messages": cmd_messages}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except IsoloirError as error:
        print(f"Erreur : {error.message_fr}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
