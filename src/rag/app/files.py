"""``rag clean`` and ``rag inspect``: what the repair and structure stages make of one file,
without an index (to check a document before ingesting it, or to see a repair's counts)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.errors import RagError


def cmd_clean(args: argparse.Namespace) -> int:
    from rag.document.reading import read_text_file
    from rag.repair.reflow import separate_page_breaks
    from rag.repair.text import line_texts, repair_document

    if Path(args.file).suffix.lower() == ".pdf":
        # a PDF is read from its layout, with nothing to repair (rag.document.pdf)
        raise RagError(f"{args.file}: a PDF; `rag clean` repairs text extracted from one, and "
                       f"`rag inspect {args.file}` shows how the PDF itself reads")
    text = read_text_file(Path(args.file), newlines=not args.lines, allow_empty=True, glyphs=True)
    if args.lines:
        lines = text.split("\n")
        if text.endswith("\n"):
            lines = lines[:-1]
        # one repair pass gives both the lines and the fix counts; a CR inside a line is a space
        flat = [line.replace("\r", " ") for line in lines]
        repaired = repair_document("\n".join(flat), paragraphs=False)
        out = line_texts(repaired)[: len(lines)] if lines else []
        sys.stdout.write("".join(line + "\n" for line in out))
    else:
        repaired = repair_document(separate_page_breaks(text))
        sys.stdout.write(repaired.text + ("\n" if repaired.text and not repaired.text.endswith("\n") else ""))
    if args.report:
        fixes = {rule: n for rule, n in repaired.fixes.items() if n}
        width = max((len(k) for k in fixes), default=5)
        for rule, n in sorted(fixes.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{rule:<{width}}  {n}", file=sys.stderr, flush=True)
        print(f"{'total':<{width}}  {sum(fixes.values())}", file=sys.stderr, flush=True)
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from rag.document.inspect import inspect_dict
    from rag.document.reading import read_source_file
    from rag.ingest import process_source

    sources = read_source_file(Path(args.file), args.title)
    seconds: dict[str, float] = dict.fromkeys(("repair", "structure", "chunking"), 0.0)
    outputs = []
    for src in sources:
        p = process_source(src, seconds)
        outputs.append(inspect_dict(p.document, p.chunks))
    if args.json:
        print(json.dumps(outputs[0] if len(outputs) == 1 else outputs, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    console = Console()
    for src, out in zip(sources, outputs, strict=True):
        tree = Tree(f"[bold]{escape(src.title)}[/bold] ({escape(src.doc_id)}): {len(out['sections'])} sections, "
                    f"{len(out['footnotes'])} references, {len(out['chunks'])} chunks")
        titled = {sec["title"] for sec in out["sections"]}
        # the text before the first heading is a section the structure does not list
        unlisted = [c for c in out["chunks"] if c["section"] not in titled]
        groups = [("", unlisted[0]["page"], unlisted)] if unlisted else []
        groups += [(sec["title"], sec["page"], [c for c in out["chunks"] if c["section"] == sec["title"]])
                   for sec in out["sections"]]
        for title, page, chunks in groups:
            at = f" · p. {page}" if page is not None else ""  # (text with no pages: .md, .jsonl)
            node = tree.add(f"{escape(title) or '(introduction)'}{at} · {len(chunks)} chunks")
            for c in chunks:
                fn = f" [magenta]{c['footnotes']}[/magenta]" if c["footnotes"] else ""
                at = f" p. {c['page']}" if c["page"] is not None else ""
                node.add(f"{c['chunk_id']}{at} {len(c['text'])} chars{fn}")
        refs = tree.add("references")
        for f in out["footnotes"]:
            at = f" (p. {f['page']})" if f["page"] is not None else ""
            refs.add(f"{f['n']}. {escape(f['text'])}{at}")
        console.print(tree)
    return 0
