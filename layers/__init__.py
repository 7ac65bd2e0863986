"""Pure pydeck layer builders for the map: data in, ``pydeck.Layer`` out.

``classify`` (class edges), ``colors`` (ColorBrewer ramps), ``legend``
(legend data, HTML and French number formats), ``encode`` (integer grid
encoding of polygons), ``choropleth`` (the layers and their tooltip) and
``view`` (view fitting, display level, the ``Deck``). No Streamlit, no SQL.
"""
