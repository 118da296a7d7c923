"""The answer check's pure parts: the prompt, reading P(yes) from log-probabilities, its settings."""

from __future__ import annotations

import math

import pytest

from assistant.errors import AnswerError, GeneratorError
from assistant.judge import EXAMPLES, check_judge, first_token_alternatives, judge_messages, yes_probability
from assistant.settings import Settings, load_settings


def test_the_prompt_holds_the_question_and_the_answer_without_its_markers() -> None:
    messages = judge_messages("Who chairs the TAG?", "Its chair is Munir Merali. [1] He works in Geneva. [2]")
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * len(EXAMPLES) + ["user"]
    assert {m["content"] for m in messages[2:-1:2]} == {"yes", "no"}  # worked examples of both verdicts
    user = messages[-1]["content"]
    assert "Who chairs the TAG?" in user and "Its chair is Munir Merali. He works in Geneva." in user
    assert "[1]" not in user


def test_yes_probability_adds_every_spelling_of_yes_and_no() -> None:
    alternatives = [
        {"token": "Yes", "logprob": math.log(0.5)},
        {"token": " yes", "logprob": math.log(0.1)},
        {"token": "No", "logprob": math.log(0.2)},
        {"token": "Maybe", "logprob": math.log(0.2)},
    ]
    assert yes_probability(alternatives) == pytest.approx(0.6 / 0.8)


def test_yes_probability_is_none_when_neither_word_is_offered() -> None:
    assert yes_probability([{"token": "The", "logprob": -0.1}, {"token": "yes", "logprob": float("-inf")}]) is None
    assert yes_probability([]) is None


def test_a_reply_without_log_probabilities_is_a_clear_error() -> None:
    with pytest.raises(GeneratorError, match="no log-probabilities"):
        first_token_alternatives(b'{"choices": [{"message": {"content": "yes"}}]}', "http://x/v1")
    body = b'{"choices": [{"logprobs": {"content": [{"token": "no", "logprob": -0.2}]}}]}'
    assert first_token_alternatives(body, "http://x/v1") == [{"token": "no", "logprob": -0.2}]  # no alternatives


def test_the_check_is_off_by_default_and_its_settings_are_checked() -> None:
    assert load_settings(env={}).judge == "off"
    assert load_settings(env={"MHQA_JUDGE": "openai"}).judge == "openai"
    with pytest.raises(AnswerError, match="use one of off, openai"):
        check_judge(Settings(judge="gpt"))
    with pytest.raises(AnswerError, match="between 0 and 1"):
        check_judge(Settings(judge="openai", judge_threshold=1.5))
