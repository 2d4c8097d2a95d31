"""The repair stage: each rule of CONVENTIONS.md on synthetic cases of its own (including cases
that must not change), the page layout (footnote blocks, page numbers, page breaks), markers as
data, and the shipped seed article end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_rag

from rag.document.structure import structure_document
from rag.repair.text import Marker, repair_document, repair_lines, repair_query

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE = Path(__file__).resolve().parents[2] / "corpus" / "tech-diplomacy-th.txt"


def squash(s: str) -> str:
    return "".join(s.split())


# --- rule 1: SARA AM --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ก าหนด", "กำหนด"),
        ("ท างาน", "ทำงาน"),
        ("ต่ า", "ต่ำ"),  # the tone keeps its place before SARA AM
        ("น้ าเงิน", "น้ำเงิน"),
        ("ก\u0e4dา", "กำ"),  # decomposed: nikhahit + SARA AA
        ("ต\u0e48\u0e4dา", "ต่ำ"),
        ("ต\u0e4d\u0e48า", "ต่ำ"),
    ],
)
def test_sara_am_is_restored(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


@pytest.mark.parametrize("clean", ["การทำงาน", "น้ำตา", "นำมา", "ค่าใช้จ่าย"])
def test_sara_aa_and_sara_am_in_clean_text_stay(clean: str) -> None:
    assert repair_query(clean) == clean


def test_space_before_sara_aa_is_read_by_the_dictionary() -> None:
    # a spurious space before SARA AA: `กำรทูต` is no word, `การทูต` is
    assert repair_query("ก ารทูต") == "การทูต"


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("เรียงล าดบัความสำคัญ", "เรียงลำดับความสำคัญ"),  # `ลาด|บั` read better than `ลำ|ดบั`
        ("มีการบ าเพญ็ประโยชน์", "มีการบำเพ็ญประโยชน์"),
    ],
)
def test_sara_am_is_chosen_on_the_word_with_its_slid_mark_put_back(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed
    assert repair_query("ก ารทูต") == "การทูต"  # SARA AA still wins where it reads as words


# --- rule 2: tone mark before an upper vowel --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [("ท้ัง", "ทั้ง"), ("ช่ือ", "ชื่อ"), ("ด่ืม", "ดื่ม"), ("พันธ์ุ", "พันธุ์"), ("ก่ำ", "ก่ำ"), ("กา่ง", "ก่าง")],
)
def test_tone_goes_after_its_vowel(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


@pytest.mark.parametrize("clean", ["ทั้ง", "ชื่อ", "กุ้ง", "สิทธิ์", "ก็"])
def test_marks_in_logical_order_stay(clean: str) -> None:
    assert repair_query(clean) == clean


def test_typo_thanthakhat_before_mai_han_akat_is_left_as_written() -> None:
    # `น์ั` is no extraction damage: moving the marks would not make it right (rule 9)
    assert repair_query("ไรน์ัลันท์") == "ไรน์ัลันท์"


# --- rule 3: misplaced vowels -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ภูมภิาค", "ภูมิภาค"),
        ("สหรัฐอเมรกิา", "สหรัฐอเมริกา"),
        ("รายละเอยีดเพิ่มเติม", "รายละเอียดเพิ่มเติม"),
        ("เจ้าหน้าทีป่ฏิบัตกิาร", "เจ้าหน้าที่ปฏิบัติการ"),  # two marks slid in one word
        ("โยอจิิโระ", "โยอิจิโระ"),  # the same vowel twice on one letter, the one before bare
        ("ทวิภาค ีและ", "ทวิภาคี และ"),  # a vowel on the wrong side of a space
        # onto a bare letter, making one of the commonest one-syllable words
        ("บริษัทนี้มพีนักงานมาก", "บริษัทนี้มีพนักงานมาก"),
        ("เขามคีวามรู้เรื่องนี้", "เขามีความรู้เรื่องนี้"),
        ("ทุกคนมสีิทธิ์", "ทุกคนมีสิทธิ์"),
    ],
)
def test_slid_vowels_go_back(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


@pytest.mark.parametrize(
    "clean",
    # transliterated names the dictionary does not know: moving a mark would make them read as
    # strings of short words, which is no evidence of damage
    ["เดวิด สมิธ", "วิลคี", "บานคี-มุน", "เพิร์ลแจม", "แซทเทิร์น", "ดิดิเยร์", "ประเทศอินโดนีเซีย",
     "ทอมคีรูซ", "นายมคีลเลน", "มิลลิง"],
)
def test_names_keep_their_marks(clean: str) -> None:
    assert repair_query(clean) == clean


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        # THANTHAKHAT silences its letter, which then cannot carry SARA AA
        ("ความสัมพันธท์างการค้า", "ความสัมพันธ์ทางการค้า"),
        # MAITAIKHU is closed by a consonant: `จ็ะ` is no spelling
        ("กจ็ะไป", "ก็จะไป"),
        # MAI HAN-AKAT is closed by the next consonant, which cannot take a lead vowel after it...
        ("ทำเองกนัเอง", "ทำเองกันเอง"),
        # ...nor open a syllable with SARA AA
        ("สญัญาเช่า", "สัญญาเช่า"),
        # one vowel to a letter: no SARA AA after SARA II
        ("ดอกไม้สขีาว", "ดอกไม้สีขาว"),
        # SARA IA puts SARA II on its first letter, not on the YO YAK
        ("พวกเขาเรยีนหนังสือ", "พวกเขาเรียนหนังสือ"),
    ],
)
def test_marks_where_thai_spelling_never_puts_them_go_back(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


def test_slid_thanthakhat_goes_back_where_the_dictionary_reads_words() -> None:
    assert repair_query("สถานการณป์ัจจุบัน") == "สถานการณ์ปัจจุบัน"
    assert repair_query("ภาพยนตรก์ว่า") == "ภาพยนตร์กว่า"  # back across a word's end


@pytest.mark.parametrize("name", ["ซูเปอร์โบวล์", "ซูเปอร์โบวล์ครั้งที่ 52", "แชมป์ซูเปอร์โบวล์ต่อจาก"])
def test_thanthakhat_inside_a_name_is_not_moved_to_the_dictionary_spelling(name: str) -> None:
    """The dictionary lists `ซูเปอร์โบว์ล`; `ซูเปอร์โบวล์` is a spelling in use (clean iApp
    text), not damage: off a spelling fault THANTHAKHAT moves only back across a word's end."""
    assert repair_query(name) == name


@pytest.mark.parametrize(
    "clean",
    [
        "เขาก็มา", "ก็", "ช็อกโกแลต", "เหล็กกล้า", "เสด็จ", "ผัวะ",  # MAITAIKHU and MAI HAN-AKAT where they belong
        "แกนดัล์ฟ", "ฮาร์ตฟอร์ด", "แลนด์มาร์ก",  # names with THANTHAKHAT
        "สจ็วต",  # a name whose MAITAIKHU no move makes regular: left as written
        "เหยียดหยาม", "เขยียว",  # HO HIP leads the YO YAK; a dictionary word
        "ทะเลยี่สิบแห่ง",  # a word ending in SARA E, then one starting with YO YAK + SARA II
    ],
)
def test_regular_spellings_and_names_keep_their_marks(clean: str) -> None:
    assert repair_query(clean) == clean


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ไปกินข้าวที่วั ดใกล้บ้าน", "ไปกินข้าวที่วัดใกล้บ้าน"),  # closed past the space: only the space is damage
        ("สญั ญาเช่า", "สัญญาเช่า"),  # the letter past the space opens a syllable: the mark slid too
    ],
)
def test_a_mark_before_a_spurious_space_is_judged_with_what_follows_it(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


def test_mai_han_akat_at_a_line_end_may_be_closed_by_the_next_line() -> None:
    # a line may end inside a word: its closing consonant opens the next line
    assert repair_lines(["เขาเป็นเด็กนั", "กเรียน"]) == ["เขาเป็นเด็กนั", "กเรียน"]


def test_a_name_elsewhere_in_the_phrase_does_not_veto_a_repair() -> None:
    # the unknown name is far from the move: the words around it are what count
    assert repair_query("นายแซกคาไรอัสซึ่งมพีรรคพวก") == "นายแซกคาไรอัสซึ่งมีพรรคพวก"
    assert repair_query("นายแซกคาไรอัสเดินทางไปกับทมีงาน") == "นายแซกคาไรอัสเดินทางไปกับทีมงาน"


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ประธานแหง่สาธารณรัฐ", "ประธานแห่งสาธารณรัฐ"),  # a misprint the dictionary itself lists
        ("วงของกอสซาร์ดเล่นตั้งแตว่งเล็ก", "วงของกอสซาร์ดเล่นตั้งแต่วงเล็ก"),  # a name two pieces off
        ("คุณเคลลี่ตามหาลกูสาว", "คุณเคลลี่ตามหาลูกสาว"),  # a lone letter that may close `หาล`
        ("ทีมของเขาชนะเลศิการแข่งขัน", "ทีมของเขาชนะเลิศการแข่งขัน"),
    ],
)
def test_a_misprint_between_shared_word_boundaries_goes_back(raw: str, fixed: str) -> None:
    # the pieces the move touches turn into known, far likelier words; the rest reads the same
    assert repair_query(raw) == fixed


@pytest.mark.parametrize(
    "clean", ["ร้านหนมจีนน้ำยา", "คอมมิวนิตีชีลด์", "บรูตุส", "จอห์น สมิธ", "เขาพูดว่าหนิ"]
)
def test_a_mark_leaving_a_known_syllable_for_a_lone_letter_stays(clean: str) -> None:
    # `หน|ม|จีน` -> `หน|มี|จน`, `ว|นิ` -> `วิน`, `บ|รู` -> `บูร`: short words a name's letters
    # make by accident; `หนิ` -> `หิน` is likelier, but not by enough to call `หนิ` a misprint
    assert repair_query(clean) == clean


@pytest.mark.parametrize("clean", ["ฮูดี้", "ลูซี่", "นายรูดี้", "เพื่อนชื่อกูดี้"])
def test_a_tone_after_its_letters_vowel_stays(clean: str) -> None:
    # `ดี้` is in logical order: a slid tone lands right after the next letter (`ทีป่ฏิ`), so
    # moving this one back only makes words of a name (`กู้|ดี`, `ลู่|ซี`)
    assert repair_query(clean) == clean
    assert repair_query("ทีป่ฏิบัติ") == "ที่ปฏิบัติ"


@pytest.mark.parametrize("clean", ["นครแห่งกัสตีล", "ของเล่นโมเดลกันพลา"])
def test_a_mark_does_not_land_on_a_known_words_final_to_open_a_syllable(clean: str) -> None:
    # `แห่ง|กัส` -> `แห่|งัก|สตีล`: the known word before the name loses its final letter
    assert repair_query(clean) == clean
    # a two-letter scrap the segmenter makes around damage is no such word (`กา|รร|กุ`)
    assert repair_query("การการรกุทาง") == "การการรุกทาง"


@pytest.mark.parametrize(
    ("word", "pos", "stranded"),
    [
        ("กับทมี", 3, True),  # after a closed syllable: ท must open one, and cannot alone
        ("ทมี", 0, True),
        ("ในรปู", 2, True),  # SARA AI's syllable takes no final
        ("มาวรี", 2, False),  # may close `มาว`
        ("ลีนดิ", 2, False),  # may close `ลีน`
        ("เลข", 2, False),  # may close a lead vowel's syllable
    ],
)
def test_a_lone_consonant_is_stranded_only_where_it_cannot_close_a_syllable(word: str, pos: int, stranded: bool) -> None:
    from rag.repair.vowels import stranded as is_stranded

    assert is_stranded(word, pos) is stranded


# --- rule 5: letter-spaced runs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ส า เ ร็ จ", "สำเร็จ"),  # SPACE + SARA AA is a lost SARA AM here...
        ("ก า ร ท ำ ง า น", "การทำงาน"),  # ...and a plain SARA AA here: only a dictionary can tell
        ("เ ศ ร ษ ฐ กิ จ ข อ ง ป ร ะ เ ท ศ", "เศรษฐกิจของประเทศ"),
        ("มี ส า ร ะ ส า คั ญ คื อ", "มีสาระสำคัญคือ"),
    ],
)
def test_letter_spaced_runs_collapse(raw: str, fixed: str) -> None:
    assert squash(repair_query(raw)) == fixed


def test_short_words_between_spaces_are_not_a_letter_spaced_run() -> None:
    assert repair_query("ต่าง ๆ ที่ ณ กรุงเทพ") == "ต่าง ๆ ที่ ณ กรุงเทพ"


# --- rule 6: spaces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("ประเท ศ", "ประเทศ"),
        ("ดั งนั้ นข้ อ", "ดังนั้นข้อ"),
        ("( 3)", "(3)"),
        ("( ICT)  ดังนั้น", "(ICT) ดังนั้น"),
        ("  ก   ข  ", "ก ข"),
    ],
)
def test_spurious_spaces_go(raw: str, fixed: str) -> None:
    assert repair_query(raw) == fixed


def test_spaces_between_whole_words_stay() -> None:
    assert repair_query("ความสามารถ ในการแข่งขัน ทางเศรษฐกิจ") == "ความสามารถ ในการแข่งขัน ทางเศรษฐกิจ"


@pytest.mark.parametrize("clean", ["ในเดือนกันยายน ค.ศ. 2015 กระทรวง", "เมื่อเดือนกันยายน พ.ศ. 2561",
                                   "ผู้ว่าราชการ จ.เชียงใหม่", "บรรยายโดย ดร.สมชาย"])
def test_the_space_before_an_abbreviation_stays(clean: str) -> None:
    # `พ|.ศ.` once read as a letter cut off `กันยายน` and was glued to it (`กันยายนค.ศ.`)
    assert repair_query(clean) == clean


def test_letter_spaced_dates_join_in_references() -> None:
    rep = repair_document("body\n" + "_" * 20 + "\n12 The White House. ( 2 0 2 5 ,  February 1 2 ) . Fact Sheet")
    assert rep.lines[2].note == 12
    assert rep.lines[2].text.startswith("The White House. (2025 , February 12) .")


# --- rule 7: private-use glyphs, controls -----------------------------------------------------


def test_symbol_font_bullet_goes_and_legacy_font_marks_are_mapped() -> None:
    assert repair_query("\uf0b7 มองไทย") == "มองไทย"
    assert repair_query("ก\uf70bอน") == "ก้อน"  # shifted-down MAI THO
    assert repair_query("ท\uf702\uf70aสุด") == "ที่สุด"  # shifted-left SARA II, shifted-down MAI EK


def test_controls_and_zero_width_characters_are_stripped() -> None:
    assert repair_query("ผู้\u200bคน\x07 a\u00a0b") == "ผู้คน a b"


# --- rule 4: footnote markers -----------------------------------------------------------------


def _markers(text: str) -> tuple[list[str], list[list[tuple[int, int]]]]:
    rep = repair_document(text)
    return [ln.text for ln in rep.lines], [[(m.n, m.pos) for m in ln.markers] for ln in rep.lines]


def test_markers_glued_after_a_word_or_bracket_are_taken_as_data() -> None:
    texts, marks = _markers("ด้านนโยบาย4 จึงกล่าวได้ว่า\nองค์การการค้าโลก (WTO)9 โดยมีสมาชิก")
    assert texts == ["ด้านนโยบาย จึงกล่าวได้ว่า", "องค์การการค้าโลก (WTO) โดยมีสมาชิก"]
    assert marks == [[(4, len("ด้านนโยบาย"))], [(9, len("องค์การการค้าโลก (WTO)"))]]


def test_marker_inside_a_syllable() -> None:
    texts, marks = _markers("ความร่วมมือกับแม1่2 โดยตรง")
    assert texts == ["ความร่วมมือกับแม่ โดยตรง"]
    assert marks == [[(12, len("ความร่วมมือกับแม่"))]]


def test_count_before_a_classifier_stays_and_the_marker_after_it_goes() -> None:
    texts, marks = _markers("ได้จัดตั้งสำนักงานจำนวน 12 แห่ง7 ทั่วประเทศ")
    assert texts == ["ได้จัดตั้งสำนักงานจำนวน 12 แห่ง ทั่วประเทศ"]
    assert marks == [[(7, len("ได้จัดตั้งสำนักงานจำนวน 12 แห่ง"))]]


@pytest.mark.parametrize(
    ("raw", "fixed", "n"),
    [
        # a Thai date reads day, month, era, year: a number before the era is not the year
        ("ลงนามเมื่อ 3 กันยายน 14 พ.ศ. 2561 ที่กรุงเทพฯ", "ลงนามเมื่อ 3 กันยายน พ.ศ. 2561 ที่กรุงเทพฯ", 14),
        ("เริ่มบังคับใช้ในปี8 ค.ศ. 2020 เป็นต้นมา", "เริ่มบังคับใช้ในปี ค.ศ. 2020 เป็นต้นมา", 8),
        # a taker of numbers that counts the number before it ("12 ปี") takes no label after it
        ("ความร่วมมือยาวนาน 12 ปี5 ระหว่างสองประเทศ", "ความร่วมมือยาวนาน 12 ปี ระหว่างสองประเทศ", 5),
    ],
)
def test_markers_where_grammar_leaves_no_room_for_a_number(raw: str, fixed: str, n: int) -> None:
    texts, marks = _markers(raw)
    assert texts == [fixed] and [m[0] for m in marks[0]] == [n]


@pytest.mark.parametrize(
    "clean",
    [
        "ในปี1788 มีการประชุม",
        "ในรัชกาลที่ 5 พ.ศ. 2411 มีการปฏิรูป",
        "มีอายุ 20 ปี 6 เดือน",
        "นักเรียนชั้น ม. 2 ห้อง 3 ทั้งหมด",
        "ประชุมครั้งที่ 2 ในปี 2565",
        "เทคโนโลยี 5G และกลุ่ม G20 รวมถึง Industry 4.0 ในปัจจุบัน",
        "ตามมาตรา 9 ของรัฐธรรมนูญ",
        "การปฏิวัติอุตสาหกรรมครั้งที่ 4",
        "มีสมาชิก 24 ราย",
        "อัตราส่วน 20 ต่อ 1 โดยประมาณ",
        "ราคาประมาณ340 ไมล์",
        "ทำ 2 คะแนนในช่วงท้าย",
        "(n + 1)2 สำหรับจำนวนเต็ม",
    ],
)
def test_real_numbers_stay(clean: str) -> None:
    assert repair_lines([clean]) == [clean]


def test_marker_after_paiyannoi_is_taken() -> None:
    # PAIYANNOI closes an abbreviation as a letter closes a word: a number glued to it is a marker
    assert repair_lines(["ค่าใช้จ่ายอยู่ที่ 4.0 เหรียญสหรัฐฯ7 ในปีนั้น"]) == ["ค่าใช้จ่ายอยู่ที่ 4.0 เหรียญสหรัฐฯ ในปีนั้น"]
    assert repair_lines(["ย้ายไปอยู่กรุงเทพฯ 2 ปี"]) == ["ย้ายไปอยู่กรุงเทพฯ 2 ปี"]


def test_era_closing_the_line_still_says_the_year_comes_next() -> None:
    # `ปี8 พ.ศ.` + `2490`: the year is on the next line, so 8 cannot be the year
    lines = ["ชาวบ้านขึ้นไปบนเขาตั้งแต่ปี8 พ.ศ.", "2490 เป็นต้นมา"]
    assert repair_lines(lines) == ["ชาวบ้านขึ้นไปบนเขาตั้งแต่ปี พ.ศ.", "2490 เป็นต้นมา"]
    assert repair_lines(["ตั้งแต่ปี 2490 เป็นต้นมา"]) == ["ตั้งแต่ปี 2490 เป็นต้นมา"]


@pytest.mark.parametrize("date", ["ชกครั้งแรกเมื่อ 2 เมษายน พ.ศ. 2540", "เปิดใช้งานเมื่อ 2 ธ.ค. 2502"])
def test_day_before_a_month_stays_even_inside_a_run_of_markers(date: str) -> None:
    # 1 < 2 < 3 would make a neat ascending run, but a number before a month is a day
    lines = ["นโยบายของสหรัฐอเมริกา1", date, "ความยั่งยืน3"]
    assert repair_lines(lines) == ["นโยบายของสหรัฐอเมริกา", date, "ความยั่งยืน"]


def test_markers_ascend_across_lines() -> None:
    # in lines mode each line is repaired alone, but the ascending order of markers runs on
    lines = ["นโยบายของสหรัฐอเมริกา15", "ความยั่งยืน23", "ราคา 5 บาท"]
    assert repair_lines(lines) == ["นโยบายของสหรัฐอเมริกา", "ความยั่งยืน", "ราคา 5 บาท"]


def test_spaced_number_closing_a_line_that_runs_on_is_a_number() -> None:
    """Rule 8: a line that ends without a space goes on in the next, so a number set off at its
    end opens the next phrase (`ลูกชาย 2` + `คน`), while the same number where the line really
    ends (a trailing space, the last line) still reads as a marker in its ascending run."""
    runs_on = ["นโยบายของสหรัฐอเมริกา1", "โดยมีลูกชาย 2", "คนและลูกสาวอีกหนึ่งคน"]
    assert repair_lines(runs_on) == ["นโยบายของสหรัฐอเมริกา", "โดยมีลูกชาย 2", runs_on[2]]
    ends = ["นโยบายของสหรัฐอเมริกา1", "แห่งชาติของสหรัฐอเมริกา 2 ", "การทูตเชิงเศรษฐกิจของจีน"]
    assert repair_lines(ends) == ["นโยบายของสหรัฐอเมริกา", "แห่งชาติของสหรัฐอเมริกา", ends[2]]
    last = ["นโยบายของสหรัฐอเมริกา1", "แห่งชาติของสหรัฐอเมริกา 2"]
    assert repair_lines(last) == ["นโยบายของสหรัฐอเมริกา", "แห่งชาติของสหรัฐอเมริกา"]
    # glued to the word it follows, a number at a line's end is a marker whatever comes next
    glued = ["นโยบายของสหรัฐอเมริกา1", "ความร่วมมือทางเศรษฐกิจ2", "และการค้าระหว่างประเทศ"]
    assert repair_lines(glued) == ["นโยบายของสหรัฐอเมริกา", "ความร่วมมือทางเศรษฐกิจ", glued[2]]


def test_the_number_of_a_list_item_touching_its_text_stays() -> None:
    """A numbered list copied out of a LibreOffice PDF: its numbering and tab come out as `1.`
    touching the item's text. Opening a line, after a line it could continue, it numbers the
    item as `2. ป่าฝน` does: no marker (it was cut as one, and the number lost)."""
    texts, marks = _markers("มาตรการหลักมีดังนี้\n1.ระยะสั้น: ปรับปรุงกฎระเบียบ\n2)ระยะกลาง: พัฒนาโครงสร้างพื้นฐาน")
    assert texts[1:] == ["1.ระยะสั้น: ปรับปรุงกฎระเบียบ", "2)ระยะกลาง: พัฒนาโครงสร้างพื้นฐาน"]
    assert marks == [[], [], []]


def test_spaced_marker_needs_the_footnote_block_as_evidence() -> None:
    doc = "ความร่วมมือกับญี่ปุ่น 6 โดยเฉพาะด้านเทคโนโลยี\n" + " " * 43 + "\n6 Author, A. (2020). Title.\n"
    rep = repair_document(doc)
    assert rep.lines[0].text == "ความร่วมมือกับญี่ปุ่น โดยเฉพาะด้านเทคโนโลยี"
    assert rep.lines[0].markers == [Marker(6, len("ความร่วมมือกับญี่ปุ่น"))]
    # without it, a lone spaced number is a number
    assert repair_lines(["ความร่วมมือกับญี่ปุ่น 6 โดยเฉพาะ"]) == ["ความร่วมมือกับญี่ปุ่น 6 โดยเฉพาะ"]


def test_query_repair_keeps_digits() -> None:
    assert repair_query("ใต3้3 กับนโยบาย4") == "ใต้33 กับนโยบาย4"


# --- layout: footnote blocks, page numbers, page breaks, rule 8 -------------------------------

PDF_LIKE = "\n".join(
    [
        "1",
        "หัวข้อแรก",
        " การทูตเชิงเทคโนโลยีเป็นเครื่องมือสำคัญ1 ของ",
        "นโยบายต่างประเทศ",
        "_" * 20,
        "1 Author, A. (2020). A title that runs on",
        "to a second line.",
        "\f",
        "2",
        " ย่อหน้าที่สองของเอกสาร2",
        "_" * 20,
        "2 ดูรายละเอียดเพิ่มเติมใน Book.",
        "\f",
        "3",
        "หน้าสุดท้ายไม่มีเชิงอรรถ",
    ]
)


def test_pdf_text_pages_notes_and_markers() -> None:
    rep = repair_document(PDF_LIKE)
    kinds = [ln.kind for ln in rep.lines]
    assert kinds == [
        "page", "body", "body", "body", "separator", "note", "note", "pagebreak",
        "page", "body", "separator", "note", "pagebreak", "page", "body",
    ]
    assert [ln.page for ln in rep.lines if ln.kind in ("page", "pagebreak")] == [1, 2, 2, 3, 3]
    assert [(ln.note, ln.text) for ln in rep.lines if ln.kind == "note"] == [
        (1, "Author, A. (2020). A title that runs on"),
        (None, "to a second line."),
        (2, "ดูรายละเอียดเพิ่มเติมใน Book."),
    ]
    assert rep.lines[2].markers == [Marker(1, len("การทูตเชิงเทคโนโลยีเป็นเครื่องมือสำคัญ"))]
    assert rep.lines[9].markers == [Marker(2, len("ย่อหน้าที่สองของเอกสาร"))]
    assert rep.lines[2].indent and not rep.lines[3].indent
    assert rep.lines[2].joins_with_space is False  # `ของ|นโยบาย` continues
    assert repair_lines(PDF_LIKE.split("\n"))[:3] == ["", "หัวข้อแรก", "การทูตเชิงเทคโนโลยีเป็นเครื่องมือสำคัญ ของ"]


def test_footnote_block_without_a_separator_line_at_a_page_foot() -> None:
    doc = "นโยบายด้านเทคโนโลยี3 ของรัฐบาล\nและความร่วมมือ4 ระหว่างประเทศ\n3 First, A. Title.\n4 Second, B. Title.\n\f\nหน้าถัดไป"
    rep = repair_document(doc)
    assert [ln.kind for ln in rep.lines] == ["body", "body", "note", "note", "pagebreak", "body"]
    assert [m.n for ln in rep.lines for m in ln.markers] == [3, 4]


def test_document_without_footnotes_has_only_body_and_blank_lines() -> None:
    doc = "บรรทัดแรกของเอกสาร \n\n2 \nรายการที่ 2 ในปี 2024\n"
    rep = repair_document(doc)
    assert [ln.kind for ln in rep.lines] == ["body", "blank", "body", "body", "blank"]
    assert rep.lines[2].text == "2"  # a lone number in plain text may be a list item
    assert all(not ln.markers for ln in rep.lines)


def test_joins_with_space_follows_the_trailing_space() -> None:
    rep = repair_document("ความร่วมมือทาง\nเศรษฐกิจ \nAsia-\nPacific")
    assert [ln.joins_with_space for ln in rep.lines] == [False, True, False, False]
    assert rep.text == "ความร่วมมือทางเศรษฐกิจ Asia-Pacific\n"


def test_repair_lines_keeps_one_output_per_input_line() -> None:
    lines = ["ก าหนด", "", " " * 43, "1 Note text.", "\f", "ข้อความ\r"]
    out = repair_lines(lines)
    assert out == ["กำหนด", "", "", "1 Note text.", "", "ข้อความ"]


# --- `rag clean` -------------------------------------------------------------------------------


def test_rag_clean_prints_lines_reports_fixes_reads_the_thai_code_page_and_refuses_others(tmp_path: Path) -> None:
    src = tmp_path / "paper.txt"
    src.write_text("\ufeffการด าเนินนโยบาย4 ของรัฐ\n" + " " * 43 + "\n4 Author. Title.\n", encoding="utf-8")
    lines = run_rag("clean", "--lines", "--report", str(src))
    assert lines.returncode == 0
    assert lines.stdout.split("\n")[:3] == ["การดำเนินนโยบาย ของรัฐ", "", "4 Author. Title."]
    assert "sara_am" in lines.stderr and "footnote_marker" in lines.stderr
    doc = run_rag("clean", str(src))
    assert doc.returncode == 0 and doc.stdout == "การดำเนินนโยบาย ของรัฐ\n\n4 Author. Title.\n"
    src.write_bytes("ภาษาไทย".encode("tis-620"))  # Notepad's "ANSI" on a Thai Windows machine
    thai = run_rag("clean", str(src))
    assert thai.returncode == 0 and thai.stdout == "ภาษาไทย\n"
    assert len(thai.stderr.strip().splitlines()) == 1 and "Windows-874" in thai.stderr
    src.write_bytes("Grüße aus München".encode("latin-1"))
    bad = run_rag("clean", str(src))
    assert bad.returncode != 0 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "UTF-8" in bad.stderr


# --- the seed article ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> tuple[str, object]:
    raw = ARTICLE.read_text(encoding="utf-8")
    return raw, repair_document(raw)


def test_article_markers_are_found_once_each_in_order(article) -> None:
    _, rep = article
    markers = [m.n for ln in rep.lines for m in ln.markers]
    assert markers == list(range(2, 38))  # reference 1, the author note, has no marker
    assert [ln.note for ln in rep.lines if ln.note is not None] == list(range(1, 38))


def test_article_layout(article) -> None:
    raw, rep = article
    assert len(rep.lines) == len(raw.split("\n"))
    kinds = [ln.kind for ln in rep.lines]
    assert kinds.count("separator") == 17
    assert [(i + 1, ln.page) for i, ln in enumerate(rep.lines) if ln.kind == "page"] == [(127, 5)]
    assert rep.lines[88].kind == "note" and rep.lines[88].note is None  # `(2021, April 8). ...`
    assert rep.lines[89].kind == "body" and rep.lines[89].markers[0].n == 8
    body = " ".join(ln.text for ln in rep.lines if ln.kind == "body")
    assert "Lorenz" not in body and "https://" not in body  # no reference text in the body


def test_article_repair_is_idempotent(article) -> None:
    raw, rep = article
    assert repair_document(rep.text).text == rep.text
    once = repair_lines(raw.split("\n"))
    assert repair_lines(once) == once


def test_article_fixes_are_counted(article) -> None:
    _, rep = article
    assert rep.fixes["footnote_marker"] == 36
    assert rep.fixes["sara_am"] >= 250 and rep.fixes["tone_order"] >= 100
    assert rep.fixes["bullet"] == 12 and rep.fixes["page_number"] == 1


# --- clean text passes through ------------------------------------------------------------------


def test_xquad_paragraphs_pass_through_unchanged() -> None:
    paras = [json.loads(x)["text"] for x in (DATA / "xquad_th" / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert len(paras) == 184
    changed = [p for p in paras if squash(" ".join(repair_lines(p.split("\n")))) != squash(p)]
    assert changed == []


def test_a_page_holding_only_its_number_is_read_without_failing() -> None:
    """A scanned page's text layer is often its printed number alone: the running-head pass
    takes that line as the page number on its first (top) look, and the bottom look must
    then pass over the page, which has no body line left."""
    raw = ("7\nความร่วมมือด้านน้ำ\nไทยและเนเธอร์แลนด์ร่วมกันศึกษาแนวทางการจัดการลุ่มน้ำ\n\f\n8\n\f\n"
           "9\nย่อหน้าสุดท้ายของเอกสารนี้\n")
    text = repair_document(raw).text
    assert "ย่อหน้าสุดท้ายของเอกสารนี้" in text and "ความร่วมมือด้านน้ำ" in text


def test_notes_that_end_pages_alike_are_not_taken_for_a_second_footer_line() -> None:
    """LibreOffice, footer `- 24 -` under each page's notes: once the footer is taken, the line
    above it on each page is asked whether it is furniture too (a header may be two lines), and
    `2 Ibid., p. 84.`, `5 Ibid., p. 60.`, `6 Ibid., p. 86.` share a form. Under a taken line,
    only a page number or the same text on every page is furniture; the notes stay notes."""
    raw = (DATA / "lo_last_notes_alike.pypdf.txt").read_text(encoding="utf-8")
    assert "2 Ibid., p. 84.\n- 24 -" in raw and "6 Ibid., p. 86.\n- 28 -" in raw
    doc = structure_document(repair_document(raw), doc_id="d", title="d")
    assert {n: r.text for n, r in doc.references.items() if r.text.startswith("Ibid")} == {
        2: "Ibid., p. 84.", 5: "Ibid., p. 60.", 6: "Ibid., p. 86."}
    assert [p.page for p in doc.paragraphs] == [23, 24, 24, 26, 27]
