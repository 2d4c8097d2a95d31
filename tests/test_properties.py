"""Property tests of structure, chunking, query cleaning and tokenizing on generated input.

Whatever the text: chunks never exceed ``max_chars``, are never empty, come from their own
section's text and together cover every character of it; ids are ``doc#0000``, ``doc#0001``...
and the same input gives the same chunks; footnote text never leaks into a chunk. A query is
either refused with ``RagError`` (nothing left once control characters and spaces go) or
cleaned: no control characters, bounded length, stable when cleaned again. The tokenizer takes
any Unicode. (The repair stage has its own fuzz tests in repair/test_repair_fuzz.py.)
"""

from __future__ import annotations

import itertools
import os
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rag.document.chunking import chunk_document
from rag.document.structure import structure_document, structure_plain
from rag.errors import RagError
from rag.lexical.tokenize import MAX_QUERY_CHARS, QUESTION_WORDS, query_pieces, tokenize, tokenize_query
from rag.repair.text import repair_document
from rag.search import clean_query
from rag.thai.sentences import clip, stretches

EXAMPLES = int(os.environ.get("RAG_FUZZ_EXAMPLES", "60"))  # as in repair/test_repair_fuzz.py
PROPS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# whole documents through repair: fewer examples, and a failure is reported as found (shrinking a
# multi-page document takes minutes)
PROPS_DOCS = settings(PROPS, max_examples=max(1, EXAMPLES // 2), phases=[Phase.explicit, Phase.reuse, Phase.generate])

THAI = "".join(chr(c) for c in range(0x0E01, 0x0E5C) if unicodedata.category(chr(c)) != "Cn")
ALPHABET = THAI + "abcxyzABC0123456789 .,;:!?()-'\"“”…\u00a0\u200b"
THAI_WORDS = ["การทูต", "เทคโนโลยี", "ความร่วมมือ", "นโยบาย", "เศรษฐกิจ", "ประเทศไทย", "ภูมิภาค", "ญี่ปุ่น", "จีน",
              "สหรัฐอเมริกา", "การค้า", "ระหว่างประเทศ", "๒๕๖๖", "ที่", "และ", "ของ"]
LATIN_WORDS = ["STAs", "G20", "5G", "Asia-Pacific", "semiconductor", "diplomacy", "2023", "(WTO)", "China's", "e.g."]
WORDS = THAI_WORDS + LATIN_WORDS

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map(" ".join)
noise = st.text(alphabet=ALPHABET, min_size=1, max_size=80)
paragraph = st.one_of(words, noise, st.lists(st.one_of(words, noise), min_size=1, max_size=4).map("".join))
heading = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(lambda w: "# " + " ".join(w))
markdown = st.lists(st.one_of(paragraph, paragraph, heading), min_size=1, max_size=12).map("\n\n".join)


def section_runs(doc) -> list[tuple[str, str]]:
    """Each run of consecutive non-blank paragraphs of one section, as the chunker sees it."""
    runs: list[tuple[str, list[str]]] = []
    for p in doc.paragraphs:
        if not p.text.strip():
            continue
        if runs and runs[-1][0] == p.section:
            runs[-1][1].append(p.text)
        else:
            runs.append((p.section, [p.text]))
    return [(section, "\n".join(texts)) for section, texts in runs]


def non_space(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def check_chunks(doc, chunks, max_chars: int) -> None:
    assert [c.chunk_id for c in chunks] == [f"{doc.doc_id}#{i:04d}" for i in range(len(chunks))]
    for c in chunks:
        assert c.doc_id == doc.doc_id and c.title == doc.title
        assert 0 < len(c.text) <= max_chars
        assert c.text == c.text.strip()
        assert all(0 <= off <= len(c.text) for off, _ in c.markers)
        assert {n for _, n in c.markers} <= set(c.footnotes)
    groups = [(section, list(g)) for section, g in itertools.groupby(chunks, key=lambda c: c.section)]
    runs = section_runs(doc)
    assert [s for s, _ in groups] == [s for s, _ in runs]
    for (section, group), (_, flow) in zip(groups, runs, strict=True):
        for c in group:
            assert c.text in flow, (section, c.text[:60])
        covered = sum((non_space(c.text) for c in group), Counter())
        assert not non_space(flow) - covered, "text of the section missing from its chunks"


@PROPS
@given(markdown, st.integers(min_value=50, max_value=400), st.integers(min_value=0, max_value=120))
def test_plain_chunks_are_bounded_cover_their_section_and_are_stable(text: str, max_chars: int,
                                                                    overlap: int) -> None:
    doc = structure_plain(text, doc_id="doc", title="Doc")
    chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
    check_chunks(doc, chunks, max_chars)
    again = chunk_document(structure_plain(text, doc_id="doc", title="Doc"), max_chars=max_chars, overlap=overlap)
    assert again == chunks


# PDF-extracted pages: full-width body lines (a footnote marker glued to a word), then a
# separator, the footnotes (each with a sentinel word no body line has) and the page number.
SENTINEL = "Zqxnote"
body_line = st.lists(st.sampled_from(WORDS), min_size=14, max_size=22).map(" ".join)


@st.composite
def pdf_pages(draw) -> tuple[str, int]:
    lines: list[str] = []
    n = 0
    pages = draw(st.integers(min_value=1, max_value=3))
    for page in range(1, pages + 1):
        body = draw(st.lists(body_line, min_size=8, max_size=14))
        notes = []
        marked = draw(st.lists(st.integers(min_value=0, max_value=len(body) - 1), unique=True, max_size=3))
        for i in sorted(marked):  # numbered in reading order, at most one marker a line
            n += 1
            body[i] = f"{body[i]} {draw(st.sampled_from(THAI_WORDS[:12]))}{n}"  # a marker follows a Thai word
            title = " ".join(draw(st.lists(st.sampled_from(LATIN_WORDS + THAI_WORDS), min_size=2, max_size=8)))
            notes.append(f"{n} {SENTINEL}{n} Author, A. ({2000 + n}). {title}. Publisher.")
        lines += body + ([" " * 43] + notes if notes else []) + [str(page), "\f"]
    return "\n".join(lines), n


@PROPS_DOCS
@given(pdf_pages(), st.sampled_from([200, 600, 1200]))
def test_footnote_text_never_leaks_into_chunks(page_text: tuple[str, int], max_chars: int) -> None:
    raw, n_refs = page_text
    doc = structure_document(repair_document(raw), doc_id="paper", title="Paper")
    assert sorted(doc.references) == list(range(1, n_refs + 1))
    assert all(SENTINEL in r.text for r in doc.references.values())
    chunks = chunk_document(doc, max_chars=max_chars, overlap=max_chars // 8)
    check_chunks(doc, chunks, max_chars)
    for c in chunks:
        assert SENTINEL not in c.text, c.text
        assert set(c.footnotes) <= set(doc.references)
    cited = {n for c in chunks for n in c.footnotes}
    assert cited == set(doc.references), "every footnote is cited by the chunk holding its marker"
    assert chunks == chunk_document(structure_document(repair_document(raw), doc_id="paper", title="Paper"),
                                    max_chars=max_chars, overlap=max_chars // 8)


# What a query keeps: not whitespace, and not a control, format (zero-width), unassigned or
# private-use character, which the glyph repair drops (private-use Thai glyphs it maps back).
_DROPPED = {"Cc", "Cf", "Cn", "Co"}


def _cleanable(s: str) -> bool:
    """A letter or digit survives: a query of punctuation or symbols alone is refused too."""
    return any(ch.isalnum() and unicodedata.category(ch) not in _DROPPED for ch in unicodedata.normalize("NFC", s))


@PROPS
@given(st.one_of(st.text(max_size=500), st.text(alphabet=ALPHABET + "\x00\x07\x1b\x7f\t\n\r", max_size=200)))
def test_clean_query_refuses_only_empty_and_leaves_no_control_characters(text: str) -> None:
    try:
        cleaned, warnings = clean_query(text)
    except RagError:
        assert not _cleanable(text)
        return
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert cleaned == " ".join(cleaned.split())
    assert len(cleaned) <= MAX_QUERY_CHARS
    assert clean_query(cleaned)[0] == cleaned
    assert warnings == []


@pytest.mark.parametrize("text", ["\u200b", "\ufeff", " \u200b \u200c "])
def test_a_query_of_only_invisible_characters_is_empty(text: str) -> None:
    with pytest.raises(RagError, match="empty query"):
        clean_query(text)


@settings(PROPS, max_examples=max(1, EXAMPLES // 4))  # each example repairs 2,000+ characters
@given(st.text(alphabet=ALPHABET, min_size=MAX_QUERY_CHARS + 1, max_size=MAX_QUERY_CHARS + 400))
def test_long_queries_are_truncated_with_a_warning(text: str) -> None:
    try:
        cleaned, warnings = clean_query(text)
    except RagError:
        assert not _cleanable(text)
        return
    assert len(cleaned) <= MAX_QUERY_CHARS
    squeezed = " ".join(unicodedata.normalize("NFC", text).split())
    assert bool(warnings) == (len(squeezed) > MAX_QUERY_CHARS)


@PROPS
@given(st.text(max_size=300))
def test_tokenizer_takes_any_unicode(text: str) -> None:
    tokens = tokenize(text)
    assert all(isinstance(t, str) and t and t == t.strip() and t == t.lower() for t in tokens)
    assert tokenize(text) == tokens
    cut = tokenize(text[:MAX_QUERY_CHARS])
    assert tokenize_query(text) == ([t for t in cut if t not in QUESTION_WORDS] or cut)


@PROPS
@given(st.text(alphabet=ALPHABET, max_size=300), st.lists(st.sampled_from(sorted(QUESTION_WORDS)), max_size=3))
def test_query_pieces_are_stretches_of_the_question(text: str, asked: list[str]) -> None:
    """What the trigrams see of a question is cut from it, never made up (Thai digits read as
    Arabic, as everywhere in the lexical side)."""
    question = " ".join([text, *asked])
    folded = question.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")).replace("\u0e4d\u0e32", "\u0e33")
    pieces = query_pieces(question)
    assert pieces and all(p in folded for p in pieces)


@PROPS
@given(st.text(alphabet=ALPHABET, max_size=900), st.integers(min_value=1, max_value=300))
def test_stretches_cover_a_sentence_in_order(text: str, max_chars: int) -> None:
    """What an extract may show of a long sentence: stretches of at most ``max_chars`` that
    begin in order, start with its head and together leave none of it out but spaces."""
    text = text.strip(" ")
    spans = stretches(text, max_chars)
    if len(text) <= max_chars:
        assert spans == [(0, len(text))] and clip(text, 0, len(text)) == text
        return
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(0 < b - a <= max_chars for a, b in spans)
    assert all(a1 < a2 and not text[b1:a2].strip(" ") for (a1, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    for a, b in spans:
        shown = clip(text, a, b)
        core = shown
        if a > 0:
            assert core.startswith("… ")
            core = core.removeprefix("… ")
        if b < len(text):
            assert core.endswith(" …")
            core = core.removesuffix(" …")
        assert core in text[a:b]


def test_question_words_leave_the_lexical_query() -> None:
    """Each question word (one token to the segmenter) goes from the BM25 tokens and from the
    trigram text, at the end of a question or inside it; a question of nothing else keeps it."""
    for w in sorted(QUESTION_WORDS):
        assert tokenize_query(f"จีนใช้ STAs {w}") == ["จีน", "ใช้", "stas"]
        assert query_pieces(f"จีนใช้ STAs {w}") == ["จีนใช้ STAs "]
        assert query_pieces(f"STAs {w} จีนใช้") == ["STAs ", " จีนใช้"]
        assert tokenize_query(w) == [w] and query_pieces(w) == [w]


@PROPS
@given(st.text(alphabet=ALPHABET, max_size=300))
def test_thai_digits_tokenize_like_arabic_digits(text: str) -> None:
    thai = text.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert tokenize(thai) == tokenize(text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))
