"""Test PDFs built by the tests themselves (fpdf2, then pypdf for page labels and encryption).

The report fixture has what real WHO PDFs have: roman-numbered front matter, running headers, footers
with page numbers, a word hyphenated across lines, a ligature, and a paragraph across a page break.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
HEADER = "Health diplomacy and migration: a test report"

# (printed label, lines of body text). Lines are placed one by one so that wraps are known exactly.
REPORT_PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "i",
        (
            "Foreword",
            "",
            "This report is the \ufb01rst of its kind and its \ufb01ndings are of",
            "interest to every Member State of the Region.",
        ),
    ),
    ("ii", ("Acknowledgements", "", "The authors thank the national focal points for their support.")),
    (
        "1",
        (
            "Background",
            "",
            "1. Health systems must serve refugees and migrants. The health of",
            "populations on the move depends on sustained migra-",
            "tion and health policies. Cross-border cooperation",
            "is needed, and cross-border data sharing helps.",
        ),
    ),
    (
        "2",
        (
            "Findings",
            "",
            "2. Countries reported progress in several areas. The strongest results",
            "were seen where ministries of health and foreign affairs worked with",
        ),
    ),
    (
        "3",
        (
            "civil society to protect the health of refugees and migrants.",
            "",
            "Looking ahead",
            "",
            "3. The next report will follow in two years and will cover every region again.",
        ),
    ),
)
REPORT_LABELS = tuple(label for label, _ in REPORT_PAGES)


def unicode_font() -> Path | None:
    """A TrueType font with the \ufb01 ligature glyph, or None when the machine has none."""
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    font = unicode_font()
    if font is not None:
        pdf.add_font("DejaVu", fname=str(font))
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    return pdf


def _pdf_pages(pages: tuple[tuple[str, tuple[str, ...]], ...], *, running: bool = True) -> bytes:
    pdf = _new_pdf()
    for label, lines in pages:
        pdf.add_page()
        if running:
            pdf.set_xy(20, 10)
            pdf.cell(text=HEADER)
        pdf.set_xy(20, 30)
        for line in lines:
            if not line:
                pdf.ln(7)
                continue
            pdf.set_x(20)
            pdf.cell(h=7, text=line, new_x="LMARGIN", new_y="NEXT")
        if running:
            pdf.set_xy(100, 280)
            pdf.cell(text=label)
    return bytes(pdf.output())


def _with_labels(data: bytes, front_matter: int) -> bytes:
    """Roman labels for the front matter, arabic from 1 after it (as a /PageLabels tree)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if front_matter:
        writer.set_page_label(0, front_matter - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(front_matter, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def report_pdf_bytes() -> bytes:
    return _with_labels(_pdf_pages(REPORT_PAGES), front_matter=2)


def write_report_pdf(path: Path) -> Path:
    """The five-page report described above, labelled i, ii, 1, 2, 3."""
    path.write_bytes(report_pdf_bytes())
    return path


def write_simple_pdf(path: Path, lines: tuple[str, ...] = ("A short note on migrant health.",)) -> Path:
    path.write_bytes(_pdf_pages((("1", lines),), running=False))
    return path


def write_titled_pdf(path: Path, title: str) -> Path:
    """The simple PDF with `title` in its document information dictionary."""
    write_simple_pdf(path)
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.add_metadata({"/Title": title})
    writer.write(path)
    return path


def write_encrypted_pdf(path: Path, user_password: str) -> Path:
    """The simple PDF encrypted with AES; an empty user password opens without asking."""
    writer = PdfWriter(
        clone_from=PdfReader(io.BytesIO(_pdf_pages((("1", ("Encrypted but readable text.",)),), running=False)))
    )
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def write_image_only_pdf(path: Path) -> Path:
    """A 'scanned' page: drawn shapes, no text layer."""
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_fill_color(80, 80, 80)
    for i in range(10):
        pdf.rect(20, 20 + i * 20, 150, 10, style="F")
    path.write_bytes(bytes(pdf.output()))
    return path


def write_zero_page_pdf(path: Path) -> Path:
    out = io.BytesIO()
    PdfWriter().write(out)
    path.write_bytes(out.getvalue())
    return path


def write_one_line_pages_pdf(path: Path, n_pages: int) -> Path:
    """`n_pages` pages of one line each that differ only in a number (a slide deck, a form)."""
    pages = tuple((str(i), (f"Migrants in district {i} reached the clinic.",)) for i in range(1, n_pages + 1))
    path.write_bytes(_pdf_pages(pages, running=False))
    return path


def write_shared_stream_pdf(path: Path, n_pages: int, inflated_bytes: int) -> Path:
    """A small PDF whose pages all draw one Flate stream that inflates to `inflated_bytes` (a
    decompression bomb: spaces compress about a thousandfold)."""
    import zlib

    content = b"BT /F1 12 Tf 72 720 Td (Shared text of every page.) Tj ET\n"
    content += b" " * max(0, inflated_bytes - len(content))
    packed = zlib.compress(content, 9)
    kids = " ".join(f"{5 + i} 0 R" for i in range(n_pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed + b"\nendstream",
    ]
    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
    page += "/Resources << /Font << /F1 3 0 R >> >> >>"
    objects += [page.encode()] * n_pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


# A book without /PageLabels whose printed folios are not its sheet numbers (like the WHO arboviral
# guidelines): an unnumbered cover, front matter printed i-iii, a blank sheet, then pages printed 1-4.
# (printed folio or "" for none, lines of body text)
BOOK_SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("Clinical care of migrants: a test guideline",)),
    (
        "i",
        (
            "Contents",
            "",
            "Background . . . . . . . . 1",
            "Findings . . . . . . . . . 2",
            "Treatment . . . . . . . . 3",
            "Looking ahead . . . . . . 4",
        ),
    ),
    ("ii", ("Foreword", "", "This guideline collects the advice of the panel on migrant care.")),
    ("iii", ("Acknowledgements", "", "The panel thanks the reviewers for their careful reading.")),
    ("", ()),
    ("1", ("Background", "", "Refugees often arrive with untreated chronic conditions.")),
    ("2", ("Findings", "", "Screening for tuberculosis found few active cases among arrivals.")),
    ("3", ("Treatment", "", "Children weighing 20 kg receive half of the adult dose of the medicine.")),
    ("4", ("Looking ahead", "", "The panel will review the evidence again in two years.")),
)
BOOK_RUNNING_TITLE = "Clinical care of migrants"


def write_unlabelled_book_pdf(path: Path) -> Path:
    """BOOK_SHEETS as a PDF with no /PageLabels: a running title and the printed folio at the foot of
    every numbered sheet, nothing at all on the blank one."""
    pdf = _new_pdf()
    for folio, lines in BOOK_SHEETS:
        pdf.add_page()
        if not lines:
            continue
        if folio:
            pdf.set_xy(20, 10)
            pdf.cell(text=BOOK_RUNNING_TITLE)
        pdf.set_xy(20, 30)
        for line in lines:
            if not line:
                pdf.ln(7)
                continue
            pdf.set_x(20)
            pdf.cell(h=7, text=line, new_x="LMARGIN", new_y="NEXT")
        if folio:
            pdf.set_xy(100, 280)
            pdf.cell(text=folio)
    path.write_bytes(bytes(pdf.output()))
    return path


# A dosing table as WHO guides print them: prose, a caption, column headers, one line per row, then
# prose again. Enough rows that the table needs more than one chunk.
TABLE_CAPTION = "Table 2. Primaquine daily dose by body weight"
TABLE_HEADER = "Body weight (kg) Daily dose Tablets"
TABLE_ROWS = tuple(
    f"{kg} to {kg + 4} kg {kg // 2}.5 mg base {'one' if kg < 20 else 'two'} {kg // 4} mg tablet(s) daily for 14 days"
    for kg in range(5, 80, 5)
)
TABLE_PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "1",
        (
            "Dosing",
            "",
            "Primaquine is given by body weight. The dose for each weight band is shown",
            "in the table below and must be checked before every course of treatment.",
            TABLE_CAPTION,
            TABLE_HEADER,
            *TABLE_ROWS,
            "",
            "The daily dose is taken with food, which reduces stomach upset in most patients.",
        ),
    ),
)


def write_table_pdf(path: Path) -> Path:
    """One page: a paragraph, TABLE_CAPTION, TABLE_HEADER, TABLE_ROWS, a closing paragraph."""
    path.write_bytes(_pdf_pages(TABLE_PAGES, running=False))
    return path
