"""Whose is a hyphen that ends a line: the typesetter's (join the word back) or the author's
(keep it). Read from the document's own spellings first, then from its producer."""

from __future__ import annotations

import pytest

from rag.document.hyphens import Hyphens, typeset_by_tex

BODY = [
    "The technology of the region grew fast, and Biden-Harris policy",
    "shaped e-commerce rules; see https://example.org/trade-",
    "policy for the full text of the agree-",
]


@pytest.mark.parametrize(
    ("tex", "before", "after", "joined"),
    [
        (False, "new forms of tech-", "nology and", True),  # printed whole elsewhere
        (False, "the Biden-", "Harris policy", False),  # a capital after the break
        (False, "the e-", "commerce rules", False),  # the pair printed within a line
        (False, "a well-", "known case", False),  # no evidence, and not TeX: the author's
        (True, "a well-", "known case", True),  # TeX hyphenates to fill the line
        (True, "see https://example.org/trade-", "policy for", False),  # inside a URL
        (True, "at https://example.org/ trade-", "policy for", False),  # a URL stretched at its slash
        (True, "the year 2019-", "twenty", False),  # a number glued to it
        (True, "in ASEAN 2020-", "2025 plans", False),  # a digit after the break
        (False, "the agree\u00ad", "ment says", True),  # a soft hyphen is always the typesetter's
        (True, "a sentence ends -", "here", False),  # no word before the hyphen
    ],
)
def test_a_line_end_hyphen_is_read_from_the_document(tex: bool, before: str, after: str, joined: bool):
    hyphens = Hyphens.of(BODY, tex=tex)
    assert hyphens.broken_word(before, after) is joined


def test_a_word_broken_at_a_line_end_is_no_word_of_the_document():
    # "agree-" ends a line: "agree" must not count as printed whole, or "agree-" / "ment"
    # would look like an author's compound by accident of its half
    hyphens = Hyphens.of(BODY, tex=False)
    assert "agree" not in hyphens.words and "technology" in hyphens.words
    assert "e-commerce" in hyphens.pairs


def test_the_producer_says_whether_tex_made_the_pdf():
    assert typeset_by_tex("LaTeX with hyperref", "xdvipdfmx (20220710)")
    assert typeset_by_tex("", "pdfTeX-1.40.25")
    assert not typeset_by_tex("Writer", "LibreOffice 7.4")
    assert not typeset_by_tex("Mozilla/5.0 HeadlessChrome", "Skia/PDF m120")
    assert not typeset_by_tex(None, None)
