"""Summarisation with length control, translation, and question answering over a passage."""

from ..config import GenerationSettings
from .spec import Example, Input, Scenario

LANGUAGES = ("English", "Chinese", "French", "German", "Spanish", "Japanese")
LANGUAGE_LABELS = ("English · 英语", "Chinese · 中文", "French · 法语", "German · 德语", "Spanish · 西班牙语",
                   "Japanese · 日语")

_ARTICLE_EN = ("Maple & Moss, a small online shop for home goods, opened its first physical store in Porto last "
               "weekend. The store sells linen bedding, ceramic tableware and lamps made by local workshops. "
               "More than 800 visitors came on the opening day, and the shop ran out of its best-selling "
               "linen duvet covers by noon. The founders say the store will also host repair workshops on "
               "Saturdays, where customers can learn to fix lamps and chairs instead of throwing them away. "
               "They plan to open a second store in Lisbon next year if sales stay strong.")
_ARTICLE_ZH = ("青禾生活馆是一家卖家居用品的小网店，上周末在杭州开了第一家实体店。店里出售本地作坊制作的亚麻床品、"
               "陶瓷餐具和灯具。开业当天有 800 多位顾客到店，最畅销的亚麻被套中午就卖完了。创始人说，"
               "门店每周六还会举办维修课，教顾客修理台灯和椅子，而不是把它们扔掉。如果销量保持良好，"
               "他们计划明年在苏州开第二家店。")

SCENARIOS = [
    Scenario(
        id="summarize", group="language", kind="summarize", icon="📝",
        title={"en": "Summarisation", "zh": "文本摘要"},
        description={
            "en": "Shorten a text to about the number of words you choose. The compression ratio (output tokens "
                  "÷ input tokens) is shown after each run.",
            "zh": "把文字缩短到大约你选定的字数。每次运行后显示压缩比（输出词元数 ÷ 输入词元数）。"},
        inputs=(
            Input("text", "textarea", {"en": "Text to summarise", "zh": "要摘要的文字"}),
            Input("words", "number", {"en": "Target length (words; Chinese: about 2 characters per word)",
                                      "zh": "目标长度（英文按词计；中文约每词 2 个字）"},
                  default=30, minimum=5, maximum=200),
        ),
        system="You write short, faithful summaries. You never add facts that are not in the text.",
        template="Summarise the following text in about {words} words. Keep only the most important facts and "
                 "write in the same language as the text.\n\nText:\n{text}",
        settings=GenerationSettings(max_new_tokens=160, do_sample=False, repetition_penalty=1.15),
        examples=(
            Example("en", "Shop opens a store", {"text": _ARTICLE_EN, "words": 25}),
            Example("zh", "网店开实体店", {"text": _ARTICLE_ZH, "words": 30}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"),
        limits={"en": "Length control is approximate: small models overshoot or stop early, and may copy "
                      "sentences or add details that are not in the text. Chinese summaries from the bundled "
                      "model are often poor.",
                "zh": "长度控制只是大致的：小模型会写多或写少，还可能照抄句子或添加原文没有的细节。内置模型的中文摘要"
                      "质量通常较差。"},
    ),
    Scenario(
        id="translate", group="language", kind="generate", icon="🌐",
        title={"en": "Translation", "zh": "机器翻译"},
        description={"en": "Translate between English, Chinese and a few other languages.",
                     "zh": "在英文、中文和其他几种语言之间互译。"},
        inputs=(
            Input("text", "textarea", {"en": "Text to translate", "zh": "要翻译的文字"}, max_chars=2000),
            Input("source", "choice", {"en": "From", "zh": "源语言"}, default="English", choices=LANGUAGES,
                  choice_labels=LANGUAGE_LABELS),
            Input("target", "choice", {"en": "To", "zh": "目标语言"}, default="Chinese", choices=LANGUAGES,
                  choice_labels=LANGUAGE_LABELS),
        ),
        system="You are a professional translator. You output only the translation.",
        template="Translate the following {source} text into {target}. Output only the translation.\n\n{text}",
        settings=GenerationSettings(max_new_tokens=120, do_sample=False, repetition_penalty=1.1),
        examples=(
            Example("en", "Shipping note → Chinese", {"text": "Your order has been shipped and will arrive in "
                                                              "three days.", "source": "English",
                                                      "target": "Chinese"}),
            Example("en", "Greeting → French", {"text": "Good morning! How can I help you today?",
                                                "source": "English", "target": "French"}),
            Example("zh", "中译英", {"text": "谢谢你的耐心等待，我们会尽快处理你的退款。", "source": "Chinese",
                                    "target": "English"}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-7B-Instruct"),
        limits={"en": "The bundled model was trained almost only on English: translations into Chinese (and "
                      "often from it) are wrong or not translations at all. Qwen2.5 models are trained on "
                      "Chinese and English and translate much better.",
                "zh": "内置模型几乎只用英文训练，译成中文（以及从中文翻译）通常是错的，甚至根本不是翻译。Qwen2.5 "
                      "系列用中英文训练，翻译效果好得多。"},
    ),
    Scenario(
        id="qa_passage", group="language", kind="qa", icon="❓",
        title={"en": "Question answering over a passage", "zh": "基于段落的问答"},
        description={
            "en": "Ask a question about a passage. The model answers from the passage, and the sentence that best "
                  "supports the answer is highlighted (found by similarity to the question and the answer).",
            "zh": "针对一段文字提问。模型依据段落作答，最能支持答案的句子会被高亮（按与问题和答案的相似度找出）。"},
        inputs=(
            Input("passage", "textarea", {"en": "Passage", "zh": "段落"}),
            Input("question", "line", {"en": "Question", "zh": "问题"}),
        ),
        system="You answer questions using only the given passage. Answers are short.",
        template="Passage:\n{passage}\n\nAnswer the question using only the passage, in one short sentence.\n"
                 "Question: {question}",
        settings=GenerationSettings(max_new_tokens=60, do_sample=False, repetition_penalty=1.1),
        examples=(
            Example("en", "Opening day", {"passage": _ARTICLE_EN, "question": "How many visitors came on the "
                                                                             "opening day?"}),
            Example("en", "Saturdays", {"passage": _ARTICLE_EN, "question": "What happens at the store on "
                                                                           "Saturdays?"}),
            Example("zh", "第二家店", {"passage": _ARTICLE_ZH, "question": "第二家店计划开在哪里？"}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"),
        limits={"en": "The highlighted sentence is chosen by word overlap / embeddings, not by the model, so "
                      "it can support a wrong answer. The bundled model answers simple factual questions in "
                      "English reasonably and Chinese poorly.",
                "zh": "高亮句子是按词语重合度或句向量选出的，不是模型给出的，所以它也可能\"支持\"一个错误答案。"
                      "内置模型对英文的简单事实问题回答尚可，中文较差。"},
    ),
]
