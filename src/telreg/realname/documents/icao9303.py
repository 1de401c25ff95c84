"""Read ICAO Doc 9303 machine-readable zones: TD1 (3 x 30), TD2 (2 x 36) and TD3 (2 x 44). Pure functions.

`parse` takes the lines of a zone and returns its fields, or raises InvalidZone naming every check digit that
does not match and every field that breaks the standard. Positions below are the standard's: 1-based and
inclusive, as in the tables of Doc 9303 Part 4 (TD3, the passport book), Part 5 (TD1) and Part 6 (TD2), so a
reader can hold the code against the tables. Dates stay YYMMDD text here: which century a two-digit year
means depends on the date of the check, which is the caller's to give (see passport.py).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telreg.core.i18n import NP_, N_, Message
from telreg.realname.words import and_list, comma_list

__all__ = [
    "COMPOSITE", "COUNTRY_CODES", "DATE_OF_BIRTH", "DATE_OF_EXPIRY", "DOCUMENT_NUMBER", "LAYOUTS",
    "PERSONAL_NUMBER", "InvalidZone", "Zone", "check_digit", "parse",
]

Layout = Literal["TD1", "TD2", "TD3"]
LAYOUTS: dict[tuple[int, ...], Layout] = {(30, 30, 30): "TD1", (36, 36): "TD2", (44, 44): "TD3"}

# The names of the check digits, as a person reads them in a refusal (marked: a refusal in Chinese names them
# in Chinese).
DOCUMENT_NUMBER = N_("document number")
DATE_OF_BIRTH = N_("date of birth")
DATE_OF_EXPIRY = N_("date of expiry")
PERSONAL_NUMBER = N_("personal number")  # TD3 only: "personal number or other optional data elements"
COMPOSITE = NP_("mrz_check_digit", "composite")

_VALUES = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)} | {"<": 0}

# The nationality and issuing-state codes: the list of three-letter codes in Doc 9303 Part 3 (8th edition,
# 2021), which is ISO 3166-1 alpha-3 plus ICAO's own codes below. Written out here rather than taken from a
# package, so a reader can see exactly what is accepted; a new ISO code is a one-word change. DEU is missing
# on purpose: Doc 9303 writes Germany as D (D<< in the zone).
_ISO_3166_ALPHA_3 = frozenset("""
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS
    BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV
    CRI CUB CUW CXR CYM CYP CZE DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM
    GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN
    IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE
    LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS
    MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK
    PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR
    SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY
    USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
""".split())
_ICAO_CODES = frozenset("""
    D
    EUE
    GBD GBN GBO GBP GBS
    UNO UNA UNK
    XBA XIM XCC XCE XCO XEC XPO XES XMP XOM XDC
    XXA XXB XXC XXX
    UTO
""".split())
# D: Germany. EUE: the European Union. GBD, GBN, GBO, GBP, GBS: the classes of British nationality (overseas
# territories citizen; national (overseas), the BN(O) passport; overseas citizen; protected person; subject).
# UNO, UNA, UNK: the United Nations, its specialised agencies, and UNMIK for residents of Kosovo. XBA to XDC:
# other issuing organisations (African Development Bank, Afreximbank, CARICOM, Council of Europe, COMESA,
# ECOWAS, INTERPOL, OECS, Parliamentary Assembly of the Mediterranean, Order of Malta, SADC). XXA, XXB, XXC,
# XXX: stateless person, refugee under the 1951 Convention, other refugee, nationality unspecified. UTO:
# Utopia, the imaginary state of Doc 9303's own specimens.
_IN_USE_NOT_IN_DOC_9303 = frozenset({"RKS"})  # Kosovo's own passports; refusing them would refuse real people
COUNTRY_CODES = _ISO_3166_ALPHA_3 | _ICAO_CODES | _IN_USE_NOT_IN_DOC_9303

# A name is a primary identifier, then optionally << and the secondary identifier; within each, components
# are separated by one <. Trailing fillers are dropped before matching; a name truncated to fit may end in a
# letter, which this allows.
_NAME = re.compile(r"[A-Z]+(?:<[A-Z]+)*(?:<<[A-Z]+(?:<[A-Z]+)*)?")


@dataclass(frozen=True)
class Zone:
    """The fields of a valid zone, fillers dropped (names keep their structure, with spaces for <)."""

    layout: Layout
    document_code: str  # "P", "I", "ID", "AC" ...
    issuing_state: str  # "UTO"; "D" for Germany
    primary_identifier: str  # the surname(s): "ERIKSSON"
    secondary_identifier: str  # the given names: "ANNA MARIA"; "" when the holder has none
    document_number: str  # in full, including a TD1/TD2 number continued in the optional data
    nationality: str
    date_of_birth: str  # YYMMDD as printed; "<" for parts the issuer did not know
    sex: str  # "M", "F", "X" or "<"
    date_of_expiry: str  # YYMMDD
    optional_data: str  # TD3: the personal number; TD1: line 1's after any continued number; TD2: line 2's
    optional_data_2: str  # TD1: line 2's; "" in the other layouts


class InvalidZone(ValueError):
    """Raised when a zone breaks ICAO 9303; the message is a sentence a person understands.

    ``wrong_check_digits`` names each check digit that does not match (DOCUMENT_NUMBER, ... COMPOSITE) and
    ``problems`` holds one sentence per other fault. Messages never quote the zone, which holds a document
    number. ``reason`` is every sentence as one Message (its str is the English; core/i18n.py).
    """

    def __init__(self, *, wrong_check_digits: Sequence[str] = (), problems: Sequence[str] = ()) -> None:
        self.wrong_check_digits = tuple(wrong_check_digits)
        self.problems = tuple(problems)
        sentences = list(self.problems)
        if self.wrong_check_digits:
            sentences.insert(0, _wrong_digits_sentence(self.wrong_check_digits))
        self.reason = Message.join(sentences)
        super().__init__(str(self.reason))


def check_digit(field: str) -> str:
    """Return the ICAO 9303 check digit of FIELD: weights 7, 3, 1 repeating; A-Z count 10-35, < counts 0."""
    return str(sum(_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def parse(lines: Sequence[str]) -> Zone:
    """Return the fields of the zone in LINES (upper case, no separators), or raise InvalidZone.

    Every check digit is verified, and so are the document code, the country codes, the sex, the form of
    the name and of the document number, and that the dates are six digits.
    """
    lengths = tuple(len(line) for line in lines)
    layout = LAYOUTS.get(lengths)
    if layout is None:
        found = comma_list(str(n) for n in lengths) if lengths else Message(NP_("mrz_lengths", "none"))
        one = N_("A machine-readable zone is 2 lines of 44 characters (passport), 2 of 36 or 3 of 30 "
                 "(cards); this one has %(count)s line (lengths: %(lengths)s).")
        many = N_("A machine-readable zone is 2 lines of 44 characters (passport), 2 of 36 or 3 of 30 "
                  "(cards); this one has %(count)s lines (lengths: %(lengths)s).")
        template = one if len(lines) == 1 else many
        raise InvalidZone(problems=[Message(template, count=len(lines), lengths=found)])
    if not all(re.fullmatch(r"[0-9A-Z<]+", line) for line in lines):
        raise InvalidZone(problems=[Message(
            N_("A machine-readable zone has only capital letters, digits and <; this one has others."))])
    fields, checks = {"TD1": _td1, "TD2": _td2, "TD3": _td3}[layout](*lines)
    wrong = [name for name, data, digit in checks if not _digit_matches(name, data, digit)]
    problems = _field_problems(fields, layout)
    if wrong or problems:
        raise InvalidZone(wrong_check_digits=wrong, problems=problems)
    primary, _, secondary = fields.name.rstrip("<").partition("<<")
    return Zone(
        layout=layout,
        document_code=fields.code.rstrip("<"),
        issuing_state=fields.state.rstrip("<"),
        primary_identifier=primary.replace("<", " "),
        secondary_identifier=secondary.replace("<", " "),
        document_number=fields.number.rstrip("<"),
        nationality=fields.nationality.rstrip("<"),
        date_of_birth=fields.birth,
        sex=fields.sex,
        date_of_expiry=fields.expiry,
        optional_data=fields.optional.strip("<"),
        optional_data_2=fields.optional_2.strip("<"),
    )


@dataclass(frozen=True)
class _Fields:
    code: str
    state: str
    name: str
    number: str
    nationality: str
    birth: str
    sex: str
    expiry: str
    optional: str
    optional_2: str = ""


_Check = tuple[str, str, str]  # (name, the characters it covers, the check digit as printed)


def _at(line: str, first: int, last: int) -> str:
    """Return positions FIRST to LAST of LINE, counted as Doc 9303 does: from 1, both ends included."""
    return line[first - 1:last]


def _td3(line1: str, line2: str) -> tuple[_Fields, list[_Check]]:
    fields = _Fields(
        code=_at(line1, 1, 2), state=_at(line1, 3, 5), name=_at(line1, 6, 44),
        number=_at(line2, 1, 9), nationality=_at(line2, 11, 13), birth=_at(line2, 14, 19),
        sex=_at(line2, 21, 21), expiry=_at(line2, 22, 27), optional=_at(line2, 29, 42),
    )
    composite = _at(line2, 1, 10) + _at(line2, 14, 20) + _at(line2, 22, 43)
    return fields, [
        (DOCUMENT_NUMBER, fields.number, _at(line2, 10, 10)),
        (DATE_OF_BIRTH, fields.birth, _at(line2, 20, 20)),
        (DATE_OF_EXPIRY, fields.expiry, _at(line2, 28, 28)),
        (PERSONAL_NUMBER, fields.optional, _at(line2, 43, 43)),
        (COMPOSITE, composite, _at(line2, 44, 44)),
    ]


def _td2(line1: str, line2: str) -> tuple[_Fields, list[_Check]]:
    principal, digit, optional = _at(line2, 1, 9), _at(line2, 10, 10), _at(line2, 29, 35)
    number, number_digit, optional = _continued_number(principal, digit, optional)
    fields = _Fields(
        code=_at(line1, 1, 2), state=_at(line1, 3, 5), name=_at(line1, 6, 36),
        number=number, nationality=_at(line2, 11, 13), birth=_at(line2, 14, 19),
        sex=_at(line2, 21, 21), expiry=_at(line2, 22, 27), optional=optional,
    )
    composite = _at(line2, 1, 10) + _at(line2, 14, 20) + _at(line2, 22, 35)
    return fields, [
        (DOCUMENT_NUMBER, number, number_digit),
        (DATE_OF_BIRTH, fields.birth, _at(line2, 20, 20)),
        (DATE_OF_EXPIRY, fields.expiry, _at(line2, 28, 28)),
        (COMPOSITE, composite, _at(line2, 36, 36)),
    ]


def _td1(line1: str, line2: str, line3: str) -> tuple[_Fields, list[_Check]]:
    principal, digit, optional = _at(line1, 6, 14), _at(line1, 15, 15), _at(line1, 16, 30)
    number, number_digit, optional = _continued_number(principal, digit, optional)
    fields = _Fields(
        code=_at(line1, 1, 2), state=_at(line1, 3, 5), name=line3,
        number=number, nationality=_at(line2, 16, 18), birth=_at(line2, 1, 6),
        sex=_at(line2, 8, 8), expiry=_at(line2, 9, 14), optional=optional, optional_2=_at(line2, 19, 29),
    )
    # The composite covers all of line 1 after the issuing state, so a continued number is inside it.
    composite = _at(line1, 6, 30) + _at(line2, 1, 7) + _at(line2, 9, 15) + _at(line2, 19, 29)
    return fields, [
        (DOCUMENT_NUMBER, number, number_digit),
        (DATE_OF_BIRTH, fields.birth, _at(line2, 7, 7)),
        (DATE_OF_EXPIRY, fields.expiry, _at(line2, 15, 15)),
        (COMPOSITE, composite, _at(line2, 30, 30)),
    ]


def _continued_number(principal: str, digit: str, optional: str) -> tuple[str, str, str]:
    """Return (document number, its check digit, the optional data after it) for a TD1 or TD2 card.

    A number longer than 9 characters shows its first 9 in the number field, < where the check digit would
    be, and the rest at the start of the optional data followed by the check digit (of the whole number) and
    a filler (Doc 9303 Part 5; Part 6 says the same for TD2). Anything else is read as the plain layout,
    where a < check digit is simply wrong.
    """
    continued = optional.split("<", 1)[0]
    if digit != "<" or "<" in principal or len(continued) < 2:
        return principal, digit, optional
    return principal + continued[:-1], continued[-1], optional[len(continued):]


def _digit_matches(name: str, data: str, digit: str) -> bool:
    # An unused TD3 personal number may carry < (or 0) as its check digit, at the issuer's choice (Part 4).
    if name == PERSONAL_NUMBER and digit == "<":
        return set(data) == {"<"}
    return digit == check_digit(data)


def _field_problems(fields: _Fields, layout: Layout) -> list[str]:
    """Say what is wrong with the fields no check digit covers (or covers only as characters)."""
    problems = []
    # The passport book's code starts with P; the cards' with A, C or I. The second letter is the issuer's.
    first = "P" if layout == "TD3" else "ACI"
    if not (fields.code[0] in first and re.fullmatch(r"[A-Z<]", fields.code[1])):
        problems.append(Message(N_("The document code (start of line 1) is not an ICAO code for this layout: "
                                   "P for a passport, A, C or I for a card.")))
    if fields.state.rstrip("<") not in COUNTRY_CODES:
        problems.append(Message(N_("The issuing state code is not a known ICAO country code.")))
    if fields.nationality.rstrip("<") not in COUNTRY_CODES:
        problems.append(Message(N_("The nationality code is not a known ICAO country code.")))
    if not _NAME.fullmatch(fields.name.rstrip("<")):
        problems.append(Message(N_("The name field is not in the ICAO form SURNAME<<GIVEN<NAMES (letters "
                                   "and < only).")))
    if not re.fullmatch(r"[0-9A-Z]+<*", fields.number):
        problems.append(Message(N_("The document number field is empty or has < before its end.")))
    if not re.fullmatch(r"[0-9<]{6}", fields.birth):  # < marks a part of the date the issuer did not know
        problems.append(Message(N_("The date of birth field is not YYMMDD (digits, or < where unknown).")))
    if not re.fullmatch(r"[0-9]{6}", fields.expiry):
        problems.append(Message(N_("The date of expiry field is not YYMMDD (digits).")))
    if fields.sex not in ("M", "F", "X", "<"):
        problems.append(Message(N_("The sex field is not M, F, X or <.")))
    return problems


def _wrong_digits_sentence(names: Sequence[str]) -> Message:
    if len(names) == 1:
        return Message(
            N_("The check digit of the %(fields)s does not match: the zone was misread or altered."),
            fields=names[0])
    return Message(N_("The check digits of the %(fields)s do not match: the zone was misread or altered."),
                   fields=and_list(names))
