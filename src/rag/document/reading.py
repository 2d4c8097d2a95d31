"""Reading the user's files into source documents, refusing bad input with one clear line.

Accepted: ``.txt`` (Thai text extracted from a PDF: repaired on the way in), ``.pdf`` (read
with its layout straight into a structured document: ``rag.document.pdf``), ``.md`` (clean
text, ``#`` headings), and ``.jsonl`` corpora of ``{"id", "title", "text"}`` records (clean
text, one document each). Every input is read and checked before anything is indexed, so one
bad file aborts the whole ingest and the index is left as it was.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.document.structure import Document
from rag.errors import RagError
from rag.repair.layout import thai_share
from rag.repair.reflow import separate_page_breaks
from rag.thai.chars import is_thai

SUPPORTED = (".txt", ".md", ".jsonl", ".pdf")
# Kinds tell the pipeline which repair applies: PDF-extracted text gets the full repair
# (glyphs, markers, page furniture); clean text only gets structure; a PDF comes already
# structured from its layout.
KIND_PDF_TEXT = "pdf-text"
KIND_PDF = "pdf"
KIND_MARKDOWN = "markdown"
KIND_PLAIN = "plain"
# A doc_id ends up in filters, URLs and messages: keep it to one path-free token.
_DOC_ID = re.compile(r"^[^\s/\\\x00-\x1f]{1,200}$")
_log = logging.getLogger(__name__)


@dataclass
class InputDocument:
    """One document as read from a user's file (not to be confused with `rag.answer.Source`, a
    footnoted reference an answer cites): its text for the repair and structure stages, or (a PDF) the
    document already read from its layout."""

    doc_id: str
    title: str
    kind: str
    text: str
    origin: str
    document: Document | None = None  # KIND_PDF: the structure read from the file
    seconds: float = 0.0  # time spent reading the file into `document`

    @property
    def sha256(self) -> str:
        """Content identity: unchanged documents are skipped on re-ingest. For a PDF it is the
        document read, so a file read differently (a better reader) is processed again."""
        h = hashlib.sha256()
        parts = [self.kind, self.title, self.text]
        if self.document is not None:
            parts.append(json.dumps(dataclasses.asdict(self.document), ensure_ascii=False, sort_keys=True))
        for part in parts:
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


# What a file's name may hold that a document id may not: white space, slashes, controls
_NOT_IN_ID = re.compile(r"[\s/\\\x00-\x1f\x7f]+")


def document_id(name: str) -> str:
    """The document id a file's name gives: the name without its extension, white space and
    slashes made dashes (`รายงาน ปี 2566.pdf`: `รายงาน-ปี-2566`): most files a user keeps are
    named with spaces, and the id must stay one token (`check_doc_id`)."""
    stem = _NOT_IN_ID.sub("-", Path(name).stem).strip("-.")
    return stem[:150] or "document"


def typed_document_id(text: str) -> str:
    """A document id as a user types it after `rag remove` or `--doc`: the file's name with its
    spaces (`"รายงาน ปี 2566"`) names the document its file gave (`document_id`)."""
    return re.sub(r"\s+", "-", text.strip())


def check_doc_id(doc_id: str, where: str) -> str:
    if not isinstance(doc_id, str) or not _DOC_ID.match(doc_id) or doc_id in (".", ".."):
        raise RagError(f"{where}: invalid document id {doc_id!r} (no spaces, slashes or control characters)")
    return doc_id


# C0 controls that text never needs; tab, line feed, carriage return and form feed (a PDF
# extractor's page break) are layout and stay. (DEL is left to the later stages: JSON writes it
# unescaped inside strings, where the query and repair stages drop it.)
_STRAY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
# Above this share of stray controls a file is binary (or UTF-16) rather than text with a few
# glyphs that an extractor could not map (pypdf writes NUL for those).
_MAX_CONTROL_SHARE = 0.1


# Text a Thai user's tools write besides UTF-8: Windows Notepad's "Unicode" (UTF-16 with its byte
# order mark) and, on a Thai Windows machine, its "ANSI" code page, Windows-874 (TIS-620 and
# its extension). A file with no BOM that is not UTF-8 is read as Windows-874 only where that
# gives Thai text: most of its letters Thai (``_THAI_SHARE``), and nearly every Thai character
# inside a run of Thai (``_THAI_IN_RUNS``), where a Latin-1 file read so scatters single Thai
# characters through Latin words (`café` -> `caf้`).
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_THAI_CODE_PAGE = "cp874"
_THAI_SHARE = 0.3
_THAI_IN_RUNS = 0.9
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]{3,}")


def _thai_code_page(data: bytes) -> str | None:
    """The bytes read as Windows-874, if that gives Thai text (see ``_THAI_SHARE``), else None."""
    try:
        text = data.decode(_THAI_CODE_PAGE)
    except UnicodeDecodeError:
        return None
    thai = sum(1 for ch in text if is_thai(ch))
    in_runs = sum(len(m.group()) for m in _THAI_RUN.finditer(text))
    if not thai or thai_share(text) < _THAI_SHARE or in_runs < _THAI_IN_RUNS * thai:
        return None
    return text


def _decode(data: bytes, where: str) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or Thai Windows-874."""
    if data.startswith(_UTF16_BOMS) and not data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise RagError(f"{where}: not a text file (binary content)") from None
        _log.warning("%s: read as UTF-16 text", where)
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if b"\x00" in data[:8192]:
            raise RagError(f"{where}: not a text file (binary content)") from None
        text = _thai_code_page(data)
        if text is None:
            raise RagError(f"{where}: not UTF-8 text (invalid byte at offset {e.start}), nor UTF-16 or Thai"
                           " Windows-874 (TIS-620); save it as UTF-8") from None
        _log.warning("%s: not UTF-8; read as Thai Windows-874 (TIS-620) text", where)
        return text


def decode_text(data: bytes, where: str, *, newlines: bool = True, glyphs: bool = False) -> str:
    """UTF-8 with or without BOM, UTF-16 with a BOM, or Thai Windows-874 (TIS-620) that reads as
    Thai (``_thai_code_page``); anything else (binary, other encodings) is refused.

    A few stray control characters (NUL for glyphs a PDF extractor could not map, and the
    like) are dropped with one warning on stderr rather than refusing the file. With ``glyphs``
    (text that the repair stage reads) they are kept instead: pypdf writes an unmapped glyph's
    code as that character (glyph 3 as U+0003, where pdfminer.six writes `(cid:3)`), and the
    repair reads the glyph back from the dictionary (`rag.repair.unmapped`) or drops it.
    ``newlines`` folds CRLF and lone CR into LF; ``rag clean --lines`` turns it off because its
    contract is one output line per "\n"-separated input line."""
    if not data.strip():
        raise RagError(f"{where}: file is empty")
    text = _decode(data, where)
    if not text.strip():
        raise RagError(f"{where}: file is empty")
    stray = len(_STRAY_CONTROLS.findall(text))
    if stray:
        if stray > _MAX_CONTROL_SHARE * len(text):
            raise RagError(f"{where}: not a text file (binary content)")
        if glyphs:
            _log.warning("%s: %d control character%s (NUL and the like) left to the repair, which reads them as"
                         " glyphs the extractor could not map or drops them", where, stray, "" if stray == 1 else "s")
        else:
            text = _STRAY_CONTROLS.sub("", text)
            _log.warning("%s: dropped %d control character%s (NUL and the like)", where, stray, "" if stray == 1 else "s")
    if not newlines:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_file(path: Path, *, newlines: bool = True, allow_empty: bool = False, glyphs: bool = False) -> str:
    """A user's text file, decoded by `decode_text`; a missing file, a folder or an unreadable
    file is refused in one line. ``allow_empty`` lets ``rag clean`` print nothing for an empty
    file, where ingest refuses it; ``glyphs``: see `decode_text`."""
    if not path.exists():
        raise RagError(f"{path}: no such file")
    if path.is_dir():
        raise RagError(f"{path}: is a directory; give the files inside it (e.g. {path}/*.txt)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RagError(f"{path}: cannot read ({e.strerror})") from None
    if allow_empty and not data.strip():
        blank = data.decode("utf-8-sig", errors="replace")
        return blank.replace("\r\n", "\n").replace("\r", "\n") if newlines else blank
    return decode_text(data, str(path), newlines=newlines, glyphs=glyphs)


def iter_jsonl(path: Path) -> Iterator[tuple[str, int, Any]]:
    """``(where, line number, record)`` for each non-blank line of a JSONL file; a line that is
    not JSON stops with one error naming it. Corpora, question files and query files all read
    through here, so a broken line reads the same everywhere."""
    text = read_text_file(path)
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise RagError(f"{where}: invalid JSON ({e.msg})") from None
        yield where, lineno, rec


def read_jsonl_corpus(path: Path) -> list[InputDocument]:
    out: list[InputDocument] = []
    for where, _, rec in iter_jsonl(path):
        if not isinstance(rec, dict) or "id" not in rec or not isinstance(rec.get("text"), str):
            raise RagError(f"{where}: each line needs an \"id\" and a \"text\" string")
        doc_id = check_doc_id(str(rec["id"]), where)
        title = rec.get("title")
        out.append(InputDocument(doc_id=doc_id, title=str(title) if title else doc_id, kind=KIND_PLAIN,
                          text=rec["text"], origin=where))
    if not out:
        raise RagError(f"{path}: no records")
    return out


def read_source_file(path: Path, title: str | None = None) -> list[InputDocument]:
    suffix = path.suffix.lower()
    if path.exists() and not path.is_dir() and suffix not in SUPPORTED:
        raise RagError(f"{path}: unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}")
    if suffix == ".jsonl":
        return read_jsonl_corpus(path)
    doc_id = check_doc_id(document_id(path.name), str(path))
    if suffix == ".pdf":
        from rag.document.pdf import read_pdf

        if not path.is_file():
            read_text_file(path)  # raises the right message for missing / directory
        t0 = time.perf_counter()
        document = read_pdf(path, doc_id=doc_id, title=title or path.stem).document
        return [InputDocument(doc_id=doc_id, title=title or path.stem, kind=KIND_PDF, text="", origin=str(path),
                       document=document, seconds=time.perf_counter() - t0)]
    kind = KIND_MARKDOWN if suffix == ".md" else KIND_PDF_TEXT
    text = read_text_file(path, glyphs=kind == KIND_PDF_TEXT)
    if kind == KIND_PDF_TEXT:
        text = separate_page_breaks(text)
    return [InputDocument(doc_id=doc_id, title=title or path.stem, kind=kind, text=text, origin=str(path))]


def corpus_files(directory: Path) -> list[Path]:
    """The supported files directly inside ``directory``, sorted: the default corpus, or a
    folder given to ingest."""
    if not directory.is_dir():
        raise RagError(f"no corpus directory {directory}: give files to ingest")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED)
    if not files:
        raise RagError(f"{directory}: no .txt, .md, .jsonl or .pdf files to ingest")
    return files


def read_sources(paths: list[Path], title: str | None = None) -> list[InputDocument]:
    """All sources of one ingest, fully read and validated before any indexing starts."""
    sources: list[InputDocument] = []
    seen: dict[str, str] = {}
    for path in paths:
        for src in read_source_file(path, title):
            if src.doc_id in seen:
                raise RagError(f"{src.origin}: document id {src.doc_id!r} also comes from {seen[src.doc_id]}")
            seen[src.doc_id] = src.origin
            sources.append(src)
    return sources
