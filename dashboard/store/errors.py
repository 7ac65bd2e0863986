"""The French errors of the campaign store's zones and turfs (the backend's own are in ``backend``)."""

from __future__ import annotations

from datetime import datetime

from dashboard.errors import IsoloirError
from dashboard.formats import PARIS_TIME, to_paris


class ZoneError(IsoloirError):
    """A zone operation was refused (bad name, bad station id, unknown user…)."""


class UnknownZone(ZoneError):
    pass


class UnknownVersion(ZoneError):
    pass


class EditConflict(ZoneError):
    """A change made from a stale copy: someone else changed the object since it was read.

    ``changed_by`` and ``changed_at`` (naive UTC) say who changed it last and
    when; ``current_version`` is its ``row_version`` now (None: deleted). The
    page offers to reload.
    """

    what = "l'objet"

    def __init__(self, name: str, changed_by: str | None, changed_at: datetime | None, current_version: int | None) -> None:
        self.name = name
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        if current_version is None:
            message = f"{self.what} « {name} » a été supprimé{self._e} entre-temps"
        else:
            who = f" par {changed_by}" if changed_by else ""
            paris = to_paris(changed_at)
            when = f" le {paris:%d/%m/%Y à %H:%M} ({PARIS_TIME})" if paris else ""
            message = f"{self.what} « {name} » a été modifié{self._e}{who}{when} depuis que vous l'avez ouvert{self._e}"
        super().__init__(f"{message[0].upper()}{message[1:]} : rechargez-l{'a' if self._e else 'e'} avant d'enregistrer vos changements.")

    _e = ""


class ZoneConflict(EditConflict):
    """A zone saved from a stale copy (its ``row_version`` moved on)."""

    what = "la zone"
    _e = "e"


BUSY_MESSAGE = "Le serveur est occupé, réessayez."


class StoreError(IsoloirError):
    """The campaign store failed (the database's own error is the ``__cause__``)."""


class StoreBusy(StoreError):
    """Still conflicting after the retries, or the store is held elsewhere: try again."""

    def __init__(self, message_fr: str = BUSY_MESSAGE) -> None:
        super().__init__(message_fr)


class StoreIntegrityError(StoreError):
    """A constraint of the schema refused a row (a check, a duplicate key)."""
