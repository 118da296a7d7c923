"""Hostile requests and settings (issue 17): questions, history and batch lines are cleaned and bounded
before any model call, bad settings are one line, and nothing a user controls reaches the terminal raw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assistant.cli
from assistant.cli import EXIT_ERROR, EXIT_SKIPPED, main
from assistant.errors import AnswerError
from assistant.pipeline import answer_question, read_batch
from assistant.settings import load_settings
from assistant.unexpected import for_terminal
from ingest.errors import MhqaError, QueryError
from ingest.query import QueryLimits, clean_history, clean_query, normalise_text
from tests.answer_helpers import ListSearcher


def test_normalise_text_drops_nul_controls_lone_surrogates_and_bidi_overrides() -> None:
    hostile = "Who\x00 chairs\x1b[31m the\u202e group\ud800?\r\n\tNow\ufeff"
    assert normalise_text(hostile) == "Who chairs [31m the group? Now"
    assert normalise_text("cafe\u0301") == "café"  # NFC
    assert normalise_text("ٹیکنیکل\u200cگروپ") == "ٹیکنیکل\u200cگروپ"  # a joiner that spells a word is kept
    normalise_text(hostile).encode("utf-8")  # never a UnicodeEncodeError later


def test_clean_query_refuses_over_long_questions_with_their_numbers() -> None:
    with pytest.raises(QueryError, match=r"^the question is 200,000 characters, over the limit of 1,000 characters"):
        clean_query("x" * 200_000)
    with pytest.raises(QueryError, match=r"is 640 word pieces, over the limit of 256 word pieces"):
        clean_query("x, " * 320)
    with pytest.raises(QueryError, match="empty"):
        clean_query("\x00\u202e ")
    with pytest.raises(QueryError, match="must be text"):
        clean_query(None)
    assert clean_query("  Who chairs the group?  ") == "Who chairs the group?"


def test_a_long_follow_up_history_keeps_only_its_last_turns() -> None:
    history = [f"and what about point {i}?" for i in range(1000)]
    assert clean_history(history, QueryLimits(max_turns=20)) == tuple(history[-20:])


def test_a_thousand_turn_history_answers_instead_of_recursing() -> None:
    history = ["Who chairs the Technical Advisory Group?"] + ["and then?"] * 1000
    answer = answer_question(ListSearcher([]), "and who else?", history=history)
    assert answer.refused  # no passages: refused, and no RecursionError on the way


def test_bad_questions_in_a_batch_file_name_their_line_before_any_is_answered(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [{"id": 1, "q": "Who chairs it?"}, {"id": 2, "q": "lone \ud800 surrogate"}, {"id": 3, "q": "x" * 5000}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with pytest.raises(AnswerError, match=r"q.jsonl:3: the question is 5,000 characters"):
        read_batch(path)
    path.write_text("\n".join(json.dumps(r) for r in rows[:2]), encoding="utf-8")
    assert [b.q for b in read_batch(path)] == ["Who chairs it?", "lone surrogate"]
    path.write_bytes(b'{"q": "caf\xe9"}\n')  # not UTF-8
    with pytest.raises(AnswerError, match="q.jsonl: cannot read the file"):
        read_batch(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "MHQA_MAX_FILE_MB='abc' is not a number"),
        ("inf", "MHQA_MAX_FILE_MB='inf' must be a positive, finite number"),
        ("nan", "MHQA_MAX_FILE_MB='nan' must be a positive, finite number"),
        ("0", "MHQA_MAX_FILE_MB='0' must be a positive, finite number"),
        ("-5", "MHQA_MAX_FILE_MB='-5' must be a positive, finite number"),
    ],
)
def test_a_bad_number_setting_is_one_line(value: str, message: str) -> None:
    with pytest.raises(MhqaError, match=f"^{message}"):
        load_settings({"MHQA_MAX_FILE_MB": value})


def test_a_whole_number_setting_refuses_a_fraction() -> None:
    with pytest.raises(MhqaError, match=r"MHQA_MAX_TITLE_CHARS='2.5' is not a whole number"):
        load_settings({"MHQA_MAX_TITLE_CHARS": "2.5"})
    assert load_settings({"MHQA_MAX_QUESTION_CHARS": "300"}).max_question_chars == 300


def test_a_bad_setting_on_the_command_line_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MHQA_MAX_FILE_MB", "nan")
    assert main(["ingest", str(tmp_path)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == "mhqa: error: MHQA_MAX_FILE_MB='nan' must be a positive, finite number\n"


def test_file_names_with_newlines_and_escape_codes_cannot_forge_lines_or_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.txt").write_text("Migrants need primary care. It saves lives.", encoding="utf-8")
    (tmp_path / "x\nmhqa: error: forged.xyz").write_text("x", encoding="utf-8")
    (tmp_path / "\x1b[2J\x1b[31mred.txt").write_bytes(b"\x00binary")
    assert main(["ingest", str(tmp_path)]) == EXIT_SKIPPED
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert len(lines) == 2 and all(line.startswith("mhqa: skipped ") for line in lines)
    assert "\x1b" not in out.err + out.out
    assert "x\\nmhqa: error: forged.xyz" in out.err and "\\x1b[2J\\x1b[31mred.txt" in out.err


def test_for_terminal_shows_every_unprintable_character_as_an_escape() -> None:
    assert for_terminal("a\nb\x1b[0m\u202ec\ud800 é") == "a\\nb\\x1b[0m\\u202ec\\ud800 é"


def test_an_unexpected_error_is_one_line_with_the_trace_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "errors.log"
    monkeypatch.setenv("MHQA_ERROR_LOG", str(log))

    def broken(args: object, settings: object) -> int:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(assistant.cli, "_cmd_ingest", broken)
    assert main(["ingest", str(tmp_path)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("mhqa: error: unexpected error in mhqa ingest (RecursionError: maximum recursion depth")
    assert f"the trace is in {log}" in err
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
