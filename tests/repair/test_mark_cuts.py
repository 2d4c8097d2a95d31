"""Printed lines pypdfium2 cut, or ran together, put back: cut after a mark it set off the
baseline (`cut_lines.join_mark_cuts`; its real text of a LibreOffice document in Kinnari, whose
upper vowels and tones it cuts after, `ภายใต้` + `การนำของ ฮัสซัน อัล`, and made-up text whose
full lines end on tones as Thai lines do, `ได้`, `ที่`, which stays as it is), on both sides of
a cluster it wrote twice (Chromium), and run together after a line-end hyphen (XeLaTeX)."""

from __future__ import annotations

import re
from pathlib import Path

from rag.document.structure import structure_document
from rag.repair.text import repair_document

_DATA = Path(__file__).parents[1] / "data"


def _doc(text: str):
    return structure_document(repair_document(text), doc_id="d", title="d")


def test_lines_cut_after_upper_marks_go_back_together_and_read_as_no_headings() -> None:
    """Kinnari: 17 of the 29 lines ending on an upper mark make at most one printed line with
    the next; the pieces had read as headings (`การนำของ ฮัสซัน อัล`), their text lost from the
    body."""
    text = (_DATA / "lo_kinnari_upper_mark_cuts.pdfium.txt").read_text(encoding="utf-8")
    assert "ภายใต้\nการนำของ ฮัสซัน อัล\n" in text
    doc = _doc(text)
    assert [s.title for s in doc.sections][-3:] == ["อิสลามนิยม", "Super Bowl 50", "โครงการอะพอลโล"]
    body = " ".join(p.text for p in doc.paragraphs)
    assert "ซูดานมีระบอบการปกครองแบบ อิสลาม ภายใต้การนำของ ฮัสซัน อัล" in body
    assert "ทำให้ช่วยเหลือลูกเรือได้ลำบาก นักบิน" in body.replace("\n", " ")


def test_full_lines_that_end_on_a_tone_stay_lines_and_a_heading_after_one_stays() -> None:
    """Thai lines end on `ได้`, `ที่`, `นี้` as often as anywhere: full lines, each followed
    by the next full line (two lines' width), show no cutting habit, and a short heading after
    a paragraph that ended on a tone stays a heading."""
    full = [
        "ผู้บริหารทีมฟุตบอลได้ประกาศรายชื่อนักกีฬาชุดใหม่ในฤดูกาลนี้ได้",
        "นักกีฬาหลายคนได้รับการคัดเลือกจากทีมเยาวชนของสโมสรที่",
        "ฝึกซ้อมอย่างหนักตลอดทั้งปีเพื่อเตรียมความพร้อมสำหรับนี้",
    ]
    lines = []
    for k in range(12):
        lines += [f"หัวข้อที่ {k + 1} ของเรื่องนี้", *full, "จบย่อหน้านี้แล้วก็ได้", ""]
    doc = _doc("\n".join(lines) + "\n")
    assert len(doc.sections) == 12
    assert [p.text.count("ผู้บริหารทีมฟุตบอล") for p in doc.paragraphs] == [1] * 12
    assert all(p.text.endswith("จบย่อหน้านี้แล้วก็ได้") for p in doc.paragraphs)


def test_a_clusters_copy_alone_on_its_line_is_dropped() -> None:
    """Chromium + Laksaman: pypdfium2 wrote a stacked cluster twice and cut the printed line on
    both sides of the copy (`โลกของตนเองขึ้น` + `ขึ้` + `ใหม่อย่าง…`), 32 times; the copies
    had read as headings (`ขึ้`, `นั้`, `ตั้`), then, with the cuts after upper marks put back,
    as the next line's start (`ขึ้ใหม่`)."""
    text = (_DATA / "chrome_lone_cluster_copies.pdfium.txt").read_text(encoding="utf-8")
    assert "โลกของตนเองขึ้น\nขึ้\nใหม่อย่างจริงจัง" in text
    doc = _doc(text)
    assert [s.title.replace(" ", "") for s in doc.sections][-3:] == [
        "1.คณะกรรมการระหว่างรัฐบาลว่าด้วยการเปลี่ยนแปลงสภาพภูมิอากาศ", "2.จีน:เทคโนโลยีอำนาจและการทูต",
        "3.จักรวรรดินิยม"]
    body = "".join(p.text for p in doc.paragraphs).replace("\n", "").replace(" ", "")
    assert "สร้างจักรวรรดิทั่วโลกของตนเองขึ้นใหม่อย่างจริงจัง" in body
    assert "ขึ้ใหม่" not in body


def test_a_copy_that_ends_on_thanthakhat_is_dropped_and_its_line_made_whole() -> None:
    """Chromium + Garuda: the copy is `ธิ์` (THANTHAKHAT stacks as a tone does) under
    `ของผู้มีสิทธิ์เ`, and the rest of the printed line, `ลือกตั้ง…`, goes back onto it; they
    had read as `ผู้มีสิทธิ์เธิ์` with `ลือกตั้ง` apart."""
    text = (_DATA / "chrome_lone_copy_with_thanthakhat.pdfium.txt").read_text(encoding="utf-8")
    assert "ของผู้มีสิทธิ์เ\nธิ์\nลือกตั้ง" in text
    doc = _doc(text)
    body = "".join(p.text for p in doc.paragraphs).replace("\n", "").replace(" ", "")
    assert "ของผู้มีสิทธิ์เลือกตั้งชาวสกอตแลนด์" in body
    assert "ธิ์ธิ์" not in body and "เธิ์" not in body
    assert [s.title.replace(" ", "") for s in doc.sections][:4] == [
        "รัฐสภาสกอตแลนด์", "แม่น้ำไรน์", "โครงการอะพอลโล", "ทฤษฎีความซับซ้อนในการคำนวณ"]


def test_a_hyphen_pypdfium2_wrote_as_fffe_ends_its_line_again() -> None:
    """XeLaTeX: pypdfium2 writes a hyphen that ended a printed line as U+FFFE and drops the line
    break after it, so a page's last body line (`เอกสาร Doc-`) ran on into its first note
    (`1López-Aranguren, …`), which was lost into the body. The break comes back; a word that
    goes on in lower case stays whole (`Diplo\ufffemacy`), a URL keeps its hyphen."""
    text = (_DATA / "tex_hyphen_as_fffe.pdfium.txt").read_text(encoding="utf-8")
    assert "เอกสาร Doc\ufffe1López-Aranguren" in text
    doc = _doc(text)
    assert doc.references[1].text.startswith("López-Aranguren, J. L. (2023). Japan’s Science and Technology")
    body = " ".join(p.text for p in doc.paragraphs)
    assert "López" not in body and "\ufffe" not in body
    assert re.search(r"เอกสาร Doc\W?ument 79 \(2022\)", body)  # (the note stood between its halves)
    assert "Technology Diplomacy: Society 5.0" in doc.references[1].text


def test_two_copies_in_a_row_go_and_the_line_comes_back_whole() -> None:
    """Chromium + Laksaman: pypdfium2 wrote `นี้` and `จึ` again, each alone on a line (`จึ` has
    no tone), under `…เหล่านี้จึ`, and the rest `งนำไปสู่…` under them: both copies go, the rest
    goes back onto the line they copy (it had read `เหล่านี้จึจึงนำ`)."""
    full = "ผู้บริหารทีมฟุตบอลได้ประกาศรายชื่อนักกีฬาชุดใหม่ในฤดูกาลนี้แล้วก็ตาม"
    lines = []
    for _ in range(3):
        lines += [full, full, "กระบวนการเหล่านี้จึ", "นี้", "จึ", "งนำไปสู่การส่งเสริมอธิปไตยทางเทคโนโลยีของยุโรป", full,
                  "จบย่อหน้า", ""]
    body = "".join(p.text for p in _doc("\n".join(lines) + "\n").paragraphs).replace(" ", "")
    assert body.count("กระบวนการเหล่านี้จึงนำไปสู่การส่งเสริม") == 3
    assert "จึจึ" not in body and "นี้นี้" not in body
