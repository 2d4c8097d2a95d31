"""End to end: the shipped article through ingest, search and ask, with the real default model."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
from conftest import ARTICLE, run_rag

HIT_KEYS = {"rank", "score", "chunk_id", "doc_id", "title", "section", "page", "text", "footnotes"}
STA_QUESTIONS = ("จีนใช้ STAs อย่างไร", "How does China use STAs?")


def _is_sta_passage(hit: dict) -> bool:
    return "STAs" in hit["text"] and 18 in [f["n"] for f in hit["footnotes"]]


def test_index_holds_repaired_section_bounded_chunks(article_index: Path) -> None:
    manifest = json.loads((article_index / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["documents"]) == ["tech-diplomacy-th"]
    assert manifest["model"]["id"] == "intfloat/multilingual-e5-small"
    assert manifest["model"]["weights_hash"]
    chunks = [json.loads(line) for line in (article_index / "chunks.jsonl").open(encoding="utf-8")]
    assert len(chunks) == manifest["n_chunks"] > 40
    assert max(len(c["text"]) for c in chunks) <= 1200
    text = "\n".join(c["text"] for c in chunks)
    # repaired glyphs: no split SARA AM (consonant + space + SARA AA), no tone before upper vowel
    assert not re.search(r"[\u0e01-\u0e2e][\u0e48-\u0e4b]? \u0e32", text)
    assert not re.search(r"[\u0e48-\u0e4b][\u0e31\u0e34-\u0e37]", text)
    # no footnote-marker digits glued to Thai words (real numbers such as years stay)
    assert not re.search(r"[\u0e01-\u0e4e]\d{1,2}(?![\d.,/%])\s", text)
    sections = {c["section"] for c in chunks}
    assert "" in sections and len(sections) == 10  # untitled introduction + 9 headed sections


def test_sta_question_in_thai_and_english_finds_the_sta_passage(article_index: Path) -> None:
    for q in STA_QUESTIONS:
        out = run_rag("search", q, "--k", "5", "--json", "--index", str(article_index))
        assert out.returncode == 0, out.stderr
        hits = json.loads(out.stdout)["hits"]
        assert any(_is_sta_passage(h) for h in hits), (q, [h["text"][:80] for h in hits])


def test_search_queries_file_gives_one_json_line_per_query(article_index: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    rows = [{"qid": "a", "question": STA_QUESTIONS[0]}, {"id": "b", "question": STA_QUESTIONS[1], "x": 1}]
    qfile.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = run_rag("search", "--queries", str(qfile), "--k", "3", "--json", "--index", str(article_index))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().split("\n")
    assert len(lines) == 2
    results = [json.loads(line) for line in lines]
    assert [r["qid"] for r in results] == ["a", "b"]
    for r in results:
        assert set(r) == {"qid", "took_ms", "embed_ms", "hits"}
        assert 0 <= r["embed_ms"] <= r["took_ms"]
        assert len(r["hits"]) == 3
        for rank, h in enumerate(r["hits"], 1):
            assert set(h) == HIT_KEYS
            assert h["rank"] == rank
            assert isinstance(h["section"], str)
            assert h["page"] is None or isinstance(h["page"], int)
            for f in h["footnotes"]:
                assert set(f) == {"n", "text"} and isinstance(f["n"], int) and f["text"]


def test_ask_cites_wagner_and_simon(article_index: Path) -> None:
    out = run_rag("ask", STA_QUESTIONS[0], "--index", str(article_index))
    assert out.returncode == 0, out.stderr
    assert "Wagner" in out.stdout and "2023" in out.stdout
    assert "คำตอบ" in out.stdout and "แหล่งอ้างอิง" in out.stdout
    data = json.loads(run_rag("ask", STA_QUESTIONS[1], "--json", "--index", str(article_index)).stdout)
    assert data["lang"] == "en" and data["found"]
    assert any(s["n"] == 18 and "Wagner" in s["text"] for s in data["sources"])
    assert data["extract"] and all(1 <= s["cite"] <= len(data["passages"]) for s in data["extract"])


def test_missing_index_is_one_clear_line(tmp_path: Path) -> None:
    out = run_rag("search", "anything", "--index", str(tmp_path / "nowhere"))
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0 and "rag ingest" in out.stderr
    assert "Traceback" not in out.stderr


def test_index_precedence_env_then_cwd(article_index: Path, tmp_path: Path) -> None:
    env_run = run_rag("list", "--json", env={"RAG_INDEX": str(article_index)}, cwd=tmp_path)
    assert env_run.returncode == 0 and "tech-diplomacy-th" in env_run.stdout
    cwd_run = run_rag("list", "--json", env={"RAG_INDEX": ""}, cwd=article_index.parent)
    assert cwd_run.returncode == 0 and "tech-diplomacy-th" in cwd_run.stdout
    flag_run = run_rag("list", "--index", str(tmp_path / "none"), env={"RAG_INDEX": str(article_index)})
    assert flag_run.returncode != 0


def test_upsert_skip_and_remove(article_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(article_index, index)
    before = np.load(index / "vectors.npy")
    note = tmp_path / "note.md"
    note.write_text("# ความร่วมมือไทย-ญี่ปุ่น\n\nไทยและญี่ปุ่นลงนามความตกลงด้านเซมิคอนดักเตอร์ในปี 2024\n", encoding="utf-8")

    added = json.loads(run_rag("ingest", str(note), "--index", str(index), "--json", "--quiet").stdout)
    assert added["added"] == ["note"] and added["n_documents"] == 2 and added["chunks_embedded"] == 1
    after = np.load(index / "vectors.npy")
    assert np.array_equal(after[: len(before)], before)  # the article was not re-embedded

    again = json.loads(run_rag("ingest", str(note), str(ARTICLE), "--index", str(index), "--json", "--quiet").stdout)
    assert sorted(again["unchanged"]) == ["note", "tech-diplomacy-th"] and again["chunks_embedded"] == 0

    note.write_text("# ความร่วมมือไทย-ญี่ปุ่น\n\nไทยและญี่ปุ่นลงนามความตกลงด้านแร่หายากในปี 2025\n", encoding="utf-8")
    upd = json.loads(run_rag("ingest", str(note), "--index", str(index), "--json", "--quiet").stdout)
    assert upd["updated"] == ["note"]
    hits = json.loads(run_rag("search", "แร่หายาก", "--mode", "bm25", "--json", "--index", str(index)).stdout)["hits"]
    assert hits[0]["doc_id"] == "note" and hits[0]["section"] == "ความร่วมมือไทย-ญี่ปุ่น"

    rm = run_rag("remove", "note", "--index", str(index))
    assert rm.returncode == 0, rm.stderr
    listed = json.loads(run_rag("list", "--json", "--index", str(index)).stdout)
    assert [d["doc_id"] for d in listed] == ["tech-diplomacy-th"]
    assert np.array_equal(np.load(index / "vectors.npy"), before)
    for name in ("latent_indptr.npy", "latent_indices.npy", "latent_values.npy",  # the article's terms too
                 "units.npy", "unit_offsets.npy", "unit_windows.npy"):  # and its sentences and pairs
        assert np.array_equal(np.load(index / name), np.load(article_index / name)), name
    missing = run_rag("remove", "note", "--index", str(index))
    assert missing.returncode != 0 and "no document" in missing.stderr


def test_an_update_keeps_the_vectors_of_its_unchanged_texts(tmp_path: Path) -> None:
    """A document re-ingested with its last section changed: the other sections' chunks, sentences
    and pairs keep their stored vectors and latent terms byte for byte; only the changed texts
    are encoded."""
    sections = [f"## ส่วนที่ {i}\n\nไทยและญี่ปุ่นลงนามความตกลงด้านเซมิคอนดักเตอร์ฉบับที่ {i} ในปี 2024 "
                f"ความร่วมมือนี้ครอบคลุมการวิจัย การผลิต และการฝึกอบรมบุคลากร. "
                f"Section {i} covers research, production and training." for i in range(4)]
    doc, index = tmp_path / "pact.md", tmp_path / "index"
    doc.write_text("# ความตกลง\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    first = json.loads(run_rag("ingest", str(doc), "--index", str(index), "--json", "--quiet").stdout)
    assert first["texts_reused"] == 0
    before = {n: np.load(index / n) for n in ("vectors.npy", "units.npy", "unit_offsets.npy", "latent_values.npy")}
    chunks_before = [json.loads(line)["text"] for line in (index / "chunks.jsonl").read_text().splitlines()]

    sections[-1] = sections[-1].replace("ในปี 2024", "ในปี 2025 ด้านแร่หายาก")
    doc.write_text("# ความตกลง\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    upd = json.loads(run_rag("ingest", str(doc), "--index", str(index), "--json", "--quiet").stdout)
    assert upd["updated"] == ["pact"] and upd["texts_reused"] > 0
    chunks_after = [json.loads(line)["text"] for line in (index / "chunks.jsonl").read_text().splitlines()]
    same = [i for i, (a, b) in enumerate(zip(chunks_before, chunks_after, strict=False)) if a == b]
    assert same and len(same) < len(chunks_after)
    vectors, units, offsets = (np.load(index / n) for n in ("vectors.npy", "units.npy", "unit_offsets.npy"))
    for i in same:
        assert np.array_equal(vectors[i], before["vectors.npy"][i])
        old = before["units.npy"][before["unit_offsets.npy"][i]:before["unit_offsets.npy"][i + 1]]
        assert np.array_equal(units[offsets[i]:offsets[i + 1]], old)
    hits = json.loads(run_rag("search", "แร่หายาก", "--json", "--index", str(index)).stdout)["hits"]
    assert "แร่หายาก" in hits[0]["text"]


def test_latent_terms_find_the_answer_across_languages(article_index: Path) -> None:
    """Every chunk gets latent terms from the bundled head, and they carry meaning across
    languages: scored alone, they rank the passage holding an English question's answer near
    the top of the article's 53 (mean reciprocal rank ~0.9 measured; chance is ~0.08)."""
    from rag.embed import latent_head_id
    from rag.embed.latent import MAX_FEATURES, dense_query
    from rag.evaluation import canon
    from rag.search import Searcher

    manifest = json.loads((article_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["latent"] == {"head": latent_head_id()} and manifest["latent"]["head"]
    searcher = Searcher(article_index)
    counts = np.diff(searcher.latent.indptr)
    assert len(counts) == len(searcher.chunks) and counts.min() >= 32
    questions = [json.loads(line) for line in (ARTICLE.parents[1] / "eval" / "qa_dev.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    reciprocal = []
    for q in questions:
        gold = [i for i, c in enumerate(searcher.chunks) if any(canon(a) in canon(c.text) for a in q["answers"])]
        if q["lang"] != "en" or not gold:
            continue
        query = dense_query(*searcher.embedder.encode_query_latent(q["question"]), MAX_FEATURES)
        order = np.argsort(-searcher.latent.scores(query, np.arange(len(searcher.chunks))), kind="stable")
        reciprocal.append(1 / (1 + min(int(np.flatnonzero(order == g)[0]) for g in gold)))
    assert len(reciprocal) >= 10 and float(np.mean(reciprocal)) >= 0.6
    # hybrid search mixes them into English questions only (Thai ones have BM25 for that)
    from dataclasses import replace

    without = Searcher(article_index, embedder=searcher.embedder,
                       weights=replace(searcher.weights, latent_other=0.0))
    def scores(s: Searcher, question: str) -> list[tuple[str, float]]:
        return [(h.chunk_id, round(h.score, 6)) for h in s.search(question, k=5).hits]
    assert searcher.latent_on and searcher.weights.latent_other > 0 and searcher.weights.latent_thai == 0
    assert scores(searcher, STA_QUESTIONS[1]) != scores(without, STA_QUESTIONS[1])
    assert scores(searcher, STA_QUESTIONS[0]) == scores(without, STA_QUESTIONS[0])


def test_trigrams_match_a_spelling_that_word_bm25_cuts_differently(article_index: Path) -> None:
    """A transliterated word spelt another way (ค for ก, a tone mark, another vowel) shares no word
    token with the article's spelling under newmm, but most of its character trigrams: scored
    over every chunk, trigram BM25 ranks exactly the chunks that hold the article's spelling
    first. Hybrid search mixes trigrams into Thai questions only."""
    from dataclasses import replace

    from rag.lexical.tokenize import tokenize_query
    from rag.search import Searcher

    searcher = Searcher(article_index)
    spelled = "เซมิคอนดักเตอร์"
    holding = {i for i, c in enumerate(searcher.chunks)
               if spelled in c.lexical_text(searcher.references.get(c.doc_id, {}))}
    assert holding
    every = list(range(len(searcher.chunks)))
    for variant in ("ซีมิคอนดั๊กเตอร์", "เซมี่คอนดัคเตอร์"):
        assert not set(tokenize_query(variant)) & set(tokenize_query(spelled))  # no shared whole word...
        scores = searcher.trigram_scores(every, variant, None)
        top = sorted(scores, key=lambda i: -scores[i])[: len(holding)]
        assert set(top) == holding  # ...but the trigrams find every chunk that has it
    without = Searcher(article_index, embedder=searcher.embedder,
                       weights=replace(searcher.weights, trigram_thai=0.0, trigram_other=0.0))

    def scores_of(s: Searcher, question: str) -> list[tuple[str, float]]:
        return [(h.chunk_id, round(h.score, 6)) for h in s.search(question, k=5).hits]
    assert searcher.weights.trigram_thai > 0 and searcher.weights.trigram_other == 0
    assert scores_of(searcher, STA_QUESTIONS[0]) != scores_of(without, STA_QUESTIONS[0])
    assert scores_of(searcher, STA_QUESTIONS[1]) == scores_of(without, STA_QUESTIONS[1])


def test_question_words_match_nothing(article_index: Path) -> None:
    """อย่างไร ("how") sits inside อย่างไรก็ตาม ("however"): its trigrams once matched every
    "however" in the article and put a chunk that only contrasts STAs with trade agreements
    first for "จีนใช้ STAs อย่างไร". The lexical side now reads the question without it, and
    the first hit is the passage that answers (gold q037 in eval/qa_dev.jsonl)."""
    from rag.lexical.tokenize import tokenize_query
    from rag.search import Searcher

    searcher = Searcher(article_index)
    question, bare = STA_QUESTIONS[0], "จีนใช้ STAs"
    every = list(range(len(searcher.chunks)))
    texts = [c.lexical_text(searcher.references.get(c.doc_id, {})) for c in searcher.chunks]
    however = [i for i, t in enumerate(texts) if "อย่างไรก็ตาม" in t]
    assert however
    raw = searcher.trigrams.scores(searcher.trigrams.query_terms([(question, 1)]), texts)
    stripped = searcher.trigrams.scores(searcher.trigrams.query_terms([(bare, 1)]), texts)
    assert all(raw[i] > stripped[i] for i in however)  # what the question word used to add
    assert searcher.trigram_scores(every, question, None) == searcher.trigram_scores(every, bare, None)
    assert tokenize_query(question) == tokenize_query(bare)
    answers = [json.loads(line) for line in (Path(__file__).parents[1] / "eval" / "qa_dev.jsonl").open(encoding="utf-8")]
    gold = next(q["answers"] for q in answers if q["question"] == question)
    top = " ".join(searcher.search(question, k=1).hits[0].text.split())
    assert any(a in top for a in gold), top[:200]


def test_sentence_pairs_are_stored_after_each_chunks_units_and_scored_as_a_view_of_their_own(
        article_index: Path) -> None:
    """Each chunk's last units are its sentence pairs, embedded from Chunk.window_texts; the
    dense score mixes its chunk vector, its best sentence and its best pair, each read from
    the right rows (a pair counted as a sentence, or the reverse, changes the scores)."""
    from dataclasses import replace

    from rag.search import Searcher

    searcher = Searcher(article_index)
    counts = [len(c.window_texts()) for c in searcher.chunks]
    assert searcher.unit_windows.tolist() == counts and sum(counts) >= len(counts)
    i = max(range(len(counts)), key=lambda j: counts[j])
    units = searcher.units[searcher.unit_offsets[i]:searcher.unit_offsets[i + 1]]
    pairs, others = units[len(units) - counts[i]:], units[: len(units) - counts[i]]
    fresh = searcher.embedder.encode_passages(searcher.chunks[i].window_texts())
    assert np.min(np.sum(fresh * pairs, axis=1)) > 0.999  # the same texts, in order
    q = searcher.embedder.encode_queries([STA_QUESTIONS[1]])[0]
    chunk = float(searcher.vectors[i] @ q)
    for a, c, want in ((0.0, 1.0, float(np.max(pairs @ q))), (0.0, 0.0, float(np.max(others @ q))),
                       (1.0, 0.0, chunk)):
        searcher.weights = replace(searcher.weights, chunk_share=a, window_share=c)
        assert abs(searcher.rescore([i], q)[i] - want) < 1e-5
    # a chunk of one sentence has no pair: its best sentence stands in for one
    single = [j for j, n in enumerate(counts) if n == 0]
    for j in single[:3]:
        searcher.weights = replace(searcher.weights, chunk_share=0.0, window_share=1.0)
        as_pair = searcher.rescore([j], q)[j]
        searcher.weights = replace(searcher.weights, chunk_share=0.0, window_share=0.0)
        assert abs(as_pair - searcher.rescore([j], q)[j]) < 1e-6


def test_english_question_words_put_into_thai_find_the_passage_that_names_them(article_index: Path) -> None:
    """"Who is the science adviser to Japan's foreign minister?": the dense views put a passage
    that mentions advisers in passing first; the dictionary (rag.bilingual) reads "adviser" as
    ที่ปรึกษา and "foreign minister" as รัฐมนตรีว่าการกระทรวงต่างประเทศ, whose trigrams match the
    article's รัฐมนตรีว่าการกระทรวงการต่างประเทศ, and the passage naming the minister's science
    and technology advisers comes first. Thai questions do without it."""
    from dataclasses import replace

    from rag.search import Searcher

    searcher = Searcher(article_index)
    without = Searcher(article_index, embedder=searcher.embedder, weights=replace(searcher.weights, dictionary_other=0.0))
    question = "Who is the science adviser to Japan's foreign minister?"
    read = dict(searcher.dictionary.translate(question))
    assert "ที่ปรึกษา" in read["adviser"] and read["foreign_minister"] == ("รัฐมนตรีว่าการกระทรวงต่างประเทศ",)
    first = searcher.search(question, k=1).hits[0].text
    assert "ที่ปรึกษาร่วมด้านวิทยาศาสตร์และเทคโนโลยีของรัฐมนตรีว่าการกระทรวงการต่างประเทศ" in first
    assert "Kano Mitsunobu" in first
    assert "Kano Mitsunobu" not in without.search(question, k=1).hits[0].text

    def scores(s: Searcher, q: str) -> list[tuple[str, float]]:
        return [(h.chunk_id, round(h.score, 6)) for h in s.search(q, k=5).hits]
    assert scores(searcher, STA_QUESTIONS[0]) == scores(without, STA_QUESTIONS[0])


def test_explain_shows_every_view_behind_the_ranking(article_index: Path) -> None:
    """Searcher.explain computes what search does, view by view: its fused scores rank the same
    chunks with the same scores; a Thai question gets word and trigram BM25, an English one the
    latent terms and the dictionary's Thai words; the dense side rescored every candidate."""
    from rag.search import Searcher

    searcher = Searcher(article_index)
    for question in (*STA_QUESTIONS, "Who is the science adviser to Japan's foreign minister?"):
        for mode in ("hybrid", "dense", "bm25"):
            found = searcher.search(question, k=5, mode=mode)
            why = searcher.explain(question, k=5, mode=mode)
            assert [(searcher.chunks[i].chunk_id, s) for i, s in why.top(5)] == \
                [(h.chunk_id, h.score) for h in found.hits], (question, mode)
            if mode != "bm25":
                assert set(why.dense) == set(why.chunk) | set(why.bm25) and why.qvec is not None
    thai, english = searcher.explain(STA_QUESTIONS[0]), searcher.explain(STA_QUESTIONS[1])
    assert thai.thai and thai.bm25 and thai.trigram and not thai.latent and not thai.dictionary
    assert not english.thai and english.latent and not english.trigram
    assert set(english.latent) <= set(english.fused) and english.shares["latent"] == searcher.weights.latent_other
    assert searcher.explain("Who is the science adviser to Japan's foreign minister?").dictionary
