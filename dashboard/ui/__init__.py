"""The only Streamlit code outside pages/: widgets owning their session keys, cached readers."""
