"""Benchmark of the `.txt` routes of issue 26: the text that pdftotext, pypdf, pdfminer.six and
pypdfium2 gave from Thai PDFs with known text, ingested as `.txt`, scored per route with the
shared scorer (`../shared/tools/score_pdf.py`: its `score()` on `rag inspect FILE --json`, and
its `raw_scores()` for the extractor's own text as the anchor).

usage: python eval/bench_txt_routes.py NAME=GOLD_DIR [NAME=GOLD_DIR ...]
                                       [--shared ../shared] [--write eval/results]

Each GOLD_DIR holds NAME.gold.json and NAME.<extractor>.txt per document (the layout of
../shared/bench/pdf_real); a NAME.spec.json with "columns" splits the figures into one- and
two-column documents. Results: eval/results/txt_routes.json and .md (the .md's anchor table is
the issue's "measured today" and is written by hand beside the figures).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ["pdftotext", "pypdf", "pdfminer", "pdfium"]


def _scorer(shared: Path):
    path = shared / "tools" / "score_pdf.py"
    if not path.exists():
        sys.exit(f"no scorer at {path}")
    spec = importlib.util.spec_from_file_location("score_pdf", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _inspect(path: Path) -> dict:
    env_src = str(ROOT / "src")
    p = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); from rag.app.cli import main;"
                        " sys.exit(main(['inspect', sys.argv[2], '--json']))", env_src, str(path)],
                       capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        print(f"{path.name}: inspect failed: {p.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return {}


def _add(total: dict, s: dict) -> None:
    for k, v in s.items():
        total[k] = total.get(k, 0) + v


def _row(t: dict) -> dict:
    return {"docs": t["docs"], "CER": round(100 * t["edits"] / max(1, t["chars"]), 2),
            "raw_CER": round(100 * t["raw"] / max(1, t["chars"]), 2),
            "headings": round(t["headings"] / max(1, t["n_headings"]), 3),
            "footnotes": round(t["footnotes"] / max(1, t["n_footnotes"]), 3),
            "links": round(t["links"] / max(1, t["n_markers"]), 3), "leaks": t["leaks"],
            "worse_than_raw": t["worse"]}


def bench_set(sp, gdir: Path) -> dict:
    totals: dict[str, dict] = {}
    per_doc = []
    for gpath in sorted(gdir.glob("*.gold.json")):
        gold = json.loads(gpath.read_text())
        name = gpath.name[: -len(".gold.json")]
        spec = gdir / f"{name}.spec.json"
        cols = json.loads(spec.read_text()).get("columns", 1) if spec.exists() else 1
        for r in ROUTES:
            f = gdir / f"{name}.{r}.txt"
            if not f.exists():
                continue
            s = sp.score(gold, _inspect(f))
            raw = sp.raw_scores(gold, f.read_text())["raw"]["edits"]
            s.update(raw=raw, docs=1, worse=int(s["edits"] > raw))
            per_doc.append({"doc": name, "route": r, "columns": cols,
                            "CER": round(100 * s["edits"] / max(1, s["chars"]), 2),
                            "raw_CER": round(100 * raw / max(1, s["chars"]), 2)})
            _add(totals.setdefault(r, {}), s)
            _add(totals.setdefault(f"{r} ({cols} col)", {}), s)
    return {"routes": {k: _row(t) for k, t in sorted(totals.items())}, "per_doc": per_doc}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--write", default=None)
    a = ap.parse_args()
    sp = _scorer(Path(a.shared))
    res = {}
    for item in a.sets:
        name, _, d = item.partition("=")
        res[name] = bench_set(sp, Path(d))
        for r, row in res[name]["routes"].items():
            print(f"{name:8s} {r:18s} " + "  ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    if a.write:
        out = Path(a.write) / "txt_routes.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
