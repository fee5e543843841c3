"""app.py routes every page with st.navigation and opens on the Data page."""

from __future__ import annotations

import ast

from app_support import APP, REPO, texts


def test_app_is_a_thin_router():
    tree = ast.parse(APP.read_text())
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert {"set_page_config", "navigation", "Page", "run"} <= calls
    assert not any(isinstance(n, ast.FunctionDef) for n in tree.body), "no logic in the router"


def test_opens_on_the_data_page_without_setup(app):
    at = app()
    assert not at.exception
    assert at.title[0].value == "The data"
    assert any("built-in synthetic cohort" in t for t in texts(at, "info"))


def test_every_page_opens_without_an_exception(app):
    at = app()
    pages = ["data", "crosslag", "groups", "causal", "report", "glossary"]
    if (REPO / "app_pages" / "power.py").exists():
        pages.append("power")
    for page in pages:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, page
        assert not at.error, page
        assert at.title, page
