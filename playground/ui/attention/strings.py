"""UI strings of the attention tab (English and Simplified Chinese); merged into strings.EN / strings.ZH.

Keys must not collide with other tabs' keys: prefix them with "at_".
"""

EN: dict[str, str] = {
    "at_tab": "Attention",
    "at_intro": "### 🔍 Look inside the model\nType a text and run it once: every layer and every attention head is "
                "recorded. Then switch layer, head, token and view freely — that only redraws, the model does not "
                "run again.",
    "at_text": "Text to analyse",
    "at_text_placeholder": "Type a sentence or two (long texts are cut to the last few hundred tokens)…",
    "at_run": "Run and show attention",
    "at_examples": "Examples",
    "at_source": "Model for this tab",
    "at_source_picker": "The model picker above (GPT-style decoder)",
    "at_source_encoder": "A BERT-style encoder (folder or Hub id)",
    "at_source_info": "Decoders read left to right; encoders (BERT) read the whole text in both directions.",
    "at_encoder_path": "Encoder model (folder on the server or Hugging Face id)",
    "at_encoder_info": "A masked-language model such as google-bert/bert-base-uncased. This server is offline, so "
                       "use a model folder that already exists on it; add [MASK] to your text to see what the "
                       "encoder guesses there.",
    "at_layer": "Layer",
    "at_head": "Head",
    "at_focus": "Token in focus",
    "at_focus_info": "Used by the token-focus, logit-lens and ablation views.",
    "at_agg": "Combine heads by",
    "at_agg_mean": "mean",
    "at_agg_max": "max",
    "at_view_head": "One head",
    "at_view_grid": "All heads",
    "at_view_focus": "Token focus",
    "at_view_agg": "Mean & rollout",
    "at_view_patterns": "Head patterns",
    "at_view_lens": "Logit lens",
    "at_view_ablation": "Switch heads off",
    "at_formula_title": "How does attention work?",
    "at_formula": (
        "Each token is turned into three vectors: a **query** q (what am I looking for?), a **key** k (what do I "
        "offer?) and a **value** v (what do I pass on?). One attention head computes\n\n"
        "<div style='font-size:1.25em;text-align:center'>Attention(Q, K, V) = softmax( Q·Kᵀ / √dₖ ) · V</div>\n\n"
        "QKᵀ scores every pair of tokens; dividing by √d_k (the key size) keeps the scores in a range where softmax "
        "is not saturated; softmax turns each row into weights that add up to 1; the output of a token is the "
        "weighted average of the values. The heatmaps show exactly these softmax weights.\n\n"
        "**Causal mask.** A GPT-style decoder predicts the next token, so token i may only look at tokens 0…i: "
        "before the softmax the scores of later tokens are set to −∞, and their weights become 0 (the grey upper "
        "triangle). A BERT-style encoder has no such mask: every token sees the whole text.\n\n"
        "**Multi-head.** Each layer runs several heads in parallel, each with its own Q, K, V projections, so "
        "different heads can learn different patterns; their outputs are concatenated and mixed by an output "
        "projection."),
    "at_help_head": "Row = the token that is looking (query), column = the token it looks at (key); each row adds "
                    "up to 1. Darker = more attention. Grey cells are hidden by the causal mask (a decoder cannot "
                    "look at later tokens). ★ marks special tokens. Hover a cell for its exact weight.",
    "at_help_grid": "Every head of every layer as a small thumbnail (layers from left to right, heads from top to "
                    "bottom; each thumbnail scaled to its own maximum). The coloured square in a corner is the "
                    "pattern the head was labelled with. Hover for its scores; click a thumbnail (or use the "
                    "layer and head selectors) to open it in the One head view.",
    "at_help_focus": "Pick a token: the top chart shows, layer by layer, where that token looks; the bottom chart "
                     "shows which tokens look at it (in a decoder only later tokens can). Uses the mean over "
                     "heads.",
    "at_help_agg": "Left: the heads of the chosen layer combined (mean or max). Right: attention rollout — the "
                   "layers multiplied together, with the residual connection mixed in (½·A + ½·I, rows "
                   "renormalised), estimating how much each input token flows into each position after all "
                   "layers up to the chosen one.",
    "at_help_patterns": "Each head is scored for typical patterns and labelled with the strongest one: "
                        "**previous-token** (looks one token back), **first-token** (dumps attention on the first "
                        "token, an 'attention sink'), **self** (looks at itself), **local** (a few tokens around), "
                        "**broad** (spread out evenly, high entropy), **induction** (on a repeated random "
                        "sequence, looks at the token that followed the earlier copy of the current one — the "
                        "basis of copying and in-context learning), or **mixed**. Shown: the best heads per "
                        "label.",
    "at_help_lens": "The logit lens sends each layer's hidden state through the model's final norm and output "
                    "head, as if the model stopped there. Read from top (embeddings) to bottom (last layer) to "
                    "see the prediction form. The last row is exactly the model's real prediction. Shown: the "
                    "tokens up to the one in focus (a decoder predicts the next token at each position).",
    "at_help_ablation": "Switch heads off (their output is set to zero before the layer's output projection) and "
                        "compare the prediction at the token in focus: blue = all heads on, red = with the chosen "
                        "heads off. One extra forward pass.",
    "at_ablate_heads": "Heads to switch off",
    "at_scores_table": "Every head's scores (table)",
    "at_ablate_info": "Written as L<layer>·H<head>; pick one or several.",
    "at_ablate_btn": "Switch off and compare",
    "at_lens_window": "Positions shown",
    "at_pat_previous-token": "previous-token",
    "at_pat_first-token": "first-token (sink)",
    "at_pat_self": "self",
    "at_pat_local": "local",
    "at_pat_broad": "broad",
    "at_pat_induction": "induction",
    "at_pat_mixed": "mixed",
    "at_fig_query": "looking token (query)",
    "at_fig_key": "looked-at token (key)",
    "at_fig_weight": "weight",
    "at_fig_layer": "layer",
    "at_fig_head": "head",
    "at_fig_looks_at": "Where {token} looks, per layer",
    "at_fig_looked_by": "Which tokens look at {token}, per layer",
    "at_fig_mean": "Mean over heads · layer {layer}",
    "at_fig_max": "Max over heads · layer {layer}",
    "at_fig_rollout": "Rollout through layers 0–{layer}",
    "at_fig_lens_title": "What each layer would predict next (colour = probability of its top token)",
    "at_fig_lens_title_enc": "What each layer would put at each position (colour = probability of its top token)",
    "at_fig_lens_x": "position",
    "at_fig_before": "all heads on",
    "at_fig_after": "chosen heads off",
    "at_fig_position": "position",
    "at_head_title": "Layer {layer} · head {head} · pattern: {label}",
    # run-time messages
    "at_summary": "{n} tokens · {layers} layers × {heads} heads · {kind} · {seconds:.2f} s",
    "at_kind_decoder": "decoder (causal: looks only back)",
    "at_kind_encoder": "encoder (bidirectional: looks both ways)",
    "at_gqa": " · {heads} query heads share {kv} key/value heads",
    "at_truncated": "⚠️ The text has {total} tokens; only the first {kept} are analysed (limit "
                    "PLAYGROUND_MAX_ATTENTION_TOKENS = {cap}).",
    "at_encoder_empty": "Type the folder or Hugging Face id of an encoder model, or switch back to the model picker.",
    "at_no_attention": "This model cannot show attention: {error}",
    "at_not_run": "Press “Run and show attention” first.",
    "at_bad_layer": "There is no layer {value}: this model has layers 0–{last}.",
    "at_bad_head": "There is no head {value}: each layer has heads 0–{last}.",
    "at_bad_focus": "There is no token {value}: the text has tokens 0–{last}.",
    "at_bad_heads": "Not a head of this model: {value}. Use the form L<layer>·H<head>, e.g. L3·H1.",
    "at_lens_unavailable": "The logit lens is not available for this model: {error}",
    "at_ablation_unavailable": "Heads cannot be switched off in this model: {error}",
    "at_ablation_none": "Pick at least one head to switch off.",
    "at_ablation_summary": "Prediction after “{context}”: **{before}** ({p_before:.1%}) with all heads → "
                           "**{after}** ({p_after:.1%}) with {n} head(s) off · KL divergence {kl:.3f} bits",
    "at_ablation_title": "Next token with {heads} switched off",
    "at_bad_view": "Unknown view {value}; use one of: {views}.",
    "at_col_pattern": "pattern",
    "at_lens_note": "Lens at positions {first}–{last}",
    "at_code_title": "🐍 Show the code",
    "at_code_help": "The minimal Python (torch + transformers) that runs your text through the model once and prints "
                    "the attention matrix of the chosen layer and head, outside this app. Copy it with the button "
                    "in the box's corner.",
    "at_code_run": "Show the code for this text, layer and head",
}

ZH: dict[str, str] = {
    "at_tab": "注意力",
    "at_intro": "### 🔍 看看模型内部\n输入一段文字并运行一次：每一层、每个注意力头都会被记录下来。之后可以随意切换层、头、"
                "词元和视图——只是重新绘图，模型不会再次运行。",
    "at_text": "要分析的文字",
    "at_text_placeholder": "输入一两句话（太长的文字只分析最后几百个词元）……",
    "at_run": "运行并显示注意力",
    "at_examples": "示例",
    "at_source": "本页使用的模型",
    "at_source_picker": "上方选择的模型（GPT 式解码器）",
    "at_source_encoder": "BERT 式编码器（文件夹或 Hub id）",
    "at_source_info": "解码器从左往右读；编码器（BERT）同时向前后两个方向阅读整段文字。",
    "at_encoder_path": "编码器模型（服务器上的文件夹或 Hugging Face id）",
    "at_encoder_info": "掩码语言模型，例如 google-bert/bert-base-uncased。本服务器无法联网，请使用服务器上已有的模型"
                       "文件夹；在文字里加入 [MASK]，可以看到编码器在那里的猜测。",
    "at_layer": "层",
    "at_head": "注意力头",
    "at_focus": "关注的词元",
    "at_focus_info": "用于「词元焦点」「逻辑透镜」和「关闭注意力头」视图。",
    "at_agg": "合并各头的方式",
    "at_agg_mean": "平均",
    "at_agg_max": "最大",
    "at_view_head": "单个头",
    "at_view_grid": "全部头",
    "at_view_focus": "词元焦点",
    "at_view_agg": "平均与 rollout",
    "at_view_patterns": "头的模式",
    "at_view_lens": "逻辑透镜",
    "at_view_ablation": "关闭注意力头",
    "at_formula_title": "注意力是怎样计算的？",
    "at_formula": (
        "每个词元被变换成三个向量：**查询** q（我在找什么？）、**键** k（我能提供什么？）和**值** v（我要传递什么？）。"
        "一个注意力头计算\n\n"
        "<div style='font-size:1.25em;text-align:center'>Attention(Q, K, V) = softmax( Q·Kᵀ / √dₖ ) · V</div>\n\n"
        "QKᵀ 给每一对词元打分；除以 √d_k（键向量的维度）让分数保持在 softmax 不饱和的范围；softmax 把每一行变成和为 1 "
        "的权重；每个词元的输出就是各个值向量的加权平均。热力图显示的正是这些 softmax 权重。\n\n"
        "**因果掩码。** GPT 式解码器要预测下一个词元，所以第 i 个词元只能看第 0…i 个词元：在 softmax 之前，后面词元的"
        "分数被设为 −∞，它们的权重就变成 0（灰色的上三角）。BERT 式编码器没有这个掩码：每个词元都能看到整段文字。\n\n"
        "**多头。** 每一层并行运行多个头，每个头有自己的 Q、K、V 投影，因此不同的头可以学到不同的模式；它们的输出拼接"
        "起来，再经过输出投影混合。"),
    "at_help_head": "行 = 正在「看」的词元（查询），列 = 被看的词元（键）；每一行加起来等于 1。颜色越深表示注意力越多。"
                    "灰色格子被因果掩码遮住（解码器不能看后面的词元）。★ 表示特殊词元。鼠标悬停可看到精确权重。",
    "at_help_grid": "每一层的每个头都显示成一个小缩略图（层从左到右，头从上到下；每张缩略图按自身最大值缩放）。"
                    "角上的彩色小方块是这个头被标注的模式。鼠标悬停查看各项得分；点击缩略图（或用层和头的选择框）"
                    "可在「单个头」视图中打开它。",
    "at_help_focus": "选择一个词元：上图逐层显示这个词元在看哪里；下图显示哪些词元在看它（解码器中只有后面的词元"
                     "可以看它）。使用各头的平均值。",
    "at_help_agg": "左：所选层各个头的合并（平均或最大）。右：注意力 rollout——把各层的注意力矩阵依次相乘，并混入残差"
                   "连接（½·A + ½·I，每行重新归一化），估计经过所选层及之前所有层后，每个输入词元有多少信息流向各个"
                   "位置。",
    "at_help_patterns": "给每个头的典型模式打分，并用得分最突出的模式标注它：**previous-token**（看前一个词元）、"
                        "**first-token**（把注意力堆在第一个词元上，即「注意力汇聚点」）、**self**（看自己）、"
                        "**local**（看附近几个词元）、**broad**（均匀分散，熵高）、**induction**（在重复的随机序列上，"
                        "看当前词元上一次出现时紧随其后的词元——这是复制和上下文学习的基础），或 **mixed**（混合）。"
                        "图中显示每种标注得分最高的头。",
    "at_help_lens": "逻辑透镜把每一层的隐藏状态直接送进模型最后的归一化层和输出层，就好像模型在这一层就停止了。"
                    "从上（词嵌入）往下（最后一层）看，可以看到预测是如何逐步形成的。最后一行就是模型真实的预测。"
                    "图中显示到所关注词元为止的若干位置（解码器在每个位置预测下一个词元）。",
    "at_help_ablation": "关闭一些注意力头（在该层的输出投影之前把它们的输出置零），比较所关注词元处的预测：蓝色 = 所有"
                        "头都开着，红色 = 关闭所选的头之后。需要额外运行一次模型。",
    "at_ablate_heads": "要关闭的注意力头",
    "at_scores_table": "每个头的得分（表格）",
    "at_ablate_info": "写法为 L<层>·H<头>；可以选一个或多个。",
    "at_ablate_btn": "关闭并比较",
    "at_lens_window": "显示的位置数",
    "at_pat_previous-token": "前一个词元",
    "at_pat_first-token": "第一个词元（汇聚点）",
    "at_pat_self": "自身",
    "at_pat_local": "局部",
    "at_pat_broad": "分散",
    "at_pat_induction": "归纳（induction）",
    "at_pat_mixed": "混合",
    "at_fig_query": "正在看的词元（查询）",
    "at_fig_key": "被看的词元（键）",
    "at_fig_weight": "权重",
    "at_fig_layer": "层",
    "at_fig_head": "头",
    "at_fig_looks_at": "{token} 在每一层看向哪里",
    "at_fig_looked_by": "每一层中哪些词元在看 {token}",
    "at_fig_mean": "各头平均 · 第 {layer} 层",
    "at_fig_max": "各头最大 · 第 {layer} 层",
    "at_fig_rollout": "第 0–{layer} 层的 rollout",
    "at_fig_lens_title": "每一层会预测的下一个词元（颜色 = 其最高概率）",
    "at_fig_lens_title_enc": "每一层在各位置会填入的词元（颜色 = 其最高概率）",
    "at_fig_lens_x": "位置",
    "at_fig_before": "所有头开启",
    "at_fig_after": "关闭所选的头",
    "at_fig_position": "位置",
    "at_head_title": "第 {layer} 层 · 第 {head} 个头 · 模式：{label}",
    "at_summary": "{n} 个词元 · {layers} 层 × {heads} 个头 · {kind} · {seconds:.2f} 秒",
    "at_kind_decoder": "解码器（因果：只能往前看）",
    "at_kind_encoder": "编码器（双向：前后都能看）",
    "at_gqa": " · {heads} 个查询头共享 {kv} 组键/值头",
    "at_truncated": "⚠️ 这段文字有 {total} 个词元；只分析前 {kept} 个（上限 PLAYGROUND_MAX_ATTENTION_TOKENS = {cap}）。",
    "at_encoder_empty": "请输入编码器模型的文件夹或 Hugging Face id，或切换回上方选择的模型。",
    "at_no_attention": "这个模型无法显示注意力：{error}",
    "at_not_run": "请先点击「运行并显示注意力」。",
    "at_bad_layer": "没有第 {value} 层：这个模型的层编号是 0–{last}。",
    "at_bad_head": "没有第 {value} 个头：每层的头编号是 0–{last}。",
    "at_bad_focus": "没有第 {value} 个词元：这段文字的词元编号是 0–{last}。",
    "at_bad_heads": "这不是该模型的注意力头：{value}。请使用 L<层>·H<头> 的写法，例如 L3·H1。",
    "at_lens_unavailable": "这个模型无法使用逻辑透镜：{error}",
    "at_ablation_unavailable": "这个模型无法关闭注意力头：{error}",
    "at_ablation_none": "请至少选择一个要关闭的注意力头。",
    "at_ablation_summary": "「{context}」之后的预测：所有头开启时为 **{before}**（{p_before:.1%}）→ 关闭 {n} 个头后为 "
                           "**{after}**（{p_after:.1%}）· KL 散度 {kl:.3f} 比特",
    "at_ablation_title": "关闭 {heads} 后的下一个词元",
    "at_bad_view": "没有视图 {value}；可用的视图：{views}。",
    "at_col_pattern": "模式",
    "at_lens_note": "透镜位置 {first}–{last}",
    "at_code_title": "🐍 查看代码",
    "at_code_help": "在本应用之外，把你的文本送进模型跑一遍、并打印所选层和注意力头的注意力矩阵所需的最少 Python 代码"
                    "（torch + transformers）。可用框角的按钮复制。",
    "at_code_run": "显示这段文本、这一层和这个头的代码",
}
