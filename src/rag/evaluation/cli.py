"""The commands ``rag eval`` and ``rag bench``, as rag.app.cli calls them: options in, the
measurement run, its table or JSON out, report files written. Kept apart from the measuring
modules so those never import their own rendering (report, bench_report)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.config import resolve_store
from rag.evaluation import bench, bench_report
from rag.evaluation.evaluate import evaluate, parse_modes
from rag.evaluation.questions import DEFAULT_DOC, default_questions, load_questions
from rag.evaluation.report import print_table, write_report


def run_eval(args: argparse.Namespace) -> int:
    from rag.api import open_index, resolve_store

    modes = parse_modes(args.modes)
    qa_path = Path(args.qa) if args.qa else default_questions()
    questions = load_questions(qa_path)
    searcher = open_index(resolve_store(args.store, args.index)).searcher
    if not args.qa and DEFAULT_DOC not in searcher.documents:
        print(f"rag eval: warning: the default questions are about {DEFAULT_DOC}, which is not in "
              f"{searcher.index_dir}; pass --qa FILE.jsonl for your own documents", file=sys.stderr)
    ev = evaluate(searcher, questions, modes=modes, k=args.k, qa_path=qa_path, progress=True)
    for w in ev.warnings:
        print(f"rag eval: warning: {w}", file=sys.stderr)
    if args.out:
        written = write_report(ev, Path(args.out))
        print(f"rag eval: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    if args.json:
        print(json.dumps(ev.metrics(), ensure_ascii=False))
    else:
        print_table(ev)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    res = bench.run(Path(args.corpus or bench.DEFAULT_CORPUS), Path(args.queries or bench.DEFAULT_QUERIES),
                    index=resolve_store(args.store, args.index) if args.store or args.index else None,
                    quick=bool(args.quick),
                    serve=False if args.no_serve else None, rounds=int(args.rounds or 1))
    out = args.out
    if out:
        bench_report.write(res, Path(out))
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        bench_report.print_table(res)
    return 0
