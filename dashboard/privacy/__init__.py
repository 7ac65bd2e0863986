"""Personal-data guards that need no database: the French detector of sensitive mentions (``sensitive.py``)."""
