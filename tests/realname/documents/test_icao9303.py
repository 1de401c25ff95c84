"""The project's own ICAO 9303 reader: specimens, every check digit named, field rules, long card numbers.

Zones are built here with `reference.icao`, a check-digit function written from the standard and independent
of the code under test, so a zone the builder makes is right by ICAO's arithmetic, not by telreg's.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telreg.realname.documents import check_document
from telreg.realname.documents.icao9303 import (
    COMPOSITE,
    DATE_OF_BIRTH,
    DATE_OF_EXPIRY,
    DOCUMENT_NUMBER,
    PERSONAL_NUMBER,
    InvalidZone,
    Zone,
    check_digit,
    parse,
)
from tests.realname.documents.reference import icao, td3
from tests.realname.documents.test_passport import SPECIMEN_TD1, SPECIMEN_TD2, SPECIMEN_TD3

ANNA = {"primary_identifier": "ERIKSSON", "secondary_identifier": "ANNA MARIA", "issuing_state": "UTO",
        "nationality": "UTO", "date_of_birth": "740812", "sex": "F", "date_of_expiry": "120415"}
SPECIMENS = {
    "TD3": (SPECIMEN_TD3, Zone(layout="TD3", document_code="P", document_number="L898902C3",
                               optional_data="ZE184226B", optional_data_2="", **ANNA)),
    "TD1": (SPECIMEN_TD1, Zone(layout="TD1", document_code="I", document_number="D23145890",
                               optional_data="", optional_data_2="", **ANNA)),
    "TD2": (SPECIMEN_TD2, Zone(layout="TD2", document_code="I", document_number="D23145890",
                               optional_data="", optional_data_2="", **ANNA)),
}
WIDTH = {"TD1": 30, "TD2": 36, "TD3": 44}


@dataclass(frozen=True)
class Card:
    """The fields of a zone to build, as the standard lays them out (fillers added by `build`)."""

    layout: str = "TD3"
    code: str = "P<"
    state: str = "UTO"
    name: str = "ERIKSSON<<ANNA<MARIA"
    number: str = "L898902C3"
    nationality: str = "UTO"
    birth: str = "740812"
    sex: str = "F"
    expiry: str = "120415"
    optional: str = ""  # TD3: the personal number; TD1/TD2: optional data (after a continued number and <)
    optional_2: str = ""  # TD1 line 2
    personal_digit: str | None = None  # TD3: printed instead of the computed one (< or 0 when unused)


def build(card: Card) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Return the zone's lines, every check digit right, and where each check digit sits (line, index)."""
    if card.layout == "TD3":
        line1 = (card.code + card.state.ljust(3, "<") + card.name).ljust(44, "<")
        personal = card.optional.ljust(14, "<")
        head = (card.number.ljust(9, "<") + icao(card.number.ljust(9, "<")) + card.nationality.ljust(3, "<")
                + card.birth + icao(card.birth) + card.sex + card.expiry + icao(card.expiry))
        tail = personal + (card.personal_digit or icao(personal))
        composite = head[0:10] + head[13:20] + head[21:] + tail
        where = {DOCUMENT_NUMBER: (1, 9), DATE_OF_BIRTH: (1, 19), DATE_OF_EXPIRY: (1, 27),
                 PERSONAL_NUMBER: (1, 42), COMPOSITE: (1, 43)}
        return [line1, head + tail + icao(composite)], where
    width = WIDTH[card.layout]
    optional_width = 15 if card.layout == "TD1" else 7
    if len(card.number) > 9:  # the first 9 in the number field, < for its check digit, the rest continued
        principal, digit = card.number[:9], "<"
        rest = "<" + card.optional if card.optional else ""  # the continued number ends at a filler
        optional = (card.number[9:] + icao(card.number) + rest).ljust(optional_width, "<")
        number_at = (15 if card.layout == "TD1" else 28) + len(card.number) - 9
    else:
        principal, digit = card.number.ljust(9, "<"), icao(card.number.ljust(9, "<"))
        optional = card.optional.ljust(optional_width, "<")
        number_at = 14 if card.layout == "TD1" else 9
    assert len(optional) == optional_width, "the test asked for more optional data than fits"
    if card.layout == "TD1":
        line1 = card.code + card.state.ljust(3, "<") + principal + digit + optional
        line2 = (card.birth + icao(card.birth) + card.sex + card.expiry + icao(card.expiry)
                 + card.nationality.ljust(3, "<") + card.optional_2.ljust(11, "<"))
        line2 += icao(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
        where = {DOCUMENT_NUMBER: (0, number_at), DATE_OF_BIRTH: (1, 6),
                 DATE_OF_EXPIRY: (1, 14), COMPOSITE: (1, 29)}
        return [line1, line2, card.name.ljust(30, "<")], where
    line1 = (card.code + card.state.ljust(3, "<") + card.name).ljust(width, "<")
    line2 = (principal + digit + card.nationality.ljust(3, "<") + card.birth + icao(card.birth) + card.sex
             + card.expiry + icao(card.expiry) + optional)
    line2 += icao(line2[0:10] + line2[13:20] + line2[21:35])
    where = {DOCUMENT_NUMBER: (1, number_at), DATE_OF_BIRTH: (1, 19), DATE_OF_EXPIRY: (1, 27),
             COMPOSITE: (1, 35)}
    return [line1, line2], where


def corrupt(lines: list[str], at: tuple[int, int], char: str) -> list[str]:
    line, index = at
    assert lines[line][index] != char, "a corruption must change the zone"
    changed = list(lines)
    changed[line] = changed[line][:index] + char + changed[line][index + 1:]
    return changed


def refix_composite(lines: list[str], layout: str) -> list[str]:
    """Recompute the composite after a corruption, so that only the corrupted check digit is wrong."""
    if layout == "TD3":
        data, line, index = lines[1][0:10] + lines[1][13:20] + lines[1][21:43], 1, 43
    elif layout == "TD2":
        data, line, index = lines[1][0:10] + lines[1][13:20] + lines[1][21:35], 1, 35
    else:
        data, line, index = lines[0][5:30] + lines[1][0:7] + lines[1][8:15] + lines[1][18:29], 1, 29
    fixed = list(lines)
    fixed[line] = fixed[line][:index] + icao(data)
    return fixed


def refused(lines: list[str]) -> InvalidZone:
    with pytest.raises(InvalidZone) as caught:
        parse(lines)
    return caught.value


def other_digit(char: str) -> str:
    return "7" if char != "7" else "2"


# --- the check digit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "digit"), [
    ("520727", "3"),  # Doc 9303 Part 3's worked example
    ("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"), ("D23145890", "7"),
    ("<<<<<<<<<<<<<<", "0"), ("", "0"), ("Z", "5"),  # Z = 35, weight 7: 245
])
def test_check_digit_follows_the_standard(field: str, digit: str) -> None:
    assert check_digit(field) == digit


@given(st.text(alphabet=string.digits + string.ascii_uppercase + "<", max_size=40))
def test_check_digit_agrees_with_the_reference(field: str) -> None:
    assert check_digit(field) == icao(field)


# --- the specimens and the zones the rest of the suite uses -------------------------------------------------


@pytest.mark.parametrize("layout", sorted(SPECIMENS))
def test_the_icao_specimens_are_read_field_by_field(layout: str) -> None:
    zone, expected = SPECIMENS[layout]
    assert parse(zone.split("\n")) == expected


@pytest.mark.parametrize("layout", sorted(SPECIMENS))
def test_the_builder_reproduces_the_specimens(layout: str) -> None:
    card = {"TD3": Card(optional="ZE184226B"), "TD1": Card(layout="TD1", code="I<", number="D23145890"),
            "TD2": Card(layout="TD2", code="I<", number="D23145890")}[layout]
    assert build(card)[0] == SPECIMENS[layout][0].split("\n")  # so the zones built below are right


@pytest.mark.parametrize(("changes", "number", "birth", "expiry"), [
    ({}, "L898902C3", "740812", "120415"),
    ({"birth": "741312"}, "L898902C3", "741312", "120415"),  # month 13: a real date is passport.py's to judge
    ({"expiry": "120231"}, "L898902C3", "740812", "120231"),
    ({"birth": "150101", "expiry": "300101"}, "L898902C3", "150101", "300101"),
    ({"birth": "300101", "expiry": "350101"}, "L898902C3", "300101", "350101"),
    ({"birth": "000229", "expiry": "300101"}, "L898902C3", "000229", "300101"),
])
def test_the_suites_other_valid_zones(changes: dict[str, str], number: str, birth: str, expiry: str) -> None:
    zone = parse(td3(**changes).split("\n"))
    assert (zone.document_number, zone.date_of_birth, zone.date_of_expiry) == (number, birth, expiry)


@pytest.mark.parametrize(("mrz", "problem"), [
    (td3(name="ERIKSSON<<ANNA<<MARIA"), "name field"),
    (td3(number="<<<<<<<<<"), "document number field"),
    (SPECIMEN_TD3.replace("P<UTO", "P<XTO"), "issuing state code"),
])
def test_the_suites_invalid_zones(mrz: str, problem: str) -> None:
    error = refused(mrz.split("\n"))
    assert error.wrong_check_digits == ()
    assert len(error.problems) == 1 and problem in error.problems[0]


# --- every check digit, named ------------------------------------------------------------------------------

CARDS = {
    "TD3": Card(optional="ZE184226B"),
    "TD3 unused personal number": Card(),
    "TD2": Card(layout="TD2", code="I<", number="D23145890", optional="AB12"),
    "TD1": Card(layout="TD1", code="I<", number="D23145890", optional="X1", optional_2="Y2"),
    "TD1 long number": Card(layout="TD1", code="I<", number="D23145890734", optional="Q"),
    "TD2 long number": Card(layout="TD2", code="I<", number="D231458907"),
}
DIGITS = [(card, name) for card in CARDS for name in build(CARDS[card])[1]]


@pytest.mark.parametrize(("card", "name"), DIGITS)
def test_each_check_digit_alone_is_named(card: str, name: str) -> None:
    lines, where = build(CARDS[card])
    at = where[name]
    broken = corrupt(lines, at, other_digit(lines[at[0]][at[1]]))
    if name != COMPOSITE:
        broken = refix_composite(broken, CARDS[card].layout)
    error = refused(broken)
    assert error.wrong_check_digits == (name,)
    assert error.problems == ()
    assert str(error) == f"The check digit of the {name} does not match: the zone was misread or altered."


@pytest.mark.parametrize(("card", "name"), [(card, name) for card, name in DIGITS if name != COMPOSITE])
def test_a_wrong_check_digit_also_breaks_the_composite(card: str, name: str) -> None:
    lines, where = build(CARDS[card])
    at = where[name]
    error = refused(corrupt(lines, at, other_digit(lines[at[0]][at[1]])))
    assert error.wrong_check_digits == (name, COMPOSITE)
    assert f"check digits of the {name} and composite do not match" in str(error)


def test_two_wrong_check_digits_are_named_together() -> None:
    lines, where = build(CARDS["TD3"])
    lines = corrupt(lines, where[DATE_OF_BIRTH], "3")
    lines = refix_composite(corrupt(lines, where[DATE_OF_EXPIRY], "8"), "TD3")
    error = refused(lines)
    assert error.wrong_check_digits == (DATE_OF_BIRTH, DATE_OF_EXPIRY)
    assert str(error) == ("The check digits of the date of birth and date of expiry do not match: "
                          "the zone was misread or altered.")


def test_every_check_digit_wrong_at_once() -> None:
    lines, where = build(CARDS["TD3"])
    for at in where.values():
        lines = corrupt(lines, at, other_digit(lines[at[0]][at[1]]))
    assert str(refused(lines)).startswith(
        "The check digits of the document number, date of birth, date of expiry, personal number and "
        "composite do not match")


def test_a_changed_character_of_a_field_is_caught_by_its_check_digit() -> None:
    lines, _ = build(CARDS["TD1"])
    broken = refix_composite(corrupt(lines, (1, 2), "9"), "TD1")  # 740812 -> 749812: check digit 2 is wrong
    assert refused(broken).wrong_check_digits == (DATE_OF_BIRTH,)


# --- the TD3 personal number may have < as its check digit when unused -------------------------------------


@pytest.mark.parametrize("digit", ["<", "0"])
def test_an_unused_personal_number_may_have_a_filler_or_zero_check_digit(digit: str) -> None:
    lines, _ = build(Card(personal_digit=digit))
    assert lines[1][42] == digit
    assert parse(lines).optional_data == ""


def test_a_used_personal_number_may_not_have_a_filler_check_digit() -> None:
    lines, _ = build(Card(optional="ZE184226B", personal_digit="<"))
    assert refused(lines).wrong_check_digits == (PERSONAL_NUMBER,)


# --- document numbers longer than 9 characters on cards ----------------------------------------------------


def test_td1_long_document_number_is_read_in_full() -> None:
    # Doc 9303 Part 5's example: number D23145890734, shown as D23145890 < 734 and its check digit 9.
    lines, _ = build(CARDS["TD1 long number"])
    assert lines[0][:21] == "I<UTOD23145890<7349<Q"
    zone = parse(lines)
    assert zone.document_number == "D23145890734"
    assert zone.optional_data == "Q"  # what follows the continued number and its filler


def test_td1_long_document_number_through_check_document() -> None:
    lines, _ = build(CARDS["TD1 long number"])
    result = check_document("passport-mrz", "\n".join(lines), on=date(2010, 1, 1))
    assert result.valid, result.reason
    assert result.normalised == "D23145890734"


def test_td2_long_document_number_is_read_in_full() -> None:
    lines, _ = build(CARDS["TD2 long number"])
    assert lines[1][:10] == "D23145890<" and lines[1][28] == "7"
    assert parse(lines).document_number == "D231458907"


@pytest.mark.parametrize("optional", ["<<<<<<<<<<<<<<<", "7<<<<<<<<<<<<<<"])
def test_a_filler_check_digit_without_a_continued_number_is_a_wrong_check_digit(optional: str) -> None:
    lines, _ = build(Card(layout="TD1", code="I<", number="D23145890"))
    lines = refix_composite([lines[0][:14] + "<" + optional, lines[1], lines[2]], "TD1")
    assert refused(lines).wrong_check_digits == (DOCUMENT_NUMBER,)


def test_a_passport_has_no_long_number() -> None:
    lines, _ = build(Card())
    lines = refix_composite([lines[0], lines[1][:9] + "<" + lines[1][10:]], "TD3")
    assert refused(lines).wrong_check_digits == (DOCUMENT_NUMBER,)


# --- the fields no check digit covers ----------------------------------------------------------------------


@pytest.mark.parametrize(("card", "problem"), [
    (Card(code="I<"), "document code"),
    (Card(code="V<"), "document code"),
    (Card(code="<P"), "document code"),
    (Card(layout="TD1", code="P<"), "document code"),
    (Card(layout="TD2", code="V<"), "document code"),
    (Card(layout="TD1", code="I1"), "document code"),
    (Card(state="XTO"), "issuing state code"),
    (Card(state="DEU"), "issuing state code"),  # Doc 9303 writes Germany as D
    (Card(state="<UT"), "issuing state code"),
    (Card(nationality="ZIM"), "nationality code"),  # Zimbabwe is ZWE
    (Card(layout="TD2", code="I<", number="D23145890", nationality="USS"), "nationality code"),
    (Card(sex="Q"), "sex field"),
    (Card(sex="1"), "sex field"),
    (Card(name="ERIKSSON<<ANNA<<MARIA"), "name field"),
    (Card(name="<<ANNA"), "name field"),
    (Card(name=""), "name field"),
    (Card(name="ERIKSSON2<<ANNA"), "name field"),
    (Card(name="ERIKSSON<<<ANNA"), "name field"),
    (Card(layout="TD1", code="I<", number="D23145890", name="ERIKSSON<<ANNA<<MARIA"), "name field"),
    (Card(number=""), "document number field"),
    (Card(number="L89<902C3"), "document number field"),
    (Card(number="<L898902C"), "document number field"),
    (Card(birth="74A812"), "date of birth field"),
    (Card(expiry="12041<"), "date of expiry field"),
    (Card(expiry="1204A5"), "date of expiry field"),
])
def test_each_field_rule(card: Card, problem: str) -> None:
    error = refused(build(card)[0])
    assert error.wrong_check_digits == ()  # every check digit is right: the field alone is refused
    assert len(error.problems) == 1 and problem in error.problems[0], error.problems
    assert str(error) == error.problems[0]


@pytest.mark.parametrize("card", [
    Card(state="D", nationality="D"),  # Germany, D<< in the zone
    Card(state="GBR", nationality="GBN"),  # a BN(O) passport
    Card(state="CHN", nationality="CHN"), Card(state="HKG", nationality="HKG"), Card(state="MAC"),
    Card(state="UNO", nationality="XXA"), Card(nationality="XXB"), Card(nationality="XXC"),
    Card(nationality="XXX"),
    Card(state="EUE"), Card(state="XOM"), Card(state="XPO"), Card(state="RKS"), Card(state="ZWE"),
    Card(sex="M"), Card(sex="X"), Card(sex="<"),
    Card(code="PD"), Card(layout="TD1", code="AC", number="X1"), Card(layout="TD2", code="CR", number="X1"),
    Card(name="SUKARNO"),  # a single name: primary identifier only
    Card(name="VAN<DER<BERG<<JAN"), Card(name="ERIKSSON<<ANNA<MARIA<LOUISE<CHARLOTTE<S"),  # truncated
    Card(birth="7408<<"), Card(birth="<<<<<<"),  # parts the issuer did not know
    Card(number="K1"),
])
def test_zones_the_rules_allow(card: Card) -> None:
    assert parse(build(card)[0]).layout == card.layout


def test_the_fields_come_back_without_fillers() -> None:
    zone = parse(build(Card(state="D", nationality="D", name="VAN<DER<BERG<<JAN<PIET", number="K1",
                            optional="X<Y", sex="<"))[0])
    assert (zone.issuing_state, zone.nationality, zone.document_number) == ("D", "D", "K1")
    assert (zone.primary_identifier, zone.secondary_identifier) == ("VAN DER BERG", "JAN PIET")
    assert (zone.sex, zone.optional_data) == ("<", "X<Y")


def test_several_field_problems_are_listed_together() -> None:
    error = refused(build(Card(state="XTO", sex="Q", name="ANNA<<<MARIA"))[0])
    assert error.wrong_check_digits == ()
    assert [p.split(" is ")[0] for p in error.problems] == [
        "The issuing state code", "The name field", "The sex field"]
    assert str(error) == " ".join(error.problems)


def test_wrong_check_digits_come_first_and_field_problems_follow() -> None:
    lines, where = build(Card(sex="Q"))
    at = where[COMPOSITE]
    error = refused(corrupt(lines, at, other_digit(lines[at[0]][at[1]])))
    assert error.wrong_check_digits == (COMPOSITE,) and len(error.problems) == 1
    assert str(error).startswith("The check digit of the composite does not match")
    assert str(error).endswith("The sex field is not M, F, X or <.")


@pytest.mark.parametrize(("lines", "words"), [
    ([], "0 lines (lengths: none)"),
    (["P" * 44], "1 line (lengths: 44)"),
    (SPECIMEN_TD3.split("\n") + ["<" * 44], "3 lines (lengths: 44, 44, 44)"),
    ([SPECIMEN_TD3.split("\n")[0], SPECIMEN_TD3.split("\n")[1][:-1]], "lengths: 44, 43"),
    (SPECIMEN_TD1.split("\n")[:2], "lengths: 30, 30"),
    ([SPECIMEN_TD3.split("\n")[0].lower(), SPECIMEN_TD3.split("\n")[1]], "only capital letters"),
    ([SPECIMEN_TD3.split("\n")[0].replace("<", " "), SPECIMEN_TD3.split("\n")[1]], "only capital letters"),
])
def test_layout_and_characters(lines: list[str], words: str) -> None:
    error = refused(lines)
    assert error.wrong_check_digits == () and len(error.problems) == 1
    assert words in str(error)


# --- property: any valid zone is read back; any check digit changed is named --------------------------------

LETTERS = string.ascii_uppercase
ALNUM = string.digits + string.ascii_uppercase
CODES = ["UTO", "D", "GBN", "GBR", "CHN", "HKG", "XXA", "UNO", "FRA", "USA"]  # a few, independent of telreg


@st.composite
def cards(draw: st.DrawFn) -> Card:
    layout = draw(st.sampled_from(["TD1", "TD2", "TD3"]))
    word = st.text(alphabet=LETTERS, min_size=1, max_size=6)
    primary = draw(st.lists(word, min_size=1, max_size=2))
    secondary = draw(st.lists(word, max_size=2))
    name = "<".join(primary) + ("<<" + "<".join(secondary) if secondary else "")
    first = "P" if layout == "TD3" else draw(st.sampled_from("ACI"))
    optional_width = {"TD1": 15, "TD2": 7, "TD3": 14}[layout]
    longest = 9 if layout == "TD3" else 9 + optional_width - 1  # the continued number's check digit must fit
    number = draw(st.text(alphabet=ALNUM, min_size=1, max_size=longest))
    continued = max(len(number) - 9, 0)
    room = optional_width - (continued + 2 if continued else 0)  # its rest, check digit and a filler
    optional = draw(st.text(alphabet=ALNUM + "<", max_size=max(room, 0)))
    unused_personal = not optional.strip("<")
    return Card(
        layout=layout, code=first + draw(st.sampled_from(LETTERS + "<")), state=draw(st.sampled_from(CODES)),
        name=name, number=number, nationality=draw(st.sampled_from(CODES)),
        birth=draw(st.text(alphabet=string.digits + "<", min_size=6, max_size=6)),
        sex=draw(st.sampled_from("MFX<")),
        expiry=draw(st.text(alphabet=string.digits, min_size=6, max_size=6)),
        optional=optional,
        optional_2=draw(st.text(alphabet=ALNUM + "<", max_size=11)) if layout == "TD1" else "",
        personal_digit=draw(st.sampled_from(["<", "0"])) if layout == "TD3" and unused_personal else None,
    )


@given(cards())
def test_a_valid_zone_is_read_back(card: Card) -> None:
    zone = parse(build(card)[0])
    primary, _, secondary = card.name.partition("<<")
    assert zone == Zone(
        layout=card.layout, document_code=card.code.rstrip("<"), issuing_state=card.state,
        primary_identifier=primary.replace("<", " "), secondary_identifier=secondary.replace("<", " "),
        document_number=card.number, nationality=card.nationality, date_of_birth=card.birth, sex=card.sex,
        date_of_expiry=card.expiry, optional_data=card.optional.strip("<"),
        optional_data_2=card.optional_2.strip("<"),
    )


@given(cards(), st.data())
def test_a_changed_check_digit_is_refused_and_named(card: Card, data: st.DataObject) -> None:
    lines, where = build(card)
    name = data.draw(st.sampled_from(sorted(where)))
    line, index = where[name]
    printed = lines[line][index]
    unused_personal = name == PERSONAL_NUMBER and not card.optional.strip("<")
    # An unused personal number takes < or 0 alike, so those two are no corruption of it.
    choices = [d for d in string.digits if d != printed and not (unused_personal and d == "0")]
    error = refused(corrupt(lines, (line, index), data.draw(st.sampled_from(choices))))
    assert error.wrong_check_digits == ((COMPOSITE,) if name == COMPOSITE else (name, COMPOSITE))
    assert name in str(error) and error.problems == ()


@pytest.mark.parametrize("card", [
    Card(layout="TD1", code="I<", number="A" * 23),  # the continued number and its check digit fill line 1
    Card(layout="TD2", code="C<", number="B" * 15),
    Card(layout="TD1", code="I<", number="A" * 12, optional="Z" * 10),
])
def test_the_longest_continued_numbers(card: Card) -> None:
    lines, where = build(card)
    assert "<" not in lines[0 if card.layout == "TD1" else 1][where[DOCUMENT_NUMBER][1] - 3:][:4]
    assert parse(lines).document_number == card.number
