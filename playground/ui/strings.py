"""Every UI string, in English and Simplified Chinese.

Component labels use ``gr.I18n`` (the browser language, or gradio's settings panel, picks the table). Messages
built at run time (warnings, status lines) use ``t(key, lang)`` with the language from the request headers.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "title": "LLM Playground",
    "title_md": "# LLM Playground",
    "intro": "See and touch how a language model works: it reads your text as **tokens** and, one token at a time, "
             "predicts a **probability distribution** over what comes next. Everything runs on this machine.",
    "model": "Model",
    "model_info": "Pick a preset, or type a Hugging Face id (owner/name) or a folder path on the server.",
    "load": "Load model",
    "tab_generate": "Generate",
    "mode": "Mode",
    "mode_chat": "Chat",
    "mode_complete": "Continue text",
    "mode_info": "Chat wraps your message in the model's chat template; Continue text feeds your words as they are.",
    "prompt": "Your text",
    "prompt_placeholder": "Type a message (chat) or the start of a text (continue)…",
    "system": "System prompt",
    "system_info": "Instructions the chat model sees before the conversation. Leave empty for the model's default.",
    "generate": "Generate",
    "stop": "Stop",
    "clear": "Clear",
    "conversation": "Conversation",
    "output": "Output",
    "tokens_view": "Generated tokens, coloured by probability (hover a token to see the alternatives)",
    "token_table": "Token details",
    "col_pos": "#",
    "col_token": "token",
    "col_prob": "p (sampler)",
    "col_raw": "p (model)",
    "col_alts": "alternatives",
    "settings": "Decoding settings",
    "max_new_tokens": "Max new tokens",
    "do_sample": "Sample (off = greedy: always the most likely token)",
    "temperature": "Temperature",
    "temperature_info": "Below 1 sharpens the distribution, above 1 flattens it.",
    "top_k": "Top-k (0 = off)",
    "top_k_info": "Keep only the k most likely tokens.",
    "top_p": "Top-p (1 = off)",
    "top_p_info": "Keep the smallest set of tokens whose probabilities add up to p.",
    "min_p": "Min-p (0 = off)",
    "min_p_info": "Drop tokens less likely than min-p times the top token's probability.",
    "repetition_penalty": "Repetition penalty (1 = off)",
    "no_repeat_ngram": "No-repeat n-gram size (0 = off)",
    "num_beams": "Beams (1 = off; beam search shows its tokens when it finishes)",
    "stop_sequences": "Stop sequences (one per line; write \\n for a line break)",
    "seed": "Seed (empty = random; the seed used is shown after each run)",
    "max_time": "Time limit (seconds)",
    "next_token": "Next-token distribution",
    "next_token_md": "### 📊 Next-token distribution",
    "advanced": "More settings",
    "next_token_help": "What the model would write next after your text. Blue: the model's own probabilities. "
                       "Red: after temperature, top-k, top-p and min-p reshape them — move the sliders and watch.",
    "analyze": "Show next token and tokens",
    "tokenizer": "Tokenizer view",
    "tokenizer_help": "The model never sees letters: your text is cut into tokens (whole words, word pieces, "
                      "or bytes of a character), each with an id in the vocabulary.",
    "template": "Exact text the model reads",
    "template_help": "Chat models are trained on conversations in a fixed layout (the chat template).",
    "examples": "Examples",
    "concept_title": "What am I looking at?",
    "concept": "A language model turns the text so far into a probability for every token in its vocabulary. "
               "Greedy decoding always takes the most likely token; sampling draws one at random in proportion "
               "to the probabilities, after temperature / top-k / top-p have reshaped them. The colours show how "
               "sure the model was of each token it wrote.",
    # run-time messages
    "stats": "{n} tokens · {tps:.1f} tokens/s · first token after {ttft:.2f} s · prompt {prompt} tokens · "
             "stopped: {reason} · seed {seed}",
    "reason_eos": "end of text", "reason_length": "max new tokens", "reason_stop_sequence": "stop sequence",
    "reason_stopped": "by you", "reason_max_time": "time limit",
    "legend": "probability the sampler gave each token:",
    "prob_label": "p",
    "raw_label": "model",
    "legend_model": "model", "legend_sampler": "after sampling settings",
    "nt_title": "{kept:,} of {vocab:,} tokens can be picked · entropy {entropy:.2f} bits",
    "nt_greedy": "greedy: only the top token can be picked",
    "tokens_summary": "{n} tokens, {chars} characters",
    "no_tokens_yet": "Generate something to see its tokens here.",
    "empty_prompt": "Type some text first.",
    "too_long": "The text has {n:,} characters; the limit is {limit:,}. Shorten it and try again.",
    "bad_setting": "Setting not accepted: {error}",
    "model_error": "The model could not be loaded: {error}",
    "model_loading": "Loading {name}…",
    "model_ready": "Ready: {info}",
    "waiting": "Waiting for the model…",
    "stopped_note": "Stopped.",
    "generation_failed": "Generation failed: {error}",
    "startup_failed": "⚠️ The default model could not be loaded at start-up: {error}. Pick another model above.",
    "language": "Language",
    "ppl_title": "📏 Perplexity: how surprised is the model by a text?",
    "ppl_help": "Each token is coloured by the probability the model gave it, knowing only the tokens before it. "
                "Perplexity = exp(average surprisal): about how many tokens the model was choosing between at "
                "each step. Lower means the text looks more natural to the model; shuffled words score much worse.",
    "ppl_text": "Text to score",
    "ppl_run": "Score this text",
    "ppl_summary": "**Perplexity {ppl:.1f}** · mean surprisal {bits:.2f} bits per token · {n} tokens scored",
    "ppl_legend": "probability of each token given the text before it:",
    "cmp_title": "⚖️ Compare two set-ups side by side",
    "cmp_help": "The prompt above goes through set-up A and set-up B (model and decoding settings). Greedy decoding "
                "always gives the same text; sampling with a higher temperature gives more varied, riskier text.",
    "cmp_a": "#### Set-up A",
    "cmp_b": "#### Set-up B",
    "cmp_run": "Compare",
    "cmp_stats": "{name} · {n} tokens · {tps:.1f} tokens/s · mean token probability {p:.0%} · seed {seed}",
}

ZH: dict[str, str] = {
    "title": "大语言模型游乐场",
    "title_md": "# 大语言模型游乐场 · LLM Playground",
    "intro": "亲手看看语言模型如何工作：它把你的文字切成**词元（token）**，然后一次一个词元地预测下一个词元的"
             "**概率分布**。所有计算都在本机完成。",
    "model": "模型",
    "model_info": "选择预设，或输入 Hugging Face 模型 id（所有者/名称）或服务器上的文件夹路径。",
    "load": "加载模型",
    "tab_generate": "文本生成",
    "mode": "模式",
    "mode_chat": "对话",
    "mode_complete": "续写文本",
    "mode_info": "对话模式会把消息套进模型的对话模板；续写模式直接把你的文字交给模型。",
    "prompt": "输入文字",
    "prompt_placeholder": "输入一条消息（对话）或一段文字的开头（续写）……",
    "system": "系统提示词",
    "system_info": "对话开始前模型看到的指令。留空则使用模型默认值。",
    "generate": "生成",
    "stop": "停止",
    "clear": "清空",
    "conversation": "对话",
    "output": "输出",
    "tokens_view": "生成的词元，按概率着色（鼠标悬停查看候选词元）",
    "token_table": "词元详情",
    "col_pos": "#",
    "col_token": "词元",
    "col_prob": "概率（采样）",
    "col_raw": "概率（模型）",
    "col_alts": "候选",
    "settings": "解码设置",
    "max_new_tokens": "最多生成词元数",
    "do_sample": "采样（关闭 = 贪心解码：总是选概率最高的词元）",
    "temperature": "温度",
    "temperature_info": "小于 1 让分布更尖锐，大于 1 让分布更平坦。",
    "top_k": "Top-k（0 = 关闭）",
    "top_k_info": "只保留概率最高的 k 个词元。",
    "top_p": "Top-p（1 = 关闭）",
    "top_p_info": "保留累计概率达到 p 的最小词元集合。",
    "min_p": "Min-p（0 = 关闭）",
    "min_p_info": "去掉概率低于「最高概率 × min-p」的词元。",
    "repetition_penalty": "重复惩罚（1 = 关闭）",
    "no_repeat_ngram": "禁止重复的 n-gram 长度（0 = 关闭）",
    "num_beams": "束搜索宽度（1 = 关闭；束搜索结束后才显示词元）",
    "stop_sequences": "停止序列（每行一个；用 \\n 表示换行）",
    "seed": "随机种子（留空 = 随机；每次运行后显示所用种子）",
    "max_time": "时间上限（秒）",
    "next_token": "下一个词元的概率分布",
    "next_token_md": "### 📊 下一个词元的概率分布",
    "advanced": "更多设置",
    "next_token_help": "模型在你的文字之后会写什么。蓝色：模型自身给出的概率；红色：经过温度、top-k、top-p、"
                       "min-p 调整后的概率——拖动滑块看看分布如何变化。",
    "analyze": "查看下一个词元和分词结果",
    "tokenizer": "分词视图",
    "tokenizer_help": "模型看不到字母：文字被切成词元（整词、词的片段，或一个汉字的若干字节），每个词元在词表里有一个编号。",
    "template": "模型实际读到的文字",
    "template_help": "对话模型是在固定格式（对话模板）的对话上训练的。",
    "examples": "示例",
    "concept_title": "这里展示的是什么？",
    "concept": "语言模型把已有文字变成词表中每个词元的概率。贪心解码总是选概率最高的词元；采样则按概率随机抽取，"
               "抽取前温度 / top-k / top-p 会重塑这个分布。颜色表示模型对它写下的每个词元有多确定。",
    "stats": "{n} 个词元 · 每秒 {tps:.1f} 个 · 首个词元用时 {ttft:.2f} 秒 · 提示 {prompt} 个词元 · "
             "停止原因：{reason} · 种子 {seed}",
    "reason_eos": "文本结束", "reason_length": "达到最大词元数", "reason_stop_sequence": "停止序列",
    "reason_stopped": "你按了停止", "reason_max_time": "时间上限",
    "legend": "采样时每个词元的概率：",
    "prob_label": "概率",
    "raw_label": "模型",
    "legend_model": "模型", "legend_sampler": "采样设置之后",
    "nt_title": "{vocab:,} 个词元中有 {kept:,} 个可能被选中 · 熵 {entropy:.2f} 比特",
    "nt_greedy": "贪心解码：只会选概率最高的词元",
    "tokens_summary": "{n} 个词元，{chars} 个字符",
    "no_tokens_yet": "生成一些文字后，这里会显示它的词元。",
    "empty_prompt": "请先输入文字。",
    "too_long": "文字有 {n:,} 个字符，上限是 {limit:,}。请缩短后再试。",
    "bad_setting": "设置无效：{error}",
    "model_error": "无法加载模型：{error}",
    "model_loading": "正在加载 {name}……",
    "model_ready": "已就绪：{info}",
    "waiting": "正在等待模型……",
    "stopped_note": "已停止。",
    "generation_failed": "生成失败：{error}",
    "startup_failed": "⚠️ 启动时无法加载默认模型：{error}。请在上方选择其他模型。",
    "language": "语言",
    "ppl_title": "📏 困惑度：模型对一段文字有多「意外」？",
    "ppl_help": "每个词元的颜色表示模型只看到前面的文字时给它的概率。困惑度 = exp(平均意外度)，大致表示模型每一步在多少个"
                "词元之间犹豫。越低说明这段文字在模型看来越自然；打乱顺序的句子得分会差很多。",
    "ppl_text": "要评分的文字",
    "ppl_run": "给这段文字评分",
    "ppl_summary": "**困惑度 {ppl:.1f}** · 平均意外度每词元 {bits:.2f} 比特 · 共评分 {n} 个词元",
    "ppl_legend": "在前文条件下每个词元的概率：",
    "cmp_title": "⚖️ 并排比较两种设置",
    "cmp_help": "上面的提示会分别交给设置 A 和设置 B（模型和解码参数）。贪心解码每次结果相同；温度更高的采样会写出更多样、也更冒险的文字。",
    "cmp_a": "#### 设置 A",
    "cmp_b": "#### 设置 B",
    "cmp_run": "比较",
    "cmp_stats": "{name} · {n} 个词元 · 每秒 {tps:.1f} 个 · 平均词元概率 {p:.0%} · 种子 {seed}",
}

from . import strings_attention, strings_finetune, strings_scenarios  # noqa: E402 - each tab keeps its own table

for _tab in (strings_attention, strings_finetune, strings_scenarios):
    _clash = set(_tab.EN) & set(EN)
    if _clash:
        raise KeyError(f"UI string keys defined twice: {sorted(_clash)}")
    EN.update(_tab.EN)
    ZH.update(_tab.ZH)

TABLES = {"en": EN, "zh": ZH}


def lang_from_header(accept_language: str | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return "en"


def t(key: str, lang: str = "en", **fmt) -> str:
    text = TABLES.get(lang, EN).get(key) or EN[key]
    return text.format(**fmt) if fmt else text


def make_i18n():
    import gradio as gr

    return gr.I18n(en=EN, **{"zh-CN": ZH, "zh": ZH})
