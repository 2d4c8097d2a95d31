"""What an ingest tells its caller, and an open index that follows the one on disk.

The report says what each document holds (pages, sections, footnotes, chunks, repairs) and
what deserves a look; ``on_progress`` follows the stages in order; the manifest keeps pages,
sections and when a document was added, and an index written before those fields opens and
updates as before, showing them blank. ``Assistant.reload`` swaps a freshly opened index in
while a question holding the old one finishes on it; ``refresh`` does so only when another
process wrote the index.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_rag

NOTE = "# ความร่วมมือไทย-ญี่ปุ่น\n\nไทยและญี่ปุ่นลงนามความตกลงด้านเซมิคอนดักเตอร์ในปี 2024\n"
# PDF-extracted text: a page number, a footnote marker glued to a word, its footnote under a rule. Page 1
# ends on a short line (a paragraph's end): were its last line full to the margin, the paragraph could go
# on over the page and page 2's first line would be read as its tail, not as a heading.
PDF_TEXT = """7
ความร่วมมือด้านน้ำ

ไทยและเนเธอร์แลนด์ร่วมกันศึกษาแนวทางการจัดการลุ่มน้ำเจ้าพระยาในปี 2566 โดยเน้นการคืนพื้นที่ให้แม่น้ำ1 และการเตือนภัยล่วงหน้า

ย่อหน้าที่สองพูดถึงการติดตามผล
____________________
1 Rijkswaterstaat. (2019). Room for the River programme.
\f
8
การจัดการน้ำในเมือง

กรุงเทพมหานครวางแผนพื้นที่รับน้ำในเขตชานเมืองเพื่อลดน้ำท่วมขังในฤดูฝน
"""


@pytest.fixture
def index_copy(article_index: Path, tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    shutil.copytree(article_index, index_dir)
    return index_dir


def test_the_report_says_what_each_document_holds_and_the_stages_come_in_order(index_copy, tmp_path):
    from rag.ingest import PROGRESS_STAGES, ingest

    txt = tmp_path / "water-note.txt"
    txt.write_text(PDF_TEXT, encoding="utf-8")
    seen: list[tuple[str, int, int]] = []
    report = ingest([txt], index_copy, progress=False, on_progress=lambda *a: seen.append(a))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == list(PROGRESS_STAGES), stages
    embedding = [(done, total) for stage, done, total in seen if stage == "embedding"]
    assert embedding[0][0] == 0 and embedding[-1][0] == embedding[-1][1] > 0
    assert all(a[0] <= b[0] for a, b in zip(embedding[:-1], embedding[1:], strict=True)), "embedding progress only grows"
    assert seen[-1] == ("indexing", 1, 1)
    (entry,) = report.documents
    assert entry["doc_id"] == "water-note" and entry["status"] == "added" and entry["kind"] == "pdf-text"
    assert entry["pages"] == 2 and entry["sections"] == 2 and entry["footnotes"] == 1 and entry["chunks"] >= 1
    assert entry["repairs"] >= 1 and report.warnings == []
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["documents"]["water-note"]
    assert (record["n_pages"], record["n_sections"], record["n_references"]) == (2, 2, 1) and record["added"]

    again = ingest([txt], index_copy, progress=False)
    assert again.unchanged == ["water-note"] and again.documents[0]["status"] == "unchanged"
    assert again.documents[0]["pages"] == 2 and again.documents[0]["repairs"] is None


def test_rag_ingest_json_has_the_report_fields_and_a_page_without_text_is_a_warning(index_copy, tmp_path):
    scanned = tmp_path / "half-scanned.txt"  # page 2 is a scan: nothing but its number in the text layer
    scanned.write_text(PDF_TEXT.split("\f")[0] + "\f\n8\n\f\n9\nย่อหน้าสุดท้ายของเอกสารนี้\n", encoding="utf-8")
    r = run_rag("ingest", str(scanned), "--index", str(index_copy), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert {"index_dir", "added", "updated", "unchanged", "n_documents", "n_chunks", "chunks_embedded", "seconds",
            "documents", "warnings"} <= set(report)
    assert report["warnings"] == ["half-scanned: 1 of 3 pages have no text layer (scanned images?); run OCR on "
                                  "them to make their text searchable"]
    listed = json.loads(run_rag("list", "--json", "--index", str(index_copy)).stdout)
    assert {d["doc_id"]: d["n_pages"] for d in listed}["half-scanned"] == 2


def test_an_index_written_before_the_new_fields_opens_lists_and_updates(index_copy, tmp_path):
    from rag.api import Assistant
    from rag.app.library import list_documents
    from rag.ingest import ingest

    path = index_copy / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for record in manifest["documents"].values():
        for key in ("n_pages", "n_sections", "added"):
            record.pop(key, None)
    for key in ("file_checks", "manifest_sha256"):  # as old: it predates the open checks too
        manifest.pop(key, None)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    assistant = Assistant(index_copy)
    (row,) = list_documents(assistant)
    assert row["doc_id"] == "tech-diplomacy-th" and row["footnotes"] > 0 and row["chunks"] > 0
    assert row["pages"] is None and row["sections"] is None and row["added"] is None
    r = run_rag("list", "--index", str(index_copy), env={"COLUMNS": "200"})  # no cut ids
    assert r.returncode == 0 and "tech-diplomacy-th" in r.stdout, r.stderr

    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    ingest([note], index_copy, progress=False)
    records = json.loads(path.read_text(encoding="utf-8"))["documents"]
    assert "added" not in records["tech-diplomacy-th"] or records["tech-diplomacy-th"]["added"] is None
    assert records["note"]["added"] and records["note"]["n_sections"] == 1


def test_reload_swaps_the_index_while_a_question_holding_the_old_one_finishes(index_copy, tmp_path):
    from rag.api import Assistant
    from rag.ingest import ingest

    assistant = Assistant(index_copy)
    assert assistant.refresh() is False, "nothing changed on disk"
    old = assistant.searcher  # what a running question holds
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    ingest([note], index_copy, progress=False)  # another process's ingest, as far as the Assistant knows
    assert "note" not in assistant.searcher.documents
    assert assistant.refresh() is True and assistant.refresh() is False
    assert set(assistant.searcher.documents) == {"tech-diplomacy-th", "note"}
    assert assistant.searcher is not old and assistant.searcher.embedder is not old.embedder
    hits = old.search("How does China use STAs?", k=3).hits  # the old one still answers, from the old files
    assert hits and all(h.doc_id == "tech-diplomacy-th" for h in hits)
    answer = assistant.ask("ไทยและญี่ปุ่นลงนามความตกลงด้านใด", doc="note")
    assert answer.found and answer.passages[0].hit.doc_id == "note"
    assistant.reload()
    assert set(assistant.searcher.documents) == {"tech-diplomacy-th", "note"}
