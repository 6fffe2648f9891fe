"""UI strings of the From-scratch tab (English and Simplified Chinese); keys start with "fs_"."""

EN: dict[str, str] = {
    "fs_tab": "From scratch",
    "fs_intro": "### Train two tiny language models from nothing\nAn **LSTM** (a recurrent network: it reads one "
                "character after another, carrying a memory along) and a **Transformer** (every position looks "
                "at all earlier positions at once through attention) start from random weights. They get the same "
                "text, the same number of parameters, the same optimizer (AdamW) and the same steps, one step each "
                "in turn. Watch which one learns faster, then look at where each is good.",
    "fs_data": "#### 1 · Text",
    "fs_source": "Training text",
    "fs_src_fables_en": "Aesop's fables, retold (English, 6 KB)",
    "fs_src_fables_zh": "伊索寓言，重述 (Chinese, 2,000 characters)",
    "fs_src_demo_en": "Fine-tune demo: Lighthouse Tea Shop (English)",
    "fs_src_demo_zh": "Fine-tune demo: 云朵面包铺 (Chinese)",
    "fs_src_own": "My own text (paste or upload below)",
    "fs_paste": "Your text (used when “My own text” is picked)",
    "fs_paste_ph": "Paste at least a few hundred characters…",
    "fs_files": "…or upload files (.txt .md .csv .jsonl)",
    "fs_chars_md": "**Why characters?** Both models read one character per token. The vocabulary is tiny (the "
                   "characters of your text: about 60 for English, a few hundred for Chinese), the same code works "
                   "for every language, and no character of the training text is ever unknown. Big models use "
                   "sub-word tokens instead; tiny models trained for a few minutes learn faster with characters.",
    "fs_settings": "#### 2 · Models and training",
    "fs_advanced": "Advanced settings",
    "fs_f_layers": "Layers (each model)",
    "fs_f_width": "Transformer width",
    "fs_h_width": "The LSTM's width is solved so both have the same number of parameters (±10 %).",
    "fs_f_context": "Context length (characters)",
    "fs_h_context": "Characters per training sequence: the LSTM steps through them one by one.",
    "fs_f_steps": "Training steps (each model)",
    "fs_f_lr": "Learning rate (AdamW, both)",
    "fs_f_batch": "Batch size (sequences per step)",
    "fs_f_sample_every": "Validation and samples every N steps",
    "fs_f_temperature": "Sample temperature",
    "fs_f_max_seconds": "Time limit (seconds)",
    "fs_h_max_seconds": "The run ends here even if steps remain (this machine is shared).",
    "fs_f_seed": "Seed",
    "fs_start": "Start training",
    "fs_stop": "Stop",
    "fs_watch": "Show my run again",
    "fs_progress": "#### 3 · Watch them learn",
    "fs_plot": "Training loss of both models (lines) and validation perplexity (markers, right axis)",
    "fs_samples_title": "**Samples** (same prompt, same temperature, same seed)",
    "fs_analysis": "4 · What did each one learn?",
    "fs_expect": "**What to expect at this size.** On a few thousand characters and a few minutes of two CPU cores, "
                 "the LSTM usually reaches the lower validation perplexity (on the fables with the default settings: "
                 "7.7 against 8.8 after 300 steps, 20 s), and neither model yet copies a name from far back. The "
                 "Transformer's advantages show with more text, larger models and longer training, and in the "
                 "*sequential steps* below: it handles all positions of a sequence at once. Train for thousands of "
                 "steps on a small text and watch the validation perplexity climb again while the training loss keeps "
                 "falling: the models start to memorise the text (overfitting), the Transformer sooner.",
    "fs_position_plot": "Validation loss at each position in the context",
    "fs_attention_plot": "The Transformer's attention (last layer, mean of the heads)",
    "fs_code": "5 · Show the code",
    "fs_code_md": "The same models and loop as a standalone script with your settings (only torch needed). The model "
                  "classes are the very ones the app trained.",
    "fs_code_btn": "Show the code for these settings",
    "fs_code_box": "scratch_models.py",
    "fs_lstm": "LSTM",
    "fs_transformer": "Transformer",
    "fs_step_axis": "step",
    "fs_loss_axis": "loss (nats per character)",
    "fs_ppl_axis": "validation perplexity",
    "fs_position_axis": "position in the context (characters read before)",
    "fs_train_loss": "{name} training loss",
    "fs_val_ppl": "{name} validation perplexity",
    "fs_none": "No run yet in this session: pick a text and press **Start training**.",
    "fs_phase_starting": "Preparing the text and building both models…",
    "fs_phase_training": "Training: one step of the LSTM, then one of the Transformer, on the same batch.",
    "fs_phase_analysing": "Training finished: measuring what each model learned…",
    "fs_phase_done": "✅ Done.",
    "fs_phase_stopped": "⏹ Stopped. The results below are from the last step.",
    "fs_phase_timeout": "⏱ The time limit was reached; the results below are from the last step.",
    "fs_phase_failed": "❌ The run failed: {error}",
    "fs_models_md": "**{vocab} characters** in the vocabulary, {chars:,} characters of text. LSTM: width {w_lstm}, "
                    "**{p_lstm:,}** parameters · Transformer: width {w_tf}, **{p_tf:,}** parameters "
                    "({diff:+.1f} %).",
    "fs_step_line": "step {step} / {total} · {elapsed} elapsed · about {eta} left",
    "fs_speed": "**Speed on this machine** (characters per second, training): LSTM **{lstm:,.0f}** · Transformer "
                "**{tf:,.0f}**",
    "fs_last": "Last validation perplexity (step {step}): LSTM **{lstm:.2f}** · Transformer **{tf:.2f}** (lower is "
               "better; a model that guesses uniformly among the {vocab} characters scores {vocab}).",
    "fs_sample_step": "step {step}",
    "fs_copy_md": "**Long-range copy test.** An invented {n}-letter name is planted at the start of a {context}-"
                  "character window, then {distance} characters of other text, then the name again. How often does "
                  "each model predict the name's 2nd to last letters the second time? (Last column: the same when the "
                  "first appearance was replaced, so there is nothing to copy.)\n\n"
                  "| | with the name seen before | nothing to copy |\n|---|---|---|\n"
                  "| LSTM | {lstm:.0%} | {lstm_base:.0%} |\n| Transformer | {tf:.0%} | {tf_base:.0%} |",
    "fs_steps_md": "**Steps one after another, per sequence.** LSTM: **{lstm}** (one per character: step t needs "
                   "the memory of step t − 1). Transformer: **{tf}** (one per layer: inside a layer all {context} "
                   "positions are computed at once). This is why Transformers train so much faster on parallel "
                   "hardware, and why they can reach far back directly instead of through a memory.",
    "fs_position_md": "Early positions have read little, so their loss is high; the curves show how much each model "
                      "gains from a longer past.",
    "fs_sentiment": "6 · One task three ways: sentiment",
    "fs_sent_md": "The same labelled sentences, three ways: **(a)** a small LSTM classifier trained from scratch on "
                  "them, **(b)** the language model picked above, zero-shot, by label likelihood (as in Scenarios), "
                  "**(c)** that language model tuned with **LoRA** plus a small classifier head (tick off LoRA to "
                  "train only the head on its frozen features, which is faster). A quarter of the rows is held out "
                  "for testing. On a 2-core CPU LoRA on the 135M model takes about a second per step.",
    "fs_sent_data": "Labelled sentences",
    "fs_sent_en": "Bundled: 70 English reviews (positive / negative)",
    "fs_sent_zh": "Bundled: 70 Chinese reviews (正面 / 负面)",
    "fs_sent_own": "My CSV (text,label)",
    "fs_sent_file": "Your CSV: a header line text,label, then one labelled sentence per row",
    "fs_sent_lora": "LoRA (off = head on frozen features)",
    "fs_sent_lstm_steps": "LSTM classifier: training steps",
    "fs_sent_tune_steps": "LoRA / head: training steps (0 = skip)",
    "fs_sent_run": "Run all three",
    "fs_sent_busy": "Your sentiment comparison is still running.",
    "fs_sent_file_missing": "Upload a CSV file first (or pick a bundled set).",
    "fs_sent_wait": "Running {method}…",
    "fs_col_method": "method",
    "fs_col_acc": "held-out accuracy",
    "fs_col_time": "training time",
    "fs_col_params": "trained parameters",
    "fs_col_wrong": "examples it gets wrong (gold → predicted)",
    "fs_m_lstm": "(a) LSTM from scratch",
    "fs_m_zero_shot": "(b) zero-shot label likelihood",
    "fs_m_lora": "(c) LoRA + head",
    "fs_m_head": "(c) head on frozen features",
    "fs_sent_split": "{train} training rows, {test} held out; chance = {chance:.0%}.",
}

ZH: dict[str, str] = {
    "fs_tab": "从零训练",
    "fs_intro": "### 从零训练两个小语言模型\n一个 **LSTM**（循环神经网络：一个字符接一个字符地读，并携带一份记忆）和一个 "
                "**Transformer**（每个位置通过注意力一次性看到之前的所有位置）都从随机权重开始。它们用同样的文字、同样多的"
                "参数、同样的优化器（AdamW）和同样的步数，轮流各走一步。看看谁学得更快，再看看它们各自擅长什么。",
    "fs_data": "#### 1 · 文字",
    "fs_source": "训练文字",
    "fs_src_fables_en": "Aesop's fables, retold（英文，6 KB）",
    "fs_src_fables_zh": "伊索寓言，重述（中文，约 2000 字）",
    "fs_src_demo_en": "微调演示：Lighthouse Tea Shop（英文）",
    "fs_src_demo_zh": "微调演示：云朵面包铺（中文）",
    "fs_src_own": "我自己的文字（在下面粘贴或上传）",
    "fs_paste": "你的文字（选择“我自己的文字”时使用）",
    "fs_paste_ph": "至少粘贴几百个字符……",
    "fs_files": "……或上传文件（.txt .md .csv .jsonl）",
    "fs_chars_md": "**为什么按字符？** 两个模型都是一个字符一个词元。词表很小（就是你文字里出现的字符：英文大约 60 个，"
                   "中文几百个），同一套代码适用于所有语言，训练文字里的字符也永远不会是“未知”的。大模型用子词词元；"
                   "只训练几分钟的小模型用字符学得更快。",
    "fs_settings": "#### 2 · 模型与训练",
    "fs_advanced": "高级设置",
    "fs_f_layers": "层数（每个模型）",
    "fs_f_width": "Transformer 宽度",
    "fs_h_width": "LSTM 的宽度会自动求出，使两个模型的参数量相同（±10 %）。",
    "fs_f_context": "上下文长度（字符）",
    "fs_h_context": "每个训练序列的字符数：LSTM 要一个一个地走过它们。",
    "fs_f_steps": "训练步数（每个模型）",
    "fs_f_lr": "学习率（AdamW，两者相同）",
    "fs_f_batch": "批大小（每步的序列数）",
    "fs_f_sample_every": "每 N 步验证并采样",
    "fs_f_temperature": "采样温度",
    "fs_f_max_seconds": "时间上限（秒）",
    "fs_h_max_seconds": "即使还有步数没走完，到这里也会结束（这台机器是共用的）。",
    "fs_f_seed": "随机种子",
    "fs_start": "开始训练",
    "fs_stop": "停止",
    "fs_watch": "重新显示我的训练",
    "fs_progress": "#### 3 · 看它们学习",
    "fs_plot": "两个模型的训练损失（线）和验证困惑度（点，右侧坐标轴）",
    "fs_samples_title": "**采样**（同样的开头、同样的温度、同样的种子）",
    "fs_analysis": "4 · 它们各自学到了什么？",
    "fs_expect": "**这个规模下会看到什么。** 在几千个字符、两核 CPU 训练几分钟的条件下，LSTM 通常能达到更低的验证困惑度"
                 "（用默认设置训练寓言文本：300 步、20 秒后 7.7 对 8.8），两个模型都还学不会从很远处复制一个名字。"
                 "Transformer 的优势要在更多文本、更大模型、更长训练时才显现，另外也体现在下面的*顺序步数*里：它一次处理"
                 "序列中的所有位置。在小文本上训练几千步，你会看到训练损失继续下降而验证困惑度重新上升：模型开始背诵"
                 "文本（过拟合），Transformer 更早出现。",
    "fs_position_plot": "上下文中每个位置的验证损失",
    "fs_attention_plot": "Transformer 的注意力（最后一层，各头平均）",
    "fs_code": "5 · 查看代码",
    "fs_code_md": "同样的模型和训练循环，写成一个独立脚本，带上你的设置（只需要 torch）。模型类就是应用里训练的那几个类。",
    "fs_code_btn": "显示这些设置对应的代码",
    "fs_code_box": "scratch_models.py",
    "fs_lstm": "LSTM",
    "fs_transformer": "Transformer",
    "fs_step_axis": "步数",
    "fs_loss_axis": "损失（每个字符的奈特数）",
    "fs_ppl_axis": "验证困惑度",
    "fs_position_axis": "上下文中的位置（之前读过的字符数）",
    "fs_train_loss": "{name} 训练损失",
    "fs_val_ppl": "{name} 验证困惑度",
    "fs_none": "这个会话里还没有训练：选择一段文字，然后点 **开始训练**。",
    "fs_phase_starting": "正在准备文字并构建两个模型……",
    "fs_phase_training": "训练中：在同一批数据上，LSTM 走一步，然后 Transformer 走一步。",
    "fs_phase_analysing": "训练结束：正在测量每个模型学到了什么……",
    "fs_phase_done": "✅ 完成。",
    "fs_phase_stopped": "⏹ 已停止。下面是最后一步的结果。",
    "fs_phase_timeout": "⏱ 到达时间上限；下面是最后一步的结果。",
    "fs_phase_failed": "❌ 训练失败：{error}",
    "fs_models_md": "词表有 **{vocab} 个字符**，文字共 {chars:,} 个字符。LSTM：宽度 {w_lstm}，**{p_lstm:,}** 个参数 · "
                    "Transformer：宽度 {w_tf}，**{p_tf:,}** 个参数（{diff:+.1f} %）。",
    "fs_step_line": "第 {step} / {total} 步 · 已用 {elapsed} · 大约还剩 {eta}",
    "fs_speed": "**本机速度**（训练时每秒字符数）：LSTM **{lstm:,.0f}** · Transformer **{tf:,.0f}**",
    "fs_last": "最近一次验证困惑度（第 {step} 步）：LSTM **{lstm:.2f}** · Transformer **{tf:.2f}**（越低越好；"
               "在 {vocab} 个字符里均匀乱猜的模型得分是 {vocab}）。",
    "fs_sample_step": "第 {step} 步",
    "fs_copy_md": "**远距离复制测试。** 在一个 {context} 字符窗口的开头放一个编造的 {n} 字母名字，接着是 {distance} 个"
                  "字符的其他文字，然后再出现这个名字。第二次出现时，每个模型有多大比例能预测对名字的第 2 个到最后一个"
                  "字母？（最后一列：把第一次出现换成别的字母、也就是没有可复制内容时的结果。）\n\n"
                  "| | 之前见过这个名字 | 没有可复制的内容 |\n|---|---|---|\n"
                  "| LSTM | {lstm:.0%} | {lstm_base:.0%} |\n| Transformer | {tf:.0%} | {tf_base:.0%} |",
    "fs_steps_md": "**每个序列需要依次执行的步数。** LSTM：**{lstm}**（每个字符一步：第 t 步需要第 t − 1 步的记忆）。"
                   "Transformer：**{tf}**（每层一步：同一层里 {context} 个位置同时计算）。这就是 Transformer 在并行硬件"
                   "上训练快得多的原因，也是它能直接回看很远、而不必经过一份记忆的原因。",
    "fs_position_md": "靠前的位置读到的内容少，所以损失高；曲线显示每个模型能从更长的上文中得到多少帮助。",
    "fs_sentiment": "6 · 一个任务三种做法：情感分析",
    "fs_sent_md": "同样的带标签句子，三种做法：**(a)** 在这些句子上从零训练一个小 LSTM 分类器；**(b)** 上方选择的语言模型，"
                  "零样本，用标签似然分类（和「应用场景」一样）；**(c)** 用 **LoRA** 微调这个语言模型，再加一个小分类头"
                  "（取消勾选 LoRA 则只在冻结的特征上训练分类头，更快）。四分之一的数据留作测试。在 2 核 CPU 上，"
                  "1.35 亿参数模型的 LoRA 每步大约一秒。",
    "fs_sent_data": "带标签的句子",
    "fs_sent_en": "内置：70 条英文评论（positive / negative）",
    "fs_sent_zh": "内置：70 条中文评论（正面 / 负面）",
    "fs_sent_own": "我的 CSV（text,label）",
    "fs_sent_file": "你的 CSV：第一行是表头 text,label，之后每行一个带标签的句子",
    "fs_sent_lora": "LoRA（关闭 = 在冻结特征上训练分类头）",
    "fs_sent_lstm_steps": "LSTM 分类器：训练步数",
    "fs_sent_tune_steps": "LoRA / 分类头：训练步数（0 = 跳过）",
    "fs_sent_run": "三种都运行",
    "fs_sent_busy": "你的情感分析比较还在运行。",
    "fs_sent_file_missing": "请先上传一个 CSV 文件（或选择内置数据）。",
    "fs_sent_wait": "正在运行 {method}……",
    "fs_col_method": "方法",
    "fs_col_acc": "测试集准确率",
    "fs_col_time": "训练时间",
    "fs_col_params": "训练的参数",
    "fs_col_wrong": "分错的例子（正确 → 预测）",
    "fs_m_lstm": "(a) 从零训练的 LSTM",
    "fs_m_zero_shot": "(b) 零样本标签似然",
    "fs_m_lora": "(c) LoRA + 分类头",
    "fs_m_head": "(c) 冻结特征上的分类头",
    "fs_sent_split": "训练 {train} 行，留出测试 {test} 行；随机猜测 = {chance:.0%}。",
}
