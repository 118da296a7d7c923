"""The rendered-page cache stays within its size: the least recently shown pages go first, the page being
shown never, and pruning never makes a page view fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.settings import load_settings
from ingest.page_image import cached_page_path, prune_cache, render_page
from tests.pdf_fixtures import write_one_line_pages_pdf

SHA = "0" * 64
WIDTH = 300


@pytest.fixture()
def pdf(tmp_path: Path) -> Path:
    return write_one_line_pages_pdf(tmp_path / "deck.pdf", 6)


def _age(path: Path, seconds_ago: int) -> None:
    t = path.stat().st_mtime - seconds_ago
    os.utime(path, (t, t))


def test_rendering_past_the_bound_removes_the_least_recently_shown_pages(pdf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "pages"
    first = [render_page(pdf, SHA, n, WIDTH, cache).path for n in (1, 2, 3)]
    for age, path in zip((300, 200, 100), first, strict=True):
        _age(path, age)  # shown in the order 1, 2, 3
    render_page(pdf, SHA, 1, WIDTH, cache)  # page 1 shown again: now the most recent of the three
    size = first[0].stat().st_size
    bound = sum(p.stat().st_size for p in first) + size // 2  # room for three pages and a half
    fourth = render_page(pdf, SHA, 4, WIDTH, cache, max_cache_bytes=bound).path
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in (first[0], first[2], fourth))
    assert sum(p.stat().st_size for p in cache.iterdir()) <= bound


def test_a_bound_smaller_than_one_page_keeps_the_page_being_shown(pdf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "pages"
    render_page(pdf, SHA, 1, WIDTH, cache)
    shown = render_page(pdf, SHA, 2, WIDTH, cache, max_cache_bytes=1)
    assert [p.name for p in cache.iterdir()] == [shown.path.name]
    assert shown.width == WIDTH


def test_a_page_pruned_by_another_request_is_rendered_again(pdf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "pages"
    target = render_page(pdf, SHA, 3, WIDTH, cache).path
    target.write_bytes(b"")  # as if another request's prune removed it mid-read: not a readable image
    again = render_page(pdf, SHA, 3, WIDTH, cache, max_cache_bytes=1 << 30)
    assert again.path == target and again.width == WIDTH and target.stat().st_size > 0


def test_pruning_passes_over_files_being_written_other_files_and_a_missing_folder(tmp_path: Path) -> None:
    cache = tmp_path / "pages"
    assert prune_cache(cache, 0) == 0  # no folder yet: nothing to do, no error
    cache.mkdir()
    partial = cache / ".page-abc.png"
    partial.write_bytes(b"x" * 1000)
    other = cache / "notes.txt"
    other.write_bytes(b"x" * 1000)
    page = cached_page_path(cache, SHA, 1, WIDTH)
    page.write_bytes(b"x" * 1000)
    assert prune_cache(cache, 0) == 1
    assert sorted(p.name for p in cache.iterdir()) == sorted([partial.name, other.name])


def test_the_cache_bound_is_a_setting_in_mib() -> None:
    assert load_settings({}).page_cache_bytes == 256 << 20
    assert load_settings({"MHQA_PAGE_CACHE_MB": "1.5"}).page_cache_bytes == 3 << 19
