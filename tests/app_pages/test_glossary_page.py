"""The Glossary page explains the terms the other pages use."""

from __future__ import annotations

from app_support import joined


def test_glossary_defines_the_key_terms(app):
    at = app("glossary")
    assert not at.exception
    text = joined(at, "markdown")
    for term in ("**CLPM**", "**RI-CLPM**", "**Within-person**", "**Standardized**", "**Disclosure control**"):
        assert term in text


def test_glossary_has_the_terms_pages_use_and_is_searchable(app):
    at = app("glossary")
    text = joined(at, "markdown")
    for term in ("**Mediator**", "**Bootstrap**", "**ICC**", "**df (degrees of freedom)**", "**Power**",
                 "**Coverage**", "**MCSE**"):
        assert term in text
    at.text_input(key="glossary_search").input("bootstrap").run()
    shown = joined(at, "markdown")
    assert "**Bootstrap**" in shown and "**CLPM**" not in shown
