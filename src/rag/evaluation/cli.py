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
from rag.evaluation.questions import DEFAULT_DOC, default_questions, load_offtopic, load_questions
from rag.evaluation.report import print_table, write_report


def run_eval(args: argparse.Namespace) -> int:
    from rag.api import open_index, resolve_store
    from rag.generate import llm_settings

    modes = parse_modes(args.modes)
    qa_path = Path(args.qa) if args.qa else default_questions()
    questions = load_questions(qa_path)
    offtopic = load_offtopic(Path(args.offtopic)) if getattr(args, "offtopic", None) else []
    llm = llm_settings(args.llm, args.llm_model) if (args.llm or args.llm_model) else None
    assistant = open_index(resolve_store(args.store, args.index), llm=llm)
    searcher = assistant.searcher
    if not args.qa and DEFAULT_DOC not in searcher.documents:
        print(f"rag eval: warning: the default questions are about {DEFAULT_DOC}, which is not in "
              f"{searcher.index_dir}; pass --qa FILE.jsonl for your own documents", file=sys.stderr)
    if llm is not None:
        from rag.evaluation.generated import evaluate_generated

        figures = evaluate_generated(assistant, questions, offtopic=offtopic)
        print(json.dumps({"generated": figures}, ensure_ascii=False) if args.json else
              "\n".join(f"{part}: {f}" for part, f in figures.items()))
        return 0
    ev = evaluate(assistant, questions, modes=modes, k=args.k, qa_path=qa_path, progress=True, offtopic=offtopic,
                  offtopic_path=Path(args.offtopic or "-"))
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
                    serve=False if args.no_serve else None, rounds=int(args.rounds or 1),
                    updates=args.update)
    out = args.out
    if out:
        bench_report.write(res, Path(out))
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        bench_report.print_table(res)
    return 0
