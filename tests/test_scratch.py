"""From scratch: matched LSTM / Transformer LMs, the alternating loop, Stop, analysis, sentiment three ways and
the "Show the code" scripts (executed here and compared with the app's own results)."""

import threading

import pytest
import torch

from playground.errors import PlaygroundError
from playground.scratch import analysis, loop, sentiment, texts
from playground.scratch.jobs import ScratchJobs
from playground.scratch.models import (CharTokenizer, TransformerLM, build_pair, count_params, lstm_params,
                                       lstm_width_for)
from playground.scratch.settings import ScratchSettings

SMALL = dict(layers=1, width=32, context=32, batch=8, lr=0.005, sample_every=20)


def events(text, settings, stop=None):
    return list(loop.run(text, settings, stop or threading.Event()))


@pytest.fixture(scope="module")
def fables():
    return texts.read_text("fables_en")


@pytest.mark.parametrize("vocab", [50, 600])
@pytest.mark.parametrize("layers,width", [(1, 16), (2, 64), (4, 256)])
def test_parameter_counts_match_within_ten_percent(vocab, layers, width):
    lstm, transformer = build_pair(vocab, width, layers, 64)
    a, b = count_params(lstm), count_params(transformer)
    assert abs(a - b) / b <= 0.10
    assert a == lstm_params(vocab, lstm.lstm.hidden_size, layers)
    assert lstm.lstm.num_layers == layers and len(transformer.blocks) == layers
    assert lstm_width_for(b, vocab, layers) == lstm.lstm.hidden_size


def test_character_tokenizer_round_trips_english_and_chinese():
    tok = CharTokenizer("Hello, 世界!\n")
    assert tok.decode(tok.encode("Hello 世界")) == "Hello 世界"
    assert tok.encode("Q") == []  # unseen characters are dropped, never "unknown"
    assert tok.vocab_size == len(set("Hello, 世界!\n"))


def test_causal_mask_changing_a_later_token_never_changes_an_earlier_prediction():
    torch.manual_seed(0)
    model = TransformerLM(30, 32, 2, 16).eval()
    ids = torch.randint(0, 30, (1, 16))
    for k in (3, 9, 15):
        changed = ids.clone()
        changed[0, k] = (changed[0, k] + 1) % 30
        with torch.no_grad():
            a, b = model(ids), model(changed)
        assert torch.allclose(a[0, :k], b[0, :k], atol=1e-5)
        assert not torch.allclose(a[0, k:], b[0, k:], atol=1e-5)


def test_both_losses_fall_and_the_run_reports_everything(fables):
    settings = ScratchSettings(steps=60, seed=3, **SMALL)
    got = events(fables, settings)
    start = got[0]
    assert isinstance(start, loop.StartEvent) and set(start.params) == {"lstm", "transformer"}
    steps = [e for e in got if isinstance(e, loop.StepEvent)]
    assert [e.step for e in steps] == list(range(1, 61))
    for name in ("lstm", "transformer"):
        first = sum(e.losses[name] for e in steps[:5]) / 5
        last = sum(e.losses[name] for e in steps[-5:]) / 5
        assert last < first - 0.3, name
        assert all(e.tokens_per_second[name] > 0 for e in steps)
    evals = [e for e in got if isinstance(e, loop.EvalEvent)]
    assert [e.step for e in evals] == [20, 40, 60]
    assert all(1 < e.perplexity[n] < start.vocab_size * 2 for e in evals for n in ("lstm", "transformer"))
    samples = [e for e in got if isinstance(e, loop.SampleEvent)]
    assert len(samples) == 3 and all(len(s.texts["lstm"]) == loop.SAMPLE_CHARS for s in samples)
    assert isinstance(got[-2], loop.AnalysisEvent) and got[-1] == loop.PhaseEvent("done")
    assert steps[-1].eta == 0


def test_stop_takes_effect_within_one_step(fables):
    stop = threading.Event()
    seen = []
    for event in loop.run(fables, ScratchSettings(steps=500, **SMALL), stop):
        if isinstance(event, loop.StepEvent):
            seen.append(event.step)
            if event.step == 3:
                stop.set()
        last = event
    assert seen == [1, 2, 3] and last == loop.PhaseEvent("stopped")


def test_stop_through_the_job_manager(fables):
    jobs = ScratchJobs()
    job = jobs.start("a", fables, ScratchSettings(steps=3000, max_seconds=900, **SMALL))
    with pytest.raises(PlaygroundError) as err:
        jobs.start("a", fables, ScratchSettings(**SMALL))
    assert err.value.code == "scratch_already_running"
    while job.snapshot().step < 2:
        job.finished.wait(0.05)
    assert jobs.stop("a")
    at_stop = job.snapshot().step
    assert job.finished.wait(120)
    p = job.snapshot()
    assert p.phase == "stopped" and p.step <= at_stop + 1 and p.analysis is not None
    assert len(p.losses) == p.step and p.speed["lstm"] > 0 and p.speed["transformer"] > 0


def test_time_limit_and_busy_server(fables):
    jobs = ScratchJobs(max_jobs=1)
    job = jobs.start("a", fables, ScratchSettings(steps=3000, max_seconds=10, **SMALL))
    with pytest.raises(PlaygroundError) as err:
        jobs.check_start("b")
    assert err.value.code == "scratch_busy"
    jobs.stop("a")
    job.finished.wait(120)


def test_analysis_copy_test_attention_and_sequential_steps(fables):
    pair = loop.Pair(fables, ScratchSettings(**SMALL))
    a = analysis.analyse(pair)
    assert set(a.position_loss) == {"lstm", "transformer"} and len(a.position_loss["lstm"]) == 32
    for result in a.copy.values():
        assert 0 <= result.accuracy <= 1 and 0 <= result.baseline <= 1
        assert result.distance == 32 - analysis.NAME_LEN
    seen, control, _ = analysis.copy_sequences(pair)
    assert all(s[-analysis.NAME_LEN:] == s[:analysis.NAME_LEN] for s in seen)
    assert all(len(s) == 32 for s in seen + control)
    w = a.attention
    assert w.shape[:2] == (1, 4) and w.shape[2] == w.shape[3] == len(a.attention_text)
    assert abs(w.sum(-1) - 1).max() < 1e-4 and abs(torch.triu(torch.tensor(w), 1)).max() < 1e-6
    assert a.sequential_steps == {"lstm": 32, "transformer": 1}
    assert analysis.attention_result(a).causal


def test_text_sources_and_their_errors(tmp_path):
    keys = [s.key for s in texts.sources()]
    assert {"fables_en", "fables_zh"} <= set(keys)
    zh = texts.read_text("fables_zh")
    assert "狐狸" in zh
    with pytest.raises(PlaygroundError) as err:
        texts.read_text("nope")
    assert err.value.code == "scratch_unknown_source"
    with pytest.raises(PlaygroundError) as err:
        texts.read_text(texts.PASTED, "too short")
    assert err.value.code in ("too_little", "scratch_too_little")
    with pytest.raises(PlaygroundError):
        texts.read_text(texts.PASTED, "")
    own = tmp_path / "mine.txt"
    own.write_text("The quick brown fox jumps over the lazy dog. " * 30, encoding="utf-8")
    assert texts.read_text(texts.PASTED, "", [str(own)]).startswith("The quick")
    with pytest.raises(PlaygroundError) as err:
        ScratchSettings(width=18)
    assert err.value.code == "scratch_width_heads"


# ----------------------------------------------------------------------------------------------- sentiment

def test_sentiment_csv_validation():
    rows = sentiment.parse_csv("text,label\n" + "\n".join(f"row {i},{'a' if i % 2 else 'b'}" for i in range(20)))
    assert len(rows) == 20
    cases = [("words,label\nx,y\n", "scratch_csv_header"), ("text,label\na,b,c\n", "scratch_csv_row"),
             ("text,label\n" + "x,a\n" * 20, "scratch_csv_labels"), ("text,label\nx,a\ny,b\n", "scratch_csv_small"),
             ("text,label\n,a\n", "scratch_csv_empty_cell")]
    for text, code in cases:
        with pytest.raises(PlaygroundError) as err:
            sentiment.parse_csv(text)
        assert err.value.code == code
        assert err.value.text("zh") != str(err.value)
    gbk = ("text,label\n" + "".join(f"句子{i},{'好' if i % 2 else '坏'}\n" for i in range(20))).encode("gbk")
    assert sentiment.parse_csv(gbk)[0].text == "句子0"


def test_bundled_sets_split_and_lstm_beats_chance():
    for lang in ("en", "zh"):
        rows = sentiment.bundled(lang)
        train, test = sentiment.split(rows)
        assert len(rows) >= 60 and len(test) >= 15 and not {r.text for r in train} & {r.text for r in test}
        assert sentiment.labels_of(train) == sentiment.labels_of(test) and len(sentiment.labels_of(rows)) == 2
    train, test = sentiment.split(sentiment.bundled("en"))
    result = sentiment.train_lstm(train, test, steps=80)
    assert result.accuracy > 0.5 + 1 / len(test)  # better than chance by more than one example
    assert len(result.wrong) == round((1 - result.accuracy) * len(test)) and result.trainable > 0


@pytest.mark.parametrize("lora", [True, False])
def test_tuned_classifier_runs_on_a_private_copy(llama_folder, lora):
    train, test = sentiment.split(sentiment.bundled("en"))
    from transformers import AutoModelForCausalLM

    before = {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(llama_folder).state_dict().items()}
    result = sentiment.tune(str(llama_folder), train, test, steps=3, lora=lora)
    assert result.method == ("lora" if lora else "head") and 0 <= result.accuracy <= 1 and result.trainable > 0
    after = AutoModelForCausalLM.from_pretrained(llama_folder).state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the model on disk is untouched


def test_zero_shot_uses_label_likelihood(tiny_lm, worker):
    from playground.config import Limits

    train, test = sentiment.split(sentiment.bundled("en"))
    result = sentiment.zero_shot(tiny_lm, worker, Limits(), train, test[:4])
    assert result.method == "zero_shot" and result.trainable == 0
    assert all(pred in ("positive", "negative") for _, _, pred in result.wrong)
