"""Settings: one frozen object built once from the environment and the command line, then passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from dashboard.errors import ConfigError
from dashboard.store.backend import is_postgres_url
from dashboard.store.campaign import CAMPAIGN_FILE
from dashboard.warehouse.database import WAREHOUSE_FILE

# name -> (environment variable, French help). The README documents every one (tested).
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "data_dir": ("ISOLOIR_DATA_DIR", "dossier des données : l'entrepôt warehouse.duckdb et le magasin de campagne campaign.duckdb (défaut : data/)"),
    "port": ("ISOLOIR_PORT", "port HTTP de l'application (défaut : 8501)"),
    "host": ("ISOLOIR_HOST", "adresse d'écoute de l'application (défaut : 127.0.0.1, cette machine seulement ; 0.0.0.0 : toutes)"),
    "session_hours": ("ISOLOIR_SESSION_HOURS", "durée d'une session connectée, en heures, après quoi il faut se reconnecter (défaut : 12)"),
    "campaign_url": ("ISOLOIR_CAMPAIGN_URL", "magasin de campagne sur PostgreSQL : URL postgresql://utilisateur:motdepasse@hôte/base (défaut : vide, le fichier campaign.duckdb du dossier des données)"),
    "trusted_proxies": ("ISOLOIR_TRUSTED_PROXIES", "adresses des mandataires inverses de confiance, séparées par des virgules : seul leur en-tête X-Forwarded-For donne l'adresse du client (limitation des essais de connexion) et leur X-Forwarded-Proto https rend le cookie Secure (défaut : vide, l'adresse de la connexion)"),
    "basemap": ("ISOLOIR_BASEMAP", "fond de carte : « carto » (rues, tuiles Carto chargées depuis Internet) ou « aucun » (hors ligne) ; défaut : carto"),
}
BASEMAPS = {"carto": "light", "aucun": None}


@dataclass(frozen=True)
class Settings:
    """``data_dir``: folder holding ``warehouse.duckdb``; ``port``, ``host``: where the app listens;
    ``basemap``: the map's background (the choropleth stays readable without it);
    ``campaign_url``: a PostgreSQL URL for the campaign store (None: ``campaign.duckdb`` in ``data_dir``)."""

    data_dir: Path = Path("data")
    port: int = 8501
    host: str = "127.0.0.1"
    basemap: str = "carto"
    session_hours: float = 12.0
    campaign_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / WAREHOUSE_FILE

    @property
    def campaign_path(self) -> Path:
        """The campaign store's DuckDB file, beside the warehouse (unused when ``campaign_url`` is set)."""
        return self.data_dir / CAMPAIGN_FILE

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults < environment < explicit overrides (``None`` overrides are ignored)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            variable = SETTINGS_HELP[f.name][0]
            if variable in env and env[variable] != "":
                values[f.name] = env[variable]
            if overrides.get(f.name) is not None:
                values[f.name] = overrides[f.name]
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"réglages inconnus : {', '.join(sorted(unknown))}")
        try:
            port = int(values.get("port", cls.port))  # type: ignore[call-overload]
        except ValueError:
            raise ConfigError(f"port invalide : « {values['port']} » (entier attendu)") from None
        if not 0 < port < 65536:
            raise ConfigError(f"port hors limites : {port}")
        basemap = str(values.get("basemap", cls.basemap)).strip().lower()
        if basemap not in BASEMAPS:
            raise ConfigError(f"fond de carte inconnu : « {basemap} » (attendu : {', '.join(BASEMAPS)})")
        try:
            hours = float(values.get("session_hours", cls.session_hours))  # type: ignore[arg-type]
        except ValueError:
            raise ConfigError(f"durée de session invalide : « {values['session_hours']} » (nombre d'heures attendu)") from None
        if not 0.05 <= hours <= 24 * 30:
            raise ConfigError(f"durée de session hors limites : {hours} h (entre 0,05 et 720)")
        campaign_url = str(values["campaign_url"]).strip() if values.get("campaign_url") else None
        if campaign_url and not is_postgres_url(campaign_url):
            raise ConfigError("ISOLOIR_CAMPAIGN_URL invalide : une URL postgresql://… est attendue")
        host = str(values.get("host", cls.host)).strip()
        if not host or any(c.isspace() for c in host):
            raise ConfigError(f"adresse d'écoute invalide : « {host} »")
        proxies = values.get("trusted_proxies", ())
        if isinstance(proxies, str):
            proxies = tuple(p.strip() for p in proxies.split(",") if p.strip())
        return cls(data_dir=Path(str(values.get("data_dir", cls.data_dir))).expanduser(), port=port, host=host,
                   basemap=basemap, session_hours=hours, campaign_url=campaign_url,
                   trusted_proxies=tuple(str(p) for p in proxies))  # type: ignore[union-attr]

    @property
    def map_style(self) -> str | None:
        """pydeck ``map_style`` of the basemap; ``None``: no basemap at all."""
        return BASEMAPS[self.basemap]
