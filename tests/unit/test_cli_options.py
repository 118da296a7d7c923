"""Options every command shares are accepted before the command and after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import build_parser, main
from evaluation.evaluate import DEFAULT_QUESTIONS


@pytest.mark.parametrize(
    "argv",
    [
        ["--index-dir", "/tmp/x", "--model", "minilm", "index"],
        ["index", "--index-dir", "/tmp/x", "--model", "minilm"],
        ["--model", "minilm", "index", "--index-dir", "/tmp/x"],
    ],
)
def test_index_dir_and_model_are_read_on_either_side_of_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.index_dir == Path("/tmp/x") and args.embedding_model == "minilm"


def test_an_option_given_before_the_command_is_not_reset_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `search` on an index folder that does not exist names that folder: the value given first was kept
    missing = tmp_path / "no-index"
    assert main(["--index-dir", str(missing), "search", "health"]) == 1
    assert str(missing) in capsys.readouterr().err


def test_the_default_question_set_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert DEFAULT_QUESTIONS.is_absolute() and DEFAULT_QUESTIONS.is_file()
