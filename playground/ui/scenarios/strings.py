"""UI strings of the scenarios tab (English and Simplified Chinese); merged into strings.EN / strings.ZH.

Keys must not collide with other tabs' keys: prefix them with "sc_". The scenarios' own texts (titles,
descriptions, input labels, notes) live in their specs (playground/scenarios/) and are added below as
"sc_s_<id>_..." keys, so the browser's language picks them like every other label.
"""

from playground.scenarios.registry import all_scenarios
from playground.scenarios.spec import GROUPS

EN: dict[str, str] = {
    "sc_tab": "Application scenarios",
    "sc_intro": "Where language models are used, each one runnable. Pick a scenario, try an example, then change "
                "the input or the prompt template and run it again. Every run shows the exact prompt the model "
                "read, its token counts and speed.",
    "sc_pick": "Scenario",
    "sc_honest": "Honest note on quality",
    "sc_bundled_note": "The bundled model (SmolLM2-135M) is tiny: it runs anywhere offline, but its answers are "
                       "weak. For real use, pick one of these larger models in the model box at the top "
                       "(they download from the Hugging Face Hub; a GPU is recommended above 1B parameters):",
    "sc_examples": "Examples",
    "sc_run": "Run",
    "sc_stop": "Stop",
    "sc_template_acc": "Prompt template (editable)",
    "sc_template": "Template",
    "sc_template_info": "Words in curly braces are placeholders, filled from the inputs when you run.",
    "sc_system": "System prompt (chat scenarios)",
    "sc_reset": "Reset template",
    "sc_settings": "Generation settings",
    "sc_output": "Output",
    "sc_code": "Generated code (not run)",
    "sc_json": "Extracted JSON (shown only when it is valid)",
    "sc_probs": "Label probabilities",
    "sc_batch_table": "Batch results",
    "sc_batch_file": "Download the results (CSV)",
    "sc_prompt_acc": "Exact prompt sent to the model",
    "sc_prompt_sent": "Prompt after the template was filled (special tokens included)",
    "sc_open_gen": "🔍 Open in Generation",
    "sc_open_gen_info": "Copies this exact prompt into the Generate tab (Continue text mode), where you can see "
                        "every token and its probability.",
    # run-time messages
    "sc_running": "Running…",
    "sc_retrieving": "Retrieving passages…",
    "sc_ranking": "Writing alternative answers and ranking them by confidence…",
    "sc_scoring": "Scoring the labels…",
    "sc_batch_progress": "Classified {done} of {total} rows…",
    "sc_retrying": "The output was not valid JSON; retrying with the JSON start written for the model…",
    "sc_stats": "{n} new tokens · {tps:.1f} tokens/s · {seconds:.1f} s · prompt {prompt} tokens",
    "sc_stats_score": "1 forward pass over {labels} label continuations · {seconds:.2f} s · prompt {prompt} tokens",
    "sc_stats_score_remote": "{labels} label continuations scored by the remote engine · {seconds:.2f} s",
    "sc_stats_batch": "{rows} rows · {seconds:.1f} s · {per:.2f} s per row",
    "sc_bad_input": "Cannot run: {error}",
    "sc_empty_input": "“{label}” is empty: type something or pick an example.",
    "sc_no_prompt": "Run a scenario first: there is no prompt to open yet.",
    "sc_stopped": "Stopped.",
    "sc_kb_source": "Knowledge base: {source} · {n} passages · retrieval: {method}",
    "sc_no_match": "No passage matches the question well: the answer is likely not in the knowledge base.",
    "sc_passages": "Retrieved passages",
    "sc_col_rank": "#",
    "sc_col_score": "score",
    "sc_col_passage": "passage",
    "sc_ranked": "Candidate answers ranked by the model's confidence",
    "sc_rank_help": "Confidence = mean log-probability per token of the answer given the prompt (higher is more "
                    "confident); exp() of it is the average token probability. Text copied from the prompt (the "
                    "knowledge base's own answers) is easy to predict, so it often ranks high: confidence is not "
                    "correctness.",
    "sc_col_answer": "answer",
    "sc_col_origin": "from",
    "sc_col_conf": "mean log-prob",
    "sc_origin_main": "streamed answer",
    "sc_origin_sample": "model sample",
    "sc_origin_user": "yours",
    "sc_origin_faq": "knowledge base",
    "sc_json_valid": "✅ Valid JSON with the requested keys.",
    "sc_json_repaired": "🛠️ Repaired JSON — fixes applied: {repairs}.",
    "sc_json_invalid": "❌ Invalid JSON: {error} The raw output is shown above; nothing was extracted.",
    "sc_json_retry_note": "First attempt was invalid ({error}); the shown result is from the retry.",
    "sc_compression": "Compression: {out_tokens} of {in_tokens} tokens ({ratio:.0%} of the input) · "
                      "{out_words} words (target {target})",
    "sc_score": "Score: {score:.1f} / {max_score}",
    "sc_no_score": "The model did not write a score in the form “Score: N/M”, so no score is shown.",
    "sc_support": "Supporting sentence (highlighted)",
    "sc_no_support": "No sentence of the passage shares words with the question and answer.",
    "sc_medical_frame": "For a clinician to consider (demo output, not medical advice):",
    "sc_batch_done": "Classified {rows} rows. Download the CSV below.",
    "sc_unknown": "There is no scenario called {value}.",
    "sc_template_empty": "The template is empty: press “Reset template”.",
    "sc_template_unused": "The template no longer uses: {names}. The model will not see it.",
    "sc_col_label": "label",
    "sc_col_p": "p (renormalised)",
    "sc_col_logp": "log p (nats)",
    "sc_col_tokens": "tokens",
    "sc_col_text": "text",
    "sc_code_title": "🐍 Show the code",
    "sc_code_help": "The minimal Python (torch + transformers) that sends this scenario's filled-in prompt to the "
                    "model outside this app: label likelihoods for a classification, `model.generate` with the "
                    "settings on screen for the others. Copy it with the button in the box's corner.",
    "sc_code_run": "Show the code for this scenario",
}

ZH: dict[str, str] = {
    "sc_tab": "应用场景",
    "sc_intro": "语言模型用在哪里？这里的每个场景都可以直接运行。选择一个场景，试试示例，然后修改输入或提示词模板再运行。"
                "每次运行都会显示模型实际读到的提示词、词元数量和速度。",
    "sc_pick": "场景",
    "sc_honest": "关于质量的实话",
    "sc_bundled_note": "内置模型（SmolLM2-135M）非常小：可以离线在任何地方运行，但回答质量较弱。真正使用时，请在页面顶部的"
                       "模型框中选择下面这些更大的模型（需要从 Hugging Face Hub 下载；10 亿参数以上建议用 GPU）：",
    "sc_examples": "示例",
    "sc_run": "运行",
    "sc_stop": "停止",
    "sc_template_acc": "提示词模板（可编辑）",
    "sc_template": "模板",
    "sc_template_info": "花括号里的词是占位符，运行时用输入内容替换。",
    "sc_system": "系统提示词（对话类场景）",
    "sc_reset": "恢复默认模板",
    "sc_settings": "生成设置",
    "sc_output": "输出",
    "sc_code": "生成的代码（不会执行）",
    "sc_json": "抽取的 JSON（仅在有效时显示）",
    "sc_probs": "各标签的概率",
    "sc_batch_table": "批量结果",
    "sc_batch_file": "下载结果（CSV）",
    "sc_prompt_acc": "发送给模型的完整提示词",
    "sc_prompt_sent": "填入模板后的提示词（含特殊词元）",
    "sc_open_gen": "🔍 在“文本生成”中打开",
    "sc_open_gen_info": "把这段提示词原样复制到“文本生成”标签页（续写模式），在那里可以查看每个词元及其概率。",
    "sc_running": "运行中……",
    "sc_retrieving": "正在检索段落……",
    "sc_ranking": "正在生成候选答案并按置信度排序……",
    "sc_scoring": "正在为各标签打分……",
    "sc_batch_progress": "已分类 {done} / {total} 行……",
    "sc_retrying": "输出不是有效的 JSON；正在替模型写好 JSON 开头后重试……",
    "sc_stats": "新生成 {n} 个词元 · 每秒 {tps:.1f} 个 · 用时 {seconds:.1f} 秒 · 提示 {prompt} 个词元",
    "sc_stats_score": "一次前向计算，覆盖 {labels} 个标签续写 · 用时 {seconds:.2f} 秒 · 提示 {prompt} 个词元",
    "sc_stats_score_remote": "远程推理引擎为 {labels} 个标签续写打分 · 用时 {seconds:.2f} 秒",
    "sc_stats_batch": "{rows} 行 · 用时 {seconds:.1f} 秒 · 每行 {per:.2f} 秒",
    "sc_bad_input": "无法运行：{error}",
    "sc_empty_input": "“{label}”为空：请输入内容，或选择一个示例。",
    "sc_no_prompt": "请先运行一个场景：目前还没有可以打开的提示词。",
    "sc_stopped": "已停止。",
    "sc_kb_source": "知识库：{source} · {n} 个段落 · 检索方式：{method}",
    "sc_no_match": "没有段落与问题明显相关：知识库里可能没有答案。",
    "sc_passages": "检索到的段落",
    "sc_col_rank": "#",
    "sc_col_score": "分数",
    "sc_col_passage": "段落",
    "sc_ranked": "按模型置信度排序的候选答案",
    "sc_rank_help": "置信度 = 在给定提示下，答案每个词元的平均对数概率（越高越有把握）；取 exp() 就是词元的平均概率。"
                    "照抄提示里已有的文字（知识库原文）很容易预测，所以常常排在前面：有把握不等于正确。",
    "sc_col_answer": "答案",
    "sc_col_origin": "来源",
    "sc_col_conf": "平均对数概率",
    "sc_origin_main": "流式生成的答案",
    "sc_origin_sample": "模型采样",
    "sc_origin_user": "你提供的",
    "sc_origin_faq": "知识库原文",
    "sc_json_valid": "✅ 有效的 JSON，包含要求的键。",
    "sc_json_repaired": "🛠️ 修复后的 JSON——已做的修复：{repairs}。",
    "sc_json_invalid": "❌ 无效的 JSON：{error} 上方显示的是原始输出；没有抽取出任何内容。",
    "sc_json_retry_note": "第一次输出无效（{error}）；显示的是重试的结果。",
    "sc_compression": "压缩比：{out_tokens} / {in_tokens} 个词元（原文的 {ratio:.0%}）· {out_words} 词（目标 {target}）",
    "sc_score": "得分：{score:.1f} / {max_score}",
    "sc_no_score": "模型没有按“Score: N/M”的格式写出分数，因此不显示分数。",
    "sc_support": "支持答案的句子（高亮）",
    "sc_no_support": "段落中没有与问题和答案共享词语的句子。",
    "sc_medical_frame": "供临床医生参考（演示输出，不构成医疗建议）：",
    "sc_batch_done": "已分类 {rows} 行。请在下方下载 CSV。",
    "sc_unknown": "没有名为 {value} 的场景。",
    "sc_template_empty": "模板是空的：请按「重置模板」。",
    "sc_template_unused": "模板里已经没有：{names}。模型将看不到这些内容。",
    "sc_col_label": "标签",
    "sc_col_p": "概率（归一化后）",
    "sc_col_logp": "对数概率（奈特）",
    "sc_col_tokens": "词元数",
    "sc_col_text": "文本",
    "sc_code_title": "🐍 查看代码",
    "sc_code_help": "在本应用之外，把这个场景填好的提示发给模型所需的最少 Python 代码（torch + transformers）："
                    "分类场景按标签似然打分，其他场景用屏幕上的设置调用 `model.generate`。可用框角的按钮复制。",
    "sc_code_run": "显示这个场景的代码",
}

for _s in all_scenarios():
    _k = f"sc_s_{_s.id}"
    EN[f"{_k}_title"] = f"{_s.icon} {_s.title['en']}"
    ZH[f"{_k}_title"] = f"{_s.icon} {_s.title['zh']}"
    EN[f"{_k}_desc"], ZH[f"{_k}_desc"] = _s.description["en"], _s.description["zh"]
    EN[f"{_k}_limits"], ZH[f"{_k}_limits"] = _s.limits["en"], _s.limits["zh"]
    if _s.disclaimer:
        EN[f"{_k}_disc"], ZH[f"{_k}_disc"] = _s.disclaimer["en"], _s.disclaimer["zh"]
    for _i in _s.inputs:
        EN[f"{_k}_in_{_i.name}"], ZH[f"{_k}_in_{_i.name}"] = _i.label["en"], _i.label["zh"]
