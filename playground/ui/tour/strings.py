"""Strings of the guided tour (English and Simplified Chinese); merged into ``ui.strings``."""

EN: dict[str, str] = {
    "tour_tab": "👋 Start here",
    "tour_intro": "### A guided path through how language models work\nEight short steps. Each one explains one idea, "
                  "then **Try it** opens the right tab with an example already filled in: you do the one action "
                  "it names and look for what it says to notice. Nothing here needs any programming.",
    "tour_try": "Try it →",
    "tour_do": "**Do:** {text}",
    "tour_notice": "**Notice:** {text}",
    "tour_tokens_title": "#### 1 · Text becomes tokens",
    "tour_tokens_idea": "A model never sees letters. Your text is cut into **tokens** — whole words, pieces of words, "
                        "or single bytes — and each token is just a number in a vocabulary (49,152 entries for the "
                        "bundled model). Inside, each number is looked up as a vector: its *embedding*.",
    "tour_tokens_do": "press **Show next token and tokens** and open the *Tokenizer view*.",
    "tour_tokens_notice": "common words are one token, rare words are split into pieces, and a Chinese character "
                          "can take one or several tokens — so the same sentence costs different amounts in "
                          "different languages.",
    "tour_next_title": "#### 2 · Predicting the next token",
    "tour_next_idea": "Everything a language model does is one step repeated: given the tokens so far, output a "
                      "**probability for every token in the vocabulary**. Writing a text means picking one token, "
                      "adding it to the input, and predicting again.",
    "tour_next_do": "press **Show next token and tokens** and read the chart.",
    "tour_next_notice": "how much probability the top bar takes, and the *entropy* in the chart's title: a few bits "
                        "means the model is sure, many bits means it hesitates.",
    "tour_sampling_title": "#### 3 · Temperature, top-k and top-p",
    "tour_sampling_idea": "Sampling reshapes the distribution before drawing from it. Temperature divides the "
                          "scores: p(token) ∝ exp(score / T). **Top-k** keeps the k likeliest tokens, **top-p** "
                          "the smallest set whose probabilities add up to p. Greedy decoding skips all that and "
                          "always takes the top token.",
    "tour_sampling_do": "press **Show next token and tokens**, then drag **Temperature** down to 0.3 and up to 2, "
                        "and set **Top-k** to 3.",
    "tour_sampling_notice": "red bars (after the settings) grow sharper at low temperature and flatter at high "
                            "temperature; top-k and top-p cut the long tail to zero. The chart redraws without "
                            "running the model again.",
    "tour_generate_title": "#### 4 · A whole answer, token by token",
    "tour_generate_idea": "Generation is the next-token step in a loop. Each token written is coloured by the "
                          "probability it had when it was picked, and hovering it shows the alternatives the "
                          "model considered.",
    "tour_generate_do": "press **Generate**, then hover a few coloured tokens.",
    "tour_generate_notice": "green tokens were near-certain, red ones were a gamble that changed the rest of the "
                            "text. Run it again with the same seed (shown under the answer): the same text comes "
                            "back; clear the seed and it changes.",
    "tour_perplexity_title": "#### 5 · Cross-entropy and perplexity",
    "tour_perplexity_idea": "To grade a model on a text, look at the probability it gave each real next token. "
                            "The **cross-entropy** is −(1/N)·Σ log p(tokenᵢ | tokens before it), the loss used in "
                            "training; **perplexity** = exp(cross-entropy), roughly how many tokens the model was "
                            "choosing between at each step.",
    "tour_perplexity_do": "press **Score this text**, then shuffle the words of the sentence and score it again.",
    "tour_perplexity_notice": "the natural sentence gets a low perplexity; the shuffled one, with the same words, "
                              "scores far worse — the model has learned order, not only vocabulary.",
    "tour_attention_title": "#### 6 · Attention: which earlier tokens matter",
    "tour_attention_idea": "Inside each layer, every token builds a query Q and compares it with the keys K of the "
                           "tokens before it: softmax(Q·Kᵀ/√dₖ)·V mixes their values V. A GPT-style model uses a "
                           "**causal mask** (no looking ahead); many **heads** do this in parallel, each with its "
                           "own pattern.",
    "tour_attention_do": "press **Run and show attention**, then open **All heads** and click a few thumbnails.",
    "tour_attention_notice": "the grey upper triangle is the causal mask; some heads look at the previous token, "
                             "some at the very first token, some find the earlier “cat” from the later one.",
    "tour_finetune_title": "#### 7 · Pre-training, then fine-tuning",
    "tour_finetune_idea": "A model first learns language from a huge amount of text (**pre-training**). "
                          "**Fine-tuning** continues training on a little text of your own so it takes on a task "
                          "or a voice; LoRA does it by training two small matrices next to some weights.",
    "tour_finetune_do": "press **Start training** and watch the loss curve for a minute (or press Stop early).",
    "tour_finetune_notice": "training loss falls step by step; the validation perplexity before → after, and the "
                            "same prompts answered by the model before and after, in the shop's voice.",
    "tour_uses_title": "#### 8 · Where models are used, and what they get wrong",
    "tour_uses_idea": "The same next-token machine powers customer service, writing, tutoring, translation, "
                      "summaries, classification and code. It also makes things up (**hallucination**), repeats "
                      "**biases** from its training text, and can leak what it was trained on (**privacy**).",
    "tour_uses_do": "press **Run** and compare the answer with the passage (the supporting sentence is "
                    "highlighted).",
    "tour_uses_notice": "a small model can sound confident and still be wrong: the answer must be checked against "
                        "the source. The honest notes of each scenario say what to watch for.",
}

ZH: dict[str, str] = {
    "tour_tab": "👋 从这里开始",
    "tour_intro": "### 一步一步看懂语言模型\n共八小步。每一步讲一个概念，然后按 **试一试** 会打开对应的标签页并填好示例："
                  "你只需做它说的那一个操作，再看看它提示你留意的地方。全程不需要编程。",
    "tour_try": "试一试 →",
    "tour_do": "**操作**：{text}",
    "tour_notice": "**留意**：{text}",
    "tour_tokens_title": "#### 1 · 文字变成词元",
    "tour_tokens_idea": "模型看不到字母或汉字本身。你的文字会被切成**词元（token）**——整词、词的片段或单个字节——"
                        "每个词元只是词表里的一个编号（内置模型的词表有 49,152 项）。在模型内部，每个编号再被查成一个向量，"
                        "也就是它的*词嵌入*。",
    "tour_tokens_do": "按 **查看下一个词元和分词结果**，再展开 *分词视图*。",
    "tour_tokens_notice": "常见的英文单词是一个词元，少见的词会被拆开，一个汉字可能占一个或几个词元——"
                          "所以同一句话在不同语言里的“成本”不一样。",
    "tour_next_title": "#### 2 · 预测下一个词元",
    "tour_next_idea": "语言模型做的一切都是同一步的重复：根据已有的词元，给词表里**每个词元一个概率**。"
                      "写一段文字，就是挑一个词元、把它接到输入后面，再预测下一个。",
    "tour_next_do": "按 **查看下一个词元和分词结果**，读一读图表。",
    "tour_next_notice": "最高的那根柱子占了多少概率，以及图表标题里的*熵*：熵只有几比特说明模型很确定，熵很大说明它在犹豫。",
    "tour_sampling_title": "#### 3 · 温度、top-k 与 top-p",
    "tour_sampling_idea": "采样前会先重塑概率分布。温度会把分数除以 T：p(词元) ∝ exp(分数 / T)。**Top-k** 只保留最可能的 k 个词元，"
                          "**top-p** 保留累计概率达到 p 的最小集合。贪心解码跳过这些，永远选最高的那个。",
    "tour_sampling_do": "按 **查看下一个词元和分词结果**，然后把 **温度** 拖到 0.3、再拖到 2，并把 **Top-k** 设为 3。",
    "tour_sampling_notice": "红色柱子（调整之后的分布）在低温时更尖、高温时更平；top-k 和 top-p 会把长尾直接变成零。"
                            "图表重画时模型不需要再运行一次。",
    "tour_generate_title": "#### 4 · 一个词元接一个词元地写出回答",
    "tour_generate_idea": "生成就是把“预测下一个词元”放进循环。写出的每个词元按它被选中时的概率着色，"
                          "鼠标悬停可以看到模型考虑过的其他候选。",
    "tour_generate_do": "按 **生成**，然后把鼠标停在几个彩色词元上。",
    "tour_generate_notice": "绿色的词元几乎是确定的，红色的是一次“赌博”，它改变了后面的所有文字。用同一个种子（显示在回答下方）"
                            "再运行一次，会得到同样的文字；清空种子，文字就会变化。",
    "tour_perplexity_title": "#### 5 · 交叉熵与困惑度",
    "tour_perplexity_idea": "要给模型在一段文字上打分，就看它给每个真实的下一个词元多大概率。**交叉熵**是 "
                            "−(1/N)·Σ log p(词元ᵢ | 前面的词元)，也就是训练时用的损失；**困惑度** = exp(交叉熵)，"
                            "大致表示模型每一步在多少个词元之间犹豫。",
    "tour_perplexity_do": "按 **给这段文字评分**，然后把句子里的词打乱顺序再评一次。",
    "tour_perplexity_notice": "通顺的句子困惑度低；词语相同但顺序打乱后，分数差得多——模型学到的是语序，而不只是词汇。",
    "tour_attention_title": "#### 6 · 注意力：前面哪些词元更重要",
    "tour_attention_idea": "在每一层里，每个词元生成一个查询 Q，与它之前各词元的键 K 比较：softmax(Q·Kᵀ/√dₖ)·V "
                           "把它们的值 V 混合起来。GPT 类模型使用**因果掩码**（不能偷看后面）；许多**注意力头**"
                           "并行做这件事，各有各的模式。",
    "tour_attention_do": "按 **运行并显示注意力**，然后打开 **全部头**，点几个缩略图看看。",
    "tour_attention_notice": "灰色的上三角就是因果掩码；有的头看前一个词元，有的头看最开头的词元，"
                             "还有的头会从后面的“小猫”找到前面的“小猫”。",
    "tour_finetune_title": "#### 7 · 先预训练，再微调",
    "tour_finetune_idea": "模型先从海量文字中学会语言（**预训练**）。**微调**是在你自己的少量文字上继续训练，"
                          "让它学会某个任务或某种语气；LoRA 的做法是在部分权重旁边训练两个小矩阵。",
    "tour_finetune_do": "按 **开始训练**，看一分钟损失曲线（也可以提前按停止）。",
    "tour_finetune_notice": "训练损失一步步下降；验证困惑度的前后对比，以及同一组提示在微调前后的回答——带上了店铺的语气。",
    "tour_uses_title": "#### 8 · 模型用在哪里，又会错在哪里",
    "tour_uses_idea": "同一台“预测下一个词元”的机器，可以做客服、写作、辅导、翻译、摘要、分类和写代码。它也会编造内容"
                      "（**幻觉**），会重复训练文字里的**偏见**，还可能泄露训练数据（**隐私**）。",
    "tour_uses_do": "按 **运行**，把回答和原文对照一下（支持答案的句子会被高亮）。",
    "tour_uses_notice": "小模型可能说得很自信却是错的：回答必须对照来源核实。每个场景的“诚实说明”都写了需要注意什么。",
}

# "Do" and "notice" lines with their bold lead-in ("**Do:** …"), made once from the texts above.
for _table in (EN, ZH):
    for _key in [k[len("tour_"):-len("_do")] for k in list(_table) if k.endswith("_do") and k != "tour_do"]:
        _table[f"tour_{_key}_do_md"] = _table["tour_do"].format(text=_table[f"tour_{_key}_do"])
        _table[f"tour_{_key}_notice_md"] = _table["tour_notice"].format(text=_table[f"tour_{_key}_notice"])
