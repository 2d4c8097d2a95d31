"""Answer benchmark: where the "nothing relevant found" gate sits, and how follow-ups search.

    python eval/bench_answer.py [--out eval/out] [--json]

1. Relevance gate (rag.answer.gate: a logistic score over corpus-relative signals, its
   threshold calibrated on each index; fitted by eval/fit_gate.py on XQuAD-th, not on this
   article). Three groups through ``Assistant.ask``: the article's dev questions
   (eval/qa_dev.jsonl), the chat's example questions and questions written from the article's
   text (``ON_TOPIC_MORE``), which must pass; clearly off-topic questions (cooking, sport,
   weather, software...), Thai and English (``OFF_TOPIC``, never fitted on), which must not;
   and near-topic questions the article does not answer (other countries, other policies),
   reported only; questions about the document as a whole (``rag.answer.about_document``),
   answered whatever their score, are counted apart: how many the gate alone would refuse,
   and that no off- or near-topic one is read as such. Per question language: on-topic
   refused, off- and near-topic answered.

2. Follow-ups. "How does China use STAs?" then "and Japan?" (and Thai, and other pairs) must
   bring passages from the section of the follow-up's subject. Strategies compared: the
   follow-up alone, the searcher's mixed query vector at several context weights, and
   rank-normalised mixing (each query's cosines scaled to [0, 1] over the corpus before the
   weighted sum, so a short follow-up with compressed cosines still steers). For each, the
   share of the top-5 hits in the expected section, and whether the result still keeps the
   earlier question's topic (the expected passage for the pair, when there is one).

3. Extract. For each of the article's dev questions, whether the extract holds one of its
   gold answer phrases (spaces squashed), for footnote questions whether the sources do, and
   the extract's length.

Runs on the shipped article, ingested once into ``<out>/idx-seed`` (shared with
bench_retrieval.py); writes ``<out>/bench_answer.json``.

Last run of the follow-ups (default model, 2 cores); the gate and the extract: eval/results/answers.md.

    follow-ups, 8 pairs    share of top-5 in the right section   Japan S&T-agreements passage rank
    follow-up alone          0.82 (majority in 8/8)                7, 2
    mixed vector w=0.2       0.78 (7/8)                            8, 3
    mixed vector w=0.6       0.65 (5/8)                            not in top 10, 8
    dense alone + BM25 ctx   0.93 (8/8)                            3, 6
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from rag.config import apply_thread_policy

apply_thread_policy()  # before numpy loads: the CLI's thread settings, so timings match `rag`

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))

# On-topic questions written from the article's text (not from the dev set), Thai and English,
# so the gate is placed on more than the dev questions' wording.
ON_TOPIC_MORE = [
    "ความเป็นผู้นำด้าน AI ของสหรัฐอเมริกาขับเคลื่อนโดยอะไร",
    "Technosocialism คืออะไร",
    "จีนลงทุนในภูมิภาค MENA อย่างไร",
    "AI factories initiative ของสหภาพยุโรปมีเป้าหมายอะไร",
    "เกาหลีใต้ใช้เทคโนโลยีเป็นเครื่องมือทางการทูตอย่างไร",
    "มัตสึโมโตะ โยอิจิโระ คือใคร",
    "Bio-5 ก่อตั้งโดยใคร",
    "มองภูมิภาคหมายถึงอะไร",
    "คำสั่งฝ่ายบริหาร A Unified Voice for America’s Foreign Relations ลงนามเมื่อใด",
    "จีนใช้การทูตเชิงเศรษฐกิจกดดันประเทศอื่นอย่างไร",
    "ห่วงโซ่อุปทานเภสัชชีวภาพคืออะไร",
    "ความมั่นคงทางเทคโนโลยีของจีนมีหลักการอะไร",
    "ที่ปรึกษาด้านวิทยาศาสตร์ของกระทรวงการต่างประเทศญี่ปุ่นคือใคร",
    "อำนาจอธิปไตยทางเทคโนโลยีของสหภาพยุโรปคืออะไร",
    "ยุทธศาสตร์วงจรคู่ขนานคืออะไร",
    "สังคม 5.0 ของญี่ปุ่นคืออะไร",
    "เกาหลีใต้ใช้ K-pop อย่างไร",
    "สหภาพยุโรปกำกับดูแล AI อย่างไร",
    "What drives US leadership in AI?",
    "What is Technosocialism?",
    "How does China invest in the MENA region?",
    "What is the goal of the EU's AI factories initiative?",
    "How does South Korea use technology as a diplomatic tool?",
    "Who is Matsumoto Yoichiro?",
    "Who founded Bio-5?",
    "When was the executive order A Unified Voice for America's Foreign Relations signed?",
    "How does China use economic diplomacy to pressure other countries?",
    "What are China's principles of technology security?",
    "Who is the science adviser to Japan's foreign minister?",
    "What is the EU's technological sovereignty?",
    "What is the dual circulation strategy?",
    "What are the goals of the Digital Nations group?",
]
OFF_TOPIC = [
    "What is the price of oil today?",
    "How can I lose weight fast?",
    "When will Thailand play in the World Cup?",
    "What happened in the Ayutthaya period?",
    "How do I apply for a credit card online?",
    "How is personal income tax calculated?",
    "How do I care for a Persian cat?",
    "What are the symptoms of diabetes?",
    "When is the best time to visit Phuket?",
    "How do I grow jasmine rice in Isan?",
    "What time does the Purple Line open?",
    "ราคาน้ำมันวันนี้เท่าไร",
    "วิธีลดน้ำหนักให้ได้ผล",
    "ทีมชาติไทยจะแข่งฟุตบอลโลกเมื่อไร",
    "ประวัติศาสตร์สมัยอยุธยา",
    "วิธีสมัครบัตรเครดิตออนไลน์",
    "ภาษีเงินได้บุคคลธรรมดาคำนวณอย่างไร",
    "การเลี้ยงแมวเปอร์เซีย",
    "โรคเบาหวานมีอาการอย่างไร",
    "เที่ยวภูเก็ตช่วงไหนดีที่สุด",
    "การปลูกข้าวหอมมะลิในภาคอีสาน",
    "รถไฟฟ้าสายสีม่วงเปิดกี่โมง",
    "How do I make pad thai at home?",
    "What is the best recipe for chocolate chip cookies?",
    "Who won the 2022 FIFA World Cup final?",
    "How many players are on a basketball team?",
    "What will the weather be like in Chiang Mai tomorrow?",
    "How do I reverse a linked list in Python?",
    "What are the symptoms of dengue fever?",
    "Which smartphone has the best camera in 2024?",
    "How long should I boil an egg?",
    "What is the capital of Australia?",
    "Recommend a good movie to watch tonight",
    "How do I fix a flat bicycle tire?",
    "วิธีทำต้มยำกุ้งให้อร่อย",
    "สูตรขนมเค้กช็อกโกแลตแบบง่าย",
    "ทีมฟุตบอลไหนชนะพรีเมียร์ลีกปีที่แล้ว",
    "นักมวยไทยที่เก่งที่สุดคือใคร",
    "พรุ่งนี้ฝนจะตกที่กรุงเทพไหม",
    "วิธีเขียนโปรแกรมภาษาไพทอนเบื้องต้น",
    "อาการของโรคไข้หวัดใหญ่มีอะไรบ้าง",
    "ร้านกาแฟที่ดีที่สุดในเชียงใหม่",
    "ต้มไข่ต้องใช้เวลากี่นาที",
    "วิธีปลูกกุหลาบในกระถาง",
    "ดูดวงความรักประจำสัปดาห์นี้",
    "แนะนำหนังสนุก ๆ สักเรื่อง",
]
NEAR_TOPIC = [
    "What is Vietnam's semiconductor strategy?",
    "How does India regulate cryptocurrency?",
    "What did the 2015 Paris Agreement decide on climate finance?",
    "นโยบายการทูตเชิงเทคโนโลยีของสิงคโปร์เป็นอย่างไร",
    "รัสเซียใช้ความตกลงด้านอวกาศอย่างไร",
    "ธนาคารแห่งประเทศไทยกำหนดอัตราดอกเบี้ยอย่างไร",
    "What is the CHIPS Act?",  # US chip policy; the article names other US programmes
    "ปัญญาประดิษฐ์ช่วยทำการบ้านได้ไหม",  # AI, but not as the article treats it
]
# Questions about the document as a whole (rag.answer.gate.DOCUMENT_WORDS): answered whatever
# their relevance, so they are reported apart and do not place the gate.
ABOUT_DOCUMENT = [
    "What is this paper about?",
    "What are the recommendations of the paper?",
    "Summarize the conclusion",
    "What does the author argue?",
    "What are the main points?",
    "What are the key findings?",
    "บทความนี้เกี่ยวกับอะไร",
    "สรุปบทความนี้",
    "ผู้เขียนสรุปว่าอย่างไร",
    "ประเด็นหลักของเอกสารคืออะไร",
]
# (earlier question, follow-up, expected section prefix, a chunk that keeps the topic or None)
FOLLOWUPS = [
    ("How does China use STAs?", "and Japan?", "ญี่ปุ่น", "S&T agreements"),
    ("จีนใช้ STAs อย่างไร", "แล้วญี่ปุ่นล่ะ", "ญี่ปุ่น", "S&T agreements"),
    ("How does China use STAs?", "what about the EU?", "สหภาพยุโรป", None),
    ("จีนใช้ STAs อย่างไร", "แล้วสหภาพยุโรปล่ะ", "สหภาพยุโรป", None),
    ("What are the goals of US technology diplomacy?", "and China?", "จีน", None),
    ("การทูตเชิงเทคโนโลยีของสหรัฐอเมริกามีเป้าหมายอะไร", "แล้วจีนล่ะ", "จีน", None),
    ("How does Japan practise technology diplomacy?", "and South Korea?", "เกาหลีใต้", None),
    ("การทูตเชิงเทคโนโลยีของญี่ปุ่นเป็นอย่างไร", "แล้วเกาหลีใต้ล่ะ", "เกาหลีใต้", None),
]
# The passage about Japan's bilateral S&T agreements: a follow-up about Japan after a question
# about STAs should still find it.
TOPIC_MARKERS = {"S&T agreements": "ลงนามความร่วมมือด้านวิทยาศาสตร์และเทคโนโลยีแบบทวิภาคี"}


def ensure_index(out: Path) -> Path:
    from rag.errors import RagError
    from rag.ingest import ingest

    index_dir = out / "idx-seed"
    corpus = ROOT / "corpus" / "tech-diplomacy-th.txt"
    try:
        ingest([corpus], index_dir, progress=False)
    except RagError as e:
        print(f"idx-seed: {e}; rebuilding", file=sys.stderr)
        ingest([corpus], index_dir, progress=False, rebuild=True)
    return index_dir


def gate(assistant) -> dict:
    """Every on-, off- and near-topic question through ``Assistant.ask``, as the CLI and the chat
    answer them: the gate's score, the index's threshold, and per question language how many
    on-topic questions are refused and off- or near-topic ones answered."""
    from rag.answer import about_document, question_language
    from rag.app.chat import EXAMPLES

    searcher = assistant.searcher
    dev = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa_dev.jsonl").open(encoding="utf-8")]
    on_topic = dev + [q for q in EXAMPLES if not q.startswith(("แล้ว", "and "))] + ON_TOPIC_MORE
    groups = {"on_topic": on_topic, "off_topic": OFF_TOPIC, "near_topic": NEAR_TOPIC}
    answers = {g: [assistant.ask(q) for q in qs] for g, qs in groups.items()}
    out: dict = {"scores": {g: [{"question": a.question, "score": round(a.relevance or 0.0, 4),
                                 "threshold": a.threshold, "found": a.found} for a in v]
                            for g, v in answers.items()},
                 "calibration": searcher.manifest.get("calibration"), "by_language": {}}
    for lang in ("th", "en"):
        mine = {g: [a for a in v if question_language(a.question) == lang] for g, v in answers.items()}
        out["by_language"][lang] = {
            "on_topic_refused": f"{sum(not a.found for a in mine['on_topic'])}/{len(mine['on_topic'])}",
            "off_topic_answered": f"{sum(a.found for a in mine['off_topic'])}/{len(mine['off_topic'])}",
            "near_topic_answered": f"{sum(a.found for a in mine['near_topic'])}/{len(mine['near_topic'])}"}
    whole = [assistant.ask(q) for q in ABOUT_DOCUMENT]
    ends = {searcher.chunks[i].chunk_id for i in searcher.document_ends("tech-diplomacy-th")}
    out["about_document"] = {
        "n": len(ABOUT_DOCUMENT), "answered": sum(a.found for a in whole),
        "all_passages_from_the_ends": sum(a.found and all(p.hit.chunk_id in ends for p in a.passages) for a in whole),
        "refused_without_the_rule": sum((a.relevance or 0.0) < (a.threshold or 0.0) for a in whole),
        "off_or_near_topic_read_as_about_document": [q for q in OFF_TOPIC + NEAR_TOPIC if about_document(q)]}
    return out


def _minmax(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - x.min())
    return (x - x.min()) / span if span > 1e-12 else np.ones_like(x)


def followups(searcher) -> dict:
    import rag.search.searcher as rs
    from rag.search.fusion import fuse
    from rag.thai.chars import is_thai

    emb = searcher.embedder
    vectors = np.asarray(searcher.vectors, dtype=np.float32)
    sections = [c.section for c in searcher.chunks]
    texts = [c.text for c in searcher.chunks]

    def judge(order: list[int], expect: str, topic: str | None) -> dict:
        top = order[:5]
        size = sum(sec.startswith(expect) for sec in sections)
        share = sum(sections[i].startswith(expect) for i in top) / min(len(top), size)
        keeps = None
        if topic:
            needle = TOPIC_MARKERS[topic]
            keeps = next((r for r, i in enumerate(order[:10], 1) if needle in texts[i]), None)
        return {"share": share, "topic_rank": keeps, "has_topic": topic is not None}

    index_of = {c.chunk_id: i for i, c in enumerate(searcher.chunks)}
    strategies: dict[str, list[dict]] = {}
    for ctx, follow, expect, topic in FOLLOWUPS:
        qf = emb.encode_queries([follow])[0]
        qc = emb.encode_queries([ctx])[0]
        runs = {"alone": [index_of[h.chunk_id] for h in searcher.search(follow, k=10).hits]}
        saved = rs.CONTEXT_WEIGHT
        try:
            for w in (0.2, 0.3, 0.4, 0.6):
                rs.CONTEXT_WEIGHT = w
                runs[f"mix w={w}"] = [index_of[h.chunk_id] for h in searcher.search(follow, k=10, context=ctx).hits]
        finally:
            rs.CONTEXT_WEIGHT = saved
        # dense from the follow-up alone; the earlier question only adds its words to BM25
        from rag.lexical.tokenize import tokenize_query

        depth = searcher.weights.depth
        dense_alone = searcher.dense_candidates(qf, depth)
        tokens = tokenize_query(follow, searcher.engine) * 2 + tokenize_query(ctx, searcher.engine)
        w_lex = searcher.weights.bm25_thai if is_thai(follow) else searcher.weights.bm25_other
        fused = fuse(dense_alone, searcher.bm25_candidates(tokens, depth), w_lex)
        runs["dense alone + bm25 ctx"] = [i for i, _ in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))]
        sf, sc = vectors @ qf, vectors @ qc
        for w in (0.3, 0.5):
            dense = _minmax(sf) + w * _minmax(sc)
            runs[f"dense rank-norm w={w}"] = np.argsort(-dense, kind="stable").tolist()
        for name, order in runs.items():
            strategies.setdefault(name, []).append({"pair": f"{ctx} -> {follow}", **judge(order, expect, topic)})
    summary = {name: {"mean_share": round(statistics.mean(r["share"] for r in rows), 3),
                      "pairs_majority": sum(r["share"] > 0.5 for r in rows),
                      "topic_ranks": [r["topic_rank"] for r in rows if r["has_topic"]]}
               for name, rows in strategies.items()}
    return {"pairs": len(FOLLOWUPS), "summary": summary, "detail": strategies}


def extracts(assistant) -> dict:
    """How often the extract quotes the answer (see the module docstring, part 3), and how long
    it is."""
    def squash(t: str) -> str:
        return " ".join(t.split())

    gold = [json.loads(line) for line in (ROOT / "eval" / "qa_dev.jsonl").open(encoding="utf-8")]
    rows, lengths = [], []
    for q in gold:
        a = assistant.ask(q["question"])
        extract = squash(" ".join(s.text for s in a.extract))
        sources = squash(" ".join(s.text for s in a.sources))
        lengths.append(sum(len(s.text) for s in a.extract))
        rows.append({"id": q["id"], "type": q["type"], "extract": any(squash(x) in extract for x in q["answers"]),
                     "sources": any(squash(x) in sources for x in q["answers"])})
    footnote = [r for r in rows if r["type"] == "footnote"]
    other = [r for r in rows if r["type"] != "footnote"]
    return {"extract_holds_answer": f"{sum(r['extract'] for r in other)}/{len(other)}",
            "footnote_answer_in_extract_or_sources": f"{sum(r['extract'] or r['sources'] for r in footnote)}/{len(footnote)}",
            "missed": [r["id"] for r in other if not r["extract"]],
            "length_median": statistics.median(lengths), "length_max": max(lengths)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = ap.parse_args()
    from rag.api import Assistant

    t0 = time.perf_counter()
    assistant = Assistant(ensure_index(args.out))
    searcher = assistant.searcher
    result = {"gate": gate(assistant), "followups": followups(searcher), "extract": extracts(assistant)}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_answer.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for lang, g in result["gate"]["by_language"].items():
        print(f"{lang}: on-topic refused {g['on_topic_refused']}, off-topic answered {g['off_topic_answered']}, "
              f"near-topic answered {g['near_topic_answered']}")
    d = result["gate"]["about_document"]
    print(f"about the document: {d['answered']}/{d['n']} answered, {d['all_passages_from_the_ends']} of them from the "
          f"opening and closing sections only ({d['refused_without_the_rule']} under the gate); off- or near-topic "
          f"read as such: {d['off_or_near_topic_read_as_about_document'] or 'none'}")
    print("follow-ups (share of top-5 in the follow-up's section; pairs with a majority):")
    for name, s in result["followups"]["summary"].items():
        print(f"  {name:<22} mean {s['mean_share']:.2f}  majority {s['pairs_majority']}/{result['followups']['pairs']}"
              f"  Japan-S&T passage rank {s['topic_ranks']}")
    print("extract (non-footnote dev questions whose extract quotes a gold answer; footnote ones answered):")
    e = result["extract"]
    print(f"  {e['extract_holds_answer']}  footnotes {e['footnote_answer_in_extract_or_sources']}  missed "
          f"{' '.join(e['missed'])}  length median {e['length_median']}, max {e['length_max']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
