"""Medicine (demo only): a clinical note to a structured SOAP summary, and points for a clinician to consider."""

from ..config import GenerationSettings
from .spec import Example, Input, Scenario

DISCLAIMER = {
    "en": "⚠️ **Demo only — not medical advice.** These examples show how language models are used on clinical text. "
          "The output may be wrong or incomplete and must never be used to diagnose or treat anyone. "
          "Do not enter real patient data.",
    "zh": "⚠️ **仅供演示，不构成医疗建议。** 这些示例展示语言模型如何处理临床文本。输出可能错误或不完整，"
          "绝不能用于诊断或治疗任何人。请不要输入真实的患者信息。"}
_NOTE_EN = ("54-year-old man, 3 days of cough with yellow sputum and fever up to 38.6 C. Smoker, 20 cigarettes a "
            "day. Temp 38.2, pulse 96, BP 132/84, SpO2 95% on room air. Crackles at the right lung base. "
            "No known allergies. Takes metformin for type 2 diabetes.")
_NOTE_ZH = ("女，35 岁，咽痛、发热 2 天，最高 38.5℃，无咳嗽。查体：体温 38.1℃，咽部充血，双侧扁桃体肿大，"
            "可见脓点。无药物过敏史。")
_MODELS = ("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct")
_NOTE = Input("note", "textarea", {"en": "Clinical note (fictional)", "zh": "病历记录（虚构）"}, max_chars=4000)

SCENARIOS = [
    Scenario(
        id="medical_soap", group="medical", kind="extract", icon="🩺", disclaimer=DISCLAIMER,
        title={"en": "Clinical note → structured SOAP summary", "zh": "病历 → 结构化 SOAP 摘要"},
        description={"en": "Turn a free-text note into Subjective / Objective / Assessment / Plan fields (JSON), "
                           "validated like the other extraction scenarios.",
                     "zh": "把自由文本病历整理成主观 / 客观 / 评估 / 计划（SOAP）字段（JSON），并像其他抽取场景一样校验。"},
        inputs=(_NOTE, Input("fields", "line", {"en": "Fields", "zh": "字段"},
                             default="subjective, objective, assessment, plan")),
        system="You turn clinical notes into structured summaries. You copy facts from the note and invent nothing.",
        template="Sort the facts of this clinical note into the fields {fields} (SOAP). Subjective = what the "
                 "patient reports; objective = measurements and exam findings; assessment = the problem as "
                 "written in the note; plan = next steps written in the note, or null. Reply with JSON only, in "
                 "this form:\n{json_skeleton}\n\nNote: {note}",
        settings=GenerationSettings(max_new_tokens=180, do_sample=False, repetition_penalty=1.1),
        examples=(Example("en", "Cough and fever", {"note": _NOTE_EN}),
                  Example("zh", "咽痛发热", {"note": _NOTE_ZH})),
        models=_MODELS,
        limits={"en": "The bundled model mixes up fields and sometimes invents findings. Even large models need "
                      "review by a clinician; medical use needs validated, approved tools.",
                "zh": "内置模型会把字段弄混，有时还会编造检查结果。即使是大模型也需要临床医生审核；医疗用途需要经过验证和"
                      "批准的工具。"},
    ),
    Scenario(
        id="medical_suggest", group="medical", kind="generate", icon="💡", disclaimer=DISCLAIMER,
        title={"en": "Points for a clinician to consider", "zh": "供临床医生参考的要点"},
        description={"en": "From a fictional note, list questions and checks *for a clinician to consider* — never a "
                           "diagnosis or a treatment for a patient.",
                     "zh": "根据虚构病历，列出*供临床医生参考*的问题和检查——绝不是给患者的诊断或治疗方案。"},
        inputs=(_NOTE,),
        system="You support clinicians. You never diagnose or prescribe; you list points for a clinician to "
               "consider, and you say when information is missing.",
        template="Clinical note:\n{note}\n\nList three short points for a clinician to consider (further "
                 "questions, examinations or risks), starting with \"For a clinician to consider:\". Do not give "
                 "a diagnosis or a treatment.",
        settings=GenerationSettings(max_new_tokens=160, do_sample=False, repetition_penalty=1.15),
        examples=(Example("en", "Cough and fever", {"note": _NOTE_EN}),
                  Example("zh", "咽痛发热", {"note": _NOTE_ZH})),
        models=_MODELS,
        limits={"en": "A 135M model has no reliable medical knowledge: its points are often generic or wrong. "
                      "This scenario exists to show the framing and the risks, not to help with care.",
                "zh": "1.35 亿参数的模型没有可靠的医学知识：它给出的要点往往笼统甚至错误。这个场景是为了展示应有的表述方式"
                      "和风险，而不是协助诊疗。"},
    ),
]
