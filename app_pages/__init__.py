"""Pages of the Streamlit dashboard (``streamlit run app.py``); modules starting with ``_`` are helpers."""
