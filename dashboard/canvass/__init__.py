"""Canvassing zones (issue 6), pure domain: no Streamlit.

``selection`` (lasso → valid polygon, addresses and stations a zone covers, selection by
attribute), ``counts`` (registered electors, address points, estimated doors, scores of a
zone), ``turfs`` (cutting a zone into turfs of about N doors), ``walklist`` (walking order,
CSV) and ``walklist_pdf`` (printable A4 sheet). ``sources`` holds the warehouse reads
(bound parameters only). Coordinates are lon/lat degrees, EPSG:4326, unless a name says metres.
"""
