""""Show the code" on the Attention, Fine-tune and Scenarios tabs: the endpoints, and the scripts run on tiny models.

The attention script is executed on tiny decoder and encoder folders and its weights compared with the app's
extraction; the scenario scripts are executed with the tiny model's folder and compared with the tab's own run.
"""

import contextlib
import io
import re

import pytest

from api import call
from attention_fixtures import make_bert
from playground import showcode
from playground.scenarios import registry
from playground.scenarios.spec import SLOT_ORDER, slots

SENTIMENT = "Text: {text}\nLabels: {labels}\nSentiment:"  # short: tiny models read few positions


def run_script(code: str, name: str = "shown") -> dict:
    """Execute a shown script (as tests/test_showcode.py does); its printed output is ``_stdout``."""
    namespace = {"__name__": name}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, f"{name}.py", "exec"), namespace)
    namespace["_stdout"] = out.getvalue()
    return namespace


def with_model(code: str, folder) -> str:
    """The script loading ``folder`` (the app names a server folder by its name only)."""
    code, n = re.subn(r"^MODEL = .*$", f"MODEL = {str(folder)!r}", code, count=1, flags=re.M)
    assert n == 1
    return code


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    return Client(launched_app[0], verbose=False)


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return make_bert(tmp_path_factory.mktemp("bert-code") / "bert")


# ----------------------------------------------------------------------------------------------- attention

@pytest.mark.parametrize("kind", ["gpt2", "llama", "bert"])
def test_attention_script_prints_the_apps_weights(kind, registry, gpt2_folder, llama_folder, bert_folder):
    from playground.attention import extract
    from playground.models import ModelSpec

    folder = {"gpt2": gpt2_folder, "llama": llama_folder, "bert": bert_folder}[kind]
    task = {"task": "masked-lm"} if kind == "bert" else {}
    lm = registry.get(ModelSpec("local", str(folder)), attn_implementation="eager", **task)
    text = "The cat sat on the [MASK] today." if kind == "bert" else "The cat sat on the mat. The cat"
    result = extract(lm, text)
    layer, head = result.n_layers - 1, 1
    code = showcode.attention_code(str(folder), text, layer, head)
    assert 'attn_implementation="eager"' in code and "output_attentions=True" in code and "gradio" not in code
    ns = run_script(code)
    printed = ns["_stdout"]
    assert f"{result.n_layers} layers" in printed and f"layer {layer}, head {head}:" in printed
    sums = [float(x) for x in re.search(r"^row sums: (.*)$", printed, re.M).group(1).split()]
    assert len(sums) == result.n_tokens and sums == pytest.approx([1.0] * len(sums), abs=1e-5)
    shown = ns["weights"].numpy()
    assert shown.shape == result.weights[layer, head].shape
    assert abs(shown - result.weights[layer, head]).max() < 1e-5  # the very matrix the tab draws


def test_attention_code_endpoint(client, gpt2_folder, bert_folder):
    text = "The cat sat on the mat."
    call(client, "attention", text=text, source="picker", encoder="", model=str(gpt2_folder), view="head",
         layer=1, head=2, focus=None, window=10)
    code = call(client, "attention_code", text=text, source="picker", encoder="", model=str(gpt2_folder),
                layer=1, head=2)
    compile(code, "shown.py", "exec")
    assert "MODEL = 'gpt2'" in code and repr(text) in code and "LAYER, HEAD = 1, 2" in code
    assert str(gpt2_folder) not in code  # never the server's path
    code = call(client, "attention_code", text="A [MASK] day.", source="encoder", encoder=str(bert_folder),
                model="", layer=0, head=3)
    assert "MODEL = 'bert'" in code and "LAYER, HEAD = 0, 3" in code and "AutoModel.from_pretrained" in code
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):
        call(client, "attention_code", text="   ", source="picker", encoder="", model=str(gpt2_folder), layer=0,
             head=0)


# ----------------------------------------------------------------------------------------------- fine-tune

def test_finetune_code_endpoint_shows_the_settings_on_screen(client, llama_folder):
    code = call(client, "finetune_code", model=str(llama_folder), method="lora", lora_r=4, lora_alpha=12,
                lora_dropout=0.1, lora_targets="all-linear", learning_rate=0.002)
    compile(code, "shown.py", "exec")
    assert "LoraConfig(r=4, lora_alpha=12, lora_dropout=0.1, target_modules='all-linear'" in code
    assert "lr=0.002" in code and "MODEL = 'llama'" in code
    ns = run_script(with_model(code, llama_folder))
    assert ns["config"].r == 4 and any(p.requires_grad for p in ns["model"].parameters())


# ----------------------------------------------------------------------------------------------- scenarios

def scenario_args(scenario_id: str, model: str, **over) -> dict:
    """Named values of /scenario_run and /scenario_code: the scenario's first example, greedy and short."""
    spec = registry.get(scenario_id)
    values = {**spec.defaults(), **spec.examples[0].values}
    named = {f"{kind}_{n}": {"number": 1, "textarea": "", "line": ""}.get(kind) for kind, n in SLOT_ORDER}
    for key, item in slots(spec).items():
        named[f"{key[0]}_{key[1]}"] = values.get(item.name)
    return dict(scenario=scenario_id, template=over.pop("template", spec.template), system=spec.system,
                model=model, max_new_tokens=12, do_sample=False, temperature=spec.settings.temperature,
                **named, **over)


def test_scenario_code_for_a_classification_gives_the_tabs_probabilities(client, gpt2_folder):
    args = scenario_args("sentiment", str(gpt2_folder), template=SENTIMENT)
    code = call(client, "scenario_code", **args)
    assert "Classify by label likelihood" in code and "'positive'" in code and "Sentiment:" in code
    ran = call(client, "scenario_run", **args)
    label = ran[4].get("value", ran[4]) if ran[4].get("__type__") == "update" else ran[4]
    app = {c["label"]: c["confidence"] for c in label["confidences"]}
    ns = run_script(with_model(code, gpt2_folder))
    import torch

    shown = dict(zip(ns["labels"], torch.tensor(list(ns["scores"].values())).softmax(0).tolist()))
    assert shown == pytest.approx(app, abs=1e-4)


def test_scenario_code_for_a_generation_gives_the_tabs_text(client, llama_folder):
    args = scenario_args("translate", str(llama_folder))
    code = call(client, "scenario_code", **args)
    assert "Translate the following English text into Chinese" in code and "apply_chat_template" in code
    assert "model.generate" in code and "'max_new_tokens': 12" in code
    ran = call(client, "scenario_run", **args)
    ns = run_script(with_model(code, llama_folder))
    shown = ns["tokenizer"].decode(ns["new_tokens"], skip_special_tokens=True)
    assert shown.strip() == ran[1].strip()  # greedy: the same tokens as the tab's run


def test_scenario_code_for_retrieval_includes_the_passages(client, gpt2_folder):
    code = call(client, "scenario_code", **scenario_args("customer_service", str(gpt2_folder)))
    compile(code, "shown.py", "exec")
    assert "{context}" not in code and "{question}" not in code and "model.generate" in code
