"""The citation check of generated answers (rag.generate.check), measured.

1. Calibration (``--xquad DIR``): cross-lingual similarity between a statement and a passage's
   best sentence, for statements a passage supports and ones it does not. No generated answers
   exist for XQuAD, so its questions stand in for claims: each English and Thai question with its
   gold paragraph (supported) and with another paragraph of the same article (unsupported, a
   hard negative: same topic, other facts). The threshold is the lowest that rejects 95 % of the
   unsupported pairs. The same figures are then read on the shipped article's gold questions
   (the passage holding a key phrase against another passage of the same document).
   The Thai word-coverage share is calibrated on the same questions with their answers.
2. The written test set (eval/data/check_set.jsonl): 297 sentences written by hand over real
   passages, Thai and English, faithful and not (wrong number, wrong name, a claim of another
   passage, an invented claim, no or a wrong citation), in seven parts, each written before
   the rules it was then measured on (the third to seventh also over XQuAD-th paragraphs:
   ``--xquad`` needed; the fifth to seventh by hands that never read the check); the share
   of unfaithful sentences rejected and of faithful ones kept, at the shipped thresholds, per
   part and in all. A needle names one passage: chunks overlap, so a needle in the overlap
   would name two, and the first is not always the one its sentence was written over.
   The sound test of names (rag.lexical.names) on PyThaiNLP's transliteration list, and what
   the name tests of rag.generate.entities cost faithful claims (``--iapp`` adds iApp).
3. Time: the check of a five-sentence answer as ``rag ask`` runs it (the passages' sentence
   vectors read from the index): after the last token of a streamed answer, and whole.

    python eval/bench_check.py --index DIR [--xquad ../shared/bench/xquad_th]
        [--iapp ../shared/bench/iapp_wiki_qa] [--out eval/results]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from pathlib import Path

from rag.config import apply_thread_policy

apply_thread_policy()  # before numpy loads: the CLI's thread settings, so timings match `rag`

import numpy as np  # noqa: E402

from rag.answer import Passage, SentenceCache  # noqa: E402
from rag.api import open_index  # noqa: E402
from rag.generate.answer import MAY_CLOSE  # noqa: E402
from rag.generate.check import (  # noqa: E402
    CROSS_LANGUAGE_THRESHOLD,
    SAME_LANGUAGE_THRESHOLD,
    THAI_COVERAGE,
    CitationChecker,
    Evidence,
    content_coverage,
)
from rag.generate.entities import LATIN_WORD, kind_held, missing_thai_names, organisation_kinds  # noqa: E402
from rag.generate.markers import markers_in, unbacked_markers  # noqa: E402
from rag.generate.numbers import numbers_in, unbacked_number_words  # noqa: E402
from rag.lexical import names  # noqa: E402
from rag.lexical.names import ThaiSounds  # noqa: E402
from rag.search import Hit  # noqa: E402
from rag.thai.sentences import split_sentences  # noqa: E402

HERE = Path(__file__).resolve().parent
SET = HERE / "data" / "check_set.jsonl"


def passage_for(searcher, needle: str, n: int, xquad: dict[str, dict] | None = None) -> Passage:
    """The passage holding ``needle``: a chunk of the index, or (``xquad`` given) an XQuAD-th
    paragraph, as a hit of its own (no footnotes; its sentences encoded by the check)."""
    if xquad is not None:
        (pid,) = _one(needle, [p for p, r in xquad.items() if needle in r["text"]], "XQuAD paragraph")
        r = xquad[pid]
        hit = Hit(rank=n, score=0.0, chunk_id=f"xquad:{pid}", doc_id=f"xquad:{r['title']}",
                  title=r["title"], section="", page=None, text=r["text"], footnotes=[])
        return Passage(n=n, hit=hit)
    (c,) = _one(needle, [c for c in searcher.chunks if needle in c.text], "chunk")
    refs = searcher.references.get(c.doc_id, {})
    hit = Hit(rank=n, score=0.0, chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section,
              page=c.page, text=c.text, footnotes=[refs[k] for k in c.footnotes if k in refs],
              markers=list(c.markers), similarity=None)
    return Passage(n=n, hit=hit)


def _one(needle: str, found: list, what: str) -> list:
    """The one match of a needle: none, or several (chunks overlap, so a needle in the overlap
    names two passages and the first is not always the one the sentence was written over), is
    an error in the set."""
    if len(found) != 1:
        raise SystemExit(f"{len(found)} {what}s hold {needle!r}: a needle must name one passage")
    return found


def best_sims(encoder, statements: list[str], passages: list[str]) -> np.ndarray:
    """Each statement's cosine to the best sentence of its passage."""
    sents = [[s.text for s in split_sentences(p)] or [p] for p in passages]
    pool = list(dict.fromkeys(s for ss in sents for s in ss))
    row = {s: i for i, s in enumerate(pool)}
    pv = encoder.encode_passages(pool)
    qv = encoder.encode_queries(statements)
    return np.array([float((pv[[row[s] for s in ss]] @ q).max()) for q, ss in zip(qv, sents, strict=True)])


def rates(pos: np.ndarray, neg: np.ndarray, t: float) -> dict[str, float]:
    return {"kept_supported": round(float((pos >= t).mean()), 3),
            "rejected_unsupported": round(float((neg < t).mean()), 3), "n_pos": len(pos), "n_neg": len(neg)}


def calibrate(encoder, xquad: Path, limit: int) -> tuple[float, dict]:
    corpus = {r["id"]: r for r in map(json.loads, (xquad / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
    queries = [json.loads(line) for line in (xquad / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(0)
    rng.shuffle(queries)
    queries = queries[:limit]
    by_title: dict[str, list[str]] = {}
    for pid, r in corpus.items():
        by_title.setdefault(r["title"], []).append(pid)
    stm, pos_p, neg_p, langs = [], [], [], []
    for q in queries:
        gold = q["gold"][0]
        others = [p for p in by_title[corpus[gold]["title"]] if p != gold] or [p for p in corpus if p != gold]
        stm.append(q["question"])
        pos_p.append(corpus[gold]["text"])
        neg_p.append(corpus[rng.choice(others)]["text"])
        langs.append(q["lang"])
    pos = best_sims(encoder, stm, pos_p)
    neg = best_sims(encoder, stm, neg_p)
    out: dict = {}
    found: dict[str, float] = {}
    for lang, kind in (("th", "same_language"), ("en", "cross_language")):
        m = np.array([x == lang for x in langs])
        t = float(np.quantile(neg[m], 0.95))
        found[lang] = t
        out[kind] = {"threshold_95": round(t, 4), **rates(pos[m], neg[m], t)}
    return found, out


def coverage_calibration(xquad: Path, limit: int) -> dict:
    """The Thai word-coverage test (rag.generate.check.THAI_COVERAGE) on XQuAD-th dev: each Thai
    question with its gold answer appended is a claim; its share of content words held by the
    gold paragraph (supported) and by another paragraph of the same article (not). The shipped
    threshold is the lowest that keeps 95 % of the supported claims."""
    corpus = {r["id"]: r for r in map(json.loads, (xquad / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
    queries = [q for q in map(json.loads, (xquad / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines())
               if q["lang"] == "th"]
    rng = random.Random(0)
    rng.shuffle(queries)
    by_title: dict[str, list[str]] = {}
    for pid, r in corpus.items():
        by_title.setdefault(r["title"], []).append(pid)
    pos, neg = [], []
    for q in queries[:limit]:
        gold = q["gold"][0]
        claim = f"{q['question']} {q['answers'][0]}"
        others = [p for p in by_title[corpus[gold]["title"]] if p != gold]
        pos.append(content_coverage(claim, [evidence_of(corpus[gold]["text"])])[0])
        if others:
            neg.append(content_coverage(claim, [evidence_of(corpus[rng.choice(others)]["text"])])[0])
    p, n = np.array(pos), np.array(neg)
    return {"keep_95": round(float(np.quantile(p, 0.05)), 3), "shipped": THAI_COVERAGE,
            **rates(p, n, THAI_COVERAGE)}


def marker_calibration(xquad: Path) -> dict:
    """The claim-marker test (rag.generate.markers) on XQuAD-th dev: each question with its gold
    answer appended is a claim its gold paragraph backs; the share of them whose marker
    words (should, first, most ...) the paragraph has no word of the class for is what the test
    costs faithful sentences (questions rephrase more freely than answers quote: an upper bound)."""
    corpus = {r["id"]: r for r in map(json.loads, (xquad / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
    queries = [json.loads(line) for line in (xquad / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    out: dict = {}
    for lang in ("th", "en"):
        claims = [(f"{q['question']} {q['answers'][0]}", corpus[q["gold"][0]]["text"].lower())
                  for q in queries if q["lang"] == lang]
        marked = sum(bool(markers_in(c)) for c, _ in claims)
        flagged = sum(bool(unbacked_markers(c, p)) for c, p in claims)
        out[lang] = {"n": len(claims), "with_markers": marked, "rejected": flagged,
                     "rejected_share": round(flagged / len(claims), 3)}
    return out


def entity_calibration(sets: list[Path]) -> dict:
    """The name tests of rag.generate.entities and the count words of rag.generate.numbers on
    dev question sets (XQuAD-th, iApp): each question with its gold answer appended is a claim
    its gold paragraph backs; the share rejected (a Thai name its paragraph lacks in a Thai
    claim; an organisation's kind or a count word its paragraph lacks in an English one) is what the tests cost faithful sentences, an upper
    bound (a question restates context its paragraph may not: "which Harvard alumnus ..."),
    and the share rejected against another paragraph of the same article what they catch there."""
    out: dict = {}
    for root in sets:
        corpus = {r["id"]: r for r in map(json.loads, (root / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
        by_title: dict[str, list[str]] = {}
        for pid, r in corpus.items():
            by_title.setdefault(r["title"], []).append(pid)
        rng = random.Random(0)
        for q in map(json.loads, (root / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines()):
            row = out.setdefault(f"{root.name}:{q['lang']}", {"n": 0, "rejected": 0, "n_other": 0, "other_rejected": 0})
            claim, gold = f"{q['question']} {q['answers'][0]}", q["gold"][0]
            others = [p for p in by_title[corpus[gold]["title"]] if p != gold]
            for key, pid in (("", gold), ("other_", rng.choice(others) if others else None)):
                if pid is None:
                    continue
                row["n_other" if key else "n"] += 1
                e = evidence_of(corpus[pid]["text"])
                if q["lang"] == "th":
                    bad = missing_thai_names(content_coverage(claim, [e])[1], [e.text], [ThaiSounds.of(e.text)])
                else:
                    bad = [k for k in organisation_kinds(claim) if not kind_held(k, e.latin, e.tokenized())]
                    bad += unbacked_number_words(claim, numbers_in(e.text), e.text)
                row[f"{key}rejected"] += bool(bad)
    return out


def evidence_of(text: str) -> Evidence:
    latin = " ".join(w.lower() for w in LATIN_WORD.findall(text))
    return Evidence(text=text.lower(), latin=f" {latin} ", numbers=set(), sentences=[text], thai=True)


def article_check(searcher, encoder, qa: Path, t: dict[str, float]) -> dict:
    from rag.evaluation.questions import canon  # the scorer's matching

    def holds_key_phrase(text: str, answers: list[str]) -> bool:
        return any(canon(a) in canon(text) for a in answers)

    stm, pos_p, neg_p, langs = [], [], [], []
    rng = random.Random(0)
    for q in map(json.loads, qa.read_text(encoding="utf-8").splitlines()):
        hold = [c for c in searcher.chunks if holds_key_phrase(c.text, q["answers"])]
        rest = [c for c in searcher.chunks if c not in hold and c.section != (hold[0].section if hold else None)]
        if not hold or not rest:
            continue
        stm.append(q["question"])
        pos_p.append(hold[0].text)
        neg_p.append(rng.choice(rest).text)
        langs.append(q["lang"])
    pos, neg = best_sims(encoder, stm, pos_p), best_sims(encoder, stm, neg_p)
    out = {}
    for lang, kind in (("th", "same_language"), ("en", "cross_language")):
        m = np.array([x == lang for x in langs])
        out[kind] = rates(pos[m], neg[m], t[lang])
    return out


def written_set(searcher, checker: CitationChecker, xquad: Path | None) -> dict:
    items = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]
    paragraphs = None
    if any(it.get("corpus") == "xquad" for it in items):
        if xquad is None or not (xquad / "corpus.jsonl").exists():
            raise SystemExit("the written set's third part needs XQuAD-th paragraphs: --xquad DIR")
        paragraphs = {r["id"]: r for r in map(json.loads, (xquad / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
    results = []
    for it in items:
        src = paragraphs if it.get("corpus") == "xquad" else None
        passages = [passage_for(searcher, needle, i, src) for i, needle in enumerate(it["passages"], 1)]
        verdicts, _ = checker.check(it["sentence"], passages)
        ok = bool(verdicts) and all(v.supported for v in verdicts)
        results.append({**it, "supported": ok, "why": "; ".join(v.why for v in verdicts if v.why),
                        "similarity": [None if v.similarity is None else round(v.similarity, 3) for v in verdicts]})
    out = {"all": figures(results)}
    for part in sorted({r.get("part", "first") for r in results}):
        out[part] = figures([r for r in results if r.get("part", "first") == part])
    out["errors"] = [{"part": r.get("part", "first"), **{k: r[k] for k in ("id", "lang", "kind", "sentence", "why", "similarity")}}
                     for r in results if r["supported"] != r["faithful"]]
    return out


def figures(results: list[dict]) -> dict:
    """Kept and rejected shares of a part of the written set, and the rejections by kind."""
    faithful = [r for r in results if r["faithful"]]
    unfaithful = [r for r in results if not r["faithful"]]
    by_kind: dict[str, list[int]] = {}
    for r in unfaithful:
        by_kind.setdefault(r["kind"], []).append(0 if r["supported"] else 1)
    return {
        "n": len(results),
        "kept_faithful": f"{sum(r['supported'] for r in faithful)}/{len(faithful)}",
        "rejected_unfaithful": f"{sum(not r['supported'] for r in unfaithful)}/{len(unfaithful)}",
        "kept_faithful_share": round(sum(r["supported"] for r in faithful) / len(faithful), 3),
        "rejected_unfaithful_share": round(sum(not r["supported"] for r in unfaithful) / len(unfaithful), 3),
        "rejected_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in by_kind.items()},
    }


def _royin_skeleton(roman: str) -> str:
    """Consonant classes of an RTGS romanisation (kh k: K, ch s: S, th t d: T, ph p b: P, ng n: N)."""
    roman = re.sub(r"kh|ch|th|ph|ng", lambda m: {"kh": "K", "ch": "S", "th": "T", "ph": "P", "ng": "N"}[m.group()],
                   roman.lower())
    table = {"k": "K", "g": "K", "s": "S", "d": "T", "t": "T", "b": "P", "p": "P", "f": "F", "m": "M", "n": "N",
             "r": "R", "l": "L", "w": "W"}
    return names.collapse(c if c.isupper() else table.get(c, "") for c in roman)


def name_calibration(limit: int = 1500) -> dict:
    """The sound test of names (rag.lexical.names) on PyThaiNLP's Thai-English transliteration
    list (neither the article nor XQuAD): each Thai spelling against its English word (kept) and
    against another entry's English word (a false match), with the Thai read by its letters
    (ISO 11940, shipped) and by its RTGS romanisation (royin, the offline romaniser)."""
    import pythainlp
    from pythainlp.transliterate import romanize

    rows = (Path(pythainlp.__file__).parent / "corpus" / "th_en_transliteration_v1.4.tsv").read_text(
        encoding="utf-8").splitlines()[1:]
    pairs = [(r.split("\t")[0], r.split("\t")[1]) for r in rows if r.split("\t")[1].isalpha()]
    rng = random.Random(0)
    rng.shuffle(pairs)
    pairs = pairs[:limit]
    others = [rng.choice(pairs)[1] for _ in pairs]

    def share(read, english) -> float:
        hits = [any(names.sounds_like(v, read(th)) for v in names.latin_skeletons(en))
                for (th, _), en in zip(pairs, english, strict=True)]
        return round(sum(hits) / len(hits), 3)

    out = {"pairs": len(pairs), "max_cost_per_class": names.MAX_COST}
    for label, read in (("letters_iso11940", names.thai_skeleton),
                        ("royin", lambda th: _royin_skeleton(romanize(th, engine="royin")))):
        out[label] = {"matched_own": share(read, [en for _, en in pairs]), "matched_other": share(read, others)}
    return out


def timing(searcher, encoder, view, runs: int = 7) -> dict:
    """The check of a five-sentence answer, as ``rag ask`` and the chat run it: the passages'
    sentence vectors read from the index, the answer streamed in pieces of 4 characters (a
    sentence closed by a piece is encoded when the next piece comes); "after_last_token" is
    what the check adds once the model is done (here the last sentence's encoding too: the
    answer ends with its citation), "all_at_end" the whole check had the text come in one piece."""
    items = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]
    answer = " ".join(it["sentence"] for it in items if it["faithful"] and it["passages"] == items[0]["passages"])
    passages = [passage_for(searcher, items[0]["passages"][0], 1)]
    after, whole, rules, n = [], [], [], 0
    for i in range(runs):
        # new wording each run, so the sentences are encoded afresh
        text = answer.replace("[1]", f"v{i} [1]")
        streamed = CitationChecker(encoder, stored=view.sentence_vectors_of, dictionary=view.dictionary)
        for end in range(4, len(text) + 4, 4):  # as rag.generate.stream_generate: what the pieces
            if MAY_CLOSE.search(text[end - 8:end - 4]):  # before this one closed is encoded now
                streamed.prepare(text[:end - 4])
        sentences, ms = streamed.check(text, passages)
        after.append(ms)
        _, ms = CitationChecker(encoder, stored=view.sentence_vectors_of, dictionary=view.dictionary).check(text.replace("[1]", "w [1]"), passages)
        whole.append(ms)
        # the rules alone (citations, numbers, names, coverage, margins): every sentence encoded
        # beforehand, as when the answer's last citation is followed by its full stop
        ready = CitationChecker(encoder, stored=view.sentence_vectors_of, dictionary=view.dictionary)
        ready.prepare(text + " ")
        rules.append(ready.check(text, passages)[1])
        n = len(sentences)
    return {"sentences": n, "after_last_token_median_ms": round(statistics.median(after), 1),
            "all_at_end_median_ms": round(statistics.median(whole), 1),
            "rules_only_median_ms": round(statistics.median(rules), 1), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--xquad", type=Path)
    ap.add_argument("--iapp", type=Path, help="iApp dev: a second set for what the name tests cost")
    ap.add_argument("--limit", type=int, default=400, help="XQuAD questions for the calibration")
    ap.add_argument("--qa", type=Path, default=HERE / "qa_dev.jsonl")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only-calibrate", action="store_true")
    ap.add_argument("--only-written", action="store_true", help="the written set alone (no calibration, no timing)")
    args = ap.parse_args()
    assistant = open_index(args.index)
    encoder = SentenceCache(assistant.searcher.embedder)
    shipped = {"th": SAME_LANGUAGE_THRESHOLD, "en": CROSS_LANGUAGE_THRESHOLD}
    report: dict = {"thresholds": {"same_language": SAME_LANGUAGE_THRESHOLD,
                                   "cross_language": CROSS_LANGUAGE_THRESHOLD}}
    if args.only_written:
        print(json.dumps(written_set(assistant.searcher, CitationChecker(encoder), args.xquad),
                         ensure_ascii=False, indent=1))
        print(json.dumps(timing(assistant.searcher, assistant.searcher.embedder,
                                assistant.gate.view, runs=3)))
        return
    if args.xquad:
        t, report["xquad_calibration"] = calibrate(encoder, args.xquad, args.limit)
        report["xquad_thai_coverage"] = coverage_calibration(args.xquad, args.limit)
        report["xquad_claim_markers"] = marker_calibration(args.xquad)
        report["name_tests_cost"] = entity_calibration([args.xquad, *([args.iapp] if args.iapp else [])])
        report["article_check_at_xquad_thresholds"] = article_check(assistant.searcher, encoder, args.qa, t)
    report["article_check_at_shipped_thresholds"] = article_check(assistant.searcher, encoder, args.qa, shipped)
    if args.only_calibrate:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    report["name_sounds"] = name_calibration()
    checker = CitationChecker(encoder)
    report["written_set"] = written_set(assistant.searcher, checker, args.xquad)
    report["timing_5_sentences"] = timing(assistant.searcher, assistant.searcher.embedder,
                                          assistant.gate.view)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        (args.out / "check.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
