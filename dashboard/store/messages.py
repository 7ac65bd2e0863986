"""Message lists: the contacts who agreed to one purpose on one channel, minus the opposition list.

:func:`message_list` is the only way to get the addressees of a mailing (an e-mail, SMS, call or letter
campaign): the contacts holding an **active** consent (``store/consent.py``: not withdrawn) for the
purpose and the channel asked, with the contact detail of that channel (e-mail, phone, or postal
address for ``courrier``), the date and text version of the consent (its proof), **minus every contact
on the opposition list** (``store/opposition.py``), counted in :attr:`MessageList.excluded`. A consent
whose contact detail is missing is counted in :attr:`MessageList.unreachable`, not listed.

Candidate and campaign director only (``export_personal_data``, as the CNIL advises for exports); every
list is audited ``message_list`` with its purpose, channel and counts (never a name or an address).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.access.permissions import Principal, actor_name
from dashboard.csv_export import french_csv
from dashboard.store import audit, crypto, opposition
from dashboard.store.backend import retrying
from dashboard.store.campaign import CampaignStore
from dashboard.store.consent import CHANNELS, PURPOSES, check_channel, check_purpose
from dashboard.store.contacts import require_personal_export

# channel -> the contact column holding its detail
DETAIL_COLUMN = {"email": "email", "sms": "phone", "telephone": "phone", "courrier": "address"}
HEADERS = ["n° de contact", "nom", "coordonnée", "consentement du (UTC)", "version du texte"]


@dataclass(frozen=True)
class MessageList:
    purpose: str
    channel: str
    rows: list[tuple[int, str, str, str, int]]  # contact id, name, detail, consent date, text version
    excluded: int  # consented, but on the opposition list
    unreachable: int  # consented, but no contact detail for the channel

    def csv(self) -> bytes:
        return french_csv(HEADERS, self.rows)

    @property
    def title(self) -> str:
        return f"{PURPOSES[self.purpose]} par {CHANNELS[self.channel]}"


@retrying
def message_list(store: CampaignStore, purpose: str, channel: str, *, by: Principal | str) -> MessageList:
    """The addressees of ``purpose`` on ``channel`` (``export_personal_data``: admin, candidate); audited."""
    purpose, channel = check_purpose(purpose), check_channel(channel)
    require_personal_export(store, by, "message_list", f"{purpose}/{channel}")
    column = DETAIL_COLUMN[channel]
    with store.write() as con:
        raw = con.execute(
            "SELECT c.contact_id, c.full_name, c.address, c.address_id, c.phone, c.email, min(k.given_at), "
            "max(k.text_version) FROM consent k JOIN contact c ON c.contact_id = k.contact_id "
            "WHERE k.purpose = ? AND k.channel = ? AND k.withdrawn_at IS NULL "
            "GROUP BY c.contact_id, c.full_name, c.address, c.address_id, c.phone, c.email ORDER BY c.contact_id",
            [purpose, channel]).fetchall()
        names = ["contact_id", "full_name", "address", "address_id", "phone", "email", "given_at", "text_version"]
        opened = crypto.open_rows("contact", raw, names)
        opposed = opposition.load_in(con)
        rows, excluded, unreachable = [], 0, 0
        for r in opened:
            record = dict(zip(names, r, strict=True))
            if opposed.contact_opposed(record["contact_id"], record["full_name"], record["address"], record["address_id"]):
                excluded += 1
                continue
            if not record[column]:
                unreachable += 1
                continue
            rows.append((int(record["contact_id"]), str(record["full_name"]), str(record[column]),
                         record["given_at"].strftime("%Y-%m-%d %H:%M"), int(record["text_version"])))
        audit.insert(con, actor_name(by), "message_list", "message_list", f"{purpose}/{channel}",
                     {"rows": len(rows), "excluded_opposed": excluded, "unreachable": unreachable})
    return MessageList(purpose, channel, rows, excluded, unreachable)
