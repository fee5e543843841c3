"""The workbench dashboard: ``streamlit run app.py`` (or ``make app``).

A thin router over the page modules in ``app_pages/``; the pages call the library.
"""

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Loneliness and mental health workbench", page_icon=":material/insights:",
                   layout="wide")

PAGES = [("data.py", "Data", "table_chart"), ("crosslag.py", "Cross-lag model", "sync_alt"),
         ("groups.py", "Compare groups", "groups"), ("causal.py", "Causal", "account_tree"),
         ("pool.py", "Across studies", "public"),
         ("power.py", "Study size (power)", "calculate"), ("report.py", "Report", "description"),
         ("glossary.py", "Glossary", "menu_book")]
here = Path(__file__).parent
st.navigation([st.Page(f"app_pages/{file}", title=title, icon=f":material/{icon}:", default=file == "data.py")
               for file, title, icon in PAGES if (here / "app_pages" / file).exists()]).run()
