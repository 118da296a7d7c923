"""Parts of a book that are not its body: contents lists, imprint pages, contributor lists, reference
lists and indexes.

Each chunk is labelled with the part it lies in (`Chunk.section`). Search leaves the other parts out
unless asked for them by name, and an answer never quotes them: a contents line ("2.1 Dengue … 6")
or a reference entry matches a question's words without answering it. Pure functions of the chunk
text, its heading and the page it starts on.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.document import Chunk, Document

BODY = "body"
CONTENTS = "contents"  # table of contents, lists of tables, figures and boxes
IMPRINT = "imprint"  # copyright, licence, cataloguing and disclaimer page
CONTRIBUTORS = "contributors"  # acknowledgements, guideline-group and reviewer lists: names and affiliations
REFERENCES = "references"
INDEX = "index"
SECTIONS: tuple[str, ...] = (BODY, CONTENTS, IMPRINT, CONTRIBUTORS, REFERENCES, INDEX)

_CONTENTS_HEADING = re.compile(r"^(table of )?contents\b|^list of (tables|figures|boxes|annexes)\b", re.I)
_REFERENCES_HEADING = re.compile(r"^(references|bibliography|works cited)\d*$", re.I)
_INDEX_HEADING = re.compile(r"^index$", re.I)
# A contents entry: words, a dot leader (collapsed to "…") or a space, then a page number followed by
# the next entry or the end.
_ENTRY = re.compile(r"[A-Za-z)](?: …)? (?:\d{1,3}|[ivx]{1,6})(?= [A-Z0-9]|\s*$)", re.M)
_LEADER_ENTRY = re.compile(r" … (?:\d{1,3}|[ivx]{1,6})\b")
# Marks of a bibliographic reference: a link, a DOI, "et al.", "2019;12:" or a WHO imprint.
_REFERENCE_MARK = re.compile(
    r"https?://|\bdoi\b|\bet al\.|\b(?:19|20)\d{2};\s?\d|Geneva: World Health Organization;|\[website\]", re.I
)
_NUMBERED_ENTRY = re.compile(r"^\d{1,3}\.\s")
# The opening of a reference entry: authors in Vancouver style, family name then initials, after the
# entry's number ("291. Kralovic SM, Evans ME") or, when the sentence splitter took the number apart,
# three of them ("Kralovic SM, Evans ME, Simbartl LA"). It carries no reference mark when the chunker or
# the sentence splitter cut the entry before its year, journal or link.
_AUTHOR = r"[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+)* [A-Z]{1,3}(?:,\s|\.(?:\s|$)|$|\s+et al\b)"
_AUTHOR_LIST = re.compile(rf"^(?:\d{{1,3}}\.\s+(?:{_AUTHOR}){{2,}}|(?:{_AUTHOR}){{3,}})")
_IMPRINT_MARKS = (
    re.compile(r"\bISBN\b"),
    re.compile(r"Cataloguing-in-Publication|CIP data", re.I),
    re.compile(r"Suggested citation", re.I),
    re.compile(r"Some rights reserved", re.I),
    re.compile(r"General disclaimers", re.I),
)


def is_contents(text: str, heading: str) -> bool:
    """Contents lines: under a "Contents"/"List of figures" heading, with dot leaders, or mostly entries."""
    if _CONTENTS_HEADING.match(heading.strip()) or len(_LEADER_ENTRY.findall(heading)) >= 1:
        return True
    entries = len(_ENTRY.findall(text))
    return len(_LEADER_ENTRY.findall(text)) >= 2 or (entries >= 4 and entries * 12 >= len(text.split()))


# A chunk this short that holds a reference mark is one entry, or the tail of one, that the chunker split
# off a reference list ("91. European Medicines Agency (EMA). Sovaldi. … (https://…)", "J Patient Saf.
# 2010;31(1):12-20."): body text this short rarely carries a link or a citation.
_ENTRY_CHARS = 400


def is_reference_entry(text: str) -> bool:
    """`text` opens like a numbered reference entry: "2. Brito M, Rufatto R, Murta F, …"."""
    return bool(_AUTHOR_LIST.match(text.strip()))


def is_reference_list(text: str, heading: str) -> bool:
    """A reference list: under a "References" heading, paragraphs that mostly read as references, or one
    short entry."""
    if _REFERENCES_HEADING.match(heading.strip()):
        return True
    if len(text) < _ENTRY_CHARS and (_REFERENCE_MARK.search(text) or is_reference_entry(text)):
        return True
    paragraphs = [p for p in text.split("\n") if p.strip()]
    marked = sum(1 for p in paragraphs if _REFERENCE_MARK.search(p) and (_NUMBERED_ENTRY.match(p) or len(p) < 400))
    return bool(paragraphs) and marked * 2 > len(paragraphs) and len(_REFERENCE_MARK.findall(text)) >= 2


# A back cover or contact page: a few words and an address to write to ("Email: GMPinfo@who.int", "Tel.: +41").
_CONTACT_MARK = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\bTel\.?:|\bE-?mail:", re.I)
_CONTACT_PAGE_WORDS = 40


def is_imprint(page_text: str) -> bool:
    """The imprint page: at least two of ISBN, cataloguing data, suggested citation, rights, disclaimers;
    or a contact page (under _CONTACT_PAGE_WORDS words with an e-mail address or a phone number)."""
    if len(page_text.split()) < _CONTACT_PAGE_WORDS and _CONTACT_MARK.search(page_text):
        return True
    return sum(1 for mark in _IMPRINT_MARKS if mark.search(page_text)) >= 2


# A person named with an affiliation in parentheses: "Ariel Izcovich (GRADE", "Dr Lien Bruggeman (Ministry".
_AFFILIATED_NAME = re.compile(
    r"\b(?:Dr |Professor |Prof\. )?[A-Z][a-zà-ÿ'’-]+(?: [A-Z]\.)*"  # a first name, initials
    r"(?: (?:de |da |van |von |del )?[A-Z][\w'’-]+){1,3} \((?=[A-Z])"  # family names, "(" and an affiliation
)
# A list of contributors names one person with an affiliation every few words; body text that names its
# authorities ("The chair of the group was M. Lindsay Grayson (Austin Health …)") rarely names four. Set on
# the four shared WHO PDFs (../shared/corpora/who), where group and reviewer lists name 5-13 per 100 words
# and body text at most 2.
_MIN_AFFILIATED_NAMES = 4
_AFFILIATED_NAMES_PER_100_WORDS = 4.0


def is_contributor_list(text: str) -> bool:
    """Acknowledgements, guideline-group or reviewer lists: mostly people named with their affiliations."""
    named = len(_AFFILIATED_NAME.findall(text))
    return named >= _MIN_AFFILIATED_NAMES and named * 100 >= _AFFILIATED_NAMES_PER_100_WORDS * len(text.split())


def section_of(chunk: Chunk, page_text: str) -> str:
    """The part of the book `chunk` lies in; `page_text` is the cleaned text of its first page."""
    if is_imprint(page_text):
        return IMPRINT
    if _INDEX_HEADING.match(chunk.heading.strip()):
        return INDEX
    if is_contents(chunk.text, chunk.heading):
        return CONTENTS
    if is_reference_list(chunk.text, chunk.heading):
        return REFERENCES
    if is_contributor_list(chunk.text):
        return CONTRIBUTORS
    return BODY


def label_sections(doc: Document, chunks: list[Chunk]) -> list[Chunk]:
    """`chunks` of `doc` with their `section` set (only paginated documents have these parts)."""
    if len(doc.pages) < 2:
        return chunks
    by_number = {p.number: doc.text[p.start : p.end] for p in doc.pages}
    return [replace(c, section=section_of(c, by_number.get(c.page_start, ""))) for c in chunks]
