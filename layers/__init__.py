"""pydeck layer builders: data frame in, ``pydeck.Layer`` out (no Streamlit, no SQL)."""

__all__: list[str] = []
