"""Structure stage on the shipped article (real repair, real file): headings, references,
pages; plus the plain route and the page-number rules on small real inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.document.inspect import inspect_dict
from rag.document.structure import structure_document, structure_plain, tidy_reference
from rag.repair.text import repair_document

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "corpus" / "tech-diplomacy-th.txt"
DATA = Path(__file__).resolve().parents[1] / "data"

# The article's nine headings (read off the article by hand) and the pages they stand on.
HEADINGS = [
    ("การทูตเชิงเศรษฐกิจ: ภาพรวมในระดับโลก", 1),
    ("โลกเปลี่ยน นโยบายเปลี่ยน: เทคโนโลยีและการแข่งขันในระดับโลก", 4),
    ("สหรัฐอเมริกา: การรักษาความเป็นผู้นำด้านเทคโนโลยี", 5),
    ("จีน: เทคโนโลยี อำนาจ และการทูต", 8),
    ("สหภาพยุโรป: ความท้าทาย อธิปไตยทางเทคโนโลยี และกฎเกณฑ์", 10),
    ("เกาหลีใต้: วัฒนธรรม เทคโนโลยีดิจิทัล และนวัตกรรม", 12),
    ("ญี่ปุ่น: นวัตกรรม การทูต และความร่วมมือ", 13),
    ("ความร่วมมือระหว่างประเทศด้านเทคโนโลยี", 15),
    ("ข้อเสนอแนะต่อไทย", 17),
]


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="session")
def seed_doc():
    return structure_document(repair_document(ARTICLE.read_text(encoding="utf-8")),
                              doc_id="tech-diplomacy-th", title="tech-diplomacy-th")


def test_all_nine_headings_with_their_pages(seed_doc):
    assert [(s.title, s.page) for s in seed_doc.sections] == HEADINGS


def test_the_introduction_is_untitled(seed_doc):
    first = seed_doc.paragraphs[0]
    assert first.section == "" and first.page == 1
    assert first.text.startswith("การทูตเชิงเศรษฐกิจ (economic diplomacy)")


def test_references_have_exactly_the_printed_text(seed_doc):
    gold = json.loads((DATA / "seed_references.json").read_text(encoding="utf-8"))["references"]
    assert sorted(seed_doc.references) == list(range(1, 38))
    wrong = [n for n, text in gold.items() if squash(seed_doc.references[int(n)].text) != squash(text)]
    assert len(wrong) <= 1, wrong


def test_references_are_joined_and_tidied(seed_doc):
    refs = seed_doc.references
    # letter-spaced date, and a URL broken across lines joined without a space
    assert "(2025, February 12)" in refs[12].text
    assert "one-voice-for-americas-foreign-relations/" in refs[12].text
    assert refs[1].text.startswith("เจ้าหน้าที") and refs[1].text.endswith("(ISC Intern)")  # no number
    assert (refs[1].page, refs[2].page, refs[10].page, refs[37].page) == (1, 1, 5, 17)


def test_every_marker_is_carried_into_a_paragraph(seed_doc):
    cited = sorted(m.n for p in seed_doc.paragraphs for m in p.markers)
    assert cited == list(range(2, 38))  # reference 1 (the author note) has no marker
    for p in seed_doc.paragraphs:
        assert all(0 <= m.pos <= len(p.text) for m in p.markers)


def test_no_reference_text_in_the_body(seed_doc):
    gold = json.loads((DATA / "seed_references.json").read_text(encoding="utf-8"))["references"]
    body = squash(" ".join(p.text for p in seed_doc.paragraphs))
    assert "http" not in body
    # 70 characters: the body may name a cited title (reference 10's is 65 characters long)
    leaked = [n for n, ref in gold.items()
              if any(squash(ref)[i:i + 70] in body for i in range(0, max(1, len(squash(ref)) - 69), 10))]
    assert leaked == []


def test_paragraphs_know_their_pages(seed_doc):
    by_start = {p.text[:25]: p for p in seed_doc.paragraphs}
    p = next(p for k, p in by_start.items() if k.startswith("ในเบื้องต้นการศึกษาแนวทาง"))
    assert p.page == 5  # the page after the lone page number "5"
    crossing = [p for p in seed_doc.paragraphs if p.page_starts]
    assert crossing and all(pg == p.page + 1 for p in crossing for _, pg in p.page_starts[:1])


def test_tidy_reference_undoes_justification():
    assert tidy_reference("The White House. ( 2 0 1 9 ,  March 1 5 ) .  Fact") == \
        "The White House. (2019, March 15). Fact"
    assert tidy_reference("Sheets. https://x.gov/fact-sheets/2 025 / 01 / fact-sheet-one/ Next 12 pages") == \
        "Sheets. https://x.gov/fact-sheets/2025/01/fact-sheet-one/ Next 12 pages"


def test_a_url_that_justification_set_apart_after_its_slashes_is_one_url_again():
    # XeLaTeX breaks and stretches a URL after its slashes; extractors write the stretch as spaces
    assert tidy_reference("OECD. (n.d.). Network. https:// www.oecd.org/ en/ networks/semiconductor-network.html") == \
        "OECD. (n.d.). Network. https://www.oecd.org/en/networks/semiconductor-network.html"
    assert tidy_reference("Evidence. https://doi.org/ 10.9547/ genghis-khan.2009") == \
        "Evidence. https://doi.org/10.9547/genghis-khan.2009"
    # a word after a URL that ends with a slash stays a word, and so does Thai text
    assert tidy_reference("https://x.org/ and more") == "https://x.org/ and more"
    assert tidy_reference("See https://a.org/ https://b.org/x") == "See https://a.org/ https://b.org/x"
    assert tidy_reference("https://th.wikipedia.org/wiki/ สืบค้น") == "https://th.wikipedia.org/wiki/ สืบค้น"


def test_a_footer_page_number_names_the_page_it_ends():
    raw = ("ย่อหน้าแรกของหน้านี้ยาวพอสมควรและต่อเนื่องไปจนถึงขอบขวาของหน้ากระดาษ\n"
           "บรรทัดสุดท้ายของหน้า \n\n12\n\n"
           " ย่อหน้าถัดไปอยู่บนหน้าใหม่ซึ่งเป็นหน้าที่สิบสามของเอกสารฉบับนี้ \n")
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    assert [p.page for p in doc.paragraphs] == [12, 13]


def test_pdf_page_breaks_take_the_printed_number():
    # pdf.py's layout: each page headed by its printed number, pages joined by a form feed
    raw = "7\n ย่อหน้านี้เริ่มบนหน้าเจ็ด \n\f\n8\nและจบบนหน้าแปด \n"
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    (p,) = doc.paragraphs
    assert p.page == 7
    assert p.page_starts == [(p.text.index("และจบ"), 8)]


def test_plain_text_and_markdown():
    text = ("# ภาพรวม\n\nปี 2566 มีโครงการ 12 แห่ง\nต่อบรรทัดเดียวกัน\n\n"
            "## รายการ\n- ข้อหนึ่ง\n- ข้อสอง\n\nย่อหน้าสุดท้าย")
    doc = structure_plain(text, doc_id="p", title="ชื่อเรื่อง")
    assert [s.title for s in doc.sections] == ["ภาพรวม", "รายการ"]
    assert [p.text for p in doc.paragraphs] == [
        "ปี 2566 มีโครงการ 12 แห่ง ต่อบรรทัดเดียวกัน", "- ข้อหนึ่ง", "- ข้อสอง", "ย่อหน้าสุดท้าย"]
    assert [p.section for p in doc.paragraphs] == ["ภาพรวม", "รายการ", "รายการ", "รายการ"]
    assert not doc.references and all(not p.markers and p.page is None for p in doc.paragraphs)
    record = structure_plain("ข้อความสะอาด 5G และ G20", doc_id="r1", title="หัวเรื่องของระเบียน")
    assert record.sections == [] and record.paragraphs[0].section == ""


def test_inspect_dict_shape(seed_doc):
    from rag.document.chunking import chunk_document

    chunks = chunk_document(seed_doc)
    out = inspect_dict(seed_doc, chunks)
    assert set(out) == {"sections", "footnotes", "paragraphs", "chunks"}
    assert out["sections"][0] == {"title": HEADINGS[0][0], "page": 1}
    first = seed_doc.paragraphs[0]
    assert out["paragraphs"][0] == {"section": first.section, "page": first.page, "text": first.text,
                                    "markers": [{"n": m.n, "pos": m.pos} for m in first.markers]}
    assert len(out["paragraphs"]) == len(seed_doc.paragraphs)
    marked = next(p for p in out["paragraphs"] if p["markers"])
    assert all(0 <= m["pos"] <= len(marked["text"]) for m in marked["markers"])
    assert out["footnotes"][0] == {"n": 1, "text": seed_doc.references[1].text, "page": 1}
    assert out["chunks"][0]["footnotes"] == chunks[0].footnotes
    assert set(out["chunks"][0]) == {"chunk_id", "section", "page", "text", "footnotes"}
    json.dumps(out, ensure_ascii=False)


def _sections(lines: list[str]) -> list[str]:
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    return [s.title for s in doc.sections]


# Made-up text in a narrow column (pypdf, pypdfium2: no blank lines, no indents): chapter
# headings in large type fill the column, and one follows a paragraph whose last line ran near
# the margin.
NARROW_CHAPTERS = [
    "บทที่ 1 ประวัติหมู่บ้าน",
    "หมู่บ้านริมแม่น้ำแห่งนี้ตั้งขึ้นเมื่อ",
    "ราวสองร้อยปีก่อน โดยกลุ่มชาวประมง",
    "ที่อพยพมาจากทางใต้ของประเทศ",
    "และได้สร้างบ้านเรือนริมตลิ่งด้วยไม้",
    "ไผ่และหลังคามุงด้วยใบจากทั้งหมด",
    "บทที่ 2 อาชีพของชาวบ้าน",
    "ชาวบ้านส่วนใหญ่ทำการประมงและปลูก",
    "ผักริมแม่น้ำในฤดูแล้ง ส่วนในฤดูฝน",
    "จะทำนาข้าวในที่ราบลุ่ม",
    "บทที่ 3 ประเพณีของชุมชน",
    "ทุกปีชาวบ้านจะจัดงานบุญใหญ่ที่วัด",
    "ประจำหมู่บ้าน มีการแข่งเรือและการ",
    "แสดงพื้นบ้านตลอดทั้งสามวันสามคืน",
]


def test_numbered_headings_count_on_through_the_document():
    """Where some numbered headings read as headings by their layout, the next numbers in the
    same style are headings too, though the line above ran near the margin."""
    assert _sections(NARROW_CHAPTERS) == ["บทที่ 1 ประวัติหมู่บ้าน", "บทที่ 2 อาชีพของชาวบ้าน",
                                          "บทที่ 3 ประเพณีของชุมชน"]


def test_a_first_numbered_heading_too_wide_for_one_opens_the_count():
    """A long first heading in large type runs as wide as a full line (`1. การค้า…ของภูมิภาค`),
    wider than a heading may be, and the last heading follows a paragraph whose last line ran
    near the margin: where the numbers count on from 2 through the document, text between them,
    the line numbered 1 before them is the first heading, and each of the count is one."""
    paragraph = [
        "การค้าระหว่างประเทศของภูมิภาคนี้ขยายตัวอย่างต่อเนื่องตลอดทศวรรษที่ผ่านมา",
        "โดยมีสินค้าเกษตรและอุตสาหกรรมเบาเป็นสินค้าส่งออกหลักของหลายประเทศใน",
        "กลุ่ม และมีการลงนามความตกลงการค้าเสรีหลายฉบับระหว่างประเทศสมาชิก",
    ]
    lines = ["1. การค้าระหว่างประเทศ: ความท้าทาย อำนาจต่อรอง และกฎเกณฑ์ใหม่ของภูมิภาค", *paragraph,
             "2. การศึกษา", *paragraph, "3. การท่องเที่ยว", *paragraph, "4. สิ่งแวดล้อมและพลังงาน", *paragraph]
    assert _sections(lines) == ["1. การค้าระหว่างประเทศ: ความท้าทาย อำนาจต่อรอง และกฎเกณฑ์ใหม่ของภูมิภาค",
                                "2. การศึกษา", "3. การท่องเที่ยว", "4. สิ่งแวดล้อมและพลังงาน"]
    # without a line numbered 1 before the count, nothing is added to it
    assert "1. การค้าระหว่างประเทศ" not in " ".join(_sections(lines[1:]))


def test_numbered_headings_too_wide_for_one_count_with_the_narrow_ones():
    """In a narrow column, long headings in large type run as wide as a full line (`๑. …`,
    `๒. …`) and the next follows a paragraph whose last line ran near the margin (`๔. …`): where
    two or more of a count from 1 are narrow enough for a heading, the count runs through the
    wide ones, each a heading. A bare number opens running text as often (`10 ปี …`), and a line
    wider than a full one is a heading run into its text: neither joins a count."""
    paragraph = [
        "การค้าระหว่างประเทศของภูมิภาคนี้ขยายตัวอย่างต่อเนื่องตลอดทศวรรษที่ผ่านมา",
        "โดยมีสินค้าเกษตรและอุตสาหกรรมเบาเป็นสินค้าส่งออกหลักของหลายประเทศใน",
        "กลุ่ม และมีการลงนามความตกลงการค้าเสรีหลายฉบับระหว่างประเทศสมาชิกอย่างต่อเนื่อง",
    ]
    first = "๑. การค้าระหว่างประเทศ: ความท้าทาย อำนาจต่อรอง และกฎเกณฑ์ใหม่ของภูมิภาค"
    second = "๒. การศึกษาและแรงงาน: ทักษะใหม่ การย้ายถิ่น และความร่วมมือข้ามพรมแดน"
    lines = [first, *paragraph, second, *paragraph, "๓. การท่องเที่ยว", *paragraph, "๔. สิ่งแวดล้อม",
             *paragraph]
    assert _sections(lines) == [first, second, "๓. การท่องเที่ยว", "๔. สิ่งแวดล้อม"]
    bare = [line.replace("๑. ", "๑ ").replace("๒. ", "๒ ").replace("๓. ", "๓ ").replace("๔. ", "๔ ")
            for line in lines]
    assert not {first[3:], second[3:]} & {t[2:] for t in _sections(bare)}
    run_in = [first + " โดยมีสินค้าเกษตร", *lines[1:]]  # a heading run into its paragraph's first line
    assert not any(t.startswith("๑.") for t in _sections(run_in))


def test_bullets_and_rows_of_figures_are_no_headings():
    """A bulleted list and a table's rows, copied out of a PDF, stand on short lines of their
    own as headings do: they are running text, not section titles; a list's numbers that touch
    their items (`1.ระยะสั้น`, as LibreOffice's numbering comes out) count as numbers, so a list
    of them one to a line is no heading either."""
    paragraph = [
        "การค้าระหว่างประเทศของภูมิภาคนี้ขยายตัวอย่างต่อเนื่องตลอดทศวรรษที่ผ่านมา",
        "โดยมีสินค้าเกษตรและอุตสาหกรรมเบาเป็นสินค้าส่งออกหลักของหลายประเทศ",
        "ในกลุ่ม",
    ]
    lines = [*paragraph, "• การลดภาษีศุลกากรสำหรับสินค้าเกษตร", "• การอำนวยความสะดวกทางการค้า",
             *paragraph, "จีน 1,234,567 2,345,678", "ญี่ปุ่น 987,654 876,543", *paragraph,
             "1.ระยะสั้น: ปรับปรุงกฎระเบียบ", "2.ระยะกลาง: พัฒนาโครงสร้างพื้นฐาน", *paragraph]
    assert _sections(lines) == []


def test_numbered_headings_whose_numbers_touch_their_titles():
    """LibreOffice's heading numbering copied out of its PDF: `1.บทนำ`, the tab gone."""
    paragraph = [
        "การค้าระหว่างประเทศของภูมิภาคนี้ขยายตัวอย่างต่อเนื่องตลอดทศวรรษที่ผ่านมา",
        "โดยมีสินค้าเกษตรและอุตสาหกรรมเบาเป็นสินค้าส่งออกหลักของหลายประเทศใน",
        "กลุ่ม และมีการลงนามความตกลงการค้าเสรีหลายฉบับระหว่างประเทศสมาชิกอย่างต่อเนื่อง",
    ]
    lines = ["1.บทนำ", *paragraph, "2.การศึกษา", *paragraph, "3.การท่องเที่ยว", *paragraph]
    assert _sections(lines) == ["1.บทนำ", "2.การศึกษา", "3.การท่องเที่ยว"]


def test_a_numbered_list_inside_a_paragraph_is_no_heading():
    lines = [
        "มาตรการที่รัฐบาลเสนอมีสามด้านหลักที่ต้องดำเนินการพร้อมกันในปีงบประมาณนี้ ได้แก่",
        "1. การลดภาษีสินค้าเกษตร",
        "2. การสนับสนุนเงินกู้ดอกเบี้ยต่ำ",
        "3. การพัฒนาระบบชลประทาน",
        "ซึ่งทั้งสามด้านนี้ต้องได้รับการอนุมัติจากคณะรัฐมนตรีก่อนสิ้นเดือนมีนาคมของปีหน้า",
        "และจะมีการรายงานผลการดำเนินงานต่อสาธารณะทุกไตรมาสจนกว่าจะสิ้นสุดโครงการ",
    ]
    assert _sections(lines) == []


def test_a_wrapped_heading_is_one_section_but_a_title_above_a_heading_is_not_part_of_it():
    para = [
        "ชุมชนริมแม่น้ำแห่งนี้มีประวัติยาวนานกว่าสองร้อยปี ชาวบ้านส่วนใหญ่",
        "ทำการประมงและเกษตรกรรมซึ่งสืบทอดกันมาหลายชั่วอายุคนจนถึงปัจจุบัน",
        "และยังคงรักษาประเพณีท้องถิ่นไว้อย่างเหนียวแน่นตลอดหลายสิบปีที่ผ่าน",
        "มาแม้ว่าจะมีการเปลี่ยนแปลงทางเศรษฐกิจและสังคมเกิดขึ้นอย่างรวดเร็ว",
        "ในภูมิภาคนี้",
    ]
    lines = ["รายงานการศึกษาเรื่องชุมชนริมน้ำ", "1. ประวัติศาสตร์และพัฒนาการ", "ของชุมชนริมแม่น้ำ", *para,
             "2. เศรษฐกิจของชุมชน", *para]
    assert _sections(lines)[-2:] == ["1. ประวัติศาสตร์และพัฒนาการของชุมชนริมแม่น้ำ", "2. เศรษฐกิจของชุมชน"]


def test_a_short_line_that_opens_a_clause_is_no_heading_though_nothing_sets_it_off():
    """A piece of running text on a line of its own (pdfminer.six sets each box apart, so no
    blank line tells; dev01's `โดยใน` after a page break, before `ประเทศไทย ถ้าปีใดมีเดือน 8`):
    a title opens no clause (`โดย`, `ซึ่ง`, `และ`), set off or not."""
    para = [
        "ชุมชนริมแม่น้ำแห่งนี้มีประวัติยาวนานกว่าสองร้อยปี ชาวบ้านส่วนใหญ่",
        "ทำการประมงและเกษตรกรรมซึ่งสืบทอดกันมาหลายชั่วอายุคนจนถึงปัจจุบัน",
        "และยังคงรักษาประเพณีท้องถิ่นไว้อย่างเหนียวแน่นตลอดหลายสิบปีที่ผ่าน",
        "มาแม้ว่าจะมีการเปลี่ยนแปลงทางเศรษฐกิจและสังคมเกิดขึ้นอย่างรวดเร็ว",
    ]
    lines = ["1. ประวัติศาสตร์ของชุมชน", *para, "ในภูมิภาคนี้", "โดยเฉพาะในปีที่ผ่านมา", *para]
    assert _sections(lines) == ["1. ประวัติศาสตร์ของชุมชน"]
