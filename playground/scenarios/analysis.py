"""Text analysis: sentiment and topic classification by label likelihood; entity and field extraction to JSON."""

from ..config import GenerationSettings
from .spec import Example, Input, Scenario

_CLASSIFY_INPUTS = (
    Input("text", "textarea", {"en": "Text to classify", "zh": "要分类的文字"}, max_chars=3000),
    Input("labels", "line", {"en": "Labels (comma-separated, editable)", "zh": "标签（用逗号分隔，可编辑）"}),
    Input("csv", "file", {"en": "Batch mode: a CSV file (optional)", "zh": "批量模式：CSV 文件（可选）"},
          default=None, required=False),
    Input("column", "line", {"en": "CSV column with the texts", "zh": "CSV 中存放文字的列名"}, default="text",
          required=False),
)
_CLASSIFY_LIMITS = {
    "en": "Each label is scored by how likely the model finds it as the answer, so the result is always one of your "
          "labels. On the bundled 135M model obvious cases work and subtle ones (irony, mixed feelings, neutral "
          "facts) often do not; probabilities are not calibrated. The few-shot examples in the template matter a "
          "lot: try editing them.",
    "zh": "每个标签按模型认为它作为答案的可能性打分，所以结果一定是你给出的标签之一。内置的 1.35 亿参数模型能处理"
          "明显的情况，细微的（反讽、褒贬混合、中性陈述）常常出错；概率并未校准。模板里的少样本示例影响很大，"
          "可以试着修改。"}
_EXTRACT_LIMITS = {
    "en": "The output is checked: invalid JSON is repaired when the fix is mechanical (code fences, quotes, "
          "trailing commas, a cut-off end) or retried with the JSON start written for the model, and otherwise "
          "reported as invalid. Valid JSON can still hold wrong values: the bundled 135M model often misses or "
          "invents entities.",
    "zh": "输出会被检查：无效的 JSON 在可以机械修复时（代码块标记、引号、多余逗号、被截断的结尾）会被修复，"
          "或者替模型写好 JSON 开头后重试，否则明确报告为无效。格式有效的 JSON 内容也可能出错：内置的 1.35 亿"
          "参数模型常常漏掉或编造实体。"}

SCENARIOS = [
    Scenario(
        id="sentiment", group="analysis", kind="classify", icon="🙂", chat=False,
        title={"en": "Sentiment analysis", "zh": "情感分析"},
        description={
            "en": "Is a review positive, negative or neutral? The model scores each label as a continuation of a "
                  "few-shot prompt (label likelihood); the bars show the probabilities, renormalised over your "
                  "labels. Upload a CSV to classify a whole column and download the result (try "
                  "assets/scenarios/reviews_example.csv).",
            "zh": "一条评论是正面、负面还是中性？模型把每个标签当作少样本提示的续写来打分（标签似然），"
                  "条形图显示在你的标签之间归一化后的概率。上传 CSV 可以批量分类一整列并下载结果"
                  "（可以试试 assets/scenarios/reviews_example.csv）。"},
        inputs=_CLASSIFY_INPUTS[:1] + (Input("labels", "line", _CLASSIFY_INPUTS[1].label,
                                             default="positive, negative, neutral"),) + _CLASSIFY_INPUTS[2:],
        template="Classify the sentiment of each text as one of: {labels}.\n\n"
                 "Text: I waited two weeks and the package never came. Terrible service.\nSentiment: negative\n\n"
                 "Text: The blanket is soft, warm and exactly as pictured. Love it!\nSentiment: positive\n\n"
                 "Text: The order arrived on Tuesday in a brown box.\nSentiment: neutral\n\n"
                 "Text: {text}\nSentiment:",
        examples=(
            Example("en", "Happy customer", {"text": "I absolutely love this lamp, it is beautiful and works "
                                                     "perfectly!"}),
            Example("en", "Angry customer", {"text": "This is the worst purchase I have ever made. It broke "
                                                     "after one day."}),
            Example("zh", "好评", {"text": "这个杯子太好看了，质量也很好，非常喜欢！"}),
            Example("zh", "差评", {"text": "质量太差了，用了一天就坏了。"}),
        ),
        models=("Qwen/Qwen2.5-0.5B-Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-1.5B-Instruct"),
        limits=_CLASSIFY_LIMITS,
    ),
    Scenario(
        id="topic", group="analysis", kind="classify", icon="🏷️", chat=False,
        title={"en": "Text classification (topics)", "zh": "文本分类（主题）"},
        description={
            "en": "Route customer messages to the right team. Same label-likelihood method as sentiment analysis, "
                  "with your own label set; batch mode over a CSV column.",
            "zh": "把顾客消息分给对应的团队。方法与情感分析相同（标签似然），标签集可以自定义；支持对 CSV 的一列批量处理。"},
        inputs=_CLASSIFY_INPUTS[:1] + (Input("labels", "line", _CLASSIFY_INPUTS[1].label,
                                             default="delivery, refund, payment, product"),) + _CLASSIFY_INPUTS[2:],
        template="Sort each customer message into one topic: {labels}.\n\n"
                 "Message: Where is my parcel? It should have arrived yesterday.\nTopic: delivery\n\n"
                 "Message: I returned the vase last week and I am still waiting for my money.\nTopic: refund\n\n"
                 "Message: My credit card was charged twice for one order.\nTopic: payment\n\n"
                 "Message: The chair wobbles and one leg is shorter than the others.\nTopic: product\n\n"
                 "Message: {text}\nTopic:",
        examples=(
            Example("en", "Late parcel", {"text": "The courier says my package is lost. When will it come?"}),
            Example("en", "Double charge", {"text": "Why was my card charged twice for the same order?"}),
            Example("zh", "退款", {"text": "我上周退了货，钱还没退回来。"}),
            Example("zh", "产品问题", {"text": "椅子腿有点晃，一条腿比别的短。"}),
        ),
        models=("Qwen/Qwen2.5-0.5B-Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-1.5B-Instruct"),
        limits=_CLASSIFY_LIMITS,
    ),
    Scenario(
        id="entities", group="analysis", kind="extract", icon="🔎",
        title={"en": "Entity extraction to JSON", "zh": "实体抽取（JSON）"},
        description={
            "en": "Pull people, organisations, places and dates out of a text as JSON. The output is parsed and "
                  "validated against the keys you ask for.",
            "zh": "从文字中抽取人物、机构、地点和日期，输出为 JSON。输出会被解析，并按你要求的键进行校验。"},
        inputs=(
            Input("text", "textarea", {"en": "Text", "zh": "文字"}, max_chars=3000),
            Input("fields", "line", {"en": "Keys to extract (comma-separated)", "zh": "要抽取的键（逗号分隔）"},
                  default="people, organizations, places, dates"),
        ),
        system="You extract information from text and reply with one JSON object only.",
        template="Extract these keys from the text: {fields}. Each value is a list of strings copied from the "
                 "text ([] if none). Reply with JSON only, in this form:\n{json_skeleton}\n\nText: {text}",
        settings=GenerationSettings(max_new_tokens=120, do_sample=False, repetition_penalty=1.1),
        examples=(
            Example("en", "News sentence", {"text": "On 3 March 2025, Maria Lopez joined Maple & Moss in Lisbon "
                                                    "as head of design, the company said."}),
            Example("zh", "新闻句子", {"text": "2025年3月3日，张伟在上海加入了青禾生活馆，担任设计总监。"}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct"),
        limits=_EXTRACT_LIMITS,
    ),
    Scenario(
        id="info_extract", group="analysis", kind="extract", icon="📋",
        title={"en": "Information extraction (form fields)", "zh": "信息抽取（表单字段）"},
        description={
            "en": "Turn a customer e-mail into the fields of a support ticket (JSON), validated against the keys.",
            "zh": "把一封顾客邮件变成工单字段（JSON），并按键进行校验。"},
        inputs=(
            Input("text", "textarea", {"en": "E-mail or message", "zh": "邮件或消息"}, max_chars=3000),
            Input("fields", "line", {"en": "Fields (comma-separated)", "zh": "字段（逗号分隔）"},
                  default="customer_name, order_number, product, problem"),
        ),
        system="You extract information from text and reply with one JSON object only.",
        template="Fill in these fields from the message: {fields}. Use a short string for each value, or null if "
                 "the message does not say. Reply with JSON only, in this form:\n{json_skeleton}\n\n"
                 "Message: {text}",
        settings=GenerationSettings(max_new_tokens=100, do_sample=False, repetition_penalty=1.1),
        examples=(
            Example("en", "Support e-mail", {"text": "Hello, my name is Tom Becker. Order 48213 arrived today "
                                                     "but the linen duvet cover is torn. Please send a new one. "
                                                     "Thanks, Tom"}),
            Example("zh", "客服邮件", {"text": "你好，我是李娜，订单号 7731。收到的台灯不亮，希望换一个新的。"}),
        ),
        models=("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct"),
        limits=_EXTRACT_LIMITS,
    ),
]
