"""The Glossary page explains the terms the other pages use."""

from __future__ import annotations

from app_support import joined


def test_glossary_defines_the_key_terms(app):
    at = app("glossary")
    assert not at.exception
    text = joined(at, "markdown")
    for term in ("**CLPM**", "**RI-CLPM**", "**Within-person**", "**Standardized**", "**Disclosure control**"):
        assert term in text
