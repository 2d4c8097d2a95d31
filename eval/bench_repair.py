"""Benchmark of the repair stage against what users would otherwise pick.

Prints one table of character error rate (whitespace ignored, as ../shared/tools/clean_cer.py
counts it) for raw text, `pythainlp.util.normalize`, `fixthaipdf` and ours, on the dev lines of
the seed article and on a synthetic damaged set made from Thai Wikipedia passages; then the
seed article's markers and per-rule counts, the XQuAD pass-through check and the speed on the
whole article. Sets whose files are absent (a user's clone has no ../shared) are skipped.

usage: python eval/bench_repair.py [--shared ../shared] [--n 400] [--show 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from thai_damage import clean_lines, damage  # noqa: E402

from rag.repair.text import repair_document, repair_lines  # noqa: E402
from rag.repair.vowels import clear_caches  # noqa: E402
from rag.thai.lexicon import lexicon  # noqa: E402


def lev(a: str, b: str) -> int:
    """Edit distance, the same as ../shared/tools/clean_cer.py."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def squash(s: str) -> str:
    return "".join(s.split())


def cer(gold: list[str], cand: list[str]) -> tuple[int, int]:
    errs = total = 0
    for g, c in zip(gold, cand, strict=True):
        g, c = squash(g), squash(c)
        errs += lev(g, c)
        total += len(g)
    return errs, total


def methods() -> dict[str, Callable[[list[str]], list[str]]]:
    out: dict[str, Callable[[list[str]], list[str]]] = {"raw": lambda lines: list(lines)}
    try:
        from pythainlp.util import normalize

        out["pythainlp.normalize"] = lambda lines: [normalize(x) for x in lines]
    except ImportError:
        pass
    try:
        from fixthaipdf import clean

        out["fixthaipdf"] = lambda lines: [clean(x) for x in lines]
    except ImportError:
        pass
    out["ours"] = repair_lines
    return out


def main() -> None:
    from rag.config import apply_thread_policy

    apply_thread_policy()  # the CLI's thread settings, so timings match `rag`
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("RAG_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--n", type=int, default=400, help="synthetic lines")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", type=int, default=0, help="print this many of our wrong synthetic lines")
    args = ap.parse_args()
    shared = Path(args.shared)

    t0 = time.perf_counter()
    lexicon()
    load_s = time.perf_counter() - t0

    sets: dict[str, tuple[list[str], list[str]]] = {}
    dev_raw, dev_gold = shared / "eval/clean_dev_raw.txt", shared / "eval/clean_dev_gold.txt"
    if dev_raw.exists() and dev_gold.exists():
        sets["dev lines (seed article)"] = (
            dev_raw.read_text(encoding="utf-8").rstrip("\n").split("\n"),
            dev_gold.read_text(encoding="utf-8").rstrip("\n").split("\n"),
        )
    iapp = shared / "bench/iapp_wiki_qa/corpus.jsonl"
    synth = []
    if iapp.exists():
        synth = list(damage(clean_lines(iapp, random.Random(args.seed), args.n), seed=args.seed))
        sets[f"synthetic Wikipedia ({len(synth)} lines)"] = ([s.raw for s in synth], [s.gold for s in synth])

    ms = methods()
    print(f"{'set':34} {'chars':>6} " + " ".join(f"{m:>20}" for m in ms))
    for name, (raw, gold) in sets.items():
        cells = []
        for fn in ms.values():
            errs, total = cer(gold, fn(raw))
            cells.append(f"{errs / total:7.2%} ({errs:4d} ed)")
        print(f"{name:34} {total:6d} " + " ".join(f"{c:>20}" for c in cells))
    if not sets:
        print("(no evaluation sets found under", shared, ")")

    if synth:
        ours = repair_lines([s.raw for s in synth])
        by_kind: dict[str, list[int]] = {}
        shown = 0
        for s, o in zip(synth, ours, strict=True):
            d = lev(squash(s.gold), squash(o))
            for k in s.kinds or ("none",):
                by_kind.setdefault(k, [0, 0])
                by_kind[k][0] += 1
                by_kind[k][1] += d
            if d and shown < args.show:
                shown += 1
                print(f"\n  kinds {s.kinds} edits {d}\n  raw  {s.raw}\n  ours {o}\n  gold {s.gold}")
        print("\nsynthetic edits left by damage type (lines, edits):",
              ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_kind.items())))

    article = ROOT / "corpus/tech-diplomacy-th.txt"
    if article.exists():
        raw_text = article.read_text(encoding="utf-8")
        times, cpu = [], []
        for _ in range(3):
            clear_caches()  # time a fresh document: no look-ups memoised by earlier runs
            t0, c0 = time.perf_counter(), time.process_time()
            rep = repair_document(raw_text)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        markers = [m.n for line in rep.lines for m in line.markers]
        ascending = all(a < b for a, b in zip(markers, markers[1:], strict=False))
        notes = [line.note for line in rep.lines if line.note is not None]
        kinds: dict[str, int] = {}
        for line in rep.lines:
            kinds[line.kind] = kinds.get(line.kind, 0) + 1
        print(f"\nseed article: {len(raw_text.encode())} bytes, {len(rep.lines)} lines, kinds {kinds}")
        print(f"  markers found {len(markers)} (each once: {len(set(markers)) == len(markers)}, "
              f"ascending: {ascending}), references defined {len(notes)}")
        missing = sorted(set(notes) - set(markers))
        print(f"  references without a marker: {missing}")
        print("  fixes per rule:", dict(sorted(rep.fixes.items(), key=lambda kv: -kv[1])))
        print(f"  speed: repair_document on the whole article {min(cpu):.3f} s CPU, {min(times):.3f} s wall "
              f"(best of 3, one process, memos cleared), load average {os.getloadavg()[0]:.1f}; "
              f"dictionary load once per process {load_s:.2f} s")

    xquad = shared / "bench/xquad_th/corpus.jsonl"
    if xquad.exists():
        paras = [json.loads(x)["text"] for x in xquad.read_text(encoding="utf-8").splitlines() if x.strip()]
        changed = spaced = 0
        for p in paras:
            out = repair_lines(p.split("\n"))
            if squash(" ".join(out)) != squash(p):
                changed += 1
            elif " ".join(" ".join(out).split()) != " ".join(p.split()):
                spaced += 1
        print(f"\nXQuAD pass-through: {len(paras) - changed}/{len(paras)} paragraphs unchanged "
              f"(whitespace ignored); {spaced} differ only in spaces between Thai words")


if __name__ == "__main__":
    main()
