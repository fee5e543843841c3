"""Dashboard page: the words used on the other pages, in plain language."""

from __future__ import annotations

import streamlit as st

from app_pages._glossary import GLOSSARY
from app_pages._shared import CAUTION, keep_address

st.title("Glossary")
keep_address()  # a refresh here still finds the other pages' answers
st.markdown("What the terms on the other pages mean. Hover over the small question marks on those pages for "
            "the same explanations.")
for term, text in GLOSSARY.items():
    st.markdown(f"**{term}**: {text}")
st.caption(CAUTION)
