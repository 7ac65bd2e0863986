"""What the server does once when it starts, before the first request: the purge of the campaign's data when due.

:func:`lifespan` is the ``st.App`` lifespan (``dashboard/server.py``): it runs
``store.purge.purge_if_due`` in a worker thread (the store's calls block) and
logs the counts before and after, which the audit log also holds. A failure
is logged and the server starts anyway: the admins then see the overdue-purge
banner on every page and can purge from the admin page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from dashboard.store.purge import PurgeReport, purge_if_due
from dashboard.web.auth import Site

LOG = logging.getLogger(__name__)


def purge_at_start(site: Site) -> PurgeReport | None:
    """The purge at start (when due); never raises: an error is logged."""
    try:
        report = purge_if_due(site.store)
    except Exception:  # noqa: BLE001 - the server must start; the admins see the overdue banner
        LOG.exception("automatic purge at start failed")
        return None
    if report is not None:
        LOG.warning("automatic purge of the campaign data at start: %s", "; ".join(report.lines_fr()))
    return report


def lifespan(site: Site) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The ``st.App`` lifespan running :func:`purge_at_start` before serving."""

    @asynccontextmanager
    async def run(_app: Any) -> AsyncIterator[None]:
        await asyncio.to_thread(purge_at_start, site)
        yield

    return run
