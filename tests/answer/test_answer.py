"""Composed answers from the real index of the shipped article: extract, passages, sources.

Everything an answer shows must come from the documents: extract sentences are checked
against the text of the passage they cite, sources against the references the passages
carry. Off-topic questions must get "nothing found", not weak matches.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_rag

from rag.answer import LABELS, about_document, compose, query_terms, render_markdown, render_rich
from rag.answer.compose import CLOSEST
from rag.document.structure import Reference
from rag.errors import RagError
from rag.search import Hit
from rag.thai.sentences import is_fragment_start, split_sentences

CHINA = "จีน: เทคโนโลยี อำนาจ และการทูต"
ROOT = Path(__file__).resolve().parents[2]
JAPAN = "ญี่ปุ่น: นวัตกรรม การทูต และความร่วมมือ"


def squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- sentences


def test_thai_sentences_end_at_spaces_between_thai_words_only():
    text = ("อย่างไรก็ตาม STAs มีความแตกต่างจากความตกลงทางการค้าซึ่งบริหารโดยกระทรวงพาณิชย์ของจีน "
            "(Ministry of Commerce: MOFCOM) และคณะกรรมการพัฒนาและปฏิรูปแห่งชาติ "
            "ดังนั้นจีนจึงใช้ความตกลงเป็นเครื่องมือทางการทูตโดยมีเป้าหมายคือความมั่นคงทางอาหาร พลังงาน "
            "และทรัพยากรธรรมชาติ ยุทธศาสตร์การแข่งขันในด้านการกำกับเทคโนโลยี AI สะท้อนได้จากเอกสารสองฉบับ")
    sents = [s.text for s in split_sentences(text)]
    assert sents == [
        "อย่างไรก็ตาม STAs มีความแตกต่างจากความตกลงทางการค้าซึ่งบริหารโดยกระทรวงพาณิชย์ของจีน "
        "(Ministry of Commerce: MOFCOM) และคณะกรรมการพัฒนาและปฏิรูปแห่งชาติ",
        "ดังนั้นจีนจึงใช้ความตกลงเป็นเครื่องมือทางการทูตโดยมีเป้าหมายคือความมั่นคงทางอาหาร พลังงาน "
        "และทรัพยากรธรรมชาติ",
        "ยุทธศาสตร์การแข่งขันในด้านการกำกับเทคโนโลยี AI สะท้อนได้จากเอกสารสองฉบับ",
    ]


def test_latin_sentences_end_at_stops_but_not_at_initials_or_abbreviations():
    text = ("Wagner, C. S., & Simon, D. F. (2023). China's use of formal agreements as a tool of diplomacy. "
            "The U.S. Department of State, e.g. its science envoys, took note! Did Japan? Yes.")
    sents = [s.text for s in split_sentences(text, min_chars=5)]
    assert sents == [
        "Wagner, C. S., & Simon, D. F. (2023).",
        "China's use of formal agreements as a tool of diplomacy.",
        "The U.S. Department of State, e.g. its science envoys, took note!",
        "Did Japan? Yes.",
    ]
    offsets = split_sentences(text, min_chars=5)
    assert all(text[s.start:s.end] == s.text for s in offsets)


def test_a_passage_cut_inside_a_sentence_is_recognised():
    assert is_fragment_start("(National Development and Reform Commission: NDRC) ซึ่ง STAs ที่เน้นความร่วมมือ")
    assert is_fragment_start("และหน่วยงานภาครัฐ เช่น นโยบาย")
    assert not is_fragment_start("(3) การมีอิทธิพลต่อการตัดสินใจ")
    assert not is_fragment_start("ดังนั้นจีนจึงใช้ความตกลงด้านวิทยาศาสตร์")


def test_query_terms_drop_stop_words_and_particles():
    assert query_terms("จีนใช้ STAs อย่างไร") == ["stas", "จีน"]
    assert set(query_terms("How does China use STAs?")) == {"china", "stas"}
    assert query_terms("แล้วญี่ปุ่นล่ะ") == ["ญี่ปุ่น"]


# --------------------------------------------------------------------------- answers


def check_grounded(answer) -> None:
    """Nothing invented: each extract sentence is in the passage it cites, once."""
    texts = {p.n: squash(p.hit.text) for p in answer.passages}
    seen = set()
    for s in answer.extract:
        body = s.text.removeprefix("… ").removesuffix(" …")
        assert squash(body) in texts[s.cite], (s.cite, s.text)
        assert squash(body) not in seen
        seen.add(squash(body))
    refs = {(p.hit.doc_id, r.n): r.text for p in answer.passages for r in p.hit.footnotes}
    for src in answer.sources:
        assert refs[(src.doc_id, src.n)] == src.text
        assert all(src.n in [r.n for r in answer.passages[n - 1].hit.footnotes] for n in src.cited_by)


@pytest.mark.parametrize("question, lang", [("How does China use STAs?", "en"), ("จีนใช้ STAs อย่างไร", "th")])
def test_question_about_stas_gets_a_grounded_cited_answer(assistant, question, lang):
    answer = assistant.ask(question)
    assert answer.found and answer.lang == lang
    assert 1 <= len(answer.extract) <= 3 and sum(len(s.text) for s in answer.extract) <= 700
    assert all(CHINA == p.hit.section for p in answer.passages[:3])
    check_grounded(answer)
    wagner = next(s for s in answer.sources if s.n == 18)
    assert wagner.text.startswith("Wagner, C. S., & Simon, D. F. (2023)")
    md = render_markdown(answer)
    labels = LABELS[lang]
    assert [line for line in md.splitlines() if line.startswith("### ")] == [
        f"### {labels['answer']}", f"### {labels['passages']}", f"### {labels['sources']}"]
    assert "<mark>STAs</mark>" in md and "<sup>18</sup>" in md
    assert re.search(r"^- <sup>18</sup> Wagner, C\. S\., &amp; Simon.*\(\[\d\]\)$", md, flags=re.M)
    # each extract line ends with its citation; the extract draws on the top passages
    assert re.search(r"^- .+ \[\d\]$", md, flags=re.M)
    assert min(s.cite for s in answer.extract) <= 3


@pytest.mark.parametrize("question", ["How does China use STAs?", "จีนใช้ STAs อย่างไร"])
def test_bm25_mode_is_answered_with_the_cosines_of_its_hits(assistant, question):
    """A bm25 search measures no cosines; the gate read 0 for the best passage's and refused
    every question in that mode (found by `rag eval`'s Refused). The answer measures them."""
    bm25 = assistant.ask(question, mode="bm25")
    assert bm25.found and bm25.extract
    hybrid = {p.hit.chunk_id: p.hit.similarity for p in assistant.ask(question).passages}
    shared = [p.hit for p in bm25.passages if p.hit.chunk_id in hybrid]
    assert shared and all(h.similarity == pytest.approx(hybrid[h.chunk_id], abs=1e-5) for h in shared)
    assert bm25.signals["c1"] == pytest.approx(max(p.hit.similarity for p in bm25.passages), abs=1e-6)


def test_a_how_question_is_answered_by_the_sentence_that_says_how(assistant):
    """"จีนใช้ STAs อย่างไร": the sentence that best restates the question says what STAs differ
    from; the answer is the one after it ("ดังนั้นจีนจึงใช้ ... เป็นเครื่องมือทางการทูตเพื่อ ...").
    The extract is the window that holds it, marked "…" where it opens inside a sentence
    (gold answers of q037 in eval/qa_dev.jsonl)."""
    gold = next(json.loads(line) for line in (ROOT / "eval" / "qa_dev.jsonl").open(encoding="utf-8")
                if json.loads(line)["id"] == "q037")
    answer = assistant.ask(gold["question"])
    check_grounded(answer)
    quoted = " ".join(x.text for x in answer.extract)
    assert any(squash(said) in squash(quoted) for said in gold["answers"]), quoted
    assert sum(len(x.text) for x in answer.extract) <= 900


def test_footnote_markers_sit_where_they_are_in_the_text(assistant):
    answer = assistant.ask("จีนใช้ STAs อย่างไร")
    p = next(p for p in answer.passages if any(n == 18 for _, n in p.hit.markers))
    pos = next(pos for pos, n in p.hit.markers if n == 18)
    md = render_markdown(answer)
    before = squash(p.hit.text[:pos])[-12:]
    plain = re.sub(r"</?mark>|\\", "", md)
    assert f"{before}<sup>18</sup>" in plain


@pytest.mark.parametrize("question, phrase", [
    ("ยุทธศาสตร์วงจรคู่ขนานคืออะไร", "ยุทธศาสตร์วงจรคู่ขนาน"),  # refused at 0.847 by the old Thai gate (0.848)
    ("Technosocialism คืออะไร", "Technosocialism"),
    ("What is the dual circulation strategy?", "Dual Circulation"),
    ("Who founded Bio-5?", "Bio-5"),
])
def test_questions_on_what_the_article_says_are_answered(assistant, question, phrase):
    answer = assistant.ask(question)
    assert answer.found
    assert phrase in answer.passages[0].hit.text + answer.passages[1].hit.text


@pytest.mark.parametrize("question", [
    "Who is the best tennis player of all time?",
    "How do I change the oil in my car?",
    "How do I make pad thai at home?",  # "thai" once drew the passages about Thailand
    "วิธีทำผัดกะเพราไก่ไข่ดาว",
    "ราคาทองคำวันนี้เท่าไหร่",
])
def test_off_topic_questions_find_nothing(assistant, question):
    answer = assistant.ask(question)
    assert not answer.found and not answer.extract and not answer.sources
    assert 0 < len(answer.passages) <= CLOSEST  # the closest passages, under the "nothing found" line
    md = render_markdown(answer)
    lab = LABELS[answer.lang]
    assert lab["none"] in md and f"### {lab['closest']}" in md and f"### {lab['passages']}" not in md
    assert md.index(lab["none"]) < md.index("**[1]**")


@pytest.mark.parametrize("question, expected", [
    ("What is this paper about?", True),
    ("Summarize the conclusion", True),
    ("What does the author argue?", True),
    ("ผู้เขียนสรุปว่าอย่างไร", True),
    ("ประเด็นหลักของเอกสารคืออะไร", True),
    ("What does this paper say about pad thai?", False),  # one more word: a topic, gated as usual
    ("How do I write a research paper?", False),
    ("Recommend a good movie to watch tonight", False),
    ("ครับ", False),  # no word about a document at all
    ("How does China use STAs?", False),
])
def test_questions_about_the_whole_document_are_recognised(question, expected):
    assert about_document(question) is expected


@pytest.mark.parametrize("question", ["What is this paper about?", "What does the author argue?",
                                      "Summarize the conclusion", "บทความนี้เสนอแนะอะไร"])
def test_a_question_about_the_document_is_answered_from_its_opening_and_closing(assistant, question):
    """Such questions match no passage closely (English ones scored 0.77-0.81 on the article,
    under the gate, and got "nothing found"); a paper says what it is about where it opens
    and what it concludes where it closes, so that is where they are answered."""
    answer = assistant.ask(question)
    assert answer.found and answer.about_document and answer.scope == "tech-diplomacy-th"
    sections = {p.hit.section for p in answer.passages}
    assert "ข้อเสนอแนะต่อไทย" in sections and sections <= {"", "ข้อเสนอแนะต่อไทย"}, sections
    assert answer.extract
    check_grounded(answer)
    md = render_markdown(answer)
    assert f"*{LABELS[answer.lang]['scope']} “tech-diplomacy-th”*" in md.replace("\\", "")


def test_off_topic_question_naming_the_paper_still_finds_nothing(assistant):
    answer = assistant.ask("What does this paper say about pad thai?")
    assert not answer.found and not answer.about_document and not answer.extract


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory):
    """Two small papers (an introduction, a body, a conclusion, then references or an appendix)
    and a reading list."""
    from rag.api import ingest, open_index

    root = tmp_path_factory.mktemp("papers")
    (root / "solar.md").write_text(
        "# Rooftop solar in rural Thailand\n\nThis paper studies how rooftop solar panels change "
        "household electricity costs in villages of Nan province.\n\n# Survey method\n\nWe interviewed "
        "120 households about their monthly bills before and after installing panels.\n\n# Results\n\n"
        "Bills fell by a third on average, and households with batteries saved the most.\n\n# Conclusion\n\n"
        "Rooftop solar pays for itself within six years, so provincial loans for panels should be "
        "expanded.\n\n# References\n\nEnergy Policy and Planning Office (2022). Electricity statistics of "
        "Thailand. Bangkok.\n", encoding="utf-8")
    (root / "rice.md").write_text(
        "# Drought and rice farming\n\nThis paper asks how farmers in the northeast adapt rice planting to "
        "longer droughts.\n\n# Field visits\n\nWe followed 40 farms in Khon Kaen through two dry seasons and "
        "recorded planting dates and yields.\n\n# Conclusion\n\nFarmers who moved planting later and used "
        "drought-tolerant seed kept most of their yield, so seed programmes deserve more support.\n\n"
        "# Appendix\n\nTable A1 lists the farms visited and their district.\n", encoding="utf-8")
    (root / "reading.md").write_text("# References\n\nSmith, J. (2020). Energy in Southeast Asia. Singapore.\n",
                                     encoding="utf-8")
    ingest([root / "solar.md", root / "rice.md", root / "reading.md"], index=root / "index")
    return open_index(root / "index")


def test_document_ends_skip_back_matter(papers):
    searcher = papers.searcher
    for doc, opening in (("solar", "Rooftop solar in rural Thailand"), ("rice", "Drought and rice farming")):
        assert {searcher.chunks[i].section for i in searcher.document_ends(doc)} == {opening, "Conclusion"}
    # a document that is nothing but a reference list is read as it is
    assert {searcher.chunks[i].section for i in searcher.document_ends("reading")} == {"References"}
    with pytest.raises(RagError, match="no document 'wheat'"):
        searcher.document_ends("wheat")


@pytest.mark.parametrize("heading, back", [
    ("References", True), ("7. References", True), ("บรรณานุกรม", True), ("Appendix A: Survey", True),
    ("ภาคผนวก ก", True), ("Acknowledgements", True), ("Conclusion", False), ("Notes on method", False),
    ("Sources of growth", False), ("Annexation of Crimea", False), ("", False),
])
def test_back_matter_headings(heading, back):
    from rag.search import BACK_MATTER

    assert bool(BACK_MATTER.match(heading)) is back


def test_whole_document_question_reads_the_filtered_or_the_best_matching_paper(papers):
    answer = papers.ask("What does the paper conclude?", doc="rice")
    assert answer.found and answer.scope == "rice"
    assert {p.hit.doc_id for p in answer.passages} == {"rice"}
    assert {p.hit.section for p in answer.passages} == {"Drought and rice farming", "Conclusion"}
    assert "seed programmes" in " ".join(s.text for s in answer.extract)
    # without a filter: the paper whose passage the question finds first
    answer = papers.ask("What are the main points of this study on solar panels?")
    assert not answer.about_document  # "solar panels" is a topic: the usual search and gate
    answer = papers.ask("Summarize the conclusion")
    assert answer.found and answer.scope == papers.search("Summarize the conclusion", k=1).hits[0].doc_id
    assert {p.hit.doc_id for p in answer.passages} == {answer.scope}


@pytest.mark.parametrize("first, follow", [("How does China use STAs?", "and Japan?"),
                                           ("จีนใช้ STAs อย่างไร", "แล้วญี่ปุ่นล่ะ")])
def test_follow_up_brings_passages_about_its_own_subject(assistant, first, follow):
    answer = assistant.ask(follow, history=[first])
    assert answer.found and answer.context == first
    sections = [p.hit.section for p in answer.passages]
    assert sections.count(JAPAN) > len(sections) / 2, sections
    assert answer.passages[0].hit.section == JAPAN
    md = render_markdown(answer)
    assert f"{LABELS[answer.lang]['followup']}: “{first}”" in md.replace("\\", "")


def test_a_question_without_words_is_refused_and_a_follow_up_goes_on_from_the_one_before(assistant):
    """`???` asks nothing: it is refused in one line (an answer would quote whatever passage came
    first), and a follow-up after it goes on from the question before it."""
    with pytest.raises(RagError, match="has no words"):
        assistant.ask("???")
    answer = assistant.ask("and Japan?", history=["How does China use STAs?", "???"])
    assert answer.found and answer.context == "How does China use STAs?"


def test_document_markup_is_escaped_in_markdown(assistant):
    """Any text in a passage or a reference stays text (the browser test checks the DOM)."""
    result = assistant.search("How does China use STAs?", k=1)
    hit = result.hits[0]
    evil = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3)) $$x$$'
    hostile = Hit(rank=1, score=1.0, chunk_id=hit.chunk_id, doc_id=hit.doc_id, title="<b>t</b>",
                  section=hit.section, page=hit.page, text=hit.text + " " + evil,
                  footnotes=[Reference(n=1, text=evil + " https://example.org/a?b=1&c=2", page=None)],
                  markers=[], similarity=hit.similarity)
    result.hits = [hostile]
    md = render_markdown(compose("How does China use STAs?", result, qvec=result.qvec,
                                 embedder=assistant.searcher.embedder))
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md and "&lt;b&gt;t&lt;/b&gt;" in md
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert 'href="javascript' not in md and "](javascript" not in md and "$$" not in md
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in md


def test_rich_rendering_has_the_same_parts(assistant):
    from rich.console import Console

    answer = assistant.ask("How does China use STAs?")
    console = Console(width=100, record=True, color_system=None)
    console.print(render_rich(answer))
    out = console.export_text()
    assert "Answer" in out and "Passages" in out and "Sources" in out and "Wagner" in out and "[18]" in out


# --------------------------------------------------------------------------- CLI


def test_rag_ask_json_returns_the_answer_as_data(article_index):
    r = run_rag("ask", "จีนใช้ STAs อย่างไร", "--index", str(article_index), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["lang"] == "th" and data["found"] is True
    assert data["extract"] and all(isinstance(s["cite"], int) and s["text"] for s in data["extract"])
    numbers = [p["n"] for p in data["passages"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {s["cite"] for s in data["extract"]} <= set(numbers)
    assert all({"title", "section", "page", "text", "footnotes", "markers"} <= set(p) for p in data["passages"])
    wagner = next(s for s in data["sources"] if s["n"] == 18)
    assert "Wagner" in wagner["text"] and wagner["cited_by"]


def test_rag_ask_prints_the_answer_in_the_terminal(article_index):
    r = run_rag("ask", "How does China use STAs?", "--index", str(article_index), env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    for label in ("Answer", "Passages", "Sources", "Wagner", "[1]"):
        assert label in r.stdout


# --------------------------------------------------------------------------- what a question asks


@pytest.mark.parametrize("question, kind, many", [
    ("สหภาพยุโรปใช้เครื่องมือใดบ้างในการทูตเชิงเศรษฐกิจ", "list", True),
    ("Which countries make up the Chip 4 Alliance?", "list", True),
    ("List the tools of economic diplomacy", "list", True),
    ("ใครเป็นผู้กล่าวว่า “นโยบายเศรษฐกิจคือนโยบายการต่างประเทศ”", "who", False),
    ("Who founded Bio-5?", "who", False),
    ("When was the executive order signed?", "when", False),
    ("สนธิสัญญาลงนามเมื่อปีใด", "when", False),
    ("How many players are on a basketball team?", "count", False),
    ("By what score did the Broncos win?", "count", False),
    ("ประเทศไทยมีกี่จังหวัด", "count", False),
    ("จีนใช้ STAs อย่างไร", "how", False),
    ("Why did Japan appoint a science adviser?", "how", False),
    ("ยุทธศาสตร์วงจรคู่ขนานคืออะไร", "define", False),
    ("ข้อมูลนี้อ้างอิงจากแหล่งใด", "source", False),
])
def test_what_a_question_asks_for(question, kind, many):
    from rag.answer import asks

    found = asks(question)
    assert (found.kind, found.many) == (kind, many)


def test_a_list_question_quotes_the_whole_enumeration(assistant):
    answer = assistant.ask("Which countries make up the Chip 4 Alliance?")
    check_grounded(answer)
    quoted = " ".join(x.text for x in answer.extract)
    assert all(country in quoted for country in ("สหรัฐอเมริกา", "ญี่ปุ่น", "ไต้หวัน", "เกาหลีใต้")), quoted


def test_a_who_question_quotes_the_speaker_with_the_saying(assistant):
    answer = assistant.ask("ใครเป็นผู้กล่าวว่า “นโยบายเศรษฐกิจคือนโยบายการต่างประเทศ”")
    check_grounded(answer)
    quoted = " ".join(x.text for x in answer.extract)
    assert "John Kerry" in quoted and "นโยบายเศรษฐกิจคือนโยบายการต่างประเทศ" in quoted
    assert quoted.index("John Kerry") < quoted.index("นโยบายเศรษฐกิจคือนโยบายการต่างประเทศ")


def _extract_of(question: str, *texts: str, scores: tuple[float, ...] = (), docs: tuple[str, ...] = (),
                **lexicon) -> list[str]:
    """The extract of passages written in the test (no index: the question's words decide;
    ``lexicon``: what question_lexicon reads of an index, written in the test too). The
    search's scores are 1, 1/2, 1/3 ... unless given (``scores``), each passage from its own
    document unless given (``docs``)."""
    from rag.answer import asks
    from rag.answer.extract import build_pool, extract
    from rag.answer.lexicon import question_lexicon

    hits = [Hit(rank=n, score=scores[n - 1] if scores else 1.0 / n, chunk_id=f"c{n}",
                doc_id=docs[n - 1] if docs else f"d{n}", title="t", section="s", page=None, text=text,
                footnotes=[]) for n, text in enumerate(texts, 1)]
    pool = build_pool(hits, None, lambda h: None, None)
    return [s.text for s in extract(pool, question_lexicon(question, **lexicon), asks(question))]


def test_the_window_that_restates_the_question_is_quoted_with_what_follows_it():
    """The piece that holds the question's words ends where the answer begins (the name it was
    given is in the next sentence): a window quoted alone comes with its neighbours, the next
    one first, within GROW_CHARS."""
    text = ("The weather in the valley was mild that year. "
            "A committee on water rights met in Geneva during the spring of that year. "
            "Members knew it as the Blue Table. "
            + " ".join(f"Another sentence number {n} follows here about unrelated matters." for n in range(8)))
    quoted = " ".join(_extract_of("What was the committee on water rights that met in Geneva called?", text))
    assert "Blue Table" in quoted and "Geneva" in quoted
    from rag.answer.extract import GROW_CHARS

    assert len(quoted) <= GROW_CHARS + 2 and quoted.removesuffix(" …") in text


def test_two_windows_from_two_passages_share_their_room_with_what_follows_them():
    """Two passages restate the question about as well: both are quoted, each with the pieces
    after it while the two stay within SECOND_ROOM."""
    from rag.answer.extract import SECOND_ROOM

    first = ("A committee on water rights met in Geneva during the spring of that year. "
             "Members knew it as the Blue Table.")
    second = ("Reports say a committee on water rights met in Geneva again in the autumn. "
              "It was chaired by a retired engineer from Lyon.")
    quoted = _extract_of("What was the committee on water rights that met in Geneva called?", first, second)
    assert len(quoted) == 2 and quoted[0] == first and quoted[1] == second
    assert sum(len(q) for q in quoted) <= SECOND_ROOM


def test_the_room_left_quotes_the_head_of_a_long_next_piece_cut_at_a_space():
    """The answer opens a piece too long to add whole: its head is quoted up to the room
    left, cut at a space, with "…" where it goes on."""
    from rag.answer.extract import GROW_CHARS

    text = ("A committee on water rights met in Geneva during the spring of that year. "
            "Members knew it as the Blue Table, " + ", ".join(f"and clause {n} of a long sentence" for n in range(10))
            + ".")
    quoted = _extract_of("What was the committee on water rights that met in Geneva called?", text)
    assert len(quoted) == 1 and "Blue Table" in quoted[0] and quoted[0].endswith(" …")
    assert quoted[0].removesuffix(" …") in text and len(quoted[0]) <= GROW_CHARS + 2


def test_a_window_grows_on_both_sides_in_turn():
    """The answer is the subject, in the piece before the one that restates the question, and
    many pieces follow: the window takes one piece after it, then one before it, in turn, so
    a long run of following pieces does not crowd out the one just before."""
    text = ("The Blue Table was the name the members used, as the minutes kept in the archive of the canton "
            "show for every meeting held in the first decade of its work, when its rules were still being written. "
            "It was the committee on water rights that met in Geneva during the spring of that year. "
            + " ".join(f"Another sentence number {n} follows here about unrelated matters." for n in range(8)))
    quoted = " ".join(_extract_of("Which committee on water rights met in Geneva?", text))
    assert "Blue Table" in quoted and "Geneva" in quoted and "number 0" in quoted


_FILLER = " ".join(f"ข้อความส่วนที่{n}กล่าวถึงเรื่องทั่วไปของภูมิภาคนี้อย่างละเอียดโดยไม่ได้ระบุสิ่งใดเป็นพิเศษ"
                   for n in "หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด".split())


def test_an_english_name_is_found_in_thai_text_by_its_sound():
    """Thai writes a foreign name as it sounds: the name's Thai spelling is found by the
    consonants of its letters, and a common word that shares a few consonants is not taken for it."""
    from rag.lexical.names import spellings

    text = "ในปี 1187 เตมูจินรีบรวบรวมพลพรรคเข้ารับมือ แต่ก็พ่ายแพ้ต่อจามูคา ส่วนคานธีเกิดในอินเดีย"
    found = spellings(["Temüjin", "Jamukha", "Gandhi", "English"], [text])
    assert found == {"Temüjin": ("เตมูจิน",), "Jamukha": ("จามูคา",), "Gandhi": ("คานธี",)}


def test_an_english_question_finds_the_piece_that_names_its_subject_in_thai():
    """No dictionary word of "When was Temüjin elected?" is in the Thai text; his name is,
    as Thai writes it (เตมูจิน), far from the start: the extract quotes that piece."""
    from rag.answer.lexicon import spoken_names

    question = "When was Temüjin elected?"
    text = _FILLER + " เตมูจินได้รับเลือกเป็นผู้นำของชนเผ่าทั้งหมดในที่ประชุมใหญ่ริมแม่น้ำ"
    quoted = " ".join(_extract_of(question, text, sounds=spoken_names(question, [text])))
    assert "เตมูจินได้รับเลือก" in quoted


def test_a_common_thai_translation_counts_as_little_as_it_tells():
    """An English word's translations are alternatives, some common (ตัว, in most Thai text),
    some rare (ร่างกาย): a piece holding only the common one counts for what it tells, so
    the piece with the rare one is quoted, though the other comes first."""
    rare = {"ตัว": 0.1, "ร่างกาย": 3.0, "bodies": 0.0}
    question = "Which bodies were studied?"
    text = ("ตัวอย่างที่เก็บมาในฤดูร้อนถูกนำไปเก็บไว้ในห้องเย็นของสถาบัน " + _FILLER
            + " นักวิจัยศึกษาร่างกายของนักกีฬาหลายร้อยคน")
    quoted = " ".join(_extract_of(question, text, rarity=lambda forms: max(rare.get(f, 0.0) for f in forms),
                                  translate=lambda q: [("bodies", ("ตัว", "ร่างกาย"))]))
    assert "ร่างกายของนักกีฬา" in quoted


def test_the_first_passage_is_quoted_over_a_lower_one_holding_barely_more_of_the_question():
    """Search ranked the passage on all of it and the question; a window is scored by its
    words and one cosine: a lower-ranked passage's window that holds one more of the
    question's words (here "near") does not outweigh the first passage (RANK_PRIOR)."""
    first = ("The old stone bridge at Karlsbad was built to cross the river Tepla in the year 1352, "
             "after floods had carried away the wooden one that stood there before it, and it was "
             "widened twice in the centuries that followed to carry carts and later trams.")
    second = ("Travellers near Karlsbad often wrote that an old stone bridge seemed to cross every river "
              "they met, a remark repeated in guide books of the period together with advice on inns, "
              "coaches, the price of bread and the hours at which the spa gardens opened to visitors.")
    quoted = _extract_of("Which river did the old stone bridge near Karlsbad cross?", first, second)
    assert len(quoted) == 1 and "Tepla" in quoted[0], quoted


# --------------------------------------------------------------------------- the gate on another corpus


def test_the_gate_is_calibrated_on_each_index_and_holds_on_a_second_corpus(papers):
    """A corpus of two short English papers (nothing like the article the gate was checked on):
    ingest records where the gate stands on it, questions on the papers are answered, everyday
    questions in both languages are refused."""
    from rag.answer.gate import Calibration, model_fingerprint

    calibration = papers.searcher.manifest["calibration"]
    assert set(calibration["thresholds"]) == {"th", "en"} and papers.gate.calibration is not None
    # the thresholds are those of this gate model's scores: a refitted model does not read them
    fingerprint, probes = model_fingerprint(papers.gate.model), papers.gate.probes.fingerprint
    assert calibration["model"] == fingerprint
    assert Calibration.from_dict({**calibration, "model": "0" * 16}, probes, fingerprint) is None
    assert Calibration.from_dict({k: v for k, v in calibration.items() if k != "model"}, probes, fingerprint)
    for question in ("How much did electricity bills fall after installing rooftop solar panels?",
                     "Which seed helped rice farmers keep their yield during drought?"):
        answer = papers.ask(question)
        assert answer.found and answer.relevance is not None and answer.relevance >= answer.threshold, question
    for question in ("What is the best recipe for chocolate chip cookies?", "Who won the 2022 FIFA World Cup final?",
                     "วิธีทำต้มยำกุ้งให้อร่อย", "พรุ่งนี้ฝนจะตกที่กรุงเทพไหม"):
        answer = papers.ask(question)
        assert not answer.found and not answer.extract, question


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory):
    """The first 40 XQuAD Thai paragraphs (tests/data/xquad_th: Wikipedia, sport, cities,
    history) and two on the Apollo programme and on force: a corpus of another kind than the
    article, indexed as a user would."""
    from rag.api import ingest, open_index

    root = tmp_path_factory.mktemp("wiki")
    every = (ROOT / "tests" / "data" / "xquad_th" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    lines = every[:40] + [line for line in every if json.loads(line)["id"] in ("p71", "p237")]
    (root / "wiki.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest([root / "wiki.jsonl"], index=root / "index")
    return open_index(root / "index")


@pytest.mark.parametrize("question, phrase", [
    ("ทีมบรอนคอสเอาชนะทีมพิตต์สเบิร์ก สตีลเลอร์สในรอบดิวิชั่นด้วยคะแนนเท่าไร", "23–16"),
    ("By what score did the Broncos beat the Pittsburgh Steelers in the divisional round?", "23–16"),
    ("ฝ่ายใดชนะในการแข่งขันแชมป์ชิงเอเอฟซี และด้วยคะแนนเท่าไร", "20–18"),
])
def test_questions_on_wikipedia_paragraphs_are_answered_with_the_fact(wiki, question, phrase):
    answer = wiki.ask(question)
    assert answer.found, (answer.relevance, answer.threshold)
    check_grounded(answer)
    assert phrase in " ".join(x.text for x in answer.extract)


@pytest.mark.parametrize("question, phrase", [
    ("What did the LMP acronym stand for regarding the Block II launch positions?", "นักบินยานลงดวงจันทร์"),
    ("เส้นทางกาลอวกาศใดที่มองเห็นเป็นเส้นโค้งในอวกาศ", "แนววิถีการเคลื่อนที่ของวัตถุในอากาศ"),
    ("ชาว อูเกอโนต์ ได้รับที่ดินในเมืองใดแทนเมื่อพวกเขาไปถึง", "มานาคินทาวน์"),  # the town is the next piece
])
def test_a_passage_that_stops_at_wa_is_quoted_with_what_follows(wiki, question, phrase):
    """"... ตำแหน่งต่างๆ ของลูกเรือใน Block II เรียกว่า" names the positions in the next piece:
    a window ending in ว่า (เรียกว่า, กล่าวว่า, เชื่อว่า) announces its continuation."""
    answer = wiki.ask(question)
    assert answer.found
    check_grounded(answer)
    assert phrase in " ".join(x.text for x in answer.extract)


@pytest.mark.parametrize("question", ["วิธีทำต้มยำกุ้งให้อร่อย", "How do I fix a flat bicycle tire?",
                                      "What is the best recipe for chocolate chip cookies?", "ราคาทองคำวันนี้เท่าไหร่"])
def test_off_topic_questions_are_refused_on_wikipedia_paragraphs(wiki, question):
    answer = wiki.ask(question)
    assert not answer.found and not answer.extract


def test_two_passages_the_search_cannot_tell_apart_are_both_quoted():
    """The search scored the second passage (another document) nearly as high as the first:
    the extract quotes the best window of each, within UNDECIDED_ROOM, though the first
    restates the question better. Two chunks of one document so scored: the first alone."""
    from rag.answer.extract import UNDECIDED, UNDECIDED_ROOM

    filler = " ".join(f"Sentence {n} of the report is about another matter." for n in range(4))
    first = "A committee on water rights met in Geneva during the spring of that year. " + filler
    second = "The committee on water rights was called the Blue Table. " + filler
    question = "What was the committee on water rights that met in Geneva called?"
    close = (1.0, UNDECIDED + 0.01)
    quoted = _extract_of(question, first, second, scores=close)
    assert len(quoted) == 2 and "Geneva" in quoted[0] and "Blue Table" in quoted[1]
    assert sum(len(q) for q in quoted) <= UNDECIDED_ROOM
    assert not any("Blue Table" in q for q in _extract_of(question, first, second, scores=(1.0, UNDECIDED - 0.05)))
    assert not any("Blue Table" in q for q in _extract_of(question, first, second, scores=close, docs=("d", "d")))


def test_a_window_opening_on_a_word_that_goes_on_is_quoted_with_the_piece_before():
    """Thai pieces are cut at spaces: the piece that restates the question opens on จึง ("so"),
    and its subject (the answer) ends the piece before. That piece comes first, before the
    following pieces fill the room."""
    subject = ("ในกรณีพิพาทหลายครั้งที่ผ่านมาตลอดช่วงทศวรรษหลังการก่อตั้งประชาคมและการขยายสมาชิกภาพไปสู่ประเทศใหม่จำนวนมาก"
               "ซึ่งมีระบบกฎหมายภายในแตกต่างกันไปตามประวัติศาสตร์และธรรมเนียมของแต่ละประเทศศาลยุติธรรมสหภาพยุโรปและศาลสูงสุดของประเทศสมาชิก")
    text = (subject + " จึงต้องสร้างหลักในการแก้ไขข้อขัดแย้งทางกฎหมายระหว่างระบบต่างๆ "
            + " ".join(f"ข้อความลำดับที่ {n} กล่าวถึงเรื่องอื่นที่ไม่เกี่ยวข้องกับคำถามนี้เลยแม้แต่น้อย" for n in range(8)))
    quoted = " ".join(_extract_of("หน่วยงานใดต้องสร้างหลักในการแก้ไขข้อขัดแย้งทางกฎหมายระหว่างระบบต่างๆ", text))
    assert quoted.startswith(subject) and "จึงต้องสร้างหลัก" in quoted


def test_a_window_already_past_its_room_takes_no_head_of_the_next_piece():
    """The room left for the next piece's head is what the window leaves of ``room``: a window
    already longer than its room adds nothing (a negative room once read as counting from the
    next piece's end, which added most of it)."""
    from rag.answer.extract import Piece, Window, grow

    texts = ["ก" * 300, "ข ฃ " * 38, "ค ฅ " * 60]
    pieces, at = [], 0
    for n, t in enumerate(texts):
        pieces.append(Piece(cite=1, pos=n, text=t, start=at, end=at + len(t)))
        at += len(t) + 1
    window = Window(cite=1, first=0, last=1, text=f"{texts[0]} {texts[1]}", score=1.0)
    grown = grow(window, pieces, room=400)
    assert grown.text == window.text and not grown.cut_end
    roomy = grow(Window(cite=1, first=0, last=0, text=texts[0], score=1.0), pieces, room=400)
    assert roomy.last == 0 and roomy.cut_end and len(roomy.text) <= 400  # the head that fits
