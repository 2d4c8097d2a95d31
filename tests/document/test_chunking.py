"""Chunking on the shipped article (real repair and structure) and on small plain texts."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from rag.document.chunking import Chunk, chunk_document
from rag.document.structure import structure_document, structure_plain
from rag.repair.text import repair_document

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "corpus" / "tech-diplomacy-th.txt"
DATA = Path(__file__).resolve().parents[1] / "data"


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="session")
def seed():
    doc = structure_document(repair_document(ARTICLE.read_text(encoding="utf-8")),
                             doc_id="tech-diplomacy-th", title="tech-diplomacy-th")
    return doc, chunk_document(doc)


def test_no_chunk_over_the_limit_and_none_empty(seed):
    _, chunks = seed
    assert chunks and all(0 < len(c.text) <= 1200 for c in chunks)


def test_chunks_never_cross_a_section(seed):
    doc, chunks = seed
    flows: dict[str, str] = {}
    for p in doc.paragraphs:
        flows[p.section] = flows.get(p.section, "") + "\n" + p.text
    for c in chunks:
        assert c.text in flows[c.section], c.chunk_id
    assert {c.section for c in chunks} == {""} | {s.title for s in doc.sections}


def test_the_whole_body_is_covered(seed):
    doc, chunks = seed
    texts = [squash(c.text) for c in chunks]
    for p in doc.paragraphs:
        for i in range(0, len(p.text), 50):
            piece = squash(p.text[i:i + 20])
            assert any(piece in t for t in texts), piece


def test_markers_are_linked_to_the_chunk_that_holds_them(seed):
    _, chunks = seed
    gold = json.loads((DATA / "seed_markers.json").read_text(encoding="utf-8"))["markers"]
    linked = 0
    for n, context in gold.items():
        holders = [(c, off) for c in chunks for off, m in c.markers if m == int(n)]
        if holders and all(squash(c.text[:off]).endswith(squash(context)) for c, off in holders):
            linked += 1
    assert linked >= 35
    for c in chunks:
        inside = {n for _, n in c.markers}
        assert inside <= set(c.footnotes) and len(set(c.footnotes) - inside) <= 1
        assert all(0 <= off <= len(c.text) for off, _ in c.markers)


def test_a_chunk_cut_from_a_cited_passage_cites_its_source():
    # The marker at the end of a long paragraph cites the whole paragraph: both chunks cut
    # from it list the reference, only the second holds the marker.
    text = " ".join(f"ประโยคที่ {i} อธิบายนโยบายการทูตเชิงเศรษฐกิจของประเทศ" for i in range(40)) + "3 "
    raw = text + "\n\n" + " " * 43 + "\n3 Lorenz, L. (2015). Principles in Action. American Security Project. \n"
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    assert [m.n for p in doc.paragraphs for m in p.markers] == [3]
    chunks = chunk_document(doc, max_chars=800)
    assert len(chunks) >= 2
    assert all(c.footnotes == [3] for c in chunks)
    assert [bool(c.markers) for c in chunks] == [False] * (len(chunks) - 1) + [True]


def test_cuts_fall_between_words_and_repeat_a_little_context(seed):
    doc, chunks = seed
    overlaps = 0
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert unicodedata.category(b.text[0]) != "Mn"
        if a.section == b.section and b.text[:40] in a.text:
            overlaps += 1
            assert len(a.text) - a.text.index(b.text[:40]) <= 150 + 40
    assert overlaps >= 5


def test_ids_are_stable_and_pages_are_set(seed):
    doc, chunks = seed
    assert [c.chunk_id for c in chunks] == [f"tech-diplomacy-th#{i:04d}" for i in range(len(chunks))]
    again = chunk_document(doc)
    assert [(c.chunk_id, c.text, c.page) for c in again] == [(c.chunk_id, c.text, c.page) for c in chunks]
    assert chunks[0].page == 1 and chunks[-1].page == 18
    assert [c.page for c in chunks] == sorted(c.page for c in chunks)


def test_the_heading_is_embedded_not_shown(seed):
    _, chunks = seed
    headed = next(c for c in chunks if c.section)
    assert headed.embed_text() == f"{headed.section}\n{headed.text}"
    assert not headed.text.startswith(headed.section)
    intro = chunks[0]
    assert intro.section == "" and intro.embed_text() == intro.text


def test_smaller_limit_is_kept(seed):
    doc, _ = seed
    small = chunk_document(doc, max_chars=300, overlap=40)
    assert all(len(c.text) <= 300 for c in small)
    assert sorted({n for c in small for n in c.footnotes}) == list(range(2, 38))


def test_english_prose_is_cut_at_sentence_ends():
    sentences = [f"Sentence number {i} talks about water policy and the river basin in detail." for i in range(30)]
    doc = structure_plain(" ".join(sentences), doc_id="en", title="English")
    chunks = chunk_document(doc, max_chars=400, overlap=0)
    assert len(chunks) > 3
    assert all(c.text.endswith(".") for c in chunks)


def test_text_without_spaces_is_cut_hard_but_safely():
    doc = structure_plain("การบริหารจัดการน้ำที่ยั่งยืน" * 120, doc_id="th", title="ไทย")
    chunks = chunk_document(doc, max_chars=500, overlap=50)
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(unicodedata.category(c.text[0]) != "Mn" for c in chunks)
    assert "".join(c.text for c in chunks) == doc.paragraphs[0].text


def test_chunk_is_a_plain_dataclass():
    c = Chunk(chunk_id="d#0000", doc_id="d", title="t", section="", page=None, text="x", footnotes=[], markers=[])
    assert c.embed_text() == "x"


def test_sentence_pairs_cover_every_sentence_and_an_odd_last_one_pairs_backwards() -> None:
    from rag.thai.sentences import split_sentences

    def chunk(text: str) -> Chunk:
        return Chunk(chunk_id="d#0000", doc_id="d", title="d", section="", page=None, text=text,
                     footnotes=[], markers=[])

    five = " ".join(f"Sentence number {n} says something long enough to stand alone here." for n in range(1, 6))
    sentences = [s.text for s in split_sentences(five)]
    assert len(sentences) == 5
    assert chunk(five).window_texts() == [" ".join(sentences[0:2]), " ".join(sentences[2:4]),
                                          " ".join(sentences[3:5])]
    four = " ".join(sentences[:4])
    assert chunk(four).window_texts() == [" ".join(sentences[0:2]), " ".join(sentences[2:4])]
    assert chunk(sentences[0]).window_texts() == []
