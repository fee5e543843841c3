"""Dashboard page: the words used on the other pages, in plain language."""

from __future__ import annotations

import streamlit as st

from app_pages._glossary import GLOSSARY
from app_pages._shared import CAUTION, keep_address

st.title("Glossary")
keep_address()  # a refresh here still finds the other pages' answers
st.markdown("What the terms on the other pages mean. Hover over the small question marks on those pages for "
            "the same explanations.")
query = st.text_input("Search the glossary", key="glossary_search", placeholder="e.g. bootstrap, df, power")
wanted = query.strip().lower()
shown = {t: x for t, x in sorted(GLOSSARY.items(), key=lambda kv: kv[0].lower())
         if not wanted or wanted in t.lower() or wanted in x.lower()}
if not shown:
    st.info(f"No term mentions “{query}”.")
for term, text in shown.items():
    st.markdown(f"**{term}**: {text}")
st.caption(CAUTION)
