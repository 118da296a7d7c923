"""Forward passes of the PyTorch engine stay within a token budget and keep every row once."""

from __future__ import annotations

from index.engine import passes


def test_passes_keep_every_row_once_within_the_budget() -> None:
    windows = [[0] * n for n in (5, 300, 12, 40, 512, 7, 7, 100)]
    groups = passes(windows, 600)
    assert sorted(r for g in groups for r in g) == list(range(len(windows)))
    for group in groups:
        widest = max(len(windows[r]) for r in group)
        assert len(group) == 1 or len(group) * widest <= 600


def test_a_window_longer_than_the_budget_gets_a_pass_of_its_own() -> None:
    assert passes([[0] * 50, [0] * 900], 100) == [[0], [1]]
