"""Strings of the generation lab (English and Simplified Chinese); merged into ``ui.strings``."""

EN: dict[str, str] = {
    "lab_branch_title": "🌿 Branch: what if the model had picked another token?",
    "lab_branch_help": "Generate something first. Then pick a position (or click a row of *Token details*), choose "
                       "one of the alternatives the model considered there, and continue from it. Every branch "
                       "joins the tree below with the probability its new token had; pick any branch to walk back.",
    "lab_code_title": "🐍 Show the code",
    "lab_code_help": "The minimal Python (torch + transformers) that runs the prompt and the decoding settings on "
                     "screen, outside this app. Copy it with the button in the box's corner.",
    "lab_code_run": "Show the code for these settings",
    "lab_branch": "Branch",
    "lab_position": "Token position",
    "lab_alternative": "Alternative at that position",
    "lab_continue": "Continue with this token",
    "lab_root": "#{id} · the original generation",
    "lab_fork": "#{id} · at token {at}: {token} (p = {p:.1%})",
    "lab_continuing": "Continuing… {text}",
    "lab_branch_done": "Branch #{id}: {n} new tokens · stopped: {reason}",
    "lab_generate_first": "Generate a text first: branches grow from a finished generation.",
    "lab_pick_alternative": "Pick one of the alternatives at that position first.",
    "lab_sample_title": "🎲 Sample the same prompt many times",
    "lab_sample_help": "Runs the prompt above N times at once with the decoding settings on the right (the machine "
                       "decodes them together). Each sample gets its own seed, unless you tick *same seed*: then "
                       "all N are identical — that is what a seed is for.",
    "lab_samples": "Number of samples",
    "lab_same_seed": "Same seed for every sample",
    "lab_sample_run": "Sample",
    "lab_sample_stats": "{n} samples → {distinct} different texts · {seconds:.1f} s for all · {tps:.0f} tokens/s "
                        "together · seeds {seeds}",
    "lab_greedy_note": "Sampling is off (greedy decoding), so every sample is the same text whatever the seed.",
    "lab_col_count": "count",
    "lab_col_share": "share",
    "lab_col_text": "text",
    "lab_first_title": "First token drawn",
    "lab_first_x": "samples",
    "lab_tok_title": "🔤 Compare tokenizers",
    "lab_tok_help": "The same text through the picked model's tokenizer and the vocabularies of GPT-4 and GPT-4o "
                    "(and a Chinese-capable model's, when its offline pack is installed).",
    "lab_tok_text": "Text (empty = the prompt above)",
    "lab_tok_placeholder": "Try one sentence in English and the same sentence in Chinese.",
    "lab_tok_run": "Compare",
    "lab_tok_row": "{n} tokens · {cpt:.2f} characters per token · {ratio:.1f}× the fewest",
    "lab_tok_why": "**Why Chinese costs more in some tokenizers.** A byte-level vocabulary learned mostly from "
                   "English keeps whole English words but has seen few Chinese characters often enough to give "
                   "them their own entry: each character (3 bytes in UTF-8) is then split into byte pieces, shown "
                   "as `<e5 88>`. Vocabularies trained on more Chinese text (GPT-4o's, Qwen's) spend about one "
                   "token per character or word. More tokens mean more compute, a shorter effective context and, "
                   "for paid services, a higher price for the same sentence.",
}

ZH: dict[str, str] = {
    "lab_branch_title": "🌿 分叉：如果模型当时选了另一个词元呢？",
    "lab_branch_help": "先生成一段文字。然后选一个位置（或点击 *词元详情* 里的一行），从模型在那里考虑过的候选中挑一个，"
                       "从它继续生成。每个分支都会加入下面的树，并标出它的新词元当时的概率；选任意一个分支即可回看。",
    "lab_code_title": "🐍 查看代码",
    "lab_code_help": "在本应用之外运行屏幕上的提示和解码设置所需的最少 Python 代码（torch + transformers）。可用框角的按钮复制。",
    "lab_code_run": "显示这些设置的代码",
    "lab_branch": "分支",
    "lab_position": "词元位置",
    "lab_alternative": "该位置的候选词元",
    "lab_continue": "用这个词元继续",
    "lab_root": "#{id} · 最初的生成",
    "lab_fork": "#{id} · 在第 {at} 个词元：{token}（p = {p:.1%}）",
    "lab_continuing": "继续生成中……{text}",
    "lab_branch_done": "分支 #{id}：新生成 {n} 个词元 · 停止原因：{reason}",
    "lab_generate_first": "请先生成一段文字：分支是从一次完成的生成长出来的。",
    "lab_pick_alternative": "请先在该位置的候选中选一个。",
    "lab_sample_title": "🎲 同一个提示采样很多次",
    "lab_sample_help": "用右侧的解码设置把上面的提示同时运行 N 次（机器会把它们放在一起解码）。每个样本有自己的种子；"
                       "如果勾选 *相同种子*，N 个结果就完全一样——这正是种子的作用。",
    "lab_samples": "样本数",
    "lab_same_seed": "每个样本用相同的种子",
    "lab_sample_run": "采样",
    "lab_sample_stats": "{n} 个样本 → {distinct} 种不同的文字 · 全部用时 {seconds:.1f} 秒 · 合计每秒 {tps:.0f} 个词元 · "
                        "种子 {seeds}",
    "lab_greedy_note": "采样已关闭（贪心解码），所以无论种子是什么，每个样本都是同一段文字。",
    "lab_col_count": "次数",
    "lab_col_share": "占比",
    "lab_col_text": "文字",
    "lab_first_title": "抽到的第一个词元",
    "lab_first_x": "样本数",
    "lab_tok_title": "🔤 比较分词器",
    "lab_tok_help": "同一段文字分别经过所选模型的分词器，以及 GPT-4 和 GPT-4o 的词表（安装了离线模型包时，"
                    "还有一个擅长中文的模型的分词器）。",
    "lab_tok_text": "文字（留空 = 使用上面的提示）",
    "lab_tok_placeholder": "试试一句英文，再试试同一句话的中文。",
    "lab_tok_run": "比较",
    "lab_tok_row": "{n} 个词元 · 每个词元 {cpt:.2f} 个字符 · 是最少者的 {ratio:.1f} 倍",
    "lab_tok_why": "**为什么在有些分词器里中文更“贵”。** 主要从英文学到的字节级词表会保留完整的英文单词，"
                   "却很少见到足够多次的汉字，不会给它们单独的词条：于是每个汉字（UTF-8 中占 3 个字节）被拆成字节片段，"
                   "显示为 `<e5 88>`。用更多中文训练的词表（GPT-4o、Qwen）大约一个汉字或一个词只用一个词元。"
                   "词元越多，计算越多、能放进上下文的内容越少；对按量计费的服务来说，同一句话也更贵。",
}
