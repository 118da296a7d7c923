"""The optional answer check: a chat model asked whether the composed answer answers the question.

The extractive answer's refusal rules (`assistant.refusal`, `assistant.reading`) read embeddings and
words; a question on another subject whose words happen to embed near a table cell or a form field still
gets "answered". A small instruction-tuned model reading the question and the few quoted sentences tells
the two apart far better, but no packaged model with a stated licence exists, so the check is off unless
`judge = "openai"` names an OpenAI-compatible endpoint (the same one `assistant.llm` uses).

The model is asked for one token, "yes" or "no", and the check reads the probabilities of both from the
first token's log-probabilities, so the threshold is a probability rather than whatever word the model
chose. An endpoint that fails or returns no log-probabilities leaves the answer as it was, with a notice.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from assistant.answer_types import Answer
from assistant.compose import refusal
from assistant.errors import AnswerError, GeneratorError
from assistant.llm import post_chat
from assistant.settings import Settings

JUDGES = ("off", "openai")

SYSTEM_PROMPT = "You check answers. Reply with one word: yes or no."
QUESTION_TO_JUDGE = "Does the text answer the question? Reply yes or no."

# How many alternatives for the first token to ask for: "yes" and "no" come in several spellings
# ("Yes", " yes", "YES"), and all of them count.
TOP_LOGPROBS = 20

_MARKER = re.compile(r"\s*\[\d+\]")


# Worked examples shown before every question, made up for the prompt (no question of eval/ is among
# them): a small model tells "on the subject" from "answers it" far better after a few. They are the
# same for every call, so the server reuses their cached prompt.
EXAMPLES = (
    ("When did the committee first meet?", "The committee held its first meeting in Cairo on 3 March 2021.", "yes"),
    ("How many beds does the hospital have?", "The hospital was opened in 1998 by the Ministry of Health.", "no"),
    ("¿Qué dosis se recomienda para adultos?", "Adults should receive 500 mg twice daily for five days.", "yes"),
    ("Quelle est la capitale de l'Australie ?", "Vaccination coverage rose to 85% in 2020 across the region.", "no"),
    ("Who leads the programme?", "The programme is led by Dr Ana Silva, Director of Public Health.", "yes"),
    ("How do I bake sourdough bread?", "(CI 95% 12 fewer – 3 more)", "no"),
)


def _user_message(question: str, text: str) -> str:
    return f"Question: {question}\n\nText from a document:\n{text}\n\n{QUESTION_TO_JUDGE}"


def judge_messages(question: str, answer_text: str) -> list[dict[str, str]]:
    """The chat messages: the worked examples, then the question and the answer's quoted text without its
    citation markers."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for q, text, verdict in EXAMPLES:
        messages += [{"role": "user", "content": _user_message(q, text)}, {"role": "assistant", "content": verdict}]
    text = _MARKER.sub("", answer_text).strip()
    return [*messages, {"role": "user", "content": _user_message(question, text)}]


def yes_probability(alternatives: Iterable[Mapping[str, Any]]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the first token's alternatives (`{"token", "logprob"}` each), or
    None when neither word is among them."""
    mass = {"yes": 0.0, "no": 0.0}
    for alt in alternatives:
        word = str(alt.get("token", "")).strip().lower()
        logprob = alt.get("logprob")
        if word in mass and isinstance(logprob, int | float) and math.isfinite(logprob):
            mass[word] += math.exp(logprob)
    total = mass["yes"] + mass["no"]
    return mass["yes"] / total if total > 0 else None


def first_token_alternatives(body: bytes, url: str) -> list[Mapping[str, Any]]:
    """The `top_logprobs` of the reply's first token (OpenAI chat-completions format)."""
    try:
        first = json.loads(body)["choices"][0]["logprobs"]["content"][0]
        alternatives = first.get("top_logprobs") or [first]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise GeneratorError(f"{url}: the reply has no log-probabilities (choices[0].logprobs.content)") from exc
    if not isinstance(alternatives, list):
        raise GeneratorError(f"{url}: malformed log-probabilities")
    return [a for a in alternatives if isinstance(a, Mapping)]


def check_judge(settings: Settings) -> None:
    """AnswerError for an unknown judge or a threshold that is not a probability."""
    if settings.judge not in JUDGES:
        raise AnswerError(f"unknown answer check MHQA_JUDGE={settings.judge!r}: use one of {', '.join(JUDGES)}")
    if not 0 < settings.judge_threshold < 1:
        raise AnswerError(f"MHQA_JUDGE_THRESHOLD={settings.judge_threshold} must lie between 0 and 1")


@lru_cache(maxsize=256)  # the same answer is checked once (the app's repeated questions, eval's two passes)
def ask_judge(settings: Settings, question: str, answer_text: str) -> float:
    """The endpoint's probability that `answer_text` answers `question`."""
    options = {"max_tokens": 1, "logprobs": True, "top_logprobs": TOP_LOGPROBS}
    with post_chat(settings, judge_messages(question, answer_text), stream=False, options=options) as response:
        try:
            body = response.read()
        except (TimeoutError, OSError) as exc:
            raise GeneratorError(f"{settings.openai_base_url}: reading the reply failed: {exc}") from exc
    p = yes_probability(first_token_alternatives(body, settings.openai_base_url))
    if p is None:
        raise GeneratorError(f"{settings.openai_base_url}: neither 'yes' nor 'no' among the first token's alternatives")
    return p


def judged(answer: Answer, settings: Settings | None) -> Answer:
    """`answer`, or a refusal when the endpoint finds that it does not answer its question.

    Refusals pass unchanged (nothing to check), and so does everything when the check is off or no
    settings are given; an endpoint failure keeps the answer with a notice."""
    if settings is None:
        return answer
    check_judge(settings)
    if answer.refused or settings.judge == "off":
        return answer
    try:
        p = ask_judge(settings, answer.question, answer.text)
    except GeneratorError as exc:
        notice = f"answer check unavailable ({exc})"
        return replace(answer, notice="; ".join(x for x in (answer.notice, notice) if x))
    if p >= settings.judge_threshold:
        return answer
    reason = f"the answer check found that the closest passages do not answer it (p={p:.2f})"
    return refusal(answer.question, answer.related, reason=reason)
