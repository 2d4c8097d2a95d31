"""Bilingual (Thai/English) retrieval Q&A over Thai policy papers."""

__version__ = "0.1.0"
