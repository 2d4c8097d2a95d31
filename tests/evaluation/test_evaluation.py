"""`rag eval`: its figures equal the reference scorers', its outputs have the promised shape.

The references are verbatim copies of the shared scorers (the scripts that judge the project):
tests/data/score_search_copy.py, run as a subprocess on the same search results, and
tests/data/score_answers_copy.py, which asks the questions itself through rag.api.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, run_rag

import rag.evaluation as ev
from rag.errors import RagError
from rag.search import MODES

SCORER = DATA / "score_search_copy.py"
ANSWER_SCORER = DATA / "score_answers_copy.py"
QUESTIONS = DATA / "eval_questions.jsonl"          # key-phrase questions on the shipped article
TINY_CORPUS = DATA / "eval_tiny_corpus.jsonl"      # five short Thai documents, one split in two chunks
TINY_QUERIES = DATA / "eval_tiny_queries.jsonl"    # gold-id questions on it


def _reference_scores(qa: Path, outcomes: list[ev.Outcome], tmp_path: Path, name: str) -> dict:
    results = tmp_path / f"results-{name}.jsonl"
    with results.open("w", encoding="utf-8") as f:
        for o in outcomes:
            f.write(json.dumps({"qid": o.question.qid, "hits": o.hits}, ensure_ascii=False) + "\n")
    out = subprocess.run([sys.executable, str(SCORER), str(qa), str(results)], capture_output=True,
                         text=True, check=True)
    scores = json.loads(out.stdout)
    assert scores.pop("missing_results") == []
    return scores


# questions the article cannot answer, Thai and English, written for these tests
OFF_TOPIC = ["How do I change a flat car tyre?", "Which running shoes are best for a first marathon?",
             "What is a good name for a puppy?", "วิธีซักผ้าขาวให้สะอาด", "ร้านส้มตำอร่อยแถวสยาม",
             "สอนถักไหมพรมสำหรับมือใหม่"]
ANSWER_METRICS = {"AnsR", "Shown", "Refused"}


@pytest.fixture(scope="module")
def offtopic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("offtopic") / "offtopic.jsonl"
    lines = [{"question": q, "lang": "en" if q.isascii() else "th"} for q in OFF_TOPIC]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def article_eval(assistant, offtopic_file: Path) -> ev.Evaluation:
    """Through the user's API (rag.api.Assistant): the hits and the answers, off-topic questions too."""
    return ev.evaluate(assistant, ev.load_questions(QUESTIONS), modes=MODES, k=10, qa_path=QUESTIONS,
                       offtopic=ev.load_offtopic(offtopic_file), offtopic_path=offtopic_file)


def _ranking(row: dict) -> dict:
    return {name: v for name, v in row.items() if name not in ANSWER_METRICS | {"OffRefused", "n_off"}}


@pytest.fixture(scope="module")
def tiny_searcher(tmp_path_factory: pytest.TempPathFactory, assistant):
    """The tiny corpus indexed and opened with the session's already loaded default model."""
    from rag.ingest import ingest
    from rag.search import Searcher

    index_dir = tmp_path_factory.mktemp("tiny") / "index"
    embedder = assistant.searcher.embedder
    ingest([TINY_CORPUS], index_dir, progress=False, embedder=embedder)
    return Searcher(index_dir, embedder=embedder)


def test_key_phrase_figures_equal_the_reference_scorer(article_eval: ev.Evaluation, tmp_path: Path) -> None:
    metrics = article_eval.metrics()
    for mode in MODES:
        reference = _reference_scores(QUESTIONS, article_eval.outcomes[mode], tmp_path, mode)
        assert {g: _ranking(row) for g, row in metrics[mode].items()} == reference, mode
    hybrid = metrics["hybrid"]["all"]
    # the set is not degenerate: some questions are answered, one cannot be, footnotes are scored
    assert 0 < hybrid["R@1"] <= hybrid["R@10"] < 1
    assert "FnR@5" in hybrid and "nDCG@10" not in hybrid
    assert "t12" in [o.question.qid for o in article_eval.failed("hybrid")]


def _answer_scorer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    """The copy of score_answers.py, run in this process (its `from score_search import canon`
    resolved to the copy of score_search.py beside it)."""
    sys.modules["score_search"] = _scorer_module()
    spec = importlib.util.spec_from_file_location("score_answers_copy", ANSWER_SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()
    module.main(argv)
    return json.loads(capsys.readouterr().out)


def test_answer_figures_equal_the_answer_scorer(article_eval: ev.Evaluation, article_index: Path,
                                                offtopic_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """AnsR / Shown / Refused and OffRefused of `rag eval` are score_answers.py's (which asks
    `rag.api.open_index(...).ask` with its defaults: hybrid, 5 passages), per language."""
    hybrid = article_eval.metrics()["hybrid"]
    answers = _answer_scorer([str(QUESTIONS), "--index", str(article_index)], capsys)
    offtopic = _answer_scorer([str(offtopic_file), "--index", str(article_index), "--offtopic"], capsys)
    names = {"extract": "AnsR", "shown": "Shown", "refused": "Refused"}
    assert set(answers) == {"all", "th", "en"} and set(offtopic) == {"all", "th", "en"}
    for group, row in answers.items():
        assert {names[k]: row[k] for k in names} == {n: hybrid[group][n] for n in names.values()}, group
        assert hybrid[group]["n"] == row["n"]
        assert (hybrid[group]["OffRefused"], hybrid[group]["n_off"]) == (offtopic[group]["refused"],
                                                                       offtopic[group]["n"]), group
    # not degenerate: most extracts hold the answer, not all; off-topic questions are refused
    assert 0.5 <= hybrid["all"]["AnsR"] < hybrid["all"]["Shown"] <= 1
    assert hybrid["all"]["OffRefused"] >= 5 / 6


def test_answer_figures_per_question_are_the_api_answers(article_eval: ev.Evaluation, assistant) -> None:
    """In every mode, each question's figures are those of the answer `Assistant.ask` gives, and
    the hits scored for R@k are those `search` gives: one search served both."""
    for mode in MODES:
        for o in article_eval.outcomes[mode]:
            q = o.question
            answer = assistant.ask(q.question, mode=mode)
            extract = ev.canon(" ".join(s.text for s in answer.extract))
            assert o.answer is not None
            assert o.answer["Refused"] == float(not answer.found), (mode, q.qid)
            assert o.answer["AnsR"] == float(any(ev.canon(a) in extract for a in q.answers)), (mode, q.qid)
            assert o.hits == [h.to_dict() for h in assistant.search(q.question, k=10, mode=mode).hits]
        refused = [not assistant.ask(q, mode=mode).found for q in OFF_TOPIC]
        assert article_eval.offtopic_refused[mode] == refused


def test_whole_document_question_is_ranked_by_the_plain_search(assistant, tmp_path: Path) -> None:
    """A question about the paper as a whole is answered from its opening and closing sections;
    its R@k still scores the ranking `rag search` gives."""
    q = ev.Question(qid="w", question="What is this paper about?", lang="en", line=1, answers=("การทูต",))
    answer = assistant.ask(q.question)
    assert answer.scope is not None
    result = ev.evaluate(assistant, [q], modes=["hybrid"], k=10)
    o = result.outcomes["hybrid"][0]
    assert o.hits == [h.to_dict() for h in assistant.search(q.question, k=10).hits]
    assert o.answer == ev.judge_answer(q, answer.to_dict())


def test_gold_id_figures_equal_the_reference_scorer_and_ndcg_is_per_document(
        tiny_searcher, tmp_path: Path) -> None:
    questions = ev.load_questions(TINY_QUERIES)
    result = ev.evaluate(tiny_searcher, questions, modes=MODES, k=10, qa_path=TINY_QUERIES)
    metrics = result.metrics()
    for mode in MODES:
        reference = _reference_scores(TINY_QUERIES, result.outcomes[mode], tmp_path, mode)
        for group, row in reference.items():
            ndcg = metrics[mode][group].pop("nDCG@10")
            assert 0 <= ndcg <= 1
            assert metrics[mode][group] == row, (mode, group)
    # dense returns every chunk, so the two-chunk document comes back twice: R@k and MRR count
    # positions (as the scorer does), nDCG counts each document once at its best rank
    dense = result.outcomes["dense"]
    assert any(len({h["doc_id"] for h in o.hits}) < len(o.hits) for o in dense)
    for o in dense:
        docs = list(dict.fromkeys(h["doc_id"] for h in o.hits))
        gold = set(o.question.gold or ())
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(docs[:10]) if d in gold)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(gold), 10)))
        assert result.per_question["dense"][o.question.qid]["nDCG@10"] == pytest.approx(dcg / ideal)


def test_cli_json_shape_and_report_files(article_index: Path, article_eval: ev.Evaluation, offtopic_file: Path,
                                        tmp_path: Path) -> None:
    out_dir = tmp_path / "report"
    run = run_rag("eval", "--qa", str(QUESTIONS), "--index", str(article_index), "--modes", "hybrid,bm25",
                  "--offtopic", str(offtopic_file), "--json", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout)
    assert list(printed) == ["hybrid", "bm25"]
    for mode, by_lang in printed.items():
        assert list(by_lang) == ["all", "th", "en"]
        for lang, row in by_lang.items():
            assert set(row) == {"R@1", "R@3", "R@5", "R@10", "MRR@10", "FnR@5", "n", *ANSWER_METRICS,
                                "OffRefused", "n_off"}, (mode, lang)
            assert all(0 <= v <= 1 for name, v in row.items() if name not in ("n", "n_off"))
        assert by_lang["all"]["n"] == by_lang["th"]["n"] + by_lang["en"]["n"] == 13
        assert by_lang["all"]["n_off"] == by_lang["th"]["n_off"] + by_lang["en"]["n_off"] == len(OFF_TOPIC)
        # the CLI, the library in this process and (tests above) the reference scorers agree
        assert by_lang == article_eval.metrics()[mode]

    saved = json.loads((out_dir / "metrics.json").read_text(encoding="utf-8"))
    assert saved["metrics"] == printed
    assert set(saved["by_type"]["hybrid"]) >= {"fact", "footnote", "unanswerable"}
    assert len(saved["recall_at_k"]["bm25"]["en"]) == 10
    assert "t12" in saved["failed"]["hybrid"]

    report = (out_dir / "report.md").read_text(encoding="utf-8")
    assert "| all | 13 | hybrid |" in report
    assert "| AnsR | Shown | Refused | OffRefused |" in report and "+ 6 off-topic" in report
    failed = report.split("## Failed questions", 1)[1]
    for mode in ("hybrid", "bm25"):
        section = failed.split(f"\n### {mode}:", 1)[1].split("\n### ", 1)[0]
        assert "#### t12" in section and "Chulalongkorn Quantum Laboratory" in section
        assert "came back instead" in section and "tech-diplomacy-th" in section

    from matplotlib.image import imread

    png = out_dir / "recall_at_k.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = imread(png).shape[:2]
    assert height > 200 and width > 600  # three panels: all, th, en


@pytest.mark.parametrize(("lines", "where", "what"), [
    (['{"id": "a", "question": "q?", "answers": ["x"]}', "", '{"id": "b", "question": '], ":3:", "invalid JSON"),
    (['{"id": "a", "question": "q?", "answers": ["x"]}', '{"id": "b", "answers": ["y"]}'], ":2:", '"question"'),
])
def test_bad_question_file_is_one_line_naming_the_line(tmp_path: Path, lines: list[str], where: str,
                                                        what: str) -> None:
    qa = tmp_path / "bad.jsonl"
    qa.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_rag("eval", "--qa", str(qa), "--index", str(tmp_path / "no-index"))
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    err = run.stderr.strip().splitlines()
    assert len(err) == 1 and f"bad.jsonl{where}" in err[0] and what in err[0], run.stderr


def test_missing_index_is_the_standard_error(tmp_path: Path) -> None:
    run = run_rag("eval", "--qa", str(QUESTIONS), "--index", str(tmp_path / "none"))
    assert run.returncode != 0
    err = run.stderr.strip().splitlines()
    assert len(err) == 1 and "rag ingest" in err[0], run.stderr


def test_question_files_checks_and_defaults(tmp_path: Path) -> None:
    qa = tmp_path / "q.jsonl"
    rows = [{"qid": "x", "question": "จีนใช้ STAs อย่างไร", "gold": ["d1"], "answers": ["kept"]},
            {"id": "y", "question": "How does China use STAs?", "answers": ["STAs"], "footnotes": [18]}]
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    x, y = ev.load_questions(qa)
    # gold ids judge the hits, the key phrases the answer; the language from the script
    assert (x.lang, x.gold, x.answers) == ("th", ("d1",), ("kept",))
    assert (y.lang, y.gold, y.footnotes) == ("en", None, (18,))
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [rows[1], rows[1]]) + "\n", encoding="utf-8")
    with pytest.raises(RagError, match=r":2: duplicate id 'y' \(first on line 1\)"):
        ev.load_questions(qa)
    shipped = ev.load_questions(ev.default_questions())
    assert len(shipped) > 20 and {q.lang for q in shipped} == {"th", "en"}
    with pytest.raises(RagError, match="unknown mode"):
        ev.parse_modes("hybrid,sparse")


@pytest.mark.parametrize(("line", "error"), [('{"id": "b", "question": "?"', r":2: invalid JSON"),
                                             ('["b", "?"]', r":2: expected a JSON object")])
def test_every_question_reader_names_a_bad_line(tmp_path: Path, line: str, error: str) -> None:
    """rag eval, rag search --queries and rag bench read question files through one reader."""
    qa = tmp_path / "q.jsonl"
    qa.write_text('{"id": "a", "question": "?", "answers": ["x"]}\n' + line + "\n", encoding="utf-8")
    for read in (ev.load_questions, ev.read_queries, ev.question_texts):
        with pytest.raises(RagError, match=error):
            read(qa)


def _scorer_module():
    spec = importlib.util.spec_from_file_location("score_search_copy", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AM = "\u0e33"                 # SARA AM
SPLIT_AM = "\u0e4d\u0e32"     # NIKHAHIT + SARA AA, as PDF extraction often leaves it


@pytest.mark.parametrize(("a", "b"), [
    ("John Kerry", "  john\tKERRY \n"),                           # case and whitespace
    (f"ผู้น{AM}", f"ผู้น{SPLIT_AM}"),                             # SARA AM and its split form
    (f"ผู้น{AM}", f"ผู้น {SPLIT_AM}"),                            # ... with a space in between
    ("ที่สุด", "ท\u0e48\u0e35สุด"),                                # tone typed before the upper vowel
    ("กั้น", "ก\u0e49\u0e31น"),                                   # tone before MAI HAN-AKAT
])
def test_canon_makes_equivalent_spellings_equal_like_the_scorer(a: str, b: str) -> None:
    scorer = _scorer_module()
    assert ev.canon(a) == ev.canon(b)
    assert ev.canon(a) == scorer.canon(a) and ev.canon(b) == scorer.canon(b)


def test_judging_sees_the_first_1500_characters_and_cited_references() -> None:
    q = ev.Question(qid="q", question="?", lang="th", line=1, answers=(f"การน{AM}เข้า", "Wagner"),
                    footnotes=(18, 19))
    early = {"doc_id": "d", "text": f"ภาษี การน {SPLIT_AM}เข้า", "footnotes": []}
    late = {"doc_id": "d", "text": "ก" * 1500 + f"การน{AM}เข้า", "footnotes": []}
    cited = {"doc_id": "d", "text": "อื่น", "footnotes": [{"n": 18, "text": "WAGNER, C. S. (2023)"}]}
    assert ev.judge(q, [early, late, cited]) == [True, False, True]
    assert ev.footnote_recall(q, [cited]) == 0.0          # 19 is missing
    assert ev.footnote_recall(q, [cited, {"footnotes": [19]}]) == 1.0
    assert ev.footnote_recall(q, [{"footnotes": [18]}] * 5 + [{"footnotes": [19]}]) == 0.0  # beyond 5
    gold = ev.Question(qid="g", question="?", lang="en", line=1, gold=("b",))
    assert ev.judge(gold, [{"doc_id": "a", "text": "b"}, {"doc_id": "b", "text": ""}]) == [False, True]
