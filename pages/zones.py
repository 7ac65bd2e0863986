"""Zones : draw canvassing zones on the map (lasso, clicks, attributes), save them, cut them into turfs,
print walk lists and assign the turfs; follow the field team (coverage map, progress, teams, goals, leaderboard:
``dashboard/ui/field_team.py``, counts only, so strategists see it without personal data); build the
questionnaires and read their aggregated results, as a table, a chart and a map (``dashboard/ui/questionnaire_panel.py``).

Opened only by the roles with ``edit_zones`` (admin, candidate, strategist: ``dashboard/app.py``
refuses the others); every write goes through ``dashboard.store`` (rights checked, audited).
The widgets live in ``dashboard/ui/zones_panel.py``, the pure parts in ``dashboard/canvass/zone_map.py``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.store import turfs, zones
from dashboard.ui import data, field_team, questionnaire_panel, session, zones_panel

user = session.page_user()
store = data.campaign()
st.title("Zones de porte-à-porte")
zones_panel.show_flash()

context = zones_panel.controls()
zone_list = zones.zones_for(store, by=user)
all_turfs = turfs.turfs_for(store, by=user)
chosen = zones_panel.chosen_zone(zone_list)
chosen_turfs = [t for t in all_turfs if chosen is not None and t.zone_id == chosen.zone_id]

current = zones_panel.selection_section(context, store, user, zone_list, chosen,
                                        zones_panel.turf_outlines(chosen, chosen_turfs),
                                        zones_panel.holders(zone_list, all_turfs))
zone = zones_panel.zones_section(context, store, user, zone_list, all_turfs, current)
if zone is not None:
    zone_turfs = [t for t in all_turfs if t.zone_id == zone.zone_id]
    zones_panel.turfs_section(context, store, user, zone, zone_turfs)
    zones_panel.walklists_section(context, store, user, zone, zone_turfs)
    zones_panel.assignment_section(store, user, zone, zone_turfs)

# the field team: live coverage, progress per canvasser, team and station, teams, goals, leaderboard (counts only)
field_team.draw_team(store, user, all_turfs)

# questionnaires: built here by the roles that build zones, answered on the phone; results in aggregate only
questionnaire_panel.draw_on_zones(store, user, {z.zone_id: z.name for z in zone_list}, all_turfs)
