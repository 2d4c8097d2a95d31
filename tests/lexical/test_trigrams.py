"""Character-trigram BM25 (rag.trigrams): bm25s's scores from a document-frequency table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bm25s
import numpy as np
import pytest

from rag.lexical.trigrams import TrigramTable, trigram_keys

XQUAD = Path(__file__).parents[1] / "data" / "xquad_th" / "corpus.jsonl"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def fold(text: str) -> str:
    """The folding spelled out with str methods: what rag.trigrams does on code points."""
    text = text.lower().translate(_THAI_DIGITS).replace("\u0e4d\u0e32", "\u0e33")
    return " ".join(text.split())


def grams(text: str) -> list[str]:
    t = fold(text)
    return [t[i : i + 3] for i in range(len(t) - 2)]


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return [json.loads(line)["text"] for line in XQUAD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("text", [
    "สวัสดี ครับ", "  หลาย   ช่อง\tว่าง\n\nและบรรทัด  ", "ปี ๒๕๖๗ และ 2024", "กํา กำ น้ํา",
    "ASEAN Digital Masterplan", "\u00a0nbsp\u2003em\u3000ideographic ", "ab", "", "İstanbul ß",
])
def test_keys_are_the_trigrams_of_the_folded_text(text: str) -> None:
    expected = [(ord(g[0]) << 42) | (ord(g[1]) << 21) | ord(g[2]) for g in grams(text)]
    assert trigram_keys(text).tolist() == expected


def test_scores_equal_bm25s_over_the_same_trigrams(paragraphs: list[str]) -> None:
    """The table keeps only document frequencies, yet scores a candidate as bm25s's own
    index of the trigrams does (same idf, length normalisation, repeated query trigrams)."""
    table = TrigramTable.build(paragraphs, k1=1.2, b=0.75)
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index([grams(p) for p in paragraphs], show_progress=False)
    # bm25s adds an empty token of its own to the vocabulary
    assert table.n_docs == len(paragraphs) and len(table.keys) == len(set(ref.vocab_dict) - {""})
    for query in ("ทีมใดชนะการแข่งขันซูเปอร์โบวล์ ๕๐", "มหาวิทยาลัยวอร์ซอก่อตั้งเมื่อใด ใครเป็นผู้ก่อตั้ง",
                  "Super Bowl 50 ที่ ที่ ที่", "ไม่มีคำนี้ในคลังเลยxyzq"):
        ids = [ref.vocab_dict[g] for g in grams(query) if g in ref.vocab_dict]
        want = np.asarray(ref.get_scores(ids), dtype=np.float32) if ids else np.zeros(len(paragraphs), np.float32)
        cand = list(range(0, len(paragraphs), 3))
        got = table.scores(table.query_terms([(query, 1)]), [paragraphs[i] for i in cand])
        np.testing.assert_allclose(got, want[cand], rtol=1e-5, atol=1e-5)
        # a text's score does not depend on the other candidates scored with it
        alone = [float(table.scores(table.query_terms([(query, 1)]), [paragraphs[i]])[0]) for i in cand[:5]]
        np.testing.assert_allclose(got[:5], alone, rtol=1e-6, atol=1e-6)


def test_a_trigram_never_spans_two_candidates() -> None:
    table = TrigramTable.build(["กขค", "งจฉ", "ขคง"], k1=1.2, b=0.75)
    terms = table.query_terms([("ขคง", 1)])
    # "กขค" + "งจฉ" side by side would hold "ขคง" if they were simply joined
    assert table.scores(terms, ["กขค", "งจฉ", "ขคง"]).tolist()[:2] == [0.0, 0.0]
    assert table.scores(terms, ["กขค", "งจฉ", "ขคง"])[2] > 0
    # a NUL inside a text (it joins candidates internally) is an ordinary space
    assert table.scores(terms, ["ก\x00ขคง"])[0] == table.scores(terms, ["ก ขคง"])[0] > 0


def test_query_repeats_weigh_like_bm25_and_unknown_trigrams_drop(paragraphs: list[str]) -> None:
    table = TrigramTable.build(paragraphs[:50], k1=1.2, b=0.75)
    once = table.query_terms([("มหาวิทยาลัย", 1)])
    twice = table.query_terms([("มหาวิทยาลัย", 2)])
    assert once[0].tolist() == twice[0].tolist()
    np.testing.assert_allclose(twice[1], 2 * once[1], rtol=1e-6)
    keys, weights = table.query_terms([("ฮฮฮ qqq", 1)])
    assert len(keys) == 0 and len(weights) == 0
    assert table.scores((keys, weights), paragraphs[:3]).tolist() == [0.0, 0.0, 0.0]


def test_streamed_build_equals_one_batch(paragraphs: list[str]) -> None:
    whole = TrigramTable.build(paragraphs, k1=1.2, b=0.75)
    streamed = TrigramTable.build(iter(paragraphs), k1=1.2, b=0.75, batch=7)
    assert whole.keys.tolist() == streamed.keys.tolist() and whole.df.tolist() == streamed.df.tolist()
    assert whole.avgdl == pytest.approx(np.mean([len(grams(p)) for p in paragraphs]))
    assert np.all(np.diff(whole.keys) > 0)
    present = {g for p in paragraphs for g in set(grams(p))}
    assert len(present) == len(whole.keys)
    word = fold("ซูเปอร์โบวล์")[:3]
    key = (ord(word[0]) << 42) | (ord(word[1]) << 21) | ord(word[2])
    i = int(np.searchsorted(whole.keys, key))
    assert whole.df[i] == sum(word in fold(p) for p in paragraphs)


def test_empty_corpus_and_empty_texts() -> None:
    table = TrigramTable.build([], k1=1.2, b=0.75)
    assert table.n_docs == 0 and len(table.keys) == 0
    assert table.scores(table.query_terms([("อะไร", 1)]), ["อะไรนะ"]).tolist() == [0.0]
    table = TrigramTable.build(["", "ก", "อะไรนะ"], k1=1.2, b=0.75)
    assert table.scores(table.query_terms([("อะไร", 1)]), ["", "ก", "อะไรนะ"]).tolist()[:2] == [0.0, 0.0]
    assert re.fullmatch(r"[\d.]+", str(table.avgdl))


def test_many_short_queries_at_once_equal_each_on_its_own(paragraphs: list[str]) -> None:
    """An English question's Thai words (rag.bilingual) are cut into trigrams and scored in one
    pass: the same terms and scores as one query at a time, whatever stands around a word."""
    table = TrigramTable.build(paragraphs, k1=1.2, b=0.75)
    words = ["ดินปืน", " มหาวิทยาลัย ", "", "ก", "กาฬโรค กาฬโรค", "xyzq ฮฮฮ", "ผู้ก่อตั้ง", "\x00ทีม\x00", "Super Bowl"]
    each = table.query_terms_each(words)
    assert len(each) == len(words)
    for word, (keys, weights) in zip(words, each, strict=True):
        want_keys, want_weights = table.query_terms([(word, 1)])
        assert keys.tolist() == want_keys.tolist(), word
        np.testing.assert_allclose(weights, want_weights, rtol=1e-6)
    texts = paragraphs[:12]
    together = table.scores_each(each, texts)
    assert together.shape == (len(texts), len(words))
    for j, terms in enumerate(each):
        np.testing.assert_allclose(together[:, j], table.scores(terms, texts), rtol=1e-5, atol=1e-6)
    assert together[:, 2].tolist() == [0.0] * len(texts)  # the empty word scores nothing
    empty = TrigramTable.build([], k1=1.2, b=0.75)
    assert [len(k) for k, _ in empty.query_terms_each(["อะไร", "ก"])] == [0, 0]
    assert empty.scores_each(empty.query_terms_each(["อะไร"]), ["อะไรนะ"]).tolist() == [[0.0]]
