"""Benchmark of PDF input: every route (the .pdf itself, and the text four extractors give) on
Thai PDFs with known text, per producer and font, beside the anchors, and the reading speed.

usage: python eval/bench_pdf.py [--n 27] [--seed 61] [--out eval/out/pdf] [--reuse]
                                [--shared ../shared] [--write eval/results]

Sets: a generated set (tests/pdf_producers.py: LibreOffice, Chromium and XeLaTeX print
documents whose text we chose, with a fixed seed, into --out, never committed; --reuse keeps a set already
there) and ../shared/bench/pdf_real when present. Each document goes through what `rag inspect
FILE --json` runs (read, repair and structure, chunking) on every route, and is scored by the
shared scorer's own `score()` (body CER, headings, footnotes, marker links, footnote text leaked
into the body); the anchors are the scorer's `--raw` figures: each extractor's text as it is,
after `pythainlp.util.normalize` and after `fixthaipdf`. A variant runs the query-time glyph
repair over the PDF route's paragraphs, to see whether glyph cleanup still finds anything to
fix. Speed: CPU time to read the first 50 pages of a long document of each producer, pinned
to one core, best of three. Without ../shared/tools/score_pdf.py there is no scorer:
the script says so and stops.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import platform
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import pdf_producers as producers  # noqa: E402

from rag.document.inspect import inspect_dict  # noqa: E402
from rag.document.pdf import read_pdf  # noqa: E402
from rag.document.reading import read_source_file  # noqa: E402
from rag.ingest import process_source  # noqa: E402
from rag.repair.text import repair_query  # noqa: E402

ROUTES = ("pdf", *producers.EXTRACTORS)
SPEED_PAGES = 50
_NAME = re.compile(r"-(lo|chrome|tex)-([a-z]+)$")
PRODUCERS = ("lo", "chrome", "tex")


def load_scorer(shared: Path) -> ModuleType | None:
    path = shared / "tools" / "score_pdf.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("score_pdf", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inspect_file(path: Path) -> dict[str, Any]:
    """What `rag inspect FILE --json` prints for one file (the same calls, in process)."""
    [src] = read_source_file(path)
    seconds = dict.fromkeys(("repair", "structure", "chunking"), 0.0)
    p = process_source(src, seconds)
    return inspect_dict(p.document, p.chunks)


def generated_set(out: Path, n: int, seed: int, reuse: bool) -> Path:
    if reuse and any(out.glob("*.gold.json")):
        return out
    pool = producers.TextPool.from_project(ROOT)
    specs = producers.draw_specs(n, seed, "all", prefix=f"bench{seed}-")
    t0 = time.perf_counter()
    results = producers.generate(out, specs, pool, check=False)
    failed = [r.spec.name for r in results if r.pdf is None]
    print(f"generated {len(results) - len(failed)} documents in {time.perf_counter() - t0:.0f} s -> {out}"
          + (f" ({len(failed)} failed: {failed})" if failed else ""), file=sys.stderr)
    return out


def producer_font(gold_path: Path) -> tuple[str, str]:
    spec = gold_path.with_name(gold_path.name.replace(".gold.json", ".spec.json"))
    if spec.exists():
        d = json.loads(spec.read_text(encoding="utf-8"))
        return d["producer"], d["font"].lower()
    m = _NAME.search(gold_path.name.replace(".gold.json", ""))
    return (m.group(1), m.group(2)) if m else ("?", "?")


def _add(total: dict[str, int], score: dict[str, int]) -> None:
    for k, v in score.items():
        total[k] = total.get(k, 0) + v


def summary(t: dict[str, int]) -> dict[str, Any]:
    """The scorer's own summary of summed counts."""
    row: dict[str, Any] = {"docs": t.get("docs", 0), "CER": round(100 * t["edits"] / max(1, t["chars"]), 3)}
    if "n_headings" in t:
        row.update({"headings": round(t["headings"] / max(1, t["n_headings"]), 3),
                    "footnotes": round(t["footnotes"] / max(1, t["n_footnotes"]), 3),
                    "links": round(t["links"] / max(1, t["n_markers"]), 3),
                    "leaks": t["leaks"]})
    return row


def score_set(folder: Path, scorer: ModuleType) -> dict[str, Any]:
    by_route: dict[str, dict[str, int]] = defaultdict(dict)
    by_producer: dict[str, dict[str, int]] = defaultdict(dict)
    by_font: dict[str, dict[str, int]] = defaultdict(dict)
    anchors: dict[str, dict[str, int]] = defaultdict(dict)
    glyph: dict[str, dict[str, int]] = defaultdict(dict)
    docs: dict[str, dict[str, Any]] = {}
    pages = 0
    for gold_path in sorted(folder.glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        producer, font = producer_font(gold_path)
        row: dict[str, Any] = {"producer": producer, "font": font}
        for route in ROUTES:
            path = folder / (f"{name}.pdf" if route == "pdf" else f"{name}.{route}.txt")
            if not path.exists():
                continue
            try:
                ins = inspect_file(path)
            except Exception as e:  # noqa: BLE001 -- a route that fails on a file is a finding
                print(f"{path.name}: {type(e).__name__}: {e}", file=sys.stderr)
                ins = {}
            s = scorer.score(gold, ins)
            s["docs"] = 1
            row[route] = summary(s)
            _add(by_route[route], s)
            _add(by_producer[f"{route}|{producer}"], s)
            if route == "pdf":
                pages += producers.page_count(path)
                _add(by_font[f"{producer}|{font}"], s)
                fixed = {**ins, "paragraphs": [{**p, "text": repair_query(p["text"])} for p in ins["paragraphs"]]}
                _add(glyph["pdf"], {k: v for k, v in s.items() if k in ("edits", "chars")})
                g = scorer.score(gold, fixed)
                _add(glyph["pdf + repair_query"], {"edits": g["edits"], "chars": g["chars"]})
            else:
                for kind, counts in scorer.raw_scores(gold, path.read_text(encoding="utf-8")).items():
                    _add(anchors[f"{route}/{kind}"], counts)
        docs[name] = row
    return {
        "documents": len(docs), "pdf_pages": pages,
        "routes": {k: summary(v) for k, v in by_route.items()},
        "by_producer": {k: summary(v) for k, v in sorted(by_producer.items())},
        "pdf_by_font": {k: summary(v) for k, v in sorted(by_font.items())},
        "anchors": {k: summary(v) for k, v in anchors.items()},
        "glyph_repair": {k: summary(v) for k, v in glyph.items()},
        "per_document": docs,
    }


def long_pdf(folder: Path, producer: str) -> Path | None:
    """A long document of one producer (footnotes or a note list, a running header, page
    numbers), its first SPEED_PAGES pages kept; None when the producer printed fewer."""
    import pypdfium2 as pdfium

    font = {"lo": "Loma", "chrome": "Garuda", "tex": "Norasi"}[producer]
    spec = producers.Spec(name=f"long-{producer}", producer=producer, font=font, seed=SPEED_PAGES,
                          notes="manual" if producer == "chrome" else "footnote", n_sections=45,
                          paras_per_section=(2, 4), body_chars=100_000, header_text=producers.HEADER_TEXTS[0],
                          page_numbers="bottom")
    folder.mkdir(parents=True, exist_ok=True)
    full = folder / f"{spec.name}.pdf"
    if not full.exists():
        producers.generate(folder, [spec], producers.TextPool.from_project(ROOT), extractors=(), check=False)
    if not full.exists():
        return None
    src = pdfium.PdfDocument(str(full))
    try:
        if len(src) < SPEED_PAGES:
            return None
        cut = pdfium.PdfDocument.new()
        cut.import_pages(src, pages=list(range(SPEED_PAGES)))
        out = folder / f"{spec.name}-{SPEED_PAGES}.pdf"
        cut.save(str(out))
        cut.close()
        return out
    finally:
        src.close()


def one_core(fn: Callable[[], Any]) -> Any:
    """Run `fn` pinned to a single CPU where the platform allows it."""
    if not hasattr(os, "sched_setaffinity"):
        return fn()
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        return fn()
    finally:
        os.sched_setaffinity(0, before)


def _best_of_three(path: Path) -> tuple[float, float, int]:
    cpu, wall, pages = float("inf"), float("inf"), 0
    for _ in range(3):
        t0, w0 = time.process_time(), time.perf_counter()
        pages = len(read_pdf(path).pages)
        cpu, wall = min(cpu, time.process_time() - t0), min(wall, time.perf_counter() - w0)
    return cpu, wall, pages


def speed(folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for producer in PRODUCERS:
        path = long_pdf(folder, producer)
        if path is None:
            out[producer] = {"skipped": f"the {producer} document has fewer than {SPEED_PAGES} pages"}
            continue
        cpu, wall, pages = one_core(functools.partial(_best_of_three, path))
        out[producer] = {"pages": pages, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                         "ms_per_page": round(1000 * cpu / pages, 1)}
    return out


# --------------------------------------------------------------------------- report


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _metrics(s: dict[str, Any]) -> list[Any]:
    return [s["docs"], f"{s['CER']:.3f}", s.get("headings", ""), s.get("footnotes", ""), s.get("links", ""),
            s.get("leaks", "")]


def markdown(result: dict[str, Any]) -> str:
    head = ["docs", "body CER %", "headings", "footnotes", "links", "leaks"]
    lines = ["# PDF input", "", f"`python eval/bench_pdf.py` ({result['machine']}). Scored with "
             "`../shared/tools/score_pdf.py`'s `score()`; routes: the `.pdf` itself and the text each "
             "extractor gave, through what `rag inspect FILE --json` runs. Goals for the `.pdf` route: "
             "body CER <= 0.3 %, headings, footnotes and links >= 0.95, no leaks.", ""]
    for name, s in result["sets"].items():
        lines += [f"## {name}: {s['documents']} documents, {s['pdf_pages']} PDF pages", "",
                  _row(["route", *head]), _row(["---"] * 7)]
        lines += [_row([route, *_metrics(row)]) for route, row in s["routes"].items()]
        lines += ["", "Per producer:", "", _row(["route", "producer", *head]), _row(["---"] * 8)]
        for key, row in s["by_producer"].items():
            route, producer = key.split("|")
            lines.append(_row([route, producer, *_metrics(row)]))
        lines += ["", "`.pdf` route per producer and font:", "", _row(["producer", "font", *head]),
                  _row(["---"] * 8)]
        for key, row in s["pdf_by_font"].items():
            producer, font = key.split("|")
            lines.append(_row([producer, font, *_metrics(row)]))
        lines += ["", "Anchors (the extractor's text itself as body, no structure):", "",
                  _row(["text", "body CER %"]), _row(["---"] * 2)]
        lines += [_row([k, f"{v['CER']:.3f}"]) for k, v in s["anchors"].items()]
        g = s["glyph_repair"]
        if g:
            lines += ["", "Glyph repair (`repair_query`) over the `.pdf` route's paragraphs: body CER "
                      f"{g['pdf']['CER']:.3f} % -> {g['pdf + repair_query']['CER']:.3f} %."]
        lines.append("")
    lines += ["## Reading speed", "", f"CPU time of `read_pdf` on a {SPEED_PAGES}-page PDF (the first pages of "
              "a long generated document with notes, header and page numbers), one core, best of three:", "",
              _row(["producer", "pages", "CPU s", "wall s", "ms/page"]), _row(["---"] * 5)]
    for producer, row in result["speed"].items():
        if "skipped" in row:
            lines.append(_row([producer, row["skipped"], "", "", ""]))
        else:
            lines.append(_row([producer, row["pages"], row["cpu_s"], row["wall_s"], row["ms_per_page"]]))
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=27, help="generated documents (27: every font with each producer)")
    ap.add_argument("--seed", type=int, default=61)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "pdf")
    ap.add_argument("--reuse", action="store_true", help="score the set already in --out")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--write", type=Path, help="write pdf.md and pdf.json into this folder")
    args = ap.parse_args()
    scorer = load_scorer(args.shared)
    if scorer is None:
        print(f"no scorer at {args.shared / 'tools' / 'score_pdf.py'}: nothing to score with", file=sys.stderr)
        return 0
    sets = {f"generated (seed {args.seed})": generated_set(args.out, args.n, args.seed, args.reuse)}
    real = args.shared / "bench" / "pdf_real"
    if real.is_dir():
        sets["pdf_real (dev)"] = real
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "sets": {name: score_set(folder, scorer) for name, folder in sets.items()},
        "speed": speed(args.out / "speed"),
    }
    text = markdown(result)
    print(text)
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        (args.write / "pdf.md").write_text(text, encoding="utf-8")
        (args.write / "pdf.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
