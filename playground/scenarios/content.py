"""Content writing (news brief, product description, poem, story) with tone and length, and code generation."""

from ..config import GenerationSettings
from .spec import Example, Input, Scenario

FORMS = ("news brief", "product description", "poem", "short story")
FORM_LABELS = ("news brief · 新闻简讯", "product description · 商品文案", "poem · 诗歌", "short story · 短篇故事")
TONES = ("neutral", "friendly", "formal", "humorous", "enthusiastic")
TONE_LABELS = ("neutral · 中性", "friendly · 亲切", "formal · 正式", "humorous · 幽默", "enthusiastic · 热情")
CODE_LANGUAGES = ("Python", "JavaScript", "SQL", "Bash")
CODE_LABELS = ("Python", "JavaScript", "SQL", "Bash")

SCENARIOS = [
    Scenario(
        id="content_writing", group="content", kind="generate", icon="📰",
        title={"en": "Content writing: news, product copy, poems, stories",
               "zh": "内容创作：新闻、商品文案、诗歌、故事"},
        description={"en": "Write a news brief, a product description, a poem or a short story from your notes, "
                           "with the tone and length you pick. Sampling is on: run it twice for two versions.",
                     "zh": "根据你的要点写新闻简讯、商品文案、诗歌或短篇故事，可选语气和长度。默认开启采样："
                           "运行两次会得到两个版本。"},
        inputs=(
            Input("notes", "textarea", {"en": "Topic and key facts", "zh": "主题和要点"}, max_chars=2000),
            Input("form", "choice", {"en": "Kind of text", "zh": "文体"}, default="product description",
                  choices=FORMS, choice_labels=FORM_LABELS),
            Input("tone", "choice", {"en": "Tone", "zh": "语气"}, default="friendly", choices=TONES,
                  choice_labels=TONE_LABELS),
            Input("length", "number", {"en": "Length (words)", "zh": "长度（词数）"}, default=60, minimum=10,
                  maximum=300),
        ),
        system="You are a skilled writer.",
        template="Write a {form} of about {length} words in a {tone} tone, using these notes. Use the same "
                 "language as the notes.\n\nNotes: {notes}",
        settings=GenerationSettings(max_new_tokens=200, do_sample=True, temperature=0.8, top_p=0.95,
                                    repetition_penalty=1.15),
        examples=(
            Example("en", "Linen duvet cover", {"notes": "linen duvet cover, stone-washed, gets softer with every "
                                                         "wash, 3 colours: sand, sage, white, made in Portugal"}),
            Example("en", "Poem: autumn shop", {"notes": "a small shop on a rainy autumn evening, warm lamps",
                                                "form": "poem", "tone": "neutral", "length": 50}),
            Example("en", "News: store opening", {"notes": "Maple & Moss opens first store in Porto; 800 visitors; "
                                                           "repair workshops on Saturdays", "form": "news brief",
                                                  "tone": "formal"}),
            Example("zh", "陶瓷杯文案", {"notes": "手工白瓷马克杯，350 毫升，可进洗碗机和微波炉，适合早晨的咖啡",
                                        "length": 40}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"),
        limits={"en": "Fluent English from the bundled model, but it drifts from the notes, repeats itself and "
                      "ignores the length; its Chinese is weak. Facts in generated news must always be checked.",
                "zh": "内置模型的英文流畅，但会偏离要点、重复，并忽略长度要求；中文较弱。生成的新闻中的事实一定要核实。"},
    ),
    Scenario(
        id="code", group="content", kind="generate", icon="💻", output="code", code_language="python",
        title={"en": "Code generation", "zh": "代码生成"},
        description={"en": "Describe a small function; the model writes it. The code is shown in a code view (it is "
                           "never run).",
                     "zh": "描述一个小函数，由模型来写。代码显示在代码框里（不会被执行）。"},
        inputs=(
            Input("task", "textarea", {"en": "What the code should do", "zh": "代码要做什么"}, max_chars=2000),
            Input("language", "choice", {"en": "Language", "zh": "编程语言"}, default="Python",
                  choices=CODE_LANGUAGES, choice_labels=CODE_LABELS),
        ),
        system="You are an expert programmer. You reply with one code block only.",
        template="Write {language} code for this task. Reply with one code block and short comments, no "
                 "explanation.\n\nTask: {task}",
        settings=GenerationSettings(max_new_tokens=200, do_sample=False, repetition_penalty=1.05),
        examples=(
            Example("en", "Reverse words", {"task": "A function that reverses the order of the words in a "
                                                    "sentence."}),
            Example("en", "SQL: top customers", {"task": "Select the 5 customers with the highest total order "
                                                         "amount from tables customers(id, name) and orders(id, "
                                                         "customer_id, amount).", "language": "SQL"}),
            Example("zh", "判断回文", {"task": "写一个函数，判断一个字符串是不是回文。"}),
        ),
        models=("Qwen/Qwen2.5-Coder-1.5B-Instruct", "Qwen/Qwen2.5-Coder-0.5B-Instruct",
                "HuggingFaceTB/SmolLM2-1.7B-Instruct"),
        limits={"en": "The bundled model writes plausible-looking code that is often wrong; read and test it "
                      "before use. Code models such as Qwen2.5-Coder are much better.",
                "zh": "内置模型写出的代码看起来像样，但经常有错；使用前务必阅读和测试。Qwen2.5-Coder 等代码模型好得多。"},
    ),
]
