"""pypdfium2's text of PDFs that headless Chromium printed: with most Thai fonts it writes a
stacked cluster twice (`ที่มีที่ มี`) and ends the printed line after the copy; with every font
it starts a new line at a raised note number (`ด้าน` + `1 ปัจจุบัน…`). The files in tests/data
are the real text of one handwritten document (tests/pdf_producers.py's `to_html`, printed by
Chromium in Laksaman and in Kinnari, read with `get_text_range`, as a user would)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rag.document.structure import structure_document
from rag.repair.displaced import repeated_clusters, stray_copies, writes_clusters_twice
from rag.repair.text import repair_document, repair_query
from rag.thai.lexicon import lexicon

DATA = Path(__file__).parents[1] / "data"
TITLES = ["สะพานแขวนเมืองท่า", "ตลาดน้ำบ้านคลองสาม", "หอสมุดประชาชนเขตเหนือ", "เทศกาลโคมลอยริมน้ำ",
          "ศูนย์เพาะพันธุ์กล้วยไม้"]


def _squash(text: str) -> str:
    return "".join(text.split())


def _read(name: str):
    return structure_document(repair_document((DATA / name).read_text(encoding="utf-8")), doc_id="d", title="d")


def test_clusters_written_twice_go_where_the_document_shows_the_habit() -> None:
    """Laksaman: 30-odd copies. Those with their space and letters after them went already;
    with the habit seen, so do a copy with no space after it (`ตั้งตั้ถิ่น`) and an exact copy of
    cluster and letters whose two readings are both words (`ที่มีที่ มี`), and the line the
    extractor ended after a copy goes on with the next one."""
    raw = (DATA / "chrome_twice.pdfium.txt").read_text(encoding="utf-8")
    assert writes_clusters_twice(raw)
    assert "ที่มีที่ มี\n" in raw and "ตั้งตั้ถิ่นถิ่ ฐาน" in raw and "เพิ่มพิ่ ขึ้นขึ้ " in raw
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    body = _squash(" ".join(p.text for p in doc.paragraphs))
    for sound in ("เป็นที่รู้จักในฐานะจุดชมพระอาทิตย์ตกที่มีนักท่องเที่ยวแวะมา", "ชาวบ้านตั้งถิ่นฐานริมคลองมาตั้งแต่สมัยก่อน",
                  "มีผู้สัญจรเพิ่มขึ้นอย่างรวดเร็ว", "อาคารใหม่ที่มีพื้นที่อ่านหนังสือกว้างขึ้น", "ตั้งอยู่บนเนินเขาที่มีอากาศเย็น"):
        assert sound in body
    assert not any(s in body for s in ("ที่มีที่", "ตั้งตั้", "ที่รู้ที่รู้", "ขึ้นขึ้"))
    assert [_squash(s.title) for s in doc.sections] == TITLES
    assert [[m.n for m in p.markers] for p in doc.paragraphs] == [[1, 2], [3], [4], [], [5]]


def test_without_the_habit_a_copy_whose_readings_are_both_words_stays() -> None:
    """One line, or a text that never shows the copy with its space, is no evidence: `ที่มีที่`
    can be the writer's, and a copy is dropped only where the dictionary prefers it gone."""
    lex = lexicon()
    assert not writes_clusters_twice("เป็นเมืองที่มีที่ มีประชากรมาก\n" * 2)
    assert repeated_clusters("เป็นเมืองที่มีที่ มีประชากรมาก", lex, Counter()) == "เป็นเมืองที่มีที่ มีประชากรมาก"
    assert repeated_clusters("เป็นเมืองที่มีที่ มีประชากรมาก", lex, Counter(), twice=True) == "เป็นเมืองที่มีประชากรมาก"
    assert repeated_clusters("ผู้เข้ามาตั้งตั้ถิ่นฐาน", lex, Counter(), twice=True) == "ผู้เข้ามาตั้งถิ่นฐาน"
    assert repeated_clusters("สิ่งที่มีที่มา", lex, Counter(), twice=True) == "สิ่งที่มีที่มา"
    assert repair_query("สิ่งที่มีที่มาจากอดีต") == "สิ่งที่มีที่มาจากอดีต"


def test_a_letter_with_thanthakhat_written_twice_goes_where_the_document_has_the_habit() -> None:
    """pypdfium2 writes a letter with THANTHAKHAT twice as it does a stacked cluster
    (`ภาพลักษณ์ขณ์ ของ`, `สิทธิ์ใธิ์ นการ`: the copy, its space, the rest of the syllable). In a
    document with the habit such a copy goes where the dictionary reads the words better without
    it; never with no space right after it (`ฮาร์วาร์ด` is a name), nor without the habit
    (pdftotext spells some justified lines out letter by letter: `ฮ า ร ์ ว า ร ์ ด`)."""
    lex = lexicon()
    assert repeated_clusters("เป็นภาพลักษณ์ขณ์ องประเทศ", lex, Counter(), twice=True) == "เป็นภาพลักษณ์ของประเทศ"
    assert repeated_clusters("ผู้มีสิทธิ์ใธิ์ นการเลือกตั้ง", lex, Counter(), twice=True) == "ผู้มีสิทธิ์ในการเลือกตั้ง"
    assert repeated_clusters("มหาวิทยาลัยฮาร์วาร์ดได้ยกเลิก", lex, Counter(), twice=True) == "มหาวิทยาลัยฮาร์วาร์ดได้ยกเลิก"
    assert repeated_clusters("เป็นภาพลักษณ์ขณ์ องประเทศ", lex, Counter()) == "เป็นภาพลักษณ์ขณ์ องประเทศ"


def test_a_note_number_that_opens_the_rest_of_its_line_goes_back_onto_the_line() -> None:
    """Kinnari: no cluster written twice, but every raised number starts a line. Read as lines,
    `2 และยังเป็นเส้นทาง…ไป` is a short line, and the paragraph's last line under it stood
    alone as a heading; put back (the notes are endnotes under เชิงอรรถ, and the rests' numbers
    count up), each paragraph is whole and cites its notes."""
    raw = (DATA / "chrome_marker_rests.pdfium.txt").read_text(encoding="utf-8")
    assert "\n1 ปัจจุบันสะพาน" in raw and "\n2 และยังเป็นเส้นทาง" in raw and not writes_clusters_twice(raw)
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    assert [_squash(s.title) for s in doc.sections] == TITLES
    assert len(doc.paragraphs) == 5
    first = _squash(doc.paragraphs[0].text)
    assert first.endswith("และยังเป็นเส้นทางหลักของผู้ที่เดินทางไปทำงานในเขตเมืองใหม่ทุกวัน")
    assert [[m.n for m in p.markers] for p in doc.paragraphs] == [[1, 2], [3], [4], [], [5]]
    assert sorted(doc.references) == [1, 2, 3, 4, 5]



def test_a_note_number_alone_between_a_line_and_its_rest() -> None:
    """pypdfium2 may set the raised number alone on a line, the rest of the printed line after
    it with no space (`ยุทธศาสตร์` + `1` + `และส่งเสริม…`): read apart, the rest stood alone as a
    heading and the note was cited nowhere."""
    full = ["การทูตเชิงดิจิทัลเป็นแนวทางที่สหภาพยุโรปใช้รักษาบทบาทในระดับโลก",
            "และรักษาผลประโยชน์ของประเทศสมาชิกในเวทีระหว่างประเทศทุกระดับ"]
    lines = ["การทูตเชิงดิจิทัล", *full, "ประโยชน์เชิงยุทธศาสตร์", "1", "และส่งเสริมกรอบกำกับดูแลที่เน้นมนุษย์",
             *full, "กลางในการเปลี่ยนผ่านไปสู่ดิจิทัลอย่างครอบคลุมและเป็นเครื่องมือ", "ในการรักษาความมั่นคงทางไซเบอร์",
             "เชิงอรรถ", "1 คณะกรรมาธิการยุโรป, รายงานประจำปี (2566), หน้า 12."]
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    assert [s.title for s in doc.sections] == ["การทูตเชิงดิจิทัล"]
    [marker] = [m for p in doc.paragraphs for m in p.markers]
    [para] = [p for p in doc.paragraphs if p.markers]
    assert marker.n == 1 and para.text[:marker.pos].endswith("ประโยชน์เชิงยุทธศาสตร์")
    assert "ยุทธศาสตร์และส่งเสริมกรอบ" in _squash(para.text)


def test_a_line_opening_with_a_number_under_the_page_number_is_no_rest() -> None:
    """pypdf's text of a Chromium page: the running header and `- 27 -` open the page, and the
    body goes on with `25 ศพ…`, a number that is the text's own: it is not put back onto the
    page number as the rest of a line cut at a note's number."""
    body = ["การขุดค้นทางโบราณคดีในเขตเมืองเก่าพบหลักฐานสำคัญหลายประการ",
            "นักวิทยาศาสตร์และกระทรวงสาธารณสุขได้ประกาศผลของการตรวจสอบ"]
    lines = ["โบราณคดีเมือง", *body, "\f", "วารสารวิชาการ ปีที่ 12 ฉบับที่ 2", "- 27 -",
             "25 ศพซึ่งขุดขึ้นมาจากบริเวณเมืองเก่าในช่วงการก่อสร้างทางรถไฟ", *body,
             "เชิงอรรถ", "1 กรมศิลปากร, รายงานการขุดค้น (2557), หน้า 8."]
    rep = repair_document("\n".join(lines))
    assert [ln.text for ln in rep.lines if "27" in ln.text] == ["- 27 -"]
    assert any(ln.text.startswith("25 ศพซึ่งขุด") for ln in rep.lines)


def test_a_numbered_heading_under_a_paragraphs_last_marker_stays_a_heading() -> None:
    """`…ก่อนหน้า` + `นั้น` + `4` + `บทที่ 3 ชาวนอร์มัน`: the number is the marker that ended the
    paragraph, and the line under it a heading of its own, not the rest of a cut line."""
    full = ["การทูตเชิงดิจิทัลเป็นแนวทางที่สหภาพยุโรปใช้รักษาบทบาทในระดับโลก",
            "และรักษาผลประโยชน์ของประเทศสมาชิกในเวทีระหว่างประเทศทุกระดับ"]
    lines = ["บทที่ 1 การทูตเชิงดิจิทัล", *full, *full, "นั้น", "4", "บทที่ 2 ชาวนอร์มัน", *full, *full,
             "เชิงอรรถ", "4 คณะกรรมาธิการยุโรป, รายงานประจำปี (2566), หน้า 12."]
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    assert [s.title for s in doc.sections] == ["บทที่ 1 การทูตเชิงดิจิทัล", "บทที่ 2 ชาวนอร์มัน"]


def test_a_line_that_closes_a_quotation_after_a_copy_ends_its_paragraph() -> None:
    """`…ในระดับภูมิภาคและทั่วทั่ โลก"` over the heading `จีน: เทคโนโลยี อำนาจ และการทูต`, in a
    text with the habit: a line ended after a copy goes on with the next one only where Thai
    letters end it; a closed quotation may end the paragraph, and the heading stays one."""
    body = ["อุทยานแห่งชาติที่อที่ ยู่ในภาคเหนือเป็นสถานที่ท่ที่ ท่องเที่ยวสำคัญของประเทศ",
            "มีนักท่องเที่ยที่ วเฉลี่ยลี่ ปีละสามล้านคนและได้เป็นมรดกโลกเมื่อปีที่ผ่านมา",
            "ตามรายงานเรื่อง \"ความเปลี่ยนแปลงของหิมะและน้ำแข็งในอดีตและปัจจุบัน",
            "ในระดับภูมิภาคและทั่วทั่ โลก\""]
    lines = ["อุทยานแห่งชาติ", *body, "จีน: เทคโนโลยี อำนาจ และการทูต",
             "ร่วมลงทุนในตลาดจีนและเป็นผลให้บริษัทภายในประเทศจำเป็นต้องลดการพึ่งพา",
             "เทคโนโลยีจากภายนอกรวมไปถึงการที่จีนจำกัดการเข้าถึงตลาดของประเทศอื่น"]
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    assert [s.title for s in doc.sections] == ["อุทยานแห่งชาติ", "จีน: เทคโนโลยี อำนาจ และการทูต"]


def test_a_note_number_ending_a_printed_line_alone_on_its_line_goes_back_onto_it() -> None:
    """Chromium, Garuda, notes listed at the end: pypdfium2 writes a raised note number that ends
    a printed line on a line of its own, the next printed line under it (`… (Religious
    Coalition for ` + `13 ` + `Reproductive Choice …`). Each goes back onto the word it was
    raised over and cites its note; before, five of the document's 23 links were lost."""
    doc = _read("chrome_lone_marker_lines.pdfium.txt")
    cited = {m.n: p.text[:m.pos] for p in doc.paragraphs for m in p.markers}
    assert {13, 14, 16, 17, 18} <= set(cited)
    assert cited[13].endswith("(Religious Coalition for")
    assert cited[16].endswith("เผ่ามิงโก")
    assert sorted(doc.references) == list(range(1, 24))


def test_rests_of_lines_cut_at_markers_go_back_when_the_text_opens_with_its_page_number() -> None:
    """Chromium, Garuda, notes under `Notes`: the text opens with the first page's number alone
    (`5`), which read as a rest's number made the rests' numbers fail to count up, and none went
    back: `13 ครัวเรือน (8.1%) …` and `(0.9%) …` under a lone `14` stood as headings, the
    paragraphs cut at every marker. The text's first lines are a page's top, as after a form feed."""
    raw = (DATA / "chrome_page_number_opens_text.pdfium.txt").read_text(encoding="utf-8")
    assert raw.startswith("5\n") and "\n13 ครัวเรือน (8.1%)" in raw and "\n14\n(0.9%)" in raw
    doc = _read("chrome_page_number_opens_text.pdfium.txt")
    assert [s.title for s in doc.sections] == ["เกาหลีใต้: วัฒนธรรม เทคโนโลยีดิจิทัล และนวัตกรรม", "Martin Luther",
                                               "ความร่วมมือระหว่างประเทศด้านเทคโนโลยี", "เฟรสโน รัฐแคลิฟอร์เนีย"]
    cited = {m.n: p.text[:m.pos] for p in doc.paragraphs for m in p.markers}
    assert cited[9].endswith("ถนนเคียนีย์") and cited[14].endswith("1,388 ครัวเรือน")
    body = _squash(" ".join(p.text for p in doc.paragraphs))
    assert "12,84313ครัวเรือน(8.1%)เป็นคู่รักต่างเพศ" in body  # (a number after digits stays text)
    assert doc.paragraphs[0].page == 5


def test_a_header_over_the_page_number_is_furniture_at_every_page() -> None:
    """Chromium's header template: `บทความปริทัศน์` over `Page 308` at each page's top. Only the
    first line was taken as the running header; `Page 308` then read as a line cut at a note
    number 308 and was joined to the paragraph running across the page (`…มากน้อย Page 308
    แค่ไหน…`)."""
    doc = _read("chrome_header_over_page_number.pypdf.txt")
    body = _squash(" ".join(p.text for p in doc.paragraphs))
    assert "Page" not in body and "ปริทัศน์" not in body
    assert "ได้มากน้อยแค่ไหนภายใต้โลก" in body
    assert [p.page for p in doc.paragraphs] == [307, 307, 308, 308, 309, 309, 310]
    assert sorted(doc.references) == [1, 2, 3, 4, 5, 6]


def test_a_copy_set_away_from_its_cluster_goes() -> None:
    """Loma: the copy of a stacked cluster lands away from it, alone between two spaces, even
    inside a word (`จะไ ตั้ ด้รับการจัดตั้งใน ตั้ เอดินบะระ`); it read into the words around it
    (`จะไตั้ด้รับ`). A cluster alone that is no word, written in a word of the same line too, goes
    in a text with the habit; one the line does not write elsewhere stays for the other rules."""
    raw = (DATA / "chrome_loma_stray_copies.pdfium.txt").read_text(encoding="utf-8")
    assert writes_clusters_twice(raw) and "จะไ ตั้ ด้รับการจัดตั้งใน ตั้ เอดินบะระ" in raw
    body = _squash(" ".join(p.text for p in _read("chrome_loma_stray_copies.pdfium.txt").paragraphs))
    for sound in ("สมัชชาที่ได้รับเลือกตั้งจะได้รับการจัดตั้งในเอดินบะระ", "ชาวสกอตแลนด์ลงคะแนนเสียงให้",
                  "ซึ่งจะจัดขึ้นในวันที่1มีนาคม1979"):
        assert sound in body
    assert not any(s in body for s in ("ไตั้ด้", "ในตั้เอดิน", "สกอตแลนตั้ด์", "แรงกดขึ้ดัน"))
    lex = lexicon()
    assert stray_copies("จะไ ตั้ ด้รับการจัดตั้งใน", lex, Counter()) == "จะไ ด้รับการจัดตั้งใน"
    assert stray_copies("จะไ ตั้ ด้รับการจัดงาน", lex, Counter()) == "จะไ ตั้ ด้รับการจัดงาน"
    assert stray_copies("ในที่นี้ นี้ คือที่นี้", lex, Counter()) == "ในที่นี้ นี้ คือที่นี้"  # (a word)


def test_copies_of_a_letter_with_one_mark_go_in_a_text_with_the_habit() -> None:
    """Waree: pypdfium2 writes again a letter with one mark, not only a stacked cluster
    (`บริษัทษั ก่อสร้าง`, `แนวโน้มน้ ที่`), and a letter with THANTHAKHAT with no space after the
    copy (`ไรน์ไน์หลเข้า`). In a text with the habit the first go as stacked copies do, the space
    right after them their signature; the second only where the dictionary reads the words
    better without the copy. Outside such a text, and as an exact copy, nothing changes."""
    raw = (DATA / "chrome_waree_one_mark_copies.pdfium.txt").read_text(encoding="utf-8")
    assert writes_clusters_twice(raw) and "บริษัทษั ก่อสร้าง" in raw and "ไรน์ไน์หลเข้า" in raw
    body = _squash(" ".join(p.text for p in _read("chrome_waree_one_mark_copies.pdfium.txt").paragraphs))
    for sound in ("การออกแบบและบริษัทก่อสร้าง", "มักมีแนวโน้มที่จะเป็นคนละบริษัทโดยสิ้นเชิง", "สาขาของไรน์ไหลเข้าสู่แม่น้ำวาล"):
        assert sound in body
    assert "ษัทษั" not in body and "ไรน์ไน์" not in body
    lex = lexicon()
    assert repeated_clusters("บริษัทษั ก่อสร้าง", lex, Counter(), twice=True) == "บริษัทก่อสร้าง"
    assert repeated_clusters("บริษัทษั ก่อสร้าง", lex, Counter()) == "บริษัทษั ก่อสร้าง"
    assert repeated_clusters("เมืองฮาร์วาร์ด", lex, Counter(), twice=True) == "เมืองฮาร์วาร์ด"
