"""Text that users copy out of Thai PDFs with pdftotext, pypdf, pdfminer.six or pypdfium2: each
extractor's own damage, written here as small made-up Thai documents shaped the way that
extractor writes a page (its line cuts, page breaks, footnote numbers and marks)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from rag.document.reading import decode_text, read_source_file
from rag.document.structure import structure_document
from rag.errors import RagError
from rag.repair.displaced import drifted_tones
from rag.repair.layout import glued_note_start, is_endnote_heading
from rag.repair.note_lines import cited_above
from rag.repair.text import repair_document, repair_query
from rag.thai.lexicon import lexicon


def _doc(text: str):
    return structure_document(repair_document(text), doc_id="d", title="d")


def _body(text: str) -> str:
    return " ".join(p.text for p in _doc(text).paragraphs)


# --- input: stray control characters ------------------------------------------------------------


def test_a_few_nul_characters_are_dropped_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """pypdf writes NUL for glyphs it cannot map (CJK in a Thai font): the text is still text."""
    path = tmp_path / "pypdf.txt"
    body = "พรรคการเมืองในสิงคโปร์ (จีน: \x00\x00\x00) ได้จดทะเบียนเมื่อปี 2514\n" * 20
    path.write_bytes(body.encode("utf-8"))
    with caplog.at_level("WARNING"):
        [src] = read_source_file(path)
    body = " ".join(p.text for p in structure_document(repair_document(src.text), doc_id="d", title="d").paragraphs)
    assert "\x00" not in body and "(cid" not in body and "ได้จดทะเบียน" in body
    assert len(caplog.records) == 1 and "60 control characters" in caplog.records[0].getMessage()


def test_binary_and_utf16_without_a_byte_order_mark_are_still_refused() -> None:
    with pytest.raises(RagError, match="not a text file"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "x.txt")
    with pytest.raises(RagError, match="not a text file"):
        decode_text("ข้อความภาษาไทย plain text".encode("utf-16-le"), "x.txt")


# A page of Thai text as Windows Notepad saves it: "Unicode" (UTF-16 with a BOM) or, on a Thai
# Windows machine, "ANSI" (Windows-874, TIS-620 and its quotes and dashes)
_NOTEPAD_PAGE = ("การทูตเชิงเศรษฐกิจของจีน (Economic Diplomacy) ในปี 2566\r\n"
                 "ใช้ความตกลง “STAs” – เป็นเครื่องมือหลักของนโยบายการต่างประเทศ\r\n") * 5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "cp874"])
def test_notepad_encodings_of_thai_text_are_read(encoding: str, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """A Thai user's Notepad writes UTF-16 or the Thai code page as often as UTF-8: the file is
    read (one line says how) and goes through the repair and structure as any text."""
    data = _NOTEPAD_PAGE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    with caplog.at_level("WARNING"):
        [src] = read_source_file(path)
    assert src.text == _NOTEPAD_PAGE.replace("\r\n", "\n")
    assert len(caplog.records) == 1 and "read as" in caplog.records[0].getMessage()
    assert "ใช้ความตกลง “STAs” – เป็นเครื่องมือหลัก" in _body(src.text)


@pytest.mark.parametrize("text, encoding", [
    ("Le café “naïve” – résumé d'économie politique. " * 20, "cp1252"),
    ("Grüße aus München, Straße der Einheit. " * 20, "latin-1"),
])
def test_other_code_pages_are_refused_not_read_as_thai(text: str, encoding: str) -> None:
    """Read as Windows-874, a Latin-1 file's accented letters become single Thai characters
    scattered through Latin words: that is no Thai text, and the file is refused in one line."""
    with pytest.raises(RagError, match="not UTF-8 text .*save it as UTF-8"):
        decode_text(text.encode(encoding), "x.txt")


def test_form_feeds_stay_page_breaks() -> None:
    assert decode_text("หน้าแรก\n\n\fหน้าสอง\n".encode(), "x.txt") == "หน้าแรก\n\n\fหน้าสอง\n"


# --- lines cut at a mark -------------------------------------------------------------------------


def test_pdfminer_mark_lines_go_back_onto_their_line() -> None:
    """pdfminer.six: a tone over an upper vowel starts a new text box, and every box is followed
    by a blank line."""
    lines = ["วันท ี", "", "่ 4 พฤษภาคม เกิดแผ่นดินไหวในหม่", "", "ูเกาะฮาวาย ครั", "", "้งนี", "",
             "้เกิดขึ", "", "้นพร้อมกับการปะทุของลาวา", ""] * 2
    text = "\n".join(lines)
    rep = repair_document(text)
    assert len(rep.lines) == len(lines)  # one output line per input line, always
    body = _body(text)
    assert "วันที่ 4 พฤษภาคม" in body
    assert "หมู่เกาะฮาวาย" in body
    assert "ครั้งนี้เกิดขึ้นพร้อมกับการปะทุ" in body.replace(" ", "")


def test_pdfminer_piece_after_a_box_goes_onto_the_nikhahit_it_completes() -> None:
    """pdfminer.six writes a box of two lines (`…ต่าง` + `ๆ3`), then a piece that opens with the
    tone and SARA AA of a cut SARA AM (`้าผึ้ง…`), then the piece it belongs after, which ends with
    the SARA AM's NIKHAHIT (`…คลุกกับนํ`): the pieces are read in the order the words make
    (`คลุกกับน้ำผึ้ง`), though the box itself holds no mark piece."""
    lines = ["ในช่วงฤดูร้อนชาวบ้านในหมู่บ้านนี", "", "้จะเก็บผลไม้ที่สุกแล้วมาขายที่ตลาด", "",
             "ผลไม้ที่เหลือจะถูกนำไปแปรรูปเพื่อเก็บไว้กินในฤดูอื", "", "่นตลอดทั้งปี", "",
             "ชาวบ้านนิยมนำผลไม้หลายชนิดมาแปรรูปเป็นผลิตภัณฑ์ต่าง", "ๆ3 ", "",
             "้าผึ้งก่อนนำไปตากแดด", "", "โดยล้างให้สะอาดแล้วคลุกกับนํ", "",
             "ทําให้ผลไม้มีรสหวานและเก็บไว้ได้นานหลายเดือน โดยไม่ต้องใช้สารกันบูดใด ๆ ทั", "",
             "้งสิ", "", "้น ซึ", "", "่งเป็นภูมิปัญญาที่สืบทอดกันมานาน", ""]
    clean = repair_document("\n".join(lines)).text
    assert "ต่าง ๆ โดยล้างให้สะอาดแล้วคลุกกับน้ำผึ้งก่อนนำไปตากแดดทำให้" in clean


def test_a_line_cut_at_a_note_number_under_a_heading_is_no_part_of_it() -> None:
    """pypdfium2 starts a new line at a raised note number: the printed line's first words under
    a heading (`คลอโรพลาสต์เหล่านี้`) stand alone above `2 ซึ่งสามารถ…`. They cite, as no heading
    does, and the paragraph goes on across the cut."""
    lines = ["ส่วนที่ 1: พืชและแสง",
             "พืชใช้แสงแดดในการสร้างอาหารผ่านกระบวนการสังเคราะห์ด้วยแสง ซึ่ง",
             "1 เกิดขึ้นในใบของพืชเป็นส่วนใหญ่ และต้องอาศัยน้ำกับคาร์บอนไดออกไซด์",
             "จากอากาศรอบตัวเพื่อสร้างน้ำตาลและปล่อยออกซิเจนออกมาสู่บรรยากาศ", "ทุกวัน", "",
             "ส่วนที่ 2: คลอโรพลาสต์", "คลอโรพลาสต์เหล่านี้",
             "2 ซึ่งสามารถย้อนรอยกลับไปสู่บรรพบุรุษไซยาโนแบคทีเรียได้โดยตรง",
             "เป็นที่รู้จักในชื่อ พลาสติดหลัก ซึ่งพบได้ในพืชและสาหร่ายสีเขียว",
             "และสาหร่ายสีแดงที่อาศัยอยู่ในทะเลและแหล่งน้ำจืดทั่วโลกอีกด้วย", "",
             "ส่วนที่ 3: สาหร่าย",
             "สาหร่ายเป็นสิ่งมีชีวิตที่สังเคราะห์ด้วยแสงได้เช่นเดียวกับพืชบก",
             "3 แต่ไม่มีราก ลำต้น และใบที่แท้จริง จึงจัดอยู่ในกลุ่มที่แยกออกไป", "จากพืชทั่วไป", ""]
    doc = _doc("\n".join(lines))
    assert [s.title for s in doc.sections] == ["ส่วนที่ 1: พืชและแสง", "ส่วนที่ 2: คลอโรพลาสต์", "ส่วนที่ 3: สาหร่าย"]
    [par] = [p for p in doc.paragraphs if p.section == "ส่วนที่ 2: คลอโรพลาสต์"]
    assert par.text.startswith("คลอโรพลาสต์เหล่านี้") and "ซึ่งสามารถย้อนรอย" in par.text
    assert [(m.n, par.text[:m.pos]) for m in par.markers] == [(2, "คลอโรพลาสต์เหล่านี้")]


def test_pdfium_cut_inside_a_word_after_a_below_vowel_now_and_then() -> None:
    """pypdfium2 ends a line of LibreOffice's justified text after a below vowel a few times a
    document, no habit to go by: inside a word of a paragraph's first line (`รายงานสรุปผู้` +
    `บริหาร…`), which read as the heading's second line, and inside a heading (`๒. ระบบภูมิคุ้` +
    `มกัน`). The dictionary reads one word across each break: they go back together."""
    lines = ["๑. การประชุมสุดยอดด้านสภาพภูมิอากาศ", "รายงานสรุปผู้",
             "บริหารของคณะทำงานระบุว่าการปล่อยก๊าซเรือนกระจกของ",
             "มนุษย์เพิ่มขึ้นอย่างต่อเนื่องในช่วงหลายทศวรรษที่ผ่านมาจนส่งผลต่อ",
             "อุณหภูมิเฉลี่ยของโลกอย่างชัดเจนตามข้อมูลที่คณะทำงานได้รวบรวมไว้", "ในรายงานฉบับล่าสุด",
             "๒. ระบบภูมิคุ้", "มกัน",
             "ยาต้านการอักเสบมักถูกใช้เพื่อควบคุมผลกระทบของการอักเสบในร่างกาย",
             "ของผู้ป่วยซึ่งแพทย์จะพิจารณาให้ยาตามความรุนแรงของอาการที่พบในแต่ละ",
             "กรณี โดยเฉพาะผู้ป่วยที่มีโรคประจำตัวอยู่แล้วต้องได้รับการดูแลเป็นพิเศษ", "จากทีมแพทย์"]
    doc = _doc("\n".join(lines))
    assert [s.title for s in doc.sections] == ["๑. การประชุมสุดยอดด้านสภาพภูมิอากาศ", "๒. ระบบภูมิคุ้มกัน"]
    assert doc.paragraphs[0].text.startswith("รายงานสรุปผู้บริหารของคณะทำงาน")


def test_a_topic_subtitle_title_in_a_narrow_column_is_a_heading() -> None:
    """pypdfium2's text of a two-column LibreOffice document (tests/data, generated): the title
    `จีน: เทคโนโลยี อำนาจ` + `และการทูต` runs to 0.72 of its narrow column, wider than a heading
    without a colon may; a "topic: subtitle" line may run as wide as a paragraph's last line."""
    text = (Path(__file__).parents[1] / "data" / "lo_colon_title_narrow_column.pdfium.txt").read_text(encoding="utf-8")
    titles = [s.title for s in _doc(text).sections]
    assert "จีน:เทคโนโลยีอำนาจและการทูต" in [t.replace(" ", "") for t in titles]
    assert not any(t.startswith("อื่น") for t in titles)  # (`ของผู้` + `อื่น`, a cut put back)


def test_pdfium_lower_vowel_cut_onto_the_next_line() -> None:
    assert "ซึ่งรู้สึกได้ทั่ว" in _body("มีแผ่นดินไหวนำขนาดเล็ก ซึ่งร\nู้สึกได้ทั่วทั้งเกาะ\n")


def test_pdfium_line_cut_on_both_sides_of_a_lone_mark_goes_back_together() -> None:
    """pypdfium2 sets a below vowel at its own height on a line of its own and goes on with the
    rest of the printed line on the next one; a heading that ends with one (`ดอกเตอร์ฮู`) is
    followed by a full line, too wide to be its rest."""
    full = "ผู้บริหารทีมฟุตบอลได้ประกาศรายชื่อนักกีฬาชุดใหม่ในฤดูกาลนี้แล้ว"
    lines = [full] * 4 + ["บรรดาวิศวกรที่ ศ", "ู", "นย์การบินอวกาศมาร์แชลต้องใช้เวลานานกว่า", full, "ควบค", "ุ",
                          "มโดยบิชอปแห่งโรมซึ่งเป็นผู", "้", "มีอำนาจจากต่างถิ่น", full, "จบย่อหน้า", "",
                          "2. ดอกเตอร์ฮ", "ู", full, full, full]
    doc = _doc("\n".join(lines) + "\n")
    body = " ".join(p.text for p in doc.paragraphs)
    assert "ศูนย์การบินอวกาศ" in body and "ควบคุมโดยบิชอปแห่งโรมซึ่งเป็นผู้มีอำนาจจากต่างถิ่น" in body
    assert [s.title for s in doc.sections] == ["2. ดอกเตอร์ฮู"]


def test_a_mark_after_a_blank_line_is_not_pulled_across_a_paragraph_break() -> None:
    rep = repair_document("0\n ๅ")
    assert repair_document(rep.text).text == rep.text


# --- page breaks and footnote blocks without a rule ----------------------------------------------

# pdftotext: the form feed opens the next page's first line; the notes' numbers are glued to
# their text; the first note runs onto a second line, wider than the body's lines.
PDFTOTEXT_PAGES = "\n".join([
    "ประวัติศาสตร์ของเมืองท่า",
    "เมืองท่าแห่งนี้เป็นศูนย์กลางการค้าทางทะเลมาตั้งแต่สมัยโบราณ[1]",
    "พ่อค้าจากหลายชาติเดินทางมาแลกเปลี่ยนสินค้า เช่น ผ้าไหม เครื่องเทศ1",
    "และเครื่องปั้นดินเผา ทำให้เมืองเจริญรุ่งเรืองอย่างรวดเร็วในช่วง",
    "ศตวรรษที่สิบห้า ผู้ปกครองเมืองได้สร้างป้อมปราการเพื่อป้องกันโจรสลัด",
    "และตั้งด่านเก็บภาษีสินค้าที่ผ่านเข้าออกท่าเรือ2 รายได้จากภาษีนี้ใช้",
    "1Smith, John, A History of Maritime Trade in Southeast Asia (London: Oxford University Press,",
    "2005), 112–118.",
    "2ดูรายละเอียดเพิ่มเติมใน ประวัติเมืองท่า (ฉบับปรับปรุง พ.ศ. 2560) หน้า 45–",
    "67",
    "",
    "\fบำรุงกองทัพเรือและซ่อมแซมกำแพงเมือง ต่อมาเมื่อเส้นทางการค้าเปลี่ยนไป",
    "เมืองก็ค่อย ๆ ลดความสำคัญลง3 จนกลายเป็นเมืองประมงขนาดเล็กในปัจจุบัน",
    "3วิกิพีเดียภาษาไทย, “เมืองท่า,” สืบค้นเมื่อ 5 มกราคม 2566",
    "",
    "\f",
])


def test_page_foot_notes_without_a_rule_and_glued_numbers() -> None:
    doc = _doc(PDFTOTEXT_PAGES)
    assert {n: r.text for n, r in doc.references.items()} == {
        1: "Smith, John, A History of Maritime Trade in Southeast Asia (London: Oxford University Press, "
           "2005), 112–118.",
        2: "ดูรายละเอียดเพิ่มเติมใน ประวัติเมืองท่า (ฉบับปรับปรุง พ.ศ. 2560) หน้า 45–67",
        3: "วิกิพีเดียภาษาไทย, “เมืองท่า,” สืบค้นเมื่อ 5 มกราคม 2566",
    }
    body = _body(PDFTOTEXT_PAGES)
    assert "Smith" not in body and "วิกิพีเดีย" not in body
    # the paragraph runs on across the page break, past the notes
    assert "รายได้จากภาษีนี้ใช้บำรุงกองทัพเรือ" in body
    assert [r.page for r in doc.references.values()] == [1, 1, 2]


def test_a_stray_mark_at_the_page_end_does_not_hide_the_notes_above_it() -> None:
    """pdfminer.six can leave a mark it could not place on a line of its own at the page's end,
    below the notes (after a URL, where it cannot go back onto a Thai letter)."""
    text = PDFTOTEXT_PAGES.replace("ในปัจจุบัน", "ในปัจจุบัน4").replace(
        "3วิกิพีเดียภาษาไทย, “เมืองท่า,” สืบค้นเมื่อ 5 มกราคม 2566",
        "3 Ibid., p. 69.\n4 The White House. (2025, February 21). Fact Sheet: President Donald J. Trump\n"
        "https://www.whitehouse.gov/fact-sheets/2025/02/fact-sheet-president-donald-\ninnovation/\n้")
    doc = _doc(text)
    assert doc.references[3].text == "Ibid., p. 69."
    assert doc.references[4].text.startswith("The White House.")
    assert "Ibid" not in _body(text)


def test_a_stray_mark_above_a_page_break_leaves_the_break_in_place() -> None:
    """pdfminer.six can end a page with a mark alone on its line, right above the form feed: the
    page break, which the notes above it are read by, stays where it was (the mark, with no
    letter to go back onto, goes with the blank line it stands for)."""
    text = PDFTOTEXT_PAGES.replace("\n\n\fบำรุง", "\n้\n\fบำรุง")
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3]
    assert "Smith" not in _body(text)
    assert "รายได้จากภาษีนี้ใช้บำรุงกองทัพเรือ" in _body(text)


# pypdfium2 on a XeLaTeX page: the running header with its page number first, then the body,
# then the footnotes, each note's raised number alone on a line over its text; a line-end
# hyphen comes out as U+FFFE with the word's two halves on one line.
PDFIUM_TEX_PAGES = "\n".join([
    "รายงานการศึกษา ฉบับร่างเพื่อรับฟังความคิดเห็น Page 5",
    "ความเหลื่อมล้ำทางเศรษฐกิจเป็นประเด็นที่ได้รับความสนใจจากนักวิชาการมากขึ้น",
    "ในช่วงทศวรรษที่ผ่านมา โดยเฉพาะการลดความยากจน1",
    "และความสำเร็จของเป้าหมายการพัฒนาสหัสวรรษ ความตกลงหุ้นส่วนทางเศรษฐกิจ (Economic Partnership Agree\ufffement: EPA)",
    "มีบทบาทสำคัญต่อการค้าในภูมิภาค2 และยังช่วยให้ประเทศสมาชิกเข้าถึงตลาดได้มากขึ้น",
    "1OECD. (n.d.). Semiconductor Informal Exchange Network. https://",
    "www.oecd.org/en/networks/semiconductor-informal-exchange-network.html",
    "2",
    "Ibid., p. 78.",
    "\f",
    "รายงานการศึกษา ฉบับร่างเพื่อรับฟังความคิดเห็น Page 6",
    "ต่อมาเมื่อเส้นทางการค้าเปลี่ยนไป ประเทศในภูมิภาคจึงหันมาพึ่งพาการค้าระหว่างกัน3",
    "มากขึ้น และความเหลื่อมล้ำระหว่างประเทศก็ลดลงตามลำดับ",
    "3",
    "สืบค้นข้อมูลเรื่องความเหลื่อมล้ำ เมื่อวันที่ 3 กุมภาพันธ์ 2562 จาก https://",
    "th.wikipedia.org/wiki/ความเหลื่อมล้ำ",
    "\f",
])


def test_a_note_number_alone_over_its_text_opens_the_note() -> None:
    doc = _doc(PDFIUM_TEX_PAGES)
    assert {n: r.text for n, r in doc.references.items()} == {
        1: "OECD. (n.d.). Semiconductor Informal Exchange Network. "
           "https://www.oecd.org/en/networks/semiconductor-informal-exchange-network.html",
        2: "Ibid., p. 78.",
        3: "สืบค้นข้อมูลเรื่องความเหลื่อมล้ำ เมื่อวันที่ 3 กุมภาพันธ์ 2562 จาก "
           "https://th.wikipedia.org/wiki/ความเหลื่อมล้ำ",
    }
    body = _body(PDFIUM_TEX_PAGES)
    assert "Ibid" not in body and "OECD" not in body and "Agreement: EPA" in body
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 2, 3]


def test_a_marker_alone_between_blank_lines_is_no_note() -> None:
    """pdftotext sets a body marker alone between blank lines (LibreOffice's superscripts): the
    body line after it is no note's text."""
    text = "\n".join([
        "งานค้นคว้าเกี่ยวกับความไม่เท่าเทียมกันของรายได้และความเจริญเติบโต ได้",
        "", "4", "", "5", "",
        "เดือนตุลาคม 1954 ว่า จะรวมยูพีทีเข้ากับดูมงต์เทเลวิชันเน็ตเวิร์ก ซึ่งมี",
        "6", "",
        "ปัญหาการเงินเช่นเดียวกัน ส่วนหนึ่งของแผนในการรวมตัวกันนี้ เครือข่ายจะ",
        "", "\fหน้าที่สองของเอกสาร",
    ])
    assert _doc(text).references == {}
    assert "ปัญหาการเงินเช่นเดียวกัน" in _body(text)


def test_a_word_broken_with_a_hyphen_is_joined_where_the_document_prints_it_whole() -> None:
    """pypdf and pdftotext keep the hyphen TeX put at a line's end; the text names no producer,
    so the document's own spellings decide: a word printed whole elsewhere is joined, an
    author's compound (or a word with no evidence either way) keeps its hyphen. U+2010, the
    hyphen XeTeX's fonts print, reads as the hyphen a user types."""
    text = "\n".join([
        "การทูตเชิงวิทยาศาสตร์และเทคโนโลยี (Science and Technology Diplomacy) มีบทบาท",
        "มากขึ้นในช่วงทศวรรษที่ผ่านมา ในรายงานของ UNCTAD เรื่อง Science and Tech-",
        "nology Diplomacy ให้คำนิยามไว้ และยังกล่าวถึงการค้าระหว่างประเทศแบบ e-",
        "commerce กับการพัฒนาแบบ Mitchell\u2010Tower ของประเทศกำลังพัฒนาในเอเชีย",
        "ซึ่งเป็นแนวทางที่หลายประเทศในภูมิภาคนำไปใช้ในการเจรจาการค้าระหว่างกัน",
        "1Choudhury, S. R. (2024). Japan’s Technology Diplomacy: A critical link for Free and Open Indo-",
        "Pacific. Center for Global Affairs & Strategic Studies.",
        "",
        "\fหน้าที่สองของเอกสาร",
    ])
    doc = _doc(text)
    body = _body(text)
    assert "Science and Technology Diplomacy ให้คำนิยาม" in body
    assert "แบบ e-commerce กับ" in body and "Mitchell-Tower" in body
    assert doc.references[1].text.endswith("Free and Open Indo-Pacific. Center for Global Affairs & Strategic Studies.")


# pypdf on a two-column XeLaTeX page: the first column's body, its notes (LaTeX sets each
# column's notes at the column's foot, in smaller type: wider lines), the second column's body,
# its notes, the page number; then pages of body alone.
_NEXT_PAGE = [
    "รายงานการศึกษา ฉบับร่างเพื่อรับฟังความคิดเห็น",
    "เราใช้แบบจำลองทางการคำนวณ",
    "อย่างเช่น เครื่องจักรทัวริงเชิง",
    "กำหนด ในการกำหนดนิยามที่",
    "แน่ชัดว่าการแก้โจทย์ปัญหาโดย",
    "ใช้ เวลา และที่ว่างในโจทย์ปัญหา",
    "คืออะไร เวลาซึ่งเครื่องจักรทัว",
    "ริงเชิงกำหนด M ต้องการสำหรับ",
    "อินพุต x คือจำนวนครั้งของ การ",
    "เปลี่ยนสถานะ หรือขั้นตอนทั้งหมด",
    "ที่เครื่องจักรทำก่อนที่มันจะหยุด",
    "และแสดงคำตอบว่า (“ใช่” หรือ",
    "“ไม่ใช่”) เครื่องจักรทัวริงเชิงกำหนด",
    "M จะปฏิบัติการภายในเวลา f(n)",
    "ถ้าเวลาที่ M ต้องการสำหรับแต่ละ",
    "อินพุตของความยาว n สูงสุดอยู่",
    "ที่ f(n) โจทย์ปัญหาสำหรับตัดสิน",
    "ใจ A สามารถได้รับการแก้ในเวลา",
]

TWO_COLUMN_PAGES = "\n".join([
    "รายงานการศึกษา ฉบับร่างเพื่อรับฟังความคิดเห็น",
    "Quantum Information4 Science",
    "and Technology (QIST) เป็นการ",
    "ลงนามระหว่างสหรัฐอเมริกากับ",
    "ฝ่าย Korean โดยมีสาระสำคัญคือ",
    "เพิ่มความร่วมมือระหว่างภาครัฐ",
    "กับเอกชนเพื่อปกป้องและส่งเสริม",
    "เทคโนโลยี5 ที่มีความสำคัญและ",
    "อยู่ในช่วงกำลังพัฒนา รวมไปถึง",
    "เทคโนโลยีควอนตัม การคูณจำนวนเต็มสอง",
    "4ใน ที่ นี้ หมาย ถึง ความ ร่วม มือ ระหว่าง ประเทศ",
    "ด้าน เทคโนโลยี ใน ความ หมาย กว้าง ซึ่ง ครอบคลุม ทั้ง",
    "มิติ ทาง ประวัติศาสตร์และสังคม",
    "5Melissen, J., & de Keulenaar, E. V.",
    "(2017). Critical Digital Diplomacy as",
    "a Global Challenge: The South Ko-",
    "rean Experience. Global Policy, 8(3),",
    "294-302.",
    "จำนวนสามารถเขียนเป็นสัญลักษณ์",
    "ได้ด้วย เซตของสาม (a, b, c) โดยที่",
    "ความสัมพันธ์คือ a × b = c การ",
    "ตัดสินใจว่าตัวอักษรทั้งสามที่ให้",
    "มาเป็นสมาชิกของเซตนี้หรือไม่6 มี",
    "ลักษณะเช่นเดียวกับการแก้โจทย์",
    "ปัญหาการคูณเลขสองจำนวน",
    "6Wagner, C. S., & Simon, D. F. (2023).",
    "China’s use of formal science and",
    "technology agreements as a tool",
    "of diplomacy. Science and Public",
    "Policy, 50(4), 807-817.",
    "308",
    "\f",
    *_NEXT_PAGE, "309", "\f",
    *_NEXT_PAGE, "310", "\f",
])


def test_notes_at_a_column_foot_are_notes_and_the_body_goes_on_after_them() -> None:
    doc = _doc(TWO_COLUMN_PAGES)
    assert doc.references[4].text.startswith("ใน")
    assert doc.references[5].text == ("Melissen, J., & de Keulenaar, E. V. (2017). Critical Digital Diplomacy "
                                      "as a Global Challenge: The South Korean Experience. Global Policy, 8(3), "
                                      "294-302.")
    assert doc.references[6].text.endswith("Science and Public Policy, 50(4), 807-817.")
    body = _body(TWO_COLUMN_PAGES)
    assert "Melissen" not in body and "ประวัติศาสตร์และสังคม" not in body
    assert "การคูณจำนวนเต็มสองจำนวนสามารถเขียนเป็นสัญลักษณ์" in body.replace(" ", "")
    assert [m.n for p in doc.paragraphs for m in p.markers] == [4, 5, 6]


def test_column_foot_notes_before_a_latin_line_or_a_numbered_heading() -> None:
    """pypdf's text of two XeLaTeX pages in two columns (tests/data, from a generated
    document): the first column's notes stand mid-page; after them the second column's body
    opens with a line mostly in Latin letters (`จาก Magdalen Tower ของออกซฟ`) on one page and
    with a numbered heading (`5. ความร่วมมือระหว่าง`) on the other. Both are the body
    resuming: the notes before them are notes, and the heading stays a heading."""
    text = (Path(__file__).parents[1] / "data" / "tex_two_columns.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[1].text.startswith("Choudhury, S. R. (2024). Japan’s Technology Diplomacy")
    assert doc.references[2].text.startswith("สถาบันวิจัย")
    assert doc.references[4].text.startswith("Dupont, C. (2004). Nikola Tesla: A Review of the Evidence.")
    assert doc.references[5].text == "อ้างแล้ว, หน้า 249."
    body = _body(text)
    assert not any(s in body for s in ("Choudhury", "Dupont", "อ้างแล้ว"))
    squashed = body.replace(" ", "")
    assert "จากMagdalenTowerของออกซฟอร์ด" in squashed and "InternationalScience,Technology" in squashed
    assert "5. ความร่วมมือระหว่างประเทศด้านเทคโนโลยี" in [s.title for s in doc.sections]
    # the second column's notes at the page's foot: a wrapped line that broke early before a
    # long word (`Fresno,` + `California`) is narrower than the body's full line
    assert doc.references[6].text.startswith("OECD. (2021, April 23). Fresno, California Fact Sheet.")
    assert doc.references[7].text.startswith("สืบค้น")


def test_a_numbered_heading_cited_as_the_next_note_is_no_note() -> None:
    """The same two pages: the second column opens with the heading `3. การดื้อแพ่ง`, whose
    number is also the next note's, cited above (`เท สลา3`); note 3 itself (`3ISTIC. ...`) comes
    at the column's foot, after the URL that ends note 2 (LaTeX split note 2 across the
    columns). The block opens at `3ISTIC`, not at the heading."""
    text = (Path(__file__).parents[1] / "data" / "tex_two_columns.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[3].text.startswith("ISTIC. (n.d.). About ISTIC.")
    assert doc.references[2].text.endswith("victoria-australia-2565")
    assert "3. การดื้อแพ่ง" in [s.title for s in doc.sections]
    assert "เปอร์ซี เชลลีย์ เขียนโคลงการเมือง" in _body(text)


def test_a_column_foot_block_whose_first_marker_is_glued_to_a_number() -> None:
    """The first note at a column's foot is cited by a marker right after a number (`500` +
    `6`: `5006 คนลงใต้`), which reads as no marker; the next note's marker is plain (`เป็น7`).
    The block is the notes all the same (pypdf's text of a generated XeLaTeX document)."""
    text = (Path(__file__).parents[1] / "data" / "tex_glued_marker.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert sorted(doc.references) == list(range(1, 11))
    assert doc.references[6].text.startswith("ดูรายละเอียดเพิ่มเติมใน Srisuk, P. & Chen, L. (2007)")
    assert doc.references[7].text.startswith("Park, S.-Y. (2005). Introduction: A Review of the Evidence.")
    body = _body(text)
    assert "Srisuk" not in body and "Park, S.-Y." not in body
    assert "เดียวกัน(โรงงานวิคตอเรียของ ฟอร์ด" in body


def test_a_page_foot_note_in_a_narrow_column_is_a_note_by_its_marker() -> None:
    """pypdf's text of a XeLaTeX page in two narrow columns (Loma 14.5 pt): the note at the
    second column's foot holds no more characters a line than the body (a line breaks early
    before a long word), so its width does not tell it from running text; its number, cited
    above as a marker (`ประเทศตนเอง)2`), does."""
    text = (Path(__file__).parents[1] / "data" / "tex_narrow_columns.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.startswith("สถาบันวิจัย เพื่อ การ พัฒนาประเทศไทย, “รายงาน สถานการณ์")
    assert "สถาบันวิจัย" not in _body(text)
    assert "เดอะสแตนดาร์ดอินดัสเตรียลคลาสสิฟิเคชัน" in _body(text)


def test_a_block_told_by_its_markers_alone_takes_no_more_than_its_notes_can_fill() -> None:
    """pypdf's text of a XeLaTeX page in two columns: notes 9-11 at the first column's foot,
    narrow and cited above, then the second column's body to the page's end. A block told from
    the body by its markers alone runs no more than 8 lines a note, so it does not take that
    column for the notes' tail."""
    text = (Path(__file__).parents[1] / "data" / "tex_column_notes_over_body.pypdf.txt").read_text(encoding="utf-8")
    assert "ทางเทคโนโลยีได้อีกต่อไป" in _body(text)


def test_a_one_line_note_at_a_column_foot_does_not_take_the_next_column() -> None:
    """A one-line note (`11อ้างแล้ว, หน้า 139.`) at the first column's foot, the second column's
    last lines under it: a note that ended on a short line with a stop, the block going on with
    no number, is no page-foot block of narrow lines (pypdf's text of a XeLaTeX document). It
    is a column's foot block of one note: no wider than the body, but closing a reference."""
    text = (Path(__file__).parents[1] / "data" / "tex_one_line_column_note.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert sorted(doc.references) == list(range(1, 12))
    assert doc.references[11].text == "อ้างแล้ว, หน้า 139."
    body = _body(text)
    assert "มองเห็นทางดิ่ง รวมไปถึงข้อกังวล" in body and "หน้า 139" not in body


# pypdf's text of XeLaTeX documents in two columns: a note at the first column's foot ends on
# narrow lines right before the next note: a Thai line after a URL (`th.wikipedia.org/ wiki/` +
# `จักรวรรดินิยม`), or a short last line after spaced-apart words (`หมายก ว้าง ซึ่ง ครอบคลุม`
# + `ประวัติศาสตร์และสังคม`). The body cannot resume in one line, and a short line ends a note,
# so those lines are the note's, not the second column's first lines.
@pytest.mark.parametrize(("data", "n", "note_start", "note_end", "note_only", "body_has"), [
    ("tex_note_then_next_note.pypdf.txt", 4, "สืบค้น ข้อมูล เรื่อง จักรวรรดินิยม", "wiki/จักรวรรดินิยม",
     "สืบค้น", "ต่อมไทรอยด์อักเสบแบบฮาชิโมโตะ, โรคไขข้ออักเสบ"),
    ("tex_note_short_last_line.pypdf.txt", 4, "ใน ที่ นี้ หมาย ถึง", "ทางประวัติศาสตร์และสังคม",
     "ครอบคลุม", "ตัวอย่างเช่น การคูณจำนวนเต็มสองจำนวนสามารถเขียนเป็นสัญลักษณ์"),
], ids=["narrow-line-after-a-url", "short-last-line"])
def test_a_column_foot_note_ends_where_the_next_note_begins(data: str, n: int, note_start: str, note_end: str,
                                                           note_only: str, body_has: str) -> None:
    text = (Path(__file__).parents[1] / "data" / data).read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[n].text.startswith(note_start) and doc.references[n].text.endswith(note_end)
    assert n + 1 in doc.references
    body = _body(text)
    assert note_only not in body and body_has in body


def test_a_note_number_pdftotext_set_apart_at_the_page_foot_opens_its_note() -> None:
    """pdftotext's text of XeLaTeX pages: a note's raised number stands on a line of its own
    with a blank line under it (`1` + `` + `See Müller, A., ...`; `` + `2` + `` + `สืบค้น ...`),
    as a marker cut off its line would, but the page already cites it glued to a word
    (`ออกซฟอร์ด1`, `วิลเลียม2`): it is the note's number, not a second marker."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_numbers_apart.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[1].text == "See Müller, A., Nikola Tesla (Bangkok: Silkworm Books, 2011), 141."
    assert doc.references[2].text.startswith("สืบค้น ข้อมูล เรื่องมหาวิทยาลัย ชิคาโก")
    assert doc.references[2].text.endswith("th.wikipedia.org/wiki/มหาวิทยาลัยชิคาโก")
    body = _body(text)
    assert "Silkworm" not in body and "wikipedia" not in body
    assert "เลอโกรส์" in body and "เลอโกรส์2" not in body  # the note's number is no marker


def test_a_marker_set_apart_under_a_page_number_glued_to_dashes_stays_a_marker() -> None:
    """pdftotext's text of LibreOffice pages: body markers set apart by blank lines (`Digital
    for Deve` + `` + `1` + `` + `(D4D) ...`) under a page number written `-1-`. A number after a
    dash is no marker, so the page does not cite 1 before it: the `1` alone is the body's
    marker, not a note's number, and the paragraph goes on after it. Later in the paragraph
    pdftotext sets 4 alone before the line it was raised in (`4` + `` + `เมือง Santa Barbara,
    …`): the paragraph cites it too."""
    text = (Path(__file__).parents[1] / "data" / "lo_marker_apart_under_page_number.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[1].text == "See Dupont, C., Nikola Tesla (Bangkok: Silkworm Books, 2011), 357."
    first = doc.paragraphs[0]
    assert [m.n for m in first.markers] == [1] and "(D4D)" in first.text
    assert any(p.text.startswith("แคลิฟอเนียใต้") and [m.n for m in p.markers] == [2, 4] for p in doc.paragraphs)


def test_note_numbers_pdftotext_wrote_before_their_notes_open_them() -> None:
    """pdftotext's text of XeLaTeX pages: a page's note numbers come first, alone (`1`, `2`;
    `3`, `4`, `5`), then the notes' texts one after another; each number opens the line where
    a note begins after one that closed (`แห่งชาติ (2561)` + `Melissen, J., ...`), a Thai
    reference after a Latin one included (`...intelligence/` + `สำนักงานสถิติ แห่งชาติ, ...`)."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_numbers_first.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    refs = doc.references
    assert refs[1].text.startswith("ดูรายละเอียดเพิ่มเติมใน Rahman") and refs[1].text.endswith("(2561)")
    assert refs[2].text.startswith("Melissen, J.") and refs[2].text.endswith("294-302.")
    assert refs[3].text.startswith("The White House.") and "intelligence/" in refs[3].text
    assert refs[4].text.startswith("สำนักงานสถิติ") and refs[4].text.endswith("rhine-2554")
    assert refs[5].text.startswith("กรมส่ง เสริม การค้า")
    body = _body(text)
    assert "Melissen" not in body and "nso.go.th" not in body


def test_notes_whose_lines_pdftotext_cut_into_pieces_are_notes_on_a_page_wide_measure() -> None:
    """pdftotext's text of XeLaTeX pages: it cuts a justified note line into pieces at its wide
    spaces (`From science` + `and technology to innovation diplomacy: ...`), so the notes'
    lines look no wider than the body's. Notes in sequence, each cited above, most of them
    citing a source (a year in brackets, a URL), are the page's notes all the same."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_pieces.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text == (
        "Araújo-Moreira, F. M., Serrano, N. F., & Migon, E. X. (2022). From science and technology to innovation "
        "diplomacy: their future and the relationship with international security. Revista Tempo do Mundo, (28), 29-42.")
    assert doc.references[6].text == "World Bank. (2009, December 26). 1973 oil crisis Fact Sheet. https://www.example.org/2009/1973-oil-crisis"
    assert doc.references[8].text == "ISTIC. (n.d.). About ISTIC. https://www.istic-unesco.org/web/about-istic/."
    body = _body(text)
    assert "Revista" not in body and "oil crisis" not in body and "ISTIC" not in body
    assert body.endswith("จะได้รับการเขียนเป็นสัญลักษณ์ว่า DTIME(f(n))")


def test_a_note_piece_after_a_reference_that_ended_opens_the_next_note() -> None:
    """pdftotext's text of a justified XeLaTeX page: the notes' pieces stand between blank lines,
    and a piece that fits beside the line above goes back onto it. Not the next note's first
    piece after a line that ended a reference (`32(3), 202-226.` + `2 กรม…`) or a URL's rest
    (`…-2561` + `4 Wagner,`): glued there, notes 2 and 4 lost their numbers, and the page its
    notes."""
    text = (Path(__file__).parents[1] / "data" / "tex_notes_after_reference_pieces.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3, 4]
    assert doc.references[3].text == (
        "กรม ส่ง เสริม การ ค้า ระหว่าง ประเทศ, “รายงาน สถานการณ์ ความ ร่วม มือ ระหว่าง ประเทศ ด้านเทคโนโลยี ประจำปี"
        " 2561,” 2561, https://www.ditp.go.th/th/content/ความร-วมม-อระหว-างประเทศด-านเทคโนโลย-2561")
    assert doc.references[4].text == (
        "Wagner, C. S., & Simon, D. F. (2023). China’s use of formal science and technology agreements as a tool of"
        " diplomacy. Science and Public Policy, 50(4), 807-817.")
    assert doc.references[2].text.startswith("กรม ส่ง เสริม การ ค้า ระหว่าง ประเทศ. (2557).")
    body = _body(text)
    assert not any(w in body for w in ("Ezeanyika", "กรุงเทพฯ:", "ditp", "Wagner"))
    assert body.endswith("ซึ่งเป็นคู่หูร่วมเดินทางคนใหม่สุดของดอกเตอร์")


def test_a_page_foot_block_goes_on_past_a_note_whose_number_was_written_elsewhere() -> None:
    """pdftotext's text of a XeLaTeX page: note 12's first line (`12 Teevan…`) comes out under
    the page's last note, so the block reads 11, 13, 14, 15, 16. A number one past the next,
    the count going on after it, opens its note: notes 13-16 were read as note 11's text."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_number_written_below.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert {11, 13, 14, 15, 16} <= set(doc.references)
    assert doc.references[13].text == (
        "Nakamura, K. (2019). Economic inequality: A Review of the Evidence. Journal of Southeast Asian Studies, 27(3),"
        " 32–290. https://doi.org/10.5850/economicinequality.2019")
    assert doc.references[14].text.startswith("The White House. (2025, February 12). Fact Sheet: President Donald J.")
    assert doc.references[11].text.startswith("Rahman, N. & O'Neill, D. (2016). Rhine: A Review of the Evidence.")
    assert "Nakamura, K. (2019)" not in doc.references[11].text
    assert _body(text).endswith("ภายใต้ การปกครองของอังกฤษ ถิ่นฐาน")


def test_a_note_number_pdftotext_wrote_over_the_rest_of_the_note_above_opens_the_next_line() -> None:
    """pdftotext's text of XeLaTeX pages: a note's number stands left of the note's hanging
    lines, so pdftotext writes it before the lines of the note above that share its block
    (`5` + `www.eeas.europa.eu/…` + `Ministry of Foreign Affairs…`). A line that cannot open a
    note (a URL's piece, lower case) is the note above's rest; the number opens the next line
    that opens as a note does."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_number_over_the_rest_above.pdftotext.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert refs[4].text == "European External Action Service (EEAS). (2023). Digital Diplomacy. https://www.eeas.europa.eu/eeas/digital-diplomacy_en."
    assert refs[5].text.startswith("Ministry of Foreign Affairs of Republic of Korea. (2023).")


def test_note_numbers_pdftotext_wrote_over_a_notes_tail_or_after_the_notes_find_their_notes() -> None:
    """pdftotext's text of XeLaTeX pages. A note split across pages: the next page's first
    number comes before the split note's tail (`กรุงเทพฯ:` ends a page; `6` + `โรงพิมพ์…, หน้า
    48–226.` + `The White House…`), and a run of numbers before a URL's rest (`7` `8` +
    `and-priorities/.`). A marker glued to a day before its month (`274 มกราคม`: the 27th,
    note 4) cites the note, and a number written after the page's notes (`4` … `6` `7` `8` …
    `5`) opens the note that has none. A run of numbers (`9` `10` `11`) passes over a line that
    opens with a reference's date field (`(2020, October 4).`: the rest of a row cut in pieces)."""
    data = Path(__file__).parents[1] / "data"
    refs = _doc((data / "tex_note_tail_under_next_number.pdftotext.txt").read_text(encoding="utf-8")).references
    assert refs[5].text.endswith("กรุงเทพฯ: โรงพิมพ์แห่งจุฬาลงกรณ์มหาวิทยาลัย, หน้า 48–226.")
    assert refs[6].text.startswith("The White House. (2025, March 27). ICYMI:") and refs[6].text.endswith("goals-and-priorities/.")
    assert refs[7].text == "ดูรายละเอียดเพิ่มเติมใน Srisuk, P. & Chen, L. (2005) และ สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ (2548)"
    assert refs[8].text == "ดูรายละเอียดเพิ่มเติมใน Nakamura, K. (2004) และ กระทรวงการต่างประเทศ (2547)"
    assert refs[10].text == "Ibid., p. 88."  # not `(2020, October 4). …`: a note opens with its author, not its date
    text = (data / "tex_note_number_written_last.pdftotext.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert sorted(refs)[:8] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert refs[4].text.startswith("National Quantum Initiative. (2023).")
    assert refs[5].text.startswith("ดู ราย ละเอียด เพิ่ม เติม ใน Nakamura, K. (2017)") and refs[5].text.endswith("(2560)")
    assert "National Quantum" not in _body(text)


def test_a_note_split_across_pages_after_an_ampersand_keeps_its_tail_and_its_space() -> None:
    """pdftotext's text of XeLaTeX pages: a note ends its page on `Communication &`; the next
    page's notes open with its tail (`Society, 225-239.`), then note 2 with no number beside
    it. A line that ends with `&` runs on, so the tail is note 1's, and a page's last line that
    ends in Latin letters or signs ends its word: the tail joins after a space."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_split_after_ampersand.pdftotext.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert refs[1].text.endswith("International Projection. Communication & Society, 225-239.")
    assert refs[2].text == "European External Action Service (EEAS). (2023). Digital Diplomacy. https://www.eeas.europa.eu/eeas/digital-diplomacy_en."


def test_a_note_number_pdftotext_did_not_write_opens_the_note_between_its_neighbours() -> None:
    """pdftotext's text of a XeLaTeX page: `1`, note 1, note 2 with no number anywhere, `3`,
    note 3 (the page cites 2 as a marker, `Christian2`). Number 2 opens the line between 1 and
    3 likeliest to open a note (after one that closed a reference); note 2 is not note 1's
    text."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_number_not_written.pdftotext.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert refs[1].text == "See Dupont, C., Steam engine (Bangkok: Silkworm Books, 2011), 175."
    assert refs[2].text.startswith("ดู รายละเอียดเพิ่ม เติม ใน Ministry of Foreign Affairs of Japan. (2024).")
    assert refs[2].text.endswith("chapter3/c030203.html.")


def test_a_marker_glued_to_a_day_cites_its_note_and_a_day_alone_does_not() -> None:
    assert cited_above(["การทดสอบปลั๊ก เอาต์ เริ่ม ขึ้น ในเช้า วัน ที่ 274 มกราคม ปี 1967"], 4)
    assert cited_above(["held on 1512 March 2020"], 12)
    assert not cited_above(["เมื่อวันที่ 14 มกราคม 2552"], 4)  # the 14th
    assert not cited_above(["on 31 December"], 1)


def test_a_pages_one_note_cut_into_pieces_is_a_note_by_the_source_it_cites() -> None:
    """pdftotext's text of a XeLaTeX page with one note, cut into pieces at its wide spaces
    (`2 UNCTAD.` + `(n.d.). Commission…` + its URL): the source it cites is in a later piece,
    not on its first line."""
    text = (Path(__file__).parents[1] / "data" / "tex_one_note_cut_into_pieces.pdftotext.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert refs[2].text == ("UNCTAD. (n.d.). Commission on Science and Technology for Development. "
                            "https://unctad.org/topic/commission-on-science-and-technology-for-development")
    assert "UNCTAD" not in _body(text)


def test_pdftotext_layout_pages_keep_their_notes_and_their_cut_marks() -> None:
    """`pdftotext -layout` (a common way to run it) writes a page's form feed right after its
    last line, with no blank line, and sets the rest of a line cut at a mark where it stood on
    the page (`อยู่ท่ต` + `      ี ำแหน่ง…`), and a raised note number on a row of its own above
    its line. Read as a file is (`read_source_file`), the pages part and each keeps its notes;
    the rest goes back onto its line, the number into the line under it."""
    [src] = read_source_file(Path(__file__).parents[1] / "data" / "lo_layout_pages.pdftotext.txt")
    doc = _doc(src.text)
    assert doc.references[1].text == ("外務省 (Ministry of Foreign Affairs of Japan). (2006). 外交青書 2006 [Diplomatic "
                                      "Bluebook 2006]. https://www.mofa.go.jp/mofaj/gaiko/bluebook/2006/")
    assert doc.references[2].text == "Ibid., p. 114."
    assert doc.references[3].text == "See Park, S.-Y., Teacher (Bangkok: Silkworm Books, 2017), 374."
    body = _body(src.text)
    assert "ซึ่งตั้งอยู่ที่ตำแหน่งการโคจร 28.5°E" in body
    assert not any(w in body for w in ("Bluebook", "Ibid", "Silkworm"))
    # note 1's number, raised onto a row of its own at the right margin, cites from the end of
    # the line under it (`…ตะวันออกกลาง` + `1`), not from the paragraph's text as a number
    [(para, marker)] = [(p, m) for p in doc.paragraphs for m in p.markers if m.n == 1]
    assert para.text[:marker.pos].endswith("ในภูมิภาคตะวันออกกลาง") and "ไม่เป็นธรรม นอกจาก" in para.text


def test_an_indented_number_above_endnotes_leaves_the_repair_standing() -> None:
    """`pdftotext -layout` sets a raised note number on a line of its own, indented to where it
    stood: with endnotes under a heading, reading such a number as a marker's rest failed with
    a traceback (its leading spaces read as the number)."""
    text = "\n".join([
        "การทูตเชิงเทคโนโลยี",
        "     ประเทศไทยได้ลงนามความตกลงด้านวิทยาศาสตร์กับญี่ปุ่นและเกาหลีใต้หลายฉบับ",
        "                                          1",
        "ในช่วงทศวรรษที่ผ่านมา และได้ขยายความร่วมมือด้านเซมิคอนดักเตอร์อย่างต่อเนื่อง",
        "",
        "เชิงอรรถ",
        "1 กระทรวงการต่างประเทศ. (2566). รายงานประจำปี. กรุงเทพฯ.",
    ]) + "\n"
    doc = _doc(text)
    assert doc.references[1].text == "กระทรวงการต่างประเทศ. (2566). รายงานประจำปี. กรุงเทพฯ."
    body = _body(text)
    assert "เกาหลีใต้หลายฉบับ" in body and "ขยายความร่วมมือด้านเซมิคอนดักเตอร์" in body and "รายงานประจำปี" not in body


def test_a_note_that_ended_with_a_stop_goes_on_with_its_url_in_the_next_column() -> None:
    """pypdfium2's text of a LibreOffice page in two columns: note 1 ends the first column's
    foot with its title's stop (`... Artificial Intelligence.`), and its URL is the first thing
    at the second column's foot (`https://www.whitehouse.gov/presi` + 3 lines), right above
    note 2. A note that holds no URL yet goes on with it, its lines joined with no space where
    each ran out inside the URL; the column's last body line stays body."""
    text = (Path(__file__).parents[1] / "data" / "lo_note_url_in_next_column.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    note = doc.references[1].text
    assert note.startswith("The White House. (2025, January 23). Removing Barriers to American Leadership")
    # the URL's lines go back together with no space where each line ran out inside it
    assert "https://www.whitehouse.gov/presidential-actions/2025/01/removing-barriers-to-american-leadership" in note
    assert note.endswith("-artificial-intelligence/")
    assert doc.references[2].text.startswith("See Wongsakul, T.")
    body = _body(text)
    assert "whitehouse" not in body and "การเติบโตแบบไร้ข้อจำกัดควร" in body


def test_two_full_lines_before_the_next_note_are_the_next_columns_last() -> None:
    """pdftotext's text of a LibreOffice page in two columns: notes 1-2 at the first column's
    foot, then the second column's last two lines (`ใหม่ ซึ่งเป็ นรากฐาน…`, `พัฒนาทาง
    วิทยาศาสตร์ในภายหลัง ใน`), then note 3 at the page's foot. Two full lines are body
    resumed, not the end of note 2."""
    text = (Path(__file__).parents[1] / "data" / "lo_column_end_over_notes.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.startswith("European External Action Service (EEAS). (2023). Digital Diplomacy.")
    assert "พัฒนาทางวิทยาศาสตร์ในภายหลัง" in _body(text)
    assert "พัฒนาทางวิทยาศาสตร์" not in doc.references[2].text


def test_a_note_split_across_columns_keeps_its_tail_and_the_body_its_line() -> None:
    """pypdf's text of a XeLaTeX document in two columns: LaTeX split note 4, its first line at
    the first column's foot (unfinished: `เกาหลีใต้:`), its tail at the second column's foot
    before note 5 (`... หน้า 16–297.`). The line under the first part is the second column's
    first line (body), and the tail is the note's. On the next page the body resumes after
    notes 9-11 with a line that names something in Latin letters (`มาตรฐานยุโรป เช่น General
    Data` + `Protection Regulation (GDPR) และ`): the notes are notes all the same."""
    text = (Path(__file__).parents[1] / "data" / "tex_split_note.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[4].text.startswith("กระทรวง การ ต่าง ประเทศ. (2567). เกาหลีใต้: วัฒนธรรม")
    assert doc.references[4].text.endswith("หน้า 16–297.")
    assert doc.references[11].text.startswith("Rahman, N. & O'Neill, D. (2022). Normans")
    body = _body(text)
    squashed = body.replace(" ", "")
    assert "ไฟไหม้จากไฟฟ้าในห้องโดยสารและลุกลามอย่างรวดเร็ว" in squashed
    assert "มาตรฐานยุโรปเช่นGeneralDataProtectionRegulation(GDPR)" in squashed
    assert not any(s in body for s in ("วัฒนธรรม เทคโนโลยี ดิจิทัล", "Normans", "International Energy Agency"))


def test_a_note_split_across_columns_ends_at_the_page_foot() -> None:
    """pypdf's text of a LibreOffice page in two columns: note 2 starts at the first column's
    foot (`... United` / `Methodist Church: A Review of the`) and ends at the second column's
    foot, the page's last lines (`Evidence. Journal of ...`, a DOI). The tail is the note's,
    and the second column's first line (`ด้วยเครื่องประดับ ...`) is body."""
    text = (Path(__file__).parents[1] / "data" / "lo_split_note.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.startswith("Srisuk, P. & Chen, L. (2013). United Methodist Church: A Review of the")
    assert doc.references[2].text.endswith("united-methodist-church.2013")
    body = _body(text)
    assert "Evidence. Journal" not in body and "doi.org" not in body
    assert "ด้วยเครื่องประดับ" in body


def test_a_note_split_across_pages_ends_above_the_next_pages_notes() -> None:
    """pypdf's text of a one-column LibreOffice document: note 2 starts at the foot of a page
    (`... Driven Rhetoric to`) and ends at the next page's foot, above note 3, after that page's
    body (`Shape National Reputation. E-International Relations. https://www.e-` ...). The
    tail is the note's."""
    text = (Path(__file__).parents[1] / "data" / "lo_note_over_pages.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.startswith("Mashiah, I. (2023). Tech-Diplomacy: High-Tech Driven Rhetoric to Shape")
    assert doc.references[2].text.endswith("shape-national-reputation/.")
    assert doc.references[3].text.startswith("International Energy Agency. (2015, May 4).")
    assert "E-International" not in _body(text)


def test_a_latin_body_line_above_the_notes_of_a_page_wide_text_stays_body() -> None:
    """pypdf's text of a one-column LibreOffice page: note 4's URL stands above note 5 at the
    page's foot, after the body's last lines, which name places in Latin letters (`Santa Ana,
    พื้นที่นครหลวง Riverside-San` ...). Only the URL is the note's tail: on a page-wide
    measure a body line in Latin script is as full as a note's."""
    text = (Path(__file__).parents[1] / "data" / "lo_latin_body_over_notes.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[4].text.endswith("https://th.wikipedia.org/wiki/คริสตจักรเมทอดิสต์รวม")
    assert doc.references[5].text == "Ibid., p. 64."
    body = _body(text)
    assert "Santa Ana, พื้นที่นครหลวง Riverside-San" in body and "Bernardino" in body


def test_a_numbered_heading_under_a_columns_notes_ends_them() -> None:
    """pypdfium2's text of a LibreOffice page in two columns: notes 1 and 2 stand at the first
    column's foot, the second ending in a URL, and the second column opens with the heading
    `2. ธรณีวิทยา` (note 2's number again, set otherwise): the heading ends the notes, and the
    headings count on from it to 6; `4. American` wrapped onto two short lines of its own."""
    text = (Path(__file__).parents[1] / "data" / "lo_heading_after_column_notes.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.endswith("digital-diplomacy_en.")  # (U+FFFE there: the hyphen is the URL's)
    assert [s.title for s in doc.sections] == [
        "1. ประเทศเคนยา", "2. ธรณีวิทยา", "3. วิกฤตการณ์น้ำมัน พ.ศ. 2516", "4. American Broadcasting Company",
        "5. สกาย (สหราชอาณาจักร)", "6. Doctor Who"]


def test_a_columns_notes_above_a_heading_numbered_otherwise_are_notes() -> None:
    """pypdf's text of a XeLaTeX document in two columns: `1Wagner ...` ends above the next
    column's `บีซี` and the heading `2. ชาวอูเกอโน` (the next note's number, set otherwise: the
    body resumes there), `3See Müller ...` above the heading `3. Intergov-`, and note 4 is cited
    by a number glued to a year (`ปี 20354`). All four are notes, none of them in the body."""
    text = (Path(__file__).parents[1] / "data" / "tex_heading_after_column_notes.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3, 4]
    assert doc.references[1].text.endswith("Policy, 50(4), 807-817.")
    assert doc.references[3].text == "See Müller, A., Private school (Bangkok: Silkworm Books, 2014), 9."
    assert doc.references[4].text.startswith("Srisuk, P. & Chen, L. (2009). Genghis Khan")
    body = _body(text)
    assert not any(s in body for s in ("Wagner", "Silkworm", "Genghis"))
    assert "2. ชาวอูเกอโน" in [s.title for s in doc.sections]


def test_a_body_line_opening_with_the_next_note_number_is_no_note_when_the_note_follows() -> None:
    """pypdf's text of a one-column LibreOffice page: a body line opens with `1 ` (a marker the
    extractor moved to its start) a line above the page's note `1 อ้างแล้ว`. It stays body (a
    first version that told narrow blocks by their cited numbers on any page took it for note 1)."""
    text = (Path(__file__).parents[1] / "data" / "lo_line_opening_with_a_number.pypdf.txt").read_text(encoding="utf-8")
    assert "สามารถเขียนอยู่ในรูปของผลคูณ" in _body(text)
    assert [2, 3] == [n for n in sorted(_doc(text).references) if n > 1]


def test_a_number_before_the_notes_it_precedes_is_no_note() -> None:
    """pypdfium2's text of a LibreOffice page: a marker that ended the body's last line comes
    alone on a line (`3`), the body's next line under it, then the page's notes 1, 2 and 3.
    The lone `3` opens no block that would take notes 1 and 2 as its wrapped lines."""
    text = (Path(__file__).parents[1] / "data" / "lo_page_foot.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3]
    assert doc.references[1].text.startswith("สถาบันวิจัยเพื่อการพัฒนาประเทศไทย. (2559). โรงเรียนเอกชน")
    assert doc.references[3].text.startswith("Araújo-Moreira, F. M.")
    assert "พวกเขาเข้าควบคุมดินแดนในอิรัก" in _body(text)


def test_a_block_opened_by_a_restarted_count_gives_way_to_the_next_note() -> None:
    """A page whose first line opens with `1 ` (a marker the extractor moved to the line's
    start) after notes 1-3 on the pages before: notes may restart at 1, but this page's notes
    are 4 and 5, so the block opens at 4 and the lines above it stay body, wide as they are."""
    pages = (Path(__file__).parents[1] / "data" / "lo_page_foot.pdfium.txt").read_text(encoding="utf-8")
    text = pages.rstrip("\n") + "\n\f" + "\n".join([
        "หน้า 8",
        "1 และยังคงมีความสัมพันธ์ใกล้ชิดกับผู้นำทางการเมืองชาวมุสลิมหลายคนในยุคนั้น",
        "เช่น มูฮัมหมัด อาลี โจฮาร์ และมูฮัมหมัด อาลี จินนาห์4 เขาเป็นนักวิพากษ์วิจารณ์",
        "นิติบัญญัติแห่งชาติอินเดีย ในปี 1934 ปาฐกถาเจ็ดครั้ง5 ของอิคบาลได้รับการตีพิมพ์",
        "4 Teevan, C. & Pouyé, R. (2024). Tech sovereignty and a new EU foreign economic policy. ECDPM.",
        "https://ecdpm.org/work/tech-sovereignty-and-new-eu-foreign-economic-policy",
        "5 Araújo-Moreira, F. M., Serrano, N. F., & Migon, E. X. (2022). From science and technology to",
        "innovation diplomacy: their future and the relationship with international security. Revista",
        "Tempo do Mundo, (28), 29-42.",
        "",
    ])
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3, 4, 5]
    assert doc.references[4].text.startswith("Teevan, C. & Pouyé, R. (2024).")
    assert doc.references[5].text.endswith("Tempo do Mundo, (28), 29-42.")
    assert "ปาฐกถาเจ็ดครั้ง" in _body(text) and "Teevan" not in _body(text)


def test_an_endnote_whose_author_was_lost_still_opens_its_note() -> None:
    """pypdf's text of a generated XeLaTeX document's note list: note 2 lost its author (the
    face has no CJK letters) and reads `2. . (2024).`: it still opens note 2, and notes 3 on
    are notes. A wrapped line opening with a number set otherwise than the notes' (`3
    Alliance` under `1.`) opens none."""
    text = "\n".join([
        "ใน ศาสนา ฮินดู ครู ทาง จิต วิญญาณ เป็น ที่ รู้จัก ใน ชื่อ กูรู1 และ",
        "ใน หลาย ประเพณี ของ ศาสนา ฮินดู2 โดย เฉพาะ ประเพณี ที่ พบ ได้ ปกติ ใน",
        "ตะวัน ตก3 ความ สำคัญ ของ การ ให้ คำ ปรึกษา ทาง จิต วิญญาณ นั้น สูง",
        "มาก โดยเหล่ากูรูมักใช้อำนาจในการควบคุมชีวิตของ4 ลูกศิษย์",
        "เชิงอรรถ",
        "1. ดูรายละเอียดเพิ่มเติมใน Smith, J. (2022). The Chip",
        "3 Alliance และ สำนักงานสถิติแห่งชาติ",
        "(2565)",
        "2. . (2024). ความร่วมมือระหว่าง",
        "ประเทศ ด้าน เทคโนโลยี. https://",
        "www.mfa.gov.cn/web/2024/ความร-",
        "วมม-อระหว-างประเทศด-านเทคโนโลย",
        "3. Smith, J. (2016). Warsaw: A Re-",
        "view of the Evidence. Journal of",
        "Southeast Asian Studies, 37(2), 4–",
        "272. https://doi.org/10.2461/war-",
        "saw.2016",
        "4. Müller, A. (2019). University of",
        "Chicago: A Review of the Evidence.",
        "Journal of Southeast Asian Studies,",
        "20(4), 98–216. https://doi.org/10.6646/",
        "university-of-chicago.2019",
    ])
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3, 4]
    assert doc.references[2].text.startswith("(2024). ความร่วมมือระหว่าง")
    assert doc.references[3].text.startswith("Smith, J. (2016). Warsaw: A Review of the Evidence.")
    assert doc.references[4].text.endswith("https://doi.org/10.6646/university-of-chicago.2019")
    assert "The Chip 3 Alliance" in doc.references[1].text and "ความร่วมมือ" not in doc.references[1].text


def test_a_wrapped_note_line_opening_with_an_earlier_number_keeps_the_block() -> None:
    """A page foot's note 2 wraps before its volume (`1(3), 294-302.`), which reads as a note
    number before the block's first: one such number is a wrapped line, not a sign that the
    block opened on running text (two in a row are)."""
    running = [  # body lines that start each page
        "ประเทศอื่นสหรัฐอเมริกาการรักษาความเป็นผู้นำ",
        "ด้านเทคโนโลยีในเบื้องต้นของนโยบายการต่าง",
        "ประเทศของสหรัฐอเมริกาสะท้อนได้จากการลงนาม",
        "คำสั่งฝ่ายบริหารเพื่อส่งเสริมการวิจัยและพัฒนา",
        "เทคโนโลยีที่สำคัญและอยู่ในช่วงกำลังพัฒนา",
        "รวมไปถึงเทคโนโลยีควอนตัมและปัญญาประดิษฐ์",
    ]
    text = "\n".join([
        *running,
        "ความร่วมมือระหว่างประเทศด้านเทคโนโลยีมีเป้าหมาย",
        "เพื่ออำนวยความสะดวกในการเจรจาระหว่างภาครัฐ",
        "กับภาคเอกชนด้านเทคโนโลยีที่สำคัญต่อประเทศ1",
        "และส่งเสริมการเติบโตของภาคเอกชนในประเทศไทย",
        "1 Choudhury, S. R. (2024). Japan's Technology Diplomacy: A critical link for Free",
        "and Open Indo-Pacific. Center for Global Affairs & Strategic Studies.",
        "\f",
        *running,
        "โดยกล่าวได้ว่าในแง่หนึ่งคือการที่ภาครัฐส่งเสริม",
        "ภาคเอกชนด้านเทคโนโลยีเพื่อวัตถุประสงค์ทางการทูต2",
        "เช่น การวางบทบาทในฐานะผู้ที่มีส่วนร่วมแก้ไขปัญหา",
        "ในระดับโลกและส่งเสริมภาพลักษณ์ของประเทศไทย3",
        "2 Melissen, J., & de Keulenaar, E. V. (2017). Critical Digital Diplomacy as a Global",
        "Challenge: The South Korean Experience. Global Policy, Volume",
        "1(3), 294-302. https://doi.org/10.1111/1758-5899.12425 (accessed 2024)",
        "3 OECD. (2021, April 23). Fresno, California Fact Sheet. https://www.example.org/",
        "",
    ])
    doc = _doc(text)
    assert sorted(doc.references) == [1, 2, 3]
    assert doc.references[2].text.endswith("(accessed 2024)")
    assert "Melissen" not in _body(text)


def test_a_page_wide_paragraph_opening_with_a_cited_number_is_body() -> None:
    """pdfminer.six can set a marker that ended a paragraph at the next one's start
    (`3บิลบอร์ด ...`); on a page-wide measure a page's notes stand at its foot, so a numbered
    line in the middle of the page, with body after it, stays body."""
    text = "\n".join([
        "วันที่ 4 พฤษภาคม พ.ศ. 2561 เกิดแผ่นดินไหวขนาด 6.9 แมกนิจูด บนเกาะฮาวายในหมู่เกาะฮาวาย",
        "เวลาประมาณ 12:33 น. ตามเวลาท้องถิ่น จุดเหนือศูนย์เกิดแผ่นดินไหวอยู่ใกล้กับปีกเขาด้านใต้",
        "ของภูเขาไฟคีเลาเวอา เป็นจุดที่มีกิจกรรมทางธรณีวิทยามาตั้งแต่ปลายเดือนเมษายน[3] และยังคง",
        "3บิลบอร์ด ทวงแค้นไม่เลิก (อังกฤษ: Three Billboards Outside Ebbing, Missouri) เป็นภาพยนตร์",
        "แนวอาชญากรรมปี 2017 ซึ่งอำนวยการสร้าง เขียนบท และกำกับโดยมาร์ติน แมคโดนาห์ นำแสดงโดย",
        "ฟรานเซส แมคดอร์แมนด์ วูดี ฮาร์เรลสัน และแซม ร็อกเวลล์ ภาพยนตร์เล่าเรื่องของแม่คนหนึ่ง",
        "ที่เช่าพื้นที่บิลบอร์ดสามแผ่นเพื่อเรียกร้องความสนใจต่อเหตุฆาตกรรมลูกสาวของเธอที่ยังไม่คลี่คลาย",
        "",
        "\fหน้าที่สองของเอกสาร",
    ])
    assert _doc(text).references == {}
    assert "Three Billboards Outside Ebbing" in _body(text)


def test_a_page_foot_block_with_a_wrapped_url_stays_one_block() -> None:
    """The notes at a page's foot, a URL that wrapped and the next note after it: no column's
    body resumes there, so the block is the page foot's, whole."""
    text = PDFTOTEXT_PAGES.replace(
        "2ดูรายละเอียดเพิ่มเติมใน ประวัติเมืองท่า (ฉบับปรับปรุง พ.ศ. 2560) หน้า 45–\n67",
        "2ดูรายละเอียดเพิ่มเติมใน ประวัติเมืองท่า (ฉบับปรับปรุง พ.ศ. 2560) หน้า 45–67,\n"
        "https://th.wikipedia.org/wiki/เมืองท่า\n"
        "3Thai Wikipedia contributors, “เมืองท่า,” Wikipedia, accessed 21 March 2023,\n"
        "https://th.wikipedia.org/wiki/เมืองท่า").replace("ในปัจจุบัน", "ในปัจจุบัน4").replace(
        "เครื่องปั้นดินเผา ทำให้", "เครื่องปั้นดินเผา3 ทำให้").replace("ลดความสำคัญลง3", "ลดความสำคัญลง")
    doc = _doc(text)
    assert sorted(doc.references)[:3] == [1, 2, 3]
    assert doc.references[3].text.startswith("Thai Wikipedia contributors")
    assert "wikipedia.org" not in _body(text)


def test_a_body_line_opening_with_a_number_is_no_footnote() -> None:
    text = "\n".join([
        "ข้อมูลการเดินทางของนักท่องเที่ยวในปีที่ผ่านมามีการเปลี่ยนแปลงหลายด้าน",
        "โดยเฉพาะการเดินทางภายในประเทศซึ่งเพิ่มขึ้นอย่างต่อเนื่องทุกไตรมาส และ",
        "1 ใน 5 ของนักท่องเที่ยวเลือกเดินทางด้วยรถไฟ ซึ่งเป็นสัดส่วนที่สูงที่สุด",
        "ในรอบสิบปี รัฐบาลจึงมีแผนขยายเส้นทางรถไฟไปยังจังหวัดท่องเที่ยวรอง",
        "",
        "\fหน้าที่สองของเอกสาร",
    ])
    doc = _doc(text)
    assert doc.references == {}
    assert "ใน 5 ของนักท่องเที่ยว" in _body(text) and "รัฐบาลจึงมีแผน" in _body(text)


def test_endnotes_under_a_heading_with_numbers_on_lines_of_their_own() -> None:
    """Chromium prints notes as endnotes; pdftotext cuts their justified lines into pieces."""
    text = "\n".join([
        "อุทยานแห่งนี้มีพื้นที่ป่าไม้กว้างขวางและมีน้ำตกขนาดใหญ่หลายแห่ง1 เป็น",
        "แหล่งท่องเที่ยวที่สำคัญของประเทศ นักท่องเที่ยวนิยมมาเที่ยวในฤดูฝน2",
        "",
        "เชิงอรรถ",
        "1 Doe, Jane, “National Parks,” Wikipedia, accessed 3 March 2021,",
        "https://example.org/parks",
        "2",
        "",
        "วิกิพีเดียภาษาไทย,",
        "",
        "“อุทยาน,”",
        "",
        "สืบค้นเมื่อ",
        "",
        "22",
        "",
        "กุมภาพันธ์ 2567",
        "",
        "\f",
    ])
    doc = _doc(text)
    assert {n: r.text for n, r in doc.references.items()} == {
        1: "Doe, Jane, “National Parks,” Wikipedia, accessed 3 March 2021, https://example.org/parks",
        2: "วิกิพีเดียภาษาไทย, “อุทยาน,” สืบค้นเมื่อ22 กุมภาพันธ์ 2567",
    }
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 2]
    assert "เชิงอรรถ" not in _body(text)


def test_endnotes_go_on_past_a_page_number_on_a_note_number_line_and_a_lost_number() -> None:
    """pdftotext writes a page's top number and the next note's number on one line (`- 33 3`);
    a note whose number the extractor lost does not end the notes: the next lone number goes on."""
    text = "\n".join([
        "การค้าระหว่างประเทศขยายตัวอย่างต่อเนื่อง1 และการลงทุนก็เพิ่มขึ้น2 ตามลำดับ3",
        "ในปีต่อมารัฐบาลได้ออกมาตรการใหม่4 เพื่อส่งเสริมการส่งออก5",
        "",
        "บรรณานุกรม",
        "",
        "1",
        "",
        "Teevan, C. (2024). Tech sovereignty. ECDPM.",
        "2",
        "",
        "See Park, S.-Y., Huguenot (Bangkok: Silkworm Books, 2023), 356.",
        "",
        "- 33 3",
        "",
        "ดูรายละเอียดเพิ่มเติมใน กระทรวงการต่างประเทศ (2567)",
        "",
        "กรมส่งเสริมการค้าระหว่างประเทศ. (2562). รายงานประจำปี.",
        "5",
        "",
        "สำนักงานสถิติแห่งชาติ. (2559). รายงานสถิติ.",
    ])
    refs = {n: r.text for n, r in _doc(text).references.items()}
    assert refs[2] == "See Park, S.-Y., Huguenot (Bangkok: Silkworm Books, 2023), 356."
    assert refs[3].startswith("ดูรายละเอียดเพิ่มเติมใน")
    assert refs[5] == "สำนักงานสถิติแห่งชาติ. (2559). รายงานสถิติ."


def test_pdftotext_pieces_of_a_justified_line_go_back_together() -> None:
    """pdftotext sets the pieces of a justified line, and a superscript number, off by blank
    lines; a heading is followed by its paragraph at once and stays a heading."""
    text = "\n".join([
        "ความเป็นมาของเทศกาล",
        "เทศกาลนี้จัดขึ้นเป็นประจำทุกปีในเดือนเมษายนโดยชุมชนริมแม่น้ำ",
        "เพื่อเฉลิมฉลองการเก็บเกี่ยวและ",
        "",
        "ขอบคุณธรรมชาติที่อุดมสมบูรณ์",
        "",
        "1",
        "",
        "ชาวบ้านจะนำอาหารและดอกไม้มาถวายพระที่วัดประจำหมู่บ้านตั้งแต่เช้า",
        "ก่อนจะร่วมกันแห่ขบวนไปรอบหมู่บ้าน",
        "",
        "การแข่งขันเรือยาว",
        "ในช่วงบ่ายมีการแข่งขันเรือยาวระหว่างหมู่บ้านต่าง ๆ ซึ่งเป็นกิจกรรมที่",
        "ได้รับความนิยมมากที่สุดของงาน ผู้ชนะจะได้รับถ้วยรางวัลและเงินสด",
        "1ดูรายละเอียดเพิ่มเติมใน ประเพณีท้องถิ่นริมแม่น้ำ (ฉบับปรับปรุง พ.ศ. 2562) หน้า 12–",
        "30",
        "",
        "\f",
    ])
    doc = _doc(text)
    assert [s.title for s in doc.sections] == ["ความเป็นมาของเทศกาล", "การแข่งขันเรือยาว"]
    assert "เพื่อเฉลิมฉลองการเก็บเกี่ยวและ ขอบคุณธรรมชาติที่อุดมสมบูรณ์ ชาวบ้าน" in doc.paragraphs[0].text
    assert [m.n for m in doc.paragraphs[0].markers] == [1]
    assert list(doc.references) == [1]


# --- glyphs: marks set one letter away, clusters written twice, SARA AM doubled ----------------


@pytest.mark.parametrize(("damaged", "sound"), [
    ("มาตัง้ แต่ปลายปี", "มาตั้งแต่ปลายปี"),  # pdftotext: the tone after the next letter, then a space
    ("ครัง้ นีเ้ กิดขึน้ พร้อมกัน", "ครั้งนี้เกิดขึ้นพร้อมกัน"),
    ("ในวันนีว้ ่าเป็นวันดี", "ในวันนี้ว่าเป็นวันดี"),
    ("ใบเลีย้ งสีเขียว", "ใบเลี้ยงสีเขียว"),
    ("ต่อมที่ใช้ส่ อื สาร", "ต่อมที่ใช้สื่อสาร"),  # pdftotext: the vowel after the space and the next letter
    ("ดินโผล่ข้ นึ มา", "ดินโผล่ขึ้นมา"),
    ("เป็นสถานที่อที่ ยู่อาศัย", "เป็นสถานที่อยู่อาศัย"),  # pypdfium2 on Chromium: a cluster written twice
    ("นมเปรี้ยรี้ วรสหวาน", "นมเปรี้ยวรสหวาน"),
    ("การแข่งขันครั้งรั้ที่ 9", "การแข่งขันครั้งที่ 9"),
    ("แบคทีเรียเหล่านี้ช่นี้ ช่วยย่อย", "แบคทีเรียเหล่านี้ช่วยย่อย"),
    ("ซึ่งทำาให้มีน้ำาท่วม", "ซึ่งทำให้มีน้ำท่วม"),  # pypdf: SARA AM and its SARA AA again
    ("แม่นำ้าสายใหญ่", "แม่น้ำสายใหญ่"),
    ("แม่น้ำ!าอะเมซอน", "แม่น้ำอะเมซอน"),
])
def test_extractor_glyph_damage_is_repaired(damaged: str, sound: str) -> None:
    assert repair_query(damaged).replace(" ", "") == sound.replace(" ", "")


@pytest.mark.parametrize("sound", ["ไม่ ดี ก็ไม่ว่ากัน", "ที่ที่มีน้ำ", "สินค้าใหม่ ดีกว่าเดิม", "ฟิล์ม ภาพยนตร์",
                                   "ชื่ชื่อ"])  # a cluster repeated with no space after it: the writer's
def test_sound_text_is_left_as_written(sound: str) -> None:
    assert repair_query(sound) == sound


def test_a_heading_set_off_with_its_closing_space_is_no_piece() -> None:
    """Text from `rag.pdf` sets a heading off by blank lines and ends it with a space: a line that
    ends with a space ended there, so it is not put back onto the line above."""
    text = "\n".join([
        "หัวข้อแรก ",
        "",
        "เนื้อหาย่อหน้าแรกของเอกสารนี้เล่าถึงประวัติความเป็นมาของชุมชนริมแม่น้ำ",
        "ตั้งแต่อดีตจนถึงปัจจุบัน ",
        "",
        "หัวข้อที่สอง ",
        "",
        "ชุมชนมีอาชีพหลักคือการประมงและเกษตรกรรมซึ่งสืบทอดกันมาหลายชั่วอายุคน",
        "และยังคงรักษาประเพณีท้องถิ่นไว้อย่างเหนียวแน่น",
    ])
    assert [s.title for s in _doc(text).sections] == ["หัวข้อแรก", "หัวข้อที่สอง"]


def test_running_headers_and_footers_are_page_furniture() -> None:
    """A line that comes back at the top (or foot) of most pages, the same but for its digits, is
    a running header (footer); the one number that changes is the printed page number."""
    pages = []
    for n in (11, 12, 13):
        pages.append("\n".join([
            f"วารสารวิชาการ ปีที่ 5 ฉบับที่ 2 หน้า {n}",
            "การศึกษาครั้งนี้มุ่งสำรวจความเปลี่ยนแปลงของชุมชนชายฝั่งทะเลตะวันออก",
            "ในช่วงสิบปีที่ผ่านมา โดยเก็บข้อมูลจากการสัมภาษณ์ชาวบ้านและผู้นำชุมชน",
            f"Page {n}",
        ]))
    doc = _doc("\n\f\n".join(pages))
    body = _body("\n\f\n".join(pages))
    assert "วารสาร" not in body and "Page" not in body
    assert doc.sections == []
    assert [p.page for p in doc.paragraphs][:1] == [11]



def test_a_running_header_of_two_lines_is_furniture_whole() -> None:
    """A header in two lines, the same on every page (a journal's name over its issue, as
    pdfminer.six cuts one), or a title over the page's number (`บทความปริทัศน์` + `Page 308`):
    once the first line is taken, the one under it is asked too. Body lines under a header that
    carries the page's number are not, nor is a number that does not count up with the pages."""
    bodies = ["การศึกษาครั้งนี้มุ่งสำรวจความเปลี่ยนแปลงของชุมชนชายฝั่งทะเลตะวันออก",
              "ในช่วงสิบปีที่ผ่านมา โดยเก็บข้อมูลจากการสัมภาษณ์ชาวบ้านและผู้นำชุมชน",
              "ผลการศึกษาพบว่าชุมชนส่วนใหญ่ปรับตัวต่อการเปลี่ยนแปลงได้ดีในระยะหลัง"]
    two = "\n\f\n".join("\n".join(["วารสารวิชาการ ปีที่ 12", "ฉบับที่ 2 (กรกฎาคม–ธันวาคม 2566)", b, f"- {n} -"])
                         for n, b in zip((23, 24, 25), bodies, strict=True))
    body = _body(two)
    assert "วารสาร" not in body and "ฉบับที่" not in body
    assert [p.page for p in _doc(two).paragraphs][:1] == [23]
    titled = "\n\f\n".join("\n".join(["บทความปริทัศน์", f"Page {n}", b]) for n, b in zip((307, 308, 309), bodies, strict=True))
    assert "Page" not in _body(titled) and [p.page for p in _doc(titled).paragraphs][:1] == [307]


def test_a_note_number_under_the_running_header_is_no_page_number() -> None:
    """pdftotext, LibreOffice, two columns: the page numbers `6`...`10` stand under the running
    header, and so does note 3's number on the notes page (`บทความปริทัศน์` + `3` + `ดูรายละเอียด…`).
    Taken with the page numbers as the line under the header, it cost the note; a page's number
    counts up with the pages, and 3 does not."""
    raw = (Path(__file__).parents[1] / "data" / "lo_note_number_under_header.pdftotext.txt").read_text(encoding="utf-8")
    assert "\fบทความปริทัศน์\n3\n\nดูรายละเอียดเพิ่มเติมใน Dupont" in raw
    doc = _doc(raw)
    assert doc.references[3].text.startswith("ดูรายละเอียดเพิ่มเติมใน Dupont, C. (2022)")
    assert sorted(doc.references) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]

def test_a_heading_that_wraps_is_one_section_and_a_numbered_heading_is_no_marker() -> None:
    text = "\n".join([
        "1. สงครามฝรั่งเศสและ",
        "อินเดียนแดง",
        "ความขัดแย้งระหว่างอาณานิคมของสองมหาอำนาจในทวีปอเมริกาเหนือเริ่มขึ้น1",
        "เมื่อทั้งสองฝ่ายอ้างสิทธิ์เหนือดินแดนลุ่มแม่น้ำโอไฮโอ",
        "2. ราชวงศ์หยวน",
        "ราชวงศ์หยวนก่อตั้งโดยกุบไลข่านหลังจากที่มองโกลพิชิตจีนได้ทั้งหมด2",
        "และปกครองจีนอยู่ราวหนึ่งศตวรรษก่อนจะถูกราชวงศ์หมิงโค่นล้ม",
        "1 Anderson, F., Crucible of War (New York: Knopf, 2000), 11.",
        "2 Mote, F. W., Imperial China 900–1800 (Cambridge: Harvard, 1999), 457.",
        "",
        "\f",
    ])
    doc = _doc(text)
    assert [s.title for s in doc.sections] == ["1. สงครามฝรั่งเศสและอินเดียนแดง", "2. ราชวงศ์หยวน"]
    assert sorted(doc.references) == [1, 2]


def test_a_heading_wrapped_in_a_narrow_column_is_one_section() -> None:
    """Headings in large type wrap in a narrow column: `บทที่ 4 วิกฤตการณ์น้ำมัน พ.ศ.` + `2516`
    (an abbreviation's stop is no sentence's end, and the year goes on the title), and
    `การทูตเชิงเศรษฐกิจ: ภาพ` + `รวมในระดับโลก` (the "topic: subtitle" line runs wider than a
    one-line title may). A title over the first heading that begins with it (`ราชวงศ์หยวน:
    ภาพรวมและข้อสังเกต` over `ราชวงศ์หยวน`) stays a title of its own."""
    data = Path(__file__).parents[1] / "data"
    chrome = _doc((data / "chrome_heading_wrapped_before_year.pypdf.txt").read_text(encoding="utf-8"))
    assert [s.title for s in chrome.sections][3:] == ["บทที่ 4 วิกฤตการณ์น้ำมัน พ.ศ. 2516", "บทที่ 5 กฎหมายสหภาพยุโรป"]
    tex = _doc((data / "tex_latin_heading_after_marker.pdfium.txt").read_text(encoding="utf-8"))
    assert "การทูตเชิงเศรษฐกิจ: ภาพรวมในระดับโลก" in [s.title for s in tex.sections]
    lo = _doc((data / "lo_title_over_heading.pypdf.txt").read_text(encoding="utf-8"))
    assert [s.title for s in lo.sections][:2] == ["ราชวงศ์หยวน: ภาพรวมและข้อสังเกต", "ราชวงศ์หยวน"]


def test_a_latin_heading_under_a_thai_title_is_a_heading_of_its_own() -> None:
    """A document's Thai title over its first heading, in English (`Scottish Parliament`): a
    heading's wrapped line goes on in its script, so the two are two headings."""
    full = "รัฐสภาสกอตแลนด์ประกอบด้วยสมาชิกหนึ่งร้อยยี่สิบเก้าคนที่ได้รับเลือกตั้งจากทั่วประเทศ"
    text = "\n".join(["รัฐสภาสกอตแลนด์ และประเด็นที่เกี่ยวข้อง", "Scottish Parliament", full, full, full,
                      "จบย่อหน้าแรก", "ระบบภูมิคุ้มกัน", full, full, "จบแล้ว"]) + "\n"
    assert [s.title for s in _doc(text).sections] == [
        "รัฐสภาสกอตแลนด์ และประเด็นที่เกี่ยวข้อง", "Scottish Parliament", "ระบบภูมิคุ้มกัน"]


def test_a_latin_title_after_a_marker_is_no_rest_of_the_line() -> None:
    """pypdfium2 ends a printed line at a raised note number and may put the rest of the line
    on a line of its own, which goes back onto it; a Latin title after a Thai paragraph's last
    line (`ลงคะแนนในขั้นสุดท้าย2` + `Introduction`) is the next section's heading, not that rest."""
    text = (Path(__file__).parents[1] / "data" / "tex_latin_heading_after_marker.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert "Introduction" in [s.title for s in doc.sections]
    assert "Introduction" not in _body(text)


def test_in_a_document_that_numbers_its_headings_an_unnumbered_piece_is_running_text() -> None:
    """pdftotext sets the pieces of a justified line off by blank lines: short ones standing
    alone read like headings, but where the headings are numbered (บทที่ 1, 2, 3) a line without
    a number is running text."""
    full = "ตลาดเกรนเจอร์เข้ามาแทนที่ตลาดบุตเชอร์ที่เปิดให้บริการมาตั้งแต่ปีก่อน"
    text = "\n".join([
        "บทที่ 1 สงครามฝรั่งเศส", full, full, full, "จบย่อหน้าแรก", "",
        "บทที่ 2 ตลาดเกรนเจอร์", full, full, "", "มีการเฉลิมฉลองการเปิด", "", full, full,
        "สักซึ่งโดนทำลายจากเหตุการณ์ไฟไหม้ในปี", "โค้งเหล็กกล้าลายตารางแล้ว", "ในปี", "", "1954", "", "1901", "",
        "และเปลี่ยนเป็นหลังคา", "", "ส่วนใหญ่ของตลาดนี้ยังคงอยู่ในสภาพเดิม", "", full, full, "จบ", "",
        "บทที่ 3 อิสลามนิยม", full, full, full, "จบแล้ว", "",
    ]) + "\n"
    doc = _doc(text)
    assert [s.title for s in doc.sections] == [
        "บทที่ 1 สงครามฝรั่งเศส", "บทที่ 2 ตลาดเกรนเจอร์", "บทที่ 3 อิสลามนิยม"]
    body = " ".join(p.text for p in doc.paragraphs)
    assert "โค้งเหล็กกล้าลายตารางแล้ว" in body and "ส่วนใหญ่ของตลาดนี้ยังคงอยู่ในสภาพเดิม" in body


def test_a_line_opening_with_a_bare_number_is_running_text_where_headings_are_numbered_otherwise() -> None:
    """pypdfium2 cuts a paragraph's line short after a footnote marker: the next line, opening
    with a number (`10 ปี หลังจาก…`), stands alone like a numbered heading; where the document
    numbers its headings `ส่วนที่ N:` a bare number is no heading's."""
    full = "ตลาดเกรนเจอร์เข้ามาแทนที่ตลาดบุตเชอร์ที่เปิดให้บริการมาตั้งแต่ปีก่อน"
    text = "\n".join([
        "ส่วนที่ 1: สงครามฝรั่งเศส", full, full, full, "จบย่อหน้าแรก", "",
        "ส่วนที่ 2: ตลาดเกรนเจอร์", full, full, "ข้อบังคับว่าด้วยการลาคลอด ปี 1996",
        "10 ปี หลังจากสนธิสัญญาอัมส์เตอร์ดัม", full, full, "จบ", "",
        "ส่วนที่ 3: อิสลามนิยม", full, full, full, "จบแล้ว", "",
    ]) + "\n"
    doc = _doc(text)
    assert [s.title for s in doc.sections] == [
        "ส่วนที่ 1: สงครามฝรั่งเศส", "ส่วนที่ 2: ตลาดเกรนเจอร์", "ส่วนที่ 3: อิสลามนิยม"]
    assert "10 ปี หลังจากสนธิสัญญาอัมส์เตอร์ดัม" in " ".join(p.text for p in doc.paragraphs)


def test_a_cut_mark_line_goes_back_onto_a_thai_letter_only() -> None:
    """A line that opens with a Thai mark was cut off a Thai letter; a line that ends in a
    digit does not take it (found by the fuzz test: the mark landed on the digit, which a second
    repair then read as a footnote marker)."""
    lines = repair_document("ก\n5 \nิ").lines
    assert all("5ิ" not in line.text for line in lines)
    assert [line.text for line in repair_document("นัน\n้").lines if line.text] == ["นั้น"]


def test_endnotes_numbered_in_brackets() -> None:
    """A notes list printed as `[1] ...` (Chromium or a hand-made list): the bracketed number
    opens a note as a bare one does."""
    text = "\n".join([
        "ชุมชนริมแม่น้ำแห่งนี้มีประวัติยาวนานกว่าสองร้อยปี1 ชาวบ้านส่วนใหญ่ทำการประมง",
        "และเกษตรกรรมซึ่งสืบทอดกันมาหลายชั่วอายุคน2",
        "",
        "เอกสารอ้างอิง",
        "[1] Doe, Jane, A River Town (Bangkok: Silkworm Books, 2019), 45.",
        "[2] ดูรายละเอียดเพิ่มเติมใน ประวัติชุมชนริมน้ำ (ฉบับปรับปรุง พ.ศ. 2560)",
        "หน้า 12–30",
        "",
        "\f",
    ])
    doc = _doc(text)
    assert {n: r.text for n, r in doc.references.items()} == {
        1: "Doe, Jane, A River Town (Bangkok: Silkworm Books, 2019), 45.",
        2: "ดูรายละเอียดเพิ่มเติมใน ประวัติชุมชนริมน้ำ (ฉบับปรับปรุง พ.ศ. 2560) หน้า 12–30",
    }
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 2]
    assert "Silkworm" not in _body(text)


# pypdfium2: a printed line cut at its superscript note number; the rest of the line opens with
# the space that followed the number, or not (then the two pieces make one full line).
PDFIUM_MARKER_CUTS = "\n".join([
    "เมืองนี้มีประชากรหลากหลายเชื้อชาติ จากการสำรวจในปี1",
    " 2450 มีผู้อยู่อาศัย",
    "ราวสามแสนคน ส่วนใหญ่เป็นชาวประมงและพ่อค้าที่เดินทางมาจากเมือง",
    "ท่าใกล้เคียง ต่อมาเมื่อมีการสร้างทางรถไฟสายใหม่2",
    "ประชากรก็เพิ่มขึ้น",
    "อย่างรวดเร็ว และเมืองได้ขยายตัวออกไปทางทิศเหนือจนกลายเป็น",
    "ศูนย์กลางการค้าที่สำคัญที่สุดของภูมิภาค3",
    "2. เศรษฐกิจของเมือง",
    "เศรษฐกิจของเมืองขึ้นอยู่กับการค้าทางทะเลและการท่องเที่ยวเป็น",
    "หลัก นอกจากนี้ยังมีอุตสาหกรรมแปรรูปอาหารทะเลในเขตชานเมือง",
    "1 Smith, John, A Port City (London: Oxford University Press, 2005), 12.",
    "2 Doe, Jane, Railways of Siam (Bangkok: Silkworm Books, 2010), 7.",
    "3 Lee, K., Trade in the Gulf (Singapore: NUS Press, 2015), 99.",
    "",
    "\f",
])


def test_pdfium_lines_cut_at_a_superscript_go_back_together() -> None:
    doc = _doc(PDFIUM_MARKER_CUTS)
    assert [s.title for s in doc.sections] == ["2. เศรษฐกิจของเมือง"]
    first = doc.paragraphs[0].text
    assert "ในปี 2450 มีผู้อยู่อาศัย" in first
    assert "สายใหม่ประชากร" in first.replace(" ", "")  # not a heading of its own
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 2, 3]
    assert sorted(doc.references) == [1, 2, 3]


def test_pdfium_lines_cut_after_below_vowels_go_back_together() -> None:
    """With a face that sets its below vowels low (LibreOffice, Umpush 18 pt) pypdfium2 cuts
    printed lines after nearly every below vowel: the pieces read as short unnumbered headings.
    Where most lines ending with a below vowel make one printed line with the next, the pieces
    go back together; a heading after a full line ending with a below vowel stays a heading."""
    full = "ผู้บริหารทีมฟุตบอลได้ประกาศรายชื่อนักกีฬาชุดใหม่ในฤดูกาลนี้แล้ว"
    lines = [
        full, full, "เหนือ/ใต้สายหลักที่เชื่อมแหล่งที่อยู่", "อาศัยหลักของแคลิฟอร์เนียตอนใต้ทั้งหมด", full,
        "โรพลาสต์ที่หายไปในสายพันธุ์", "chromalveolate ถึงแม้ว่าคลอโรพลาสต์", full,
        "เป็นที่รู้จักกันดีในหมู่", "นักวิทยาศาสตร์ที่ศึกษาเรื่องนี้มานาน", full, "จบย่อหน้า", "",
        "ออกซิเจน", full, full, "การเพิ่มความดันในห้องนี้ทำให้อากาศไหลเข้าสู่ปอดของผู้ป่วยอยู่",
        "จบย่อหน้าที่สองแล้ว", "",
        "ราชวงศ์หยวน", full, full, full,
    ]
    doc = _doc("\n".join(lines) + "\n")
    assert [s.title for s in doc.sections] == ["ออกซิเจน", "ราชวงศ์หยวน"]
    body = " ".join(p.text for p in doc.paragraphs).replace(" ", "")
    for joined in ("แหล่งที่อยู่อาศัยหลักของ", "สายพันธุ์chromalveolate", "ในหมู่นักวิทยาศาสตร์"):
        assert joined in body


def test_pdfium_line_cut_at_a_marker_set_after_a_space() -> None:
    """LibreOffice leaves a space before a superscript note number, which pypdfium2 keeps where
    it cuts the line after the number (`กิจการ 1` + `ความช่วยเหลือ…`): the rest goes back on, and
    is no heading. A page number (`หน้า 122`) opening a page and a title ending in a number
    stay as they are."""
    full = "ผู้บริหารทีมฟุตบอลได้ประกาศรายชื่อนักกีฬาชุดใหม่ในฤดูกาลนี้แล้ว"
    lines = [
        "ส่วนที่ 1: ซูเปอร์โบวล์ 50", full, full, "พาณิชย์ การควบรวมกิจการ 1", "ความช่วยเหลือจากต่างประเทศ",
        "ประเทศ เครื่องมือ", "", "ส่วนที่ 2: คลอโรพลาสต์", full, full, "จบ", "",
        "ส่วนที่ 3: ราชวงศ์หยวน", full, full, "จบ", "",
    ]
    doc = _doc("\n".join(lines) + "\n")
    assert [s.title for s in doc.sections] == ["ส่วนที่ 1: ซูเปอร์โบวล์ 50", "ส่วนที่ 2: คลอโรพลาสต์",
                                               "ส่วนที่ 3: ราชวงศ์หยวน"]
    assert "ความช่วยเหลือจากต่างประเทศ" in doc.paragraphs[0].text


def test_a_space_before_sara_aa_where_sara_am_is_written_whole() -> None:
    """A document that writes SARA AM whole has spaces inside words from its extractor, not lost
    nikhahits: the dictionary reads `อน ามัย` as `อนามัย`. Where SARA AM is never written whole
    (its circle lost throughout), `ก าหนด` is still `กำหนด`."""
    whole = "การสาธารณสุข การอน ามัย และจำนวนผู้ทำงาน ซึ่งกำหนดไว้ในกฎหมายที่นำมาใช้\n" * 3
    assert "อนามัย" in _body(whole)
    lost = "การสาธารณสุข และความปลอดภัยในการท างาน ซึ่งก าหนดไว้ในกฎหมาย\n" * 3
    assert "ทำงาน" in _body(lost) and "กำหนด" in _body(lost)


def test_a_cluster_written_twice_before_a_compound_word() -> None:
    """pypdfium2 writes `ที่` again before the SARA A of `จะ`: the compound `ที่จะ` has no
    corpus count of its own, its parts do."""
    assert repair_query("มีความพยายามที่จที่ ะถอดถอนสมาชิก") == "มีความพยายามที่จะถอดถอนสมาชิก"
    assert repair_query("ถี่กถี่ 0") == "ถี่กถี่ 0"  # the letter between the copies is not written twice


def test_a_number_repeated_alone_on_every_page_is_no_running_header() -> None:
    rep = repair_document("0\n\f\n0\n\f\n0")
    assert [line.kind for line in rep.lines] == ["body", "pagebreak", "body", "pagebreak", "body"]


def test_a_chapter_number_opening_a_line_is_no_marker() -> None:
    """Even where the endnotes define that number and no marker in the text cites it."""
    text = "\n".join([
        "การค้าทางทะเลเฟื่องฟูขึ้นในช่วงศตวรรษที่สิบเจ็ด1 และเมืองท่าต่าง ๆ ก็ขยายตัว",
        "อย่างรวดเร็ว",
        "บทที่ 2 การค้ากับต่างประเทศ",
        "พ่อค้าจากหลายชาติเดินทางมาแลกเปลี่ยนสินค้า3 ทำให้เมืองเจริญรุ่งเรืองอย่างมาก",
        "",
        "เชิงอรรถ",
        "1 Smith, John, Maritime Trade (London: Oxford University Press, 2005), 12.",
        "2 Lee, K., Trade in the Gulf (Singapore: NUS Press, 2015), 99.",
        "3 Doe, Jane, Ports of Siam (Bangkok: Silkworm Books, 2010), 7.",
    ])
    doc = _doc(text)
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 3]
    assert "บทที่ 2 การค้ากับต่างประเทศ" in [s.title for s in doc.sections]


# --- glyphs the extractor could not map (one font's habit, read per document) ------------------


def test_pdfminer_cid_placeholders_are_read_as_the_letter_that_makes_words() -> None:
    """pdfminer.six writes `(cid:N)` for a glyph its font maps to no character (LibreOffice's
    TLWG fonts: SARA AA, also the tail of a SARA AM drawn in two); the same N is the same glyph
    all through the document."""
    lines = ["ห(cid:3)กต้องดำ(cid:3)เนินธุรกิจภ(cid:3)ยในสหภ(cid:3)พยุโรปจำ(cid:3)เป็นต้องปรับตัวต(cid:3)ม",
             "",
             "ม(cid:3)ตรฐ(cid:3)นยุโรปและก(cid:3)รพึ่งพ(cid:3)เทคโนโลยีต่(cid:3)งช(cid:3)ติ"] * 3
    body = _body("\n".join(lines))
    assert "(cid" not in body
    assert "หากต้องดำเนินธุรกิจภายในสหภาพยุโรปจำเป็นต้องปรับตัวตาม" in body
    assert "มาตรฐานยุโรปและการพึ่งพาเทคโนโลยีต่างชาติ" in body


def test_a_placeholder_that_no_letter_explains_stays_lost_and_its_reference_with_it() -> None:
    """Chromium's glyph 0 (CJK text the Thai font could not show) makes no Thai word whatever
    letter it stands for: it becomes one U+FFFD (a lost character, not pdfminer.six's seven of
    notation), and an endnote that opens with it
    is still a note (dropped, `2 . (2002).` read as no note, and every note after it was lost)."""
    text = "\n".join([
        "การเจรจาระหว่างประเทศมักใช้ความตกลงเป็นเครื่องมือทางการทูต1 และสร้างอิทธิพล2",
        "ผ่านโครงการความร่วมมือต่าง ๆ ที่สำคัญของแต่ละประเทศ3",
        "",
        "References",
        "",
        "1 สืบค้นข้อมูลเรื่องเจงกิสข่านเมื่อวันที่ 3 กันยายน 2565",
        "",
        "2 (cid:0)(cid:0)(cid:0)(cid:0). (2002). (cid:0)Genghis Khan(cid:0)(cid:0).",
        "",
        "3 (cid:0)(cid:0)(cid:0). (2006). (cid:0)Scottish Parliament(cid:0).",
    ])
    doc = _doc(text)
    assert list(doc.references) == [1, 2, 3]
    assert doc.references[2].text.startswith("\ufffd\ufffd\ufffd\ufffd. (2002).")
    assert "(cid" not in "".join(r.text for r in doc.references.values())


def test_a_letter_the_font_reads_as_a_space_is_put_back() -> None:
    """LibreOffice + Loma in pdfminer.six and pypdf: SARA AA comes out as a space all through
    the document (`ส ม รถ` for `สามารถ`); the real spaces between phrases stay."""
    lines = ["ก รทูตเชิงเทคโนโลยีของจีนส ม รถอธิบ ยได้จ กกรณีของก รขย ย",
             "อิทธิพลในภูมิภ คตะวันออกกล งและแอฟริก เหนือ ซึ่งเป็นส่วนหนึ่งของโครงก ร",
             "เนื่องจ กคว มสำคัญของเส้นท งส ยไหมดิจิทัลต่อก รค้ ระหว่ งประเทศ"] * 2
    body = _body("\n".join(lines))
    assert "การทูตเชิงเทคโนโลยีของจีนสามารถอธิบายได้จากกรณีของการขยาย" in body
    assert "อิทธิพลในภูมิภาคตะวันออกกลางและแอฟริกาเหนือ ซึ่งเป็น" in body


def test_sound_spaced_thai_gets_no_letter() -> None:
    """Spaces between phrases are no font's habit: no letter goes into them."""
    text = "\n".join(["การประชุม ครั้งนี้ มีผู้เข้าร่วม จากหลาย ประเทศ ทั้งใน เอเชีย และ ยุโรป",
                      "ซึ่ง ได้หารือ เรื่อง การค้า และ การลงทุน ระหว่าง ภูมิภาค อย่าง ต่อเนื่อง"] * 4)
    assert _body(text).replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_piece_cut_from_a_sentence_is_no_heading() -> None:
    """pdftotext sets the pieces of a wide-spaced justified line (Chromium, Sawasdee) off as
    blocks of their own: a piece that opens with a connective (`ซึ่ง`) or ends needing the words
    after it (`และเป็น`) is running text, though it is short and stands alone."""
    text = "\n".join([
        "ชุมชนชายหาดของแจ็คสันวิลล์นั้นมีอยู่ตลอดฝั่งมหาสมุทร",
        "",
        "แอตแลนติก พื้นที่แห่งนี้เดิมทีเป็นที่อยู่ของชนเผ่า ทีมูควา และในปี 1564 ก็เป็นที่",
        "ตั้งของอาณานิคมของฝรั่งเศสที่เรียกว่า ฟอร์ต5 แคโรไลน์ ซึ่งเป็นหนึ่งในถิ่น",
        "ฐานแรกๆ ของชาวยุโรปที่มีอยู่ในสหรัฐอเมริกาในทุกวันนี้ ภายใต้การปกครอง",
        "ของอังกฤษ",
        "",
        "ถิ่นฐานแห่งนี้ได้เติบโตขึ้นจากจุดแคบของแม่น้ำตรงที่ฝูงโคข้าม",
        "",
        "เรียกกันว่า วัคค่า พิลัตก้า โดยชาวเซมิโนล6 และเรียกกันว่า คาว ฟอร์ด โดย",
        "ชาวอังกฤษ เมืองเล็กๆ ได้ถูกสร้างขึ้นในปี 1822 ซึ่งเป็นเวลาหนึ่งปีหลังจากที่",
        "สหรัฐอเมริกาได้ฟลอริด้ามาจากสเปน",
        "แจ็คสัน",
        "",
        "เมืองนี้ถูกตั้งชื่อตามชื่อของ",
        "",
        "แอนดรู",
        "",
        "ซึ่งเป็นผู้นำรัฐบาลทหารคนแรกของอาณาเขตฟลอริด้า",
        "",
        "และเป็น",
        "",
        "ประธานาธิบดีคนที่เจ็ดของสหรัฐอเมริกา",
        "นักสำรวจฮิวโกนอตชาวฝรั่งเศสที่มีชื่อว่าชอง",
        "",
        "ริบอล์ตเป็นคนทำแผนที่",
        "",
        "ของแม่น้ำเซนต์ จอห์นส์ ในปี 1562 โดยที่เรียกชื่อแม่น้ำนั้นว่า ริเวอร์ ออฟ",
    ])
    titles = [s.title for s in _doc(text).sections]
    assert not any(t.startswith(("ซึ่ง", "ประธานาธิบดี")) for t in titles)
    assert "ซึ่งเป็นผู้นำรัฐบาลทหารคนแรกของอาณาเขตฟลอริด้า และเป็นประธานาธิบดีคนที่เจ็ด" in _body(text)


def test_pieces_of_a_parenthesis_across_lines_are_no_headings() -> None:
    """pdfminer.six sets a line's pieces off on lines of their own where a Latin letter with a
    mark stands in it (`buddhas sana` / `ā`): a short piece with a colon inside a parenthesis
    that runs across lines (`สันสกฤต: …`), the piece that closes it, and a line that opens one
    the next line does not close are running text; a heading that wraps inside its own
    parenthesis is still one."""
    lines = [
        "พระพุทธศาสนา หรือ ศาสนาพุทธ (บาลี: buddhas sana", "", "ā", "", "พุทฺธสาสนา,", "",
        "สันสกฤต: buddhasq sana", "", "ā", "",
        "พุทธศาสนา) เป็นศาสนาที่มีพระพุทธเจ้าเป็น", "",
        "ศาสดา มีพระธรรมที่พระองค์ตรัสรู้ชอบด้วยพระองค์เอง และตรัสสอนไว้เป็นหลักคำสอนสำคัญ", "",
        "มีพระสงฆ์ (ภิกษุ ภิกษุณี) สาวกผู้ตัดสินใจออกบวชเพื่อศึกษาและปฏิบัติตามคำสอน", "",
        "ของพระพุทธเจ้า ซึ่งในปัจจุบันมีผู้นับถือศาสนาพุทธอยู่ทั่วโลก", "",
        "เซตีเนีย (มอนเตเนโกร / เซอร์เบีย: Цетинѣ", "",
        "Цетиње / Cetinje (modern), อิตาลี: Cettigne, กรีก:", "",
        "Κετίγνη, Ketígni, ตุรกี: Çetince) เป็นเมืองในประเทศมอนเตเนโกร เคยเป็นเมืองหลวงเก่า", "",
        "ของแคว้นมอนเตเนโกรตั้งแต่ในอดีต และเป็นที่ตั้งของพระราชวังและพิพิธภัณฑ์หลายแห่ง", "",
    ]
    doc = _doc("\n".join(lines))
    assert doc.sections == []
    body = " ".join(p.text for p in doc.paragraphs)
    assert "สันสกฤต: buddhasq sana ā พุทธศาสนา) เป็นศาสนา" in body
    assert "เซตีเนีย (มอนเตเนโกร / เซอร์เบีย: Цетинѣ Цетиње" in body
    titled = [
        "ศาสนาในเอเชียตะวันออกเฉียงใต้มีบทบาทต่อชีวิตประจำวันของผู้คนในภูมิภาคนี้มาช้านาน",
        "ตั้งแต่การปกครองไปจนถึงประเพณีของท้องถิ่น", "",
        "ผลกระทบของศาสนาต่อสังคม (กรณีศึกษา", "ประเทศไทย)", "",
        "ศาสนาพุทธเป็นศาสนาที่มีผู้นับถือมากที่สุดในประเทศไทย และมีบทบาทต่อวัฒนธรรมของชาติ",
        "อย่างมาก ทั้งในด้านศิลปะ สถาปัตยกรรม และประเพณีต่างๆ ที่ปฏิบัติกันมาจนถึงปัจจุบัน", "",
    ]
    assert [s.title for s in _doc("\n".join(titled)).sections] == ["ผลกระทบของศาสนาต่อสังคม (กรณีศึกษาประเทศไทย)"]


def test_pypdf_glyph_codes_are_read_like_placeholders(tmp_path: Path) -> None:
    """pypdf writes the code of a glyph it cannot map as a control character (glyph 3, SARA AA
    in LibreOffice's Laksaman, as U+0003, where pdfminer.six writes `(cid:3)`)."""
    path = tmp_path / "pypdf.txt"
    line = "ห\x03กต้องดำ\x03เนินธุรกิจภ\x03ยในสหภ\x03พยุโรปจำ\x03เป็นต้องปรับตัวต\x03มม\x03ตรฐ\x03นยุโรป ซึ่งเป็นข้อกำหนดที่ผู้เกี่ยวข้องต้องปฏิบัติ\n"
    path.write_bytes((line * 6).encode("utf-8"))
    [src] = read_source_file(path)
    doc = structure_document(repair_document(src.text), doc_id="d", title="d")
    assert "หากต้องดำเนินธุรกิจภายในสหภาพยุโรปจำเป็นต้องปรับตัวตามมาตรฐานยุโรป" in doc.paragraphs[0].text


def test_a_mark_the_font_never_shows_is_read_back_where_another_stood_for_it() -> None:
    """LibreOffice + Garuda in pypdf and pdfminer.six: SARA UU comes out as MAI THO all through
    a long document (`ผ้้` for `ผู้`, `ด้แล` for `ดูแล`); the real MAI THO (`ให้`) stays."""
    sound = "ครูผู้สอนดูแลนักเรียนทุกคนให้รู้จักการอ่านหนังสือและพูดคุยกับผู้อื่นอย่างสุภาพเรียบร้อย"
    damaged = sound.replace("\u0e39", "\u0e49")
    body = _body("\n".join([damaged] * 40))
    assert body.count(sound) == 40


def test_a_column_notes_reference_goes_on_past_a_field_closed_by_a_stop() -> None:
    """pypdfium2's text of XeLaTeX pages in two columns: a reference at the first column's foot
    closes its author with a full stop (`สถาบันวิจัย เพื่อ การ พัฒนา ประเทศไทย.`) or its author
    with a comma before a quoted title (`ประเทศไทย, “รายงาน สถานการณ์`), and goes on with its
    year and title in narrow Thai lines (`(2545). ทฤษฎี ความ ซับ ซ้อน ใน`, `การ คำนวณ: ข้อ เสนอ
    เชิง นโยบาย.`): those lines are the note's, not the second column's body resuming; the body
    resumes where the note has ended (`โนวาสโกเชียและนิวฟาวด์แลนด์`, `เรื่องวิวัฒนาการ23`)."""
    text = (Path(__file__).parents[1] / "data" / "tex_note_year_after_author.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    note = doc.references[22].text
    assert note.startswith("สถาบันวิจัย เพื่อ การ พัฒนา ประเทศไทย. (2545). ทฤษฎี")
    assert note.endswith("หน้า 50–137.")
    body = _body(text)
    assert "(2545)" not in body and "ข้อ เสนอ เชิง นโยบาย" not in body
    assert "เรื่องวิวัฒนาการ" in body

    text = (Path(__file__).parents[1] / "data" / "tex_note_title_in_quotes.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    note = doc.references[14].text
    assert note.startswith("สถาบันวิจัย เพื่อ การ พัฒนา")
    assert note.endswith("https://tdri.or.th/th/content/super-bowl-50-2548")
    assert doc.references[15].text.startswith("Asian Development Bank. (2008, December 16).")
    body = _body(text)
    assert "super-bowl" not in body and "รายงาน สถานการณ์" not in body
    assert "โนวาสโกเชียและนิวฟาวด์แลนด์" in body


def test_endnote_numbers_pdftotext_wrote_under_their_first_lines() -> None:
    """pdftotext's text of a Chromium page's endnotes (tests/data, from a generated document):
    under `References`, each note's number stands on a line of its own under the note's first
    line (`Government of Canada. …` + `1` + `https://www.canada.ca/…`), from 10 on above it
    (`10` + `Ibid., p. 15.`), and the list runs on past a page's running head and number. Each
    number goes to the line its note opens; the notes are notes, none of them left in the body,
    and the running head is no note's line. (The page number, glued to note 12's first line
    before the numbers are read, `Page 6 กระทรวง…`, is still in that note.)"""
    text = (Path(__file__).parents[1] / "data" / "chrome_endnote_numbers_under_lines.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    refs = doc.references
    assert sorted(refs) == list(range(1, 20))
    assert refs[1].text.startswith("Government of Canada. (n.d.)") and "canada.ca" in refs[1].text
    assert refs[2].text.startswith("ดูรายละเอียดเพิ่มเติมใน Srisuk")
    assert refs[4].text == "Ibid., p. 119."
    assert refs[5].text.startswith("กรมส่งเสริม") and refs[5].text.endswith("หน้า 32–244.")
    assert refs[9].text.startswith("Choudhury") and refs[9].text.endswith("Strategic Studies.")
    assert refs[10].text == "Ibid., p. 15."
    assert refs[13].text.startswith("National Quantum Initiative") and "Statement to Boost" in refs[13].text
    assert refs[14].text.startswith("OECD. (2009, September 13).")
    assert not any("Journal of Thai Studies" in r.text for r in refs.values())
    body = _body(text)
    assert "Ibid" not in body and "canada.ca" not in body and "ในทางกฎหมายในสมัยใหม่" not in body
    assert "ทางการเมือง และทางกฎหมายในสมัยใหม่" in body


def test_a_page_foot_note_cited_by_a_number_pypdf_set_apart() -> None:
    """pypdf's text of a LibreOffice page (tests/data, from a generated document): the body
    cites note 4 with a raised number that pypdf sets apart, a space before it and two after
    (`พลังงานนิวเคลียร์ 4  และเชื้อ`), and the page's one note stands at its foot, its URL on a
    line of its own. The number set apart so cites the note, which is a note, not body."""
    text = (Path(__file__).parents[1] / "data" / "lo_marker_set_apart.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[4].text.startswith("European External Action Service (EEAS). (2023). Digital Diplomacy.")
    assert doc.references[4].text.endswith("https://www.eeas.europa.eu/eeas/digital-diplomacy_en.")
    body = _body(text)
    assert "EEAS" not in body and "91% ของพื้นที่" in body


def test_a_pages_one_note_that_cites_a_source_is_a_note_however_narrow() -> None:
    """pdftotext's text of a XeLaTeX page (tests/data, from a generated document): the page's
    one note, cited above, is cut into pieces at its wide spaces (`3 OECD.AI. (n.d.).`, `About
    the Global Partnership …`, its URL), so its lines look no wider than the body's. A single
    note a few lines from the page's end whose first line cites a source (`(n.d.)`, a year in
    brackets) is a note all the same; a paragraph's line that opens with a number cites none."""
    text = (Path(__file__).parents[1] / "data" / "tex_one_note_citing_a_source.pdftotext.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[3].text == (
        "OECD.AI. (n.d.). About the Global Partnership on Artificial Intelligence (GPAI). https://oecd.ai/en/about/what-we-do")
    body = _body(text)
    assert "OECD" not in body and "GPAI" not in body
    assert "ย้ายพิพิธภัณฑ์ มายัง สถานที่ ปัจจุบัน และเปลี่ยนชื่อ" in body


def test_marks_pdfminer_left_at_a_pages_end_go_with_the_page_break() -> None:
    """pdfminer.six's text of LibreOffice pages (tests/data, from a generated document): under a
    page's last note it leaves marks it could not place, each alone on a line, blank lines
    between them and the next page's form feed (`ู`, `่`). They go with the page break, so the
    note ends where its text does and the page's running foot (`Page 4`) stays furniture."""
    text = (Path(__file__).parents[1] / "data" / "lo_marks_left_at_page_end.pdfminer.txt").read_text(encoding="utf-8")
    refs = _doc(text).references
    assert refs[8].text.startswith("ในที่นี้หมายถึงนิวคาสเซิลอะพอนไทน์")
    assert refs[8].text.endswith("ซึ่งครอบคลุมทั้งมิติทางประวัติศาสตร์และสังคม")
    assert not any("Page" in refs[n].text for n in range(1, 10))


def test_marks_pdfminer_left_at_a_pages_end_go_back_where_the_page_reads_best() -> None:
    """pdfminer.six (every box apart, a line cut at each tone over a vowel) writes a tone or
    vowel it placed in no box after the page's last line (`่`, `ู`), its word left without it
    (`ทีควบคุม`, `ความร้`): each goes back onto the page's letter the dictionary reads best with
    it, not onto the page's last line (a URL), and not into a name in Thai letters that reads
    better with a mark (`เจินล่าเฟิงถูจี้`; `ชาวอูเกอโน`, which the document spells so twice)."""
    lines = ["บราสสิโนสเตอรอยด์เป็นฮอร์โมนพืชทีควบคุมการเจริญเติบโตของพืชหลายชนิด ซึ", "",
             "่งพบได้ในเกสรและเมล็ดของพืชเกือบทุกชนิดที", "", "่ศึกษามาแล้วในปัจจุบัน", "",
             "โจวต้ากวานบันทึกเรื่องเมืองพระนครไว้ในหนังสือ เจินล่าเฟิงถูจี้ อย่างละเอียด ซึ", "",
             "่งช่วยให้นักวิชาการในปัจจุบันมีความร้เกี่ยวกับชีวิตประจำวันของชาวเขมรในสมัยนั", "",
             "้นมากขึ", "", "้นกว่าเอกสารอื่น ๆ ที", "", "่มีอยู่ในเวลานั", "", "้นอย่างมาก", "",
             "ชาวอูเกอโนเดินทางมาถึงเมืองนี", "", "้ในครั", "", "้งนั", "", "้นเพราะชาวอูเกอโนถูกข่มเหงในฝรั่งเศส", "",
             "และผู้นำของพวกเขาได้ตั้งถิ่นฐานใหม่ในเมืองนีอย่างถาวร", "",
             "1 วิกิพีเดียภาษาไทย, “โจวต้ากวาน,” https://th.wikipedia.org/wiki/โจวต้ากวาน", "",
             "่", "", "ู", "", "้", "",
             "\fหน้าที่สองของเอกสารนี้กล่าวถึงประวัติศาสตร์ของเมืองพระนครในสมัยต่อมาจนถึงปัจจุบัน ซึ", "",
             "่งมีนักท่องเที่ยวเดินทางมาเยี่ยมชมเป็นจำนวนมากทุกปี", ""]
    clean = repair_document("\n".join(lines)).text
    assert "ฮอร์โมนพืชที่ควบคุม" in clean and "มีความรู้เกี่ยวกับ" in clean
    assert "หนังสือ เจินล่าเฟิงถูจี้ อย่าง" in clean and "ในเมืองนี้อย่างถาวร" in clean
    assert clean.count("ชาวอูเกอโน") == 2  # (a name the document spells so twice: `เก้อ` reads better)
    assert "wiki/โจวต้ากวาน" in clean and "wiki/โจวต้ากวาน" + "่" not in clean and "wiki/โจวต้ากวาน" + "ู" not in clean


def test_endnote_numbers_set_alone_with_the_lists_punctuation() -> None:
    """pdftotext ends the line after an endnote's number where the note's text opens in another
    face (`2.` + `務省 (Ministry …`): `2.` and `3.` alone stopped the count at 2, and the other
    twelve notes were read as note 1's text. A number alone set as the list sets them opens a
    note as a bare number does."""
    raw = (Path(__file__).parents[1] / "data" / "chrome_bare_note_numbers.pdftotext.txt").read_text(encoding="utf-8")
    assert "\nหมายเหตุ\n1. อ้างแล้ว, หน้า 228.\n2.\n\n務省" in raw
    doc = _doc(raw)
    assert sorted(doc.references) == list(range(1, 14))
    assert doc.references[1].text == "อ้างแล้ว, หน้า 228."
    assert doc.references[2].text.startswith("務省 (Ministry of Foreign Affairs of Japan). (2015).")
    assert doc.references[4].text.startswith("The White House. (2025, March 27).")


def test_the_endnotes_heading_ends_pdftotexts_two_columns_above_it() -> None:
    """Two columns over `หมายเหตุ` and `[1]`: pdftotext writes the rows in turn, then the heading.
    With the endnotes read (`[1]` alone opens the list), the right column, laid out after the
    left one, went past the heading into note 1; the heading parts the columns as a line set
    across the page does."""
    raw = (Path(__file__).parents[1] / "data" / "chrome_columns_over_notes_heading.pdftotext.txt").read_text(encoding="utf-8")
    assert "มานี้ ภายหลังเหตุการณ์ การสูญ\n\nหมายเหตุ\n[1]\n" in raw
    doc = _doc(raw)
    assert sorted(doc.references) == list(range(1, 8))
    assert doc.references[1].text == "华人民共和国外交部. (2011). 《Prime number》相关资料. https://www.mfa.gov.cn/web/2011/prime-number"
    body = "".join("".join(p.text.split()) for p in doc.paragraphs)
    assert "พันธุ์ยุคครีเทเชียส–พาลิโอจีนเมื่อ66ล้านปี" in body


def test_latin_ligatures_are_their_letters() -> None:
    """pypdf (and pdfminer.six) give the ligature glyphs of TLWG faces as U+FB00-FB06
    (`Bakersﬁeld`, `Artiﬁcial`): a user searches `Bakersfield`, and a note compared with its
    source read `Aﬀairs`. They are their letters, in documents and in queries."""
    raw = (Path(__file__).parents[1] / "data" / "chrome_latin_ligatures.pypdf.txt").read_text(encoding="utf-8")
    assert "Bakersﬁeld" in raw and "Artiﬁcial" in raw
    doc = _doc(raw)
    body = " ".join(p.text for p in doc.paragraphs)
    assert "Bakersfield" in body and not any("\ufb00" <= ch <= "\ufb06" for ch in body)
    assert "Leadership in Artificial Intelligence" in doc.references[8].text
    assert repair_query("Ministry of Foreign Aﬀairs, eﬃcient") == "Ministry of Foreign Affairs, efficient"


def test_a_tone_drifted_along_a_justified_line_goes_back_to_its_cluster() -> None:
    """LibreOffice, Laksaman, justified; pypdfium2 sets a tone alone between spaces, some letters
    after its cluster, the further the longer the line ran (`นี คอลเล็กชันต่ ้ างๆ
    ครอบคลุมทังศิลปะประยุกต์และวิทย ้ าศาสตร์`): read onto the next word it made `ต้างๆ`. It goes
    back onto the cluster without a tone whose words the dictionary then reads best. pdftotext's
    `ทงั ้` (a vowel after the next letter) and lines spelt out a letter at a time are not asked."""
    raw = (Path(__file__).parents[1] / "data" / "lo_drifted_tones.pdfium.txt").read_text(encoding="utf-8")
    assert "นี คอลเล็กชันต่ ้ างๆ ครอบคลุมทังศิลปะประยุกต์และวิทย ้ าศาสตร์" in raw
    body = "".join("".join(p.text.split()) for p in _doc(raw).paragraphs)
    for sound in ("ในขั้นนี้คอลเล็กชันต่างๆครอบคลุมทั้งศิลปะประยุกต์และวิทยาศาสตร์", "มีอายุตั้งแต่", "นิทรรศการครั้งมโหฬาร"):
        assert sound in body
    assert "ต้างๆ" not in body
    lex = lexicon()
    assert drifted_tones("รายมีอายุตังแต่ ้ ~74,000 ปี", lex, Counter()) == "รายมีอายุตั้งแต่ ~74,000 ปี"
    assert drifted_tones("ทำให้ทงั ้ สามเครือข่าย", lex, Counter()) == "ทำให้ทงั ้ สามเครือข่าย"
    assert drifted_tones("เ น ่ ื อ ง จาก", lex, Counter()) == "เ น ่ ื อ ง จาก"


def test_endnote_numbers_under_their_lines_by_the_whole_list_and_a_chinese_author() -> None:
    """pdftotext's text of a Chromium page's endnotes with raised numbers (tests/data, from a
    generated document): each number stands under its note's first line, or above it after a
    one-line note (`Ibid., p. 52.` + `5` + `6` + `华人民共和国外交部. …`). A note whose author is
    written in Chinese opens a note as a Thai or Latin one does, and a number placed alone on
    the better line below (`อ้างแล้ว, หน้า 207.` + `7` + `สืบค้นข้อมูล… จาก` + `8` + `https://…`) would
    leave note 8 none: the numbers are placed for the whole list at once. Every note is read
    with its number and none is left in the body."""
    text = (Path(__file__).parents[1] / "data" / "chrome_endnote_numbers_under_lines_cjk.pdftotext.txt").read_text(
        encoding="utf-8")
    refs = _doc(text).references
    assert sorted(refs) == list(range(1, 13))
    assert refs[5].text == "Ibid., p. 52."
    assert refs[6].text.startswith("华人民共和国外交部. (2008).") and "mfa.gov.cn" in refs[6].text
    assert refs[7].text == "อ้างแล้ว, หน้า 207."
    assert refs[8].text.startswith("สืบค้นข้อมูลเรื่องระบบภูมิคุ้มกัน") and "wikipedia" in refs[8].text
    assert refs[12].text == "อ้างแล้ว, หน้า 211."
    body = _body(text)
    assert "Ibid" not in body and "อ้างแล้ว" not in body and "MLS (LA Galaxy)" in body


def test_a_short_title_that_opens_a_page_is_a_heading() -> None:
    """pypdf's text of a LibreOffice document: a section opens a page, the page before it ends
    with a full line (the last paragraph happened to fill its line), so nothing before the
    title says it stands alone. A paragraph's last line alone at a page's top is a widow,
    which Writer, Word and Chromium keep off: a short title-like line there, over a full line,
    is a heading."""
    full = "ความสัมพันธ์ระหว่างประเทศในภูมิภาคนี้มีความซับซ้อนมากขึ้นในช่วงหลายทศวรรษที่ผ่านมา"
    lines = ["การทูตเชิงเศรษฐกิจ", full, full, full,
             "ต้องเข้าใจก่อนว่าแต่ละประเทศมีแนวทางการทูตเชิงเศรษฐกิจอย่างไรในระดับโลกปัจจุบัน",
             "\f", "เฟรสโน รัฐแคลิฟอร์เนีย",
             "ย่านนี้ประกอบไปด้วยถนนเคียนีย์ ซึ่งตั้งชื่อตาม เอ็ม ธีโอ เคียนีย์ นักลงทุนรายใหญ่",
             full, "และมหาเศรษฐีในช่วงต้นศตวรรษ"]
    doc = _doc("\n".join(lines))
    assert [s.title for s in doc.sections] == ["การทูตเชิงเศรษฐกิจ", "เฟรสโน รัฐแคลิฟอร์เนีย"]
    assert "เฟรสโน" not in doc.paragraphs[0].text


def test_pdfium_cut_inside_a_word_after_a_tone_now_and_then() -> None:
    """pypdfium2 ends a line of LibreOffice's justified text after a tone set apart above its
    letter a few times a document (Garuda), no habit to go by: `ตามปกติแล้` + `วเขตอำนาจศาล…`
    read as a heading. The dictionary reads one word across the break (`แล้ว`): they go back
    together. A line that ended on `ได้` over a full line stays as it was."""
    lines = ["เภสัชกรรม",
             "ในเขตอำนาจศาลส่วนใหญ่ (อย่างเช่น สหรัฐอเมริกา) เภสัชกรได้รับการ",
             "ควบคุม แยกต่างหากจากแพทย์ ตามปกติแล้", "วเขตอำนาจศาลเหล่านี้ยังระบุ",
             "ว่า มีเพียงเภสัชกรเท่านั้น ที่สามารถจ่ายยาตามกำหนดเวลาให้กับ",
             "สาธารณชน และเภสัชกรไม่สามารถ เป็นหุ้นส่วนทางธุรกิจร่วมกับแพทย์ได้",
             "รับเงินหรือชำระเงินให้แพทย์เป็นค่าสินบนอย่างไรก็ตามจรรยาบรรณที่สมาคม", "กำหนดไว้"]
    doc = _doc("\n".join(lines))
    assert [s.title for s in doc.sections] == ["เภสัชกรรม"]
    assert "ตามปกติแล้วเขตอำนาจศาลเหล่านี้ยังระบุ" in _body("\n".join(lines))
    assert any(line.text.endswith("ร่วมกับแพทย์ได้") for line in repair_document("\n".join(lines)).lines)


def test_three_rows_pdftotext_read_as_columns_go_back_together() -> None:
    """pdftotext's text of a justified Chromium page in a wide face (tests/data, from a
    generated document): where the wide spaces of several rows line up, it writes the rows'
    left halves one under the other, then their right halves, a piece at a time (`…ตกอยู่ใน
    เขตเมือง` / `853,382` / `ออกเฉียงใต้5`, then `จำนวนประชากรโดยประมาณในปี`, `2014`, `อยู่ที่`, then
    `ซึ่งทำให้…ภาคตะวัน` / `และยังเป็น…อันดับที่`, `12`, `ของ`). The pieces go back onto their rows,
    in order, each row then a full line, not all onto the last left half."""
    text = (Path(__file__).parents[1] / "data" / "chrome_justified_rows_as_columns.pdftotext.txt").read_text(
        encoding="utf-8")
    body = "".join(_body(text).split())
    assert ("ตกอยู่ในเขตเมืองจำนวนประชากรโดยประมาณในปี2014อยู่ที่853,382ซึ่งทำให้เป็นเมืองที่มีประชากรมากที่สุด"
            "ในฟลอริด้าและในภาคตะวันออกเฉียงใต้และยังเป็นเมืองที่มีประชากรมากที่สุดเป็นอันดับที่12ของ") in body


def test_a_part_heading_under_a_line_that_ends_on_a_tone_stays_a_heading() -> None:
    """pypdf's text of a XeLaTeX page: a paragraph's last line ends on `ได้` and the next line
    is a part's heading with its colon (`ส่วนที่ 2: …`). The dictionary may read a word across
    the two, but a line that opens with a part's number heads a section: no rest of a line
    cut at a mark."""
    full = "ทำให้ช่วยเหลือลูกเรือได้ลำบาก นักบินอวกาศสลบก่อนที่จะสามารถหนีออกมาได้ทันเวลา"
    lines = ["ส่วนที่ 1: โครงการอะพอลโล", full, full, "เปิดประตูได้",
             "ส่วนที่ 2: เครื่องจักรไอน้ำ", full, full, "ที่ธรรมดาสามัญที่สุด",
             "ส่วนที่ 3: คลอโรพลาสต์", full, full, "จบแล้ว"]
    doc = _doc("\n".join(lines))
    assert [s.title for s in doc.sections] == ["ส่วนที่ 1: โครงการอะพอลโล", "ส่วนที่ 2: เครื่องจักรไอน้ำ",
                                               "ส่วนที่ 3: คลอโรพลาสต์"]


def test_a_name_ending_with_digits_ends_no_line_at_a_marker() -> None:
    """pypdfium2's text of a Chromium page (tests/data, from a generated document): a
    paragraph's last line ends with a name the document writes with its digits inside lines
    too (`…เครือข่าย Internet2`, `ชุมชน Internet2 ประกาศ…`), and a heading follows (`เภสัชกรรม`). The
    digits are the name's, not a raised note number the line was cut at: the heading stays."""
    text = (Path(__file__).parents[1] / "data" / "chrome_name_with_digits.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert "เภสัชกรรม" in [s.title for s in doc.sections]
    assert any(p.text.endswith("เครือข่าย Internet2") for p in doc.paragraphs)


def test_a_page_number_under_a_line_that_ends_on_an_upper_vowel_stays_the_pages() -> None:
    """pypdf's text of a XeLaTeX page: a page's last line ends on `ปี` (an upper vowel) and the
    page's number follows (`หน้า 2`); the dictionary reads `ปีหน้า` across the two, but a page's
    number is no rest of a line cut at a mark: it stays a line of its own, for the layout to
    read as the page's."""
    full = "ที่จะฟื้นฟูภาพลักษณ์ของย่าน แขวงย่อยที่แยกออกมา เป็นที่ขึ้นชื่อว่าสงบ"
    lines = [full, full, full, full, "แขวงย่อยที่แยกออกมา เป็นที่ขึ้นชื่ออยู่หลายปี", "หน้า 2", "\f",
             "ในนาม “ด็อกก์ พาวด์” ตามชื่อแก๊งในท้องถิ่น และยังขึ้นชื่อว่าเป็นแหล่งก่อ", full, full, "จบแล้ว"]
    texts = [line.text for line in repair_document("\n".join(lines)).lines]
    assert "หน้า 2" in texts and "แขวงย่อยที่แยกออกมา เป็นที่ขึ้นชื่ออยู่หลายปี" in texts


def test_rows_pieces_that_pdftotext_read_interleaved_go_back_to_their_rows() -> None:
    """pdftotext's text of a justified Chromium page in Purisa (tests/data, from a generated
    document): the rows `ประเทศที่มีอำนาจระดับปานกลาง | โดยเกาหลีใต้…ในด้าน | Digital | for` and
    `Development | (D4D) | ซึ่งเป็นเครื่องมือ…` come as the two left halves, then `(D4D)`, which is
    the second row's but stands furthest left, then the first row's pieces, then the second's
    last. Each piece goes back onto the row that pdftotext's reading order says it was read
    from, not onto rows in the order the pieces came."""
    text = (Path(__file__).parents[1] / "data" / "chrome_row_pieces_interleaved.pdftotext.txt").read_text(
        encoding="utf-8")
    body = "".join(_body(text).split())
    assert "ประเทศที่มีอำนาจระดับปานกลางโดยเกาหลีใต้เป็นผู้นำในด้านDigitalforDevelopment(D4D)ซึ่งเป็นเครื่องมือ" in body


def test_rows_whose_left_halves_come_after_other_rows_pieces_go_back_in_order() -> None:
    """pdftotext's text of a justified Chromium page in Umpush (tests/data, from a generated
    document): of four rows cut at their wide spaces, the first two rows' left halves come
    first, then the second row's middle piece, then the last two rows' left halves, then the
    rows' other pieces, each after every piece above it that it overlaps. The pieces go back
    onto four rows, the last two opened by the left halves that came later."""
    text = (Path(__file__).parents[1] / "data" / "chrome_rows_opened_below.pdftotext.txt").read_text(
        encoding="utf-8")
    body = "".join(_body(text).split())
    assert ("เราสามารถใช้ข้อมูลทางธรณีฟิสิกส์และการหยั่งธรณีหลุมเจาะร่วมกันเพื่อมองเห็นใต้ผิวดินได้ดีขึ้น"
            "และนักลำดับชั้นหินมักใช้โปรแกรมคอมพิวเตอร์เพื่อให้เห็นข้อมูลเป็นภาพสามมิติจากนั้น"
            "นักลำดับชั้นหินสามารถนำข้อมูลมาใช้ในการจำลองกระบวนการดึกดำบรรพ์") in body


def test_a_line_opening_with_a_code_opens_no_note() -> None:
    """`Astra` + `2A ซึ่งตั้งอยู่ที่…` (pypdf's text of a two-column LibreOffice document): a
    number glued to one capital letter that ends there is a code (`2A`, `5G`, `3D`) that a
    wrapped line opens with, not note 2 glued to its text; it had taken the column's rest as
    note 2's text. A note glued to its text still opens (`2The White House`, `4Müller, A.`,
    `2A study of…`)."""
    text = (Path(__file__).parents[1] / "data" / "lo_sawasdee_ek_before_am.pypdf.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    assert doc.references[2].text.startswith("The White House. (2025, February 12).")
    assert "Astra 2A ซึ่งตั้งอยู่ที่ตำแหน่งการโคจร" in _body(text)
    for line, note in (("5G และเครือข่าย", None), ("3D-printing", None), ("2A ซึ่ง", None),
                       ("2The White House.", 2), ("4Müller, A. (2022).", 4), ("2A study of trade", 2),
                       ("2A. Smith, Trade", 2), ("7 A ซึ่ง", 7)):
        start = glued_note_start(line)
        assert (start[0] if start else None) == note, line


def test_an_endnote_heading_whose_bold_face_mapped_its_marks_still_opens_the_notes() -> None:
    """The same text's endnote heading comes out `หมายเหต้` (the bold face's SARA U as MAI THO,
    its body text's SARA U as written): read without its lower vowels and tone marks it is
    หมายเหตุ, so the notes under it are the document's endnotes and the body's markers cite them
    (none did)."""
    text = (Path(__file__).parents[1] / "data" / "lo_sawasdee_ek_before_am.pypdf.txt").read_text(encoding="utf-8")
    assert "หมายเหต้" in text
    cited = {m.n for p in _doc(text).paragraphs for m in p.markers}
    assert {1, 2, 3, 4, 5, 6, 9, 10} <= cited
    assert is_endnote_heading("หมายเหต้") and is_endnote_heading("Works Cited") and not is_endnote_heading("หมาย")


def test_a_line_cut_at_a_latin_run_that_ends_needing_more_is_no_heading() -> None:
    """pypdfium2's text of a one-column LibreOffice document cuts a printed line where a Latin
    run begins (`7-วัน ใช้ระบบกรรมสิทธิ์` + `OpenTV พร้อมกล่องแปลงสัญญาณโทรทัศน์รวมทั้ง`): the
    second piece stood alone under a short line, read as a heading, though it ends with
    `รวมทั้ง`, a word that needs what follows, and a full line follows. It is running text
    again; the document's headings stay."""
    text = (Path(__file__).parents[1] / "data" / "lo_latin_run_cut_line.pdfium.txt").read_text(encoding="utf-8")
    doc = _doc(text)
    titles = [s.title for s in doc.sections]
    assert not any("OpenTV" in t for t in titles)
    assert {"คริสตจักรเมทอดิสต์รวม", "จำนวนเฉพาะ", "การสลับแพ็กเก็ต", "มาร์ติน ลูเทอร์", "สกาย (สหราชอาณาจักร)"} <= set(titles)
    assert "ใช้ระบบกรรมสิทธิ์ OpenTV พร้อมกล่องแปลงสัญญาณโทรทัศน์รวมทั้ง โมเดม" in " ".join(p.text for p in doc.paragraphs)
