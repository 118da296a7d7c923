"""The app's pure rendering, filtering and upload functions (no browser, no model)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.answer_types import Answer, Citation
from assistant.ui import render as al
from index.hit import Hit
from ingest.document import DocumentMeta
from ingest.errors import MhqaError
from tests.answer_helpers import text_hit as make_hit

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> ${1+1} {{value}} *x* [a](b)'


@dataclass(frozen=True)
class Doc:
    doc_id: str
    title: str
    meta: DocumentMeta
    sha256: str = "ab" * 32
    pages: int = 3
    chunks: int = 7
    added: str = "2026-01-02T03:04:05Z"
    changed: str = "2026-01-03T03:04:05Z"


DOCS = [
    Doc("a", "Alpha report", DocumentMeta(title="Alpha report", date="2019")),
    Doc("b", "Beta note", DocumentMeta(title="Beta note", date="2025-11-25")),
    Doc("c", "Gamma book", DocumentMeta(title="Gamma book", date="2019")),
]


def visible_text(markup: str) -> str:
    """What a browser would show for our markup (tags dropped, entities decoded)."""
    import html

    return html.unescape(re.sub(r"<br>", "\n", re.sub(r"<(?!br>)[^>]+>", "", markup)))


def test_escape_text_leaves_no_tag_or_template_syntax_but_shows_the_same_characters() -> None:
    out = al.escape_text(EVIL)
    assert "<" not in out and ">" not in out and "${" not in out and "{{" not in out and "*" not in out
    assert visible_text(out) == EVIL


@given(st.text(max_size=200))
def test_escape_text_round_trips_any_text(text: str) -> None:
    out = al.escape_text(text)
    assert not re.search(r"<(?!br>)", out)
    assert visible_text(out) == text


def test_highlight_marks_exactly_the_span_after_escaping() -> None:
    text = "First <b>bold</b> sentence. Second & last sentence."
    start = text.index("Second")
    out = al.highlight(text, (start, len(text)))
    assert out.count("<mark>") == 1
    marked = re.search(r"<mark>(.*)</mark>", out)
    assert marked is not None and visible_text(marked.group(1)) == "Second & last sentence."
    assert "<b>" not in out and visible_text(out) == text


@pytest.mark.parametrize("span", [None, (5, 5), (10, 3)])
def test_highlight_without_a_usable_span_marks_nothing(span: tuple[int, int] | None) -> None:
    out = al.highlight("Some passage text.", span)
    assert "<mark>" not in out and visible_text(out) == "Some passage text."


def test_a_source_card_gives_the_printed_page_and_the_pdf_page_as_the_exports_do() -> None:
    # one page formatter for the app, the CLI and the exports (two used to disagree on this page)
    citation = Citation(n=1, chunk_id="c", doc_id="d", title="Book", pages=(6,), page_labels=("iv",), quote="Q.")
    assert "p. iv (PDF page 6)" in visible_text(al.render_citation(citation, None))


def answer_with(text: str, quote: str, hit: Hit, *, refused: bool = False) -> Answer:
    citation = Citation(
        n=1,
        chunk_id=hit.chunk.chunk_id,
        doc_id=hit.chunk.doc_id,
        title=hit.chunk.title,
        pages=(4,),
        page_labels=("4",),
        quote=quote,
    )
    return Answer(
        question="q", text=text, refused=refused, citations=(citation,) if not refused else (), related=(hit,)
    )


def test_answer_markers_become_links_to_their_source_cards() -> None:
    passage = "Migrants face barriers. Health systems must adapt."
    hit = make_hit(passage, (0, 23))
    answer = answer_with("Health systems must adapt. [1] Not a marker [9].", "Health systems must adapt.", hit)
    html_answer = al.render_answer(answer)
    assert '<a class="mhqa-cite" href="#mhqa-src-1"' in html_answer
    assert "[9]" in visible_text(html_answer) and "#mhqa-src-9" not in html_answer
    sources = al.render_sources(answer)
    assert 'id="mhqa-src-1"' in sources
    assert re.search(r"<mark>Health systems must adapt\.</mark>", sources)  # the cited sentence, not best
    assert "p. 4" in sources and "score 0.500" in sources and "A title" in sources


def test_answer_and_sources_escape_untrusted_document_text() -> None:
    hit = make_hit(EVIL, (0, 10), title="<img src=x onerror=alert(1)>")
    answer = answer_with(EVIL + " [1]", EVIL, hit)
    for markup in (al.render_answer(answer), al.render_sources(answer)):
        assert "<script" not in markup and "<img" not in markup and "${" not in markup
    assert EVIL in visible_text(al.render_sources(answer))


def test_refusal_is_labelled_and_shows_related_passages_with_best_sentence() -> None:
    hit = make_hit("Unrelated passage. The closest sentence.", (19, 40))
    answer = answer_with("The documents do not answer this.", "", hit, refused=True)
    assert "Not answered" in al.render_answer(answer)
    sources = al.render_sources(answer)
    assert "Related passages" in sources and "<mark>The closest sentence.</mark>" in sources


def test_citation_without_its_passage_shows_the_quote_marked() -> None:
    hit = make_hit("Some passage.", (0, 13))
    answer = answer_with("Quoted. [1]", "Quoted.", hit)
    sources = al.render_sources(answer, hits_by_chunk={})
    assert "<mark>Quoted.</mark>" in sources and "score" not in sources


def test_search_results_are_ranked_with_copyable_escaped_citation() -> None:
    hits = [
        make_hit('One "quoted" <b>x</b>. Two.', (0, 22), chunk_id="c1", doc_id="a"),
        make_hit("Three.", (0, 6), chunk_id="c2", doc_id="b", labels=("7", "8")),
    ]
    out = al.render_hits(hits, years={"a": "2019"})
    assert out.index('id="mhqa-hit-1"') < out.index('id="mhqa-hit-2"')
    cites = re.findall(r'data-cite="([^"]*)"', out)
    assert len(cites) == 2
    import html

    assert html.unescape(cites[0]) == 'A title (2019), p. 4: "One "quoted" <b>x</b>."'
    assert html.unescape(cites[1]) == 'A title, pp. 7–8 (PDF pages 4–5): "Three."'


def test_filters_combine_document_choice_and_year() -> None:
    assert al.filter_doc_ids(DOCS, [], al.ANY_YEAR) is None
    assert al.filter_doc_ids(DOCS, None, "2019") == ("a", "c")
    assert al.filter_doc_ids(DOCS, ["b", "c"], "2019") == ("c",)
    assert al.filter_doc_ids(DOCS, ["b"], "2019") == ()
    assert al.year_choices(DOCS) == [al.ANY_YEAR, "2025", "2019"]
    assert al.doc_choices(DOCS)[0] == ("Alpha report (2019)", "a")


def test_library_rows_and_about_line_describe_each_document() -> None:
    rows = al.library_rows(DOCS)
    assert [r[1] for r in rows] == ["a", "b", "c"]
    assert rows[0][2:] == ["2019", 3, 7, "2026-01-02 03:04", "2026-01-03 03:04", "ab" * 6]
    about = al.about_line([Doc("x", "<i>T</i>", DocumentMeta(title="<i>T</i>"))], "minilm")
    assert "<i>" not in about and "1 document:" in about and "minilm" in about


def test_summary_text_counts_changes_and_lists_skipped_files() -> None:
    @dataclass
    class Summary:
        added: tuple[str, ...] = ("new",)
        changed: tuple[str, ...] = ()
        removed: tuple[str, ...] = ("gone", "gone2")
        unchanged: tuple[str, ...] = ("a",)
        chunks_embedded: int = 12
        skipped: tuple[tuple[str, str], ...] = (("bad.pdf", "encrypted"),)
        seconds: float = 1.25
        rebuilt_reason: str | None = None

    text = al.summary_text(Summary())
    assert "1 added" in text and "2 removed" in text and "12 passages" in text
    assert "bad.pdf (encrypted)" in text and "Rebuilt" not in text


class _IdleSearcher:
    """Stands in for the index where these tests never search: only the calls the service makes."""

    embedder = None

    def __init__(self) -> None:
        self.refreshed = 0
        self.searched: list[Any] = []

    def search(self, query: str, **kwargs: Any) -> list[Hit]:
        self.searched.append(kwargs)
        return []

    def refresh(self) -> bool:
        self.refreshed += 1
        return True


def service_for(corpus: Path) -> Any:
    from assistant.settings import Settings
    from assistant.ui.service import AppService

    return AppService(Settings(corpus_dir=corpus, index_dir=corpus.parent / "index"), _IdleSearcher())


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.txt", "/etc/passwd.md", "..\\..\\windows\\evil.txt", "a/../../b.txt"]
)
def test_uploaded_names_with_folders_land_inside_the_corpus(corpus: Path, name: str) -> None:
    saved = service_for(corpus).save_upload(b"plain words", name, replace=False)
    assert saved.path.parent == corpus.resolve()
    assert [p.name for p in corpus.iterdir()] == [saved.path.name]
    assert not (corpus.parent / Path(name.replace("\\", "/")).name).exists()


@pytest.mark.parametrize("name", ["evil\x00.txt", "../../etc/passwd", "CON"])
def test_unusable_upload_names_are_refused_with_one_line(corpus: Path, name: str) -> None:
    with pytest.raises(MhqaError) as info:
        service_for(corpus).save_upload(b"plain words", name, replace=False)
    assert "\n" not in str(info.value)
    assert list(corpus.iterdir()) == []


def test_windows_device_names_are_renamed_not_used(corpus: Path) -> None:
    saved = service_for(corpus).save_upload(b"plain words", "CON.txt", replace=False)
    assert saved.path.stem.lower() != "con"


def test_upload_whose_content_is_not_its_type_is_refused(corpus: Path) -> None:
    with pytest.raises(MhqaError, match="PDF"):
        service_for(corpus).save_upload(b"MZ\x90\x00 not a pdf", "report.pdf", replace=False)
    assert list(corpus.iterdir()) == []


def test_second_rebuild_while_one_runs_is_refused(corpus: Path) -> None:
    from assistant.errors import RebuildBusyError

    service = service_for(corpus)
    assert service._rebuild_lock.acquire(blocking=False)  # a rebuild in progress
    try:
        with pytest.raises(RebuildBusyError, match="already running"):
            service.rebuild()
    finally:
        service._rebuild_lock.release()
    assert service.searcher.refreshed == 0


def test_search_with_a_filter_nothing_matches_returns_nothing_not_everything(corpus: Path) -> None:
    service = service_for(corpus)
    assert service.search("health", doc_ids=()) == []
    assert service.searcher.searched == []
    service.search("health", doc_ids=None)
    assert service.searcher.searched[-1]["doc_ids"] is None
    with pytest.raises(MhqaError, match="type a query"):
        service.search("   ")
