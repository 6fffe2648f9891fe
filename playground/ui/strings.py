"""Every UI string, in English and Simplified Chinese: one table per language, one language switch.

Component labels are ``gr.I18n`` keys: gradio translates them in the browser (browser language, or the language
picked in gradio's settings panel). Messages built at run time use ``t(key, lang)`` with the language the page
itself reports (see ``events.py``), so labels and messages always agree. Each tab keeps its own strings module;
core error codes (``playground.errors``) join the same table, so a coded error reads the same everywhere.
"""

from __future__ import annotations

from ..errors import PlaygroundError, text_of


EN: dict[str, str] = {
    "lang_code": "en",  # the hidden input that tells handlers which language the page shows
    "title": "LLM Playground",
    "title_md": "# LLM Playground",
    "intro": "See and touch how a language model works: it reads your text as **tokens** and, one token at a time, "
             "predicts a **probability distribution** over what comes next. Everything runs on this machine.",
    "model": "Model",
    "model_info": "Pick a preset, or type a Hugging Face id (owner/name) or a folder path on the server.",
    "load": "Load model",
    "examples": "Examples",
    "empty_prompt": "Type some text first.",
    "too_long": "The text has {n:,} characters; the limit is {limit:,}. Shorten it and try again.",
    "model_error": "The model could not be loaded: {error}",
    "model_loading": "Loading {name}…",
    "model_loading_for": "⏳ Loading {name}… {seconds:.0f} s so far (usually a few seconds).",
    "model_converting": "⏳ First start: converting {name} from its GGUF file into a fast format, once for this "
                        "machine — about 15-40 s on 2 cores ({seconds:.0f} s so far). Later starts take a second.",
    "model_ready": "Ready: {info}",
    "waiting": "Waiting for the model…",
    "startup_failed": "⚠️ The default model could not be loaded at start-up: {error}. Pick another model above.",
    "failed": "Something went wrong: {error}",
    "form_bad_value": "“{field}” cannot be {value!r}: please enter a valid value.",
    "seed_placeholder": "random",
    "no_session": "This browser session is not known to the server any more: reload the page.",
    "no_session_model": "There is no fine-tuned model in this session yet: train one in the Fine-tune tab (it is kept for your session only).",
    "lang_switch": "🌐 中文",
    "share": "🔗 Share",
    "share_link": "Link to this experiment",
    "share_info": "Copied to the clipboard: whoever opens it lands on the same tab, text and settings.",
    "link_bad_tab": "The link names a tab that does not exist ({value}); it was ignored.",
    "link_unknown": "The link has a setting this app does not know ({name}); it was ignored.",
    "link_bad_value": "The link's value for {name} is not allowed here ({value}); the default is kept.",
    "link_too_long": "The link's {name} is longer than {limit} characters; it was ignored.",
    "pack_badge": "📦 offline pack",
    "remote_badge": "🌐 remote engine",
}

ZH: dict[str, str] = {
    "lang_code": "zh",
    "title": "大语言模型游乐场",
    "title_md": "# 大语言模型游乐场 · LLM Playground",
    "intro": "亲手看看语言模型如何工作：它把你的文字切成**词元（token）**，然后一次一个词元地预测下一个词元的"
             "**概率分布**。所有计算都在本机完成。",
    "model": "模型",
    "model_info": "选择预设，或输入 Hugging Face 模型 id（所有者/名称）或服务器上的文件夹路径。",
    "load": "加载模型",
    "examples": "示例",
    "empty_prompt": "请先输入文字。",
    "too_long": "文字有 {n:,} 个字符，上限是 {limit:,}。请缩短后再试。",
    "model_error": "无法加载模型：{error}",
    "model_loading": "正在加载 {name}……",
    "model_loading_for": "⏳ 正在加载 {name}……已用 {seconds:.0f} 秒（通常几秒钟）。",
    "model_converting": "⏳ 首次启动：正在把 {name} 从 GGUF 文件转换为快速格式，本机只做一次——2 核约需 15-40 秒"
                        "（已用 {seconds:.0f} 秒）。之后启动只需一秒左右。",
    "model_ready": "已就绪：{info}",
    "waiting": "正在等待模型……",
    "startup_failed": "⚠️ 启动时无法加载默认模型：{error}。请在上方选择其他模型。",
    "failed": "出了点问题：{error}",
    "form_bad_value": "“{field}”不能是 {value!r}：请输入有效的值。",
    "seed_placeholder": "随机",
    "no_session": "服务器已不认识这个浏览器会话：请刷新页面。",
    "no_session_model": "这个会话里还没有微调模型：请先在「微调」标签页训练一个（它只属于你的会话）。",
    "lang_switch": "🌐 English",
    "share": "🔗 分享",
    "share_link": "这个实验的链接",
    "share_info": "已复制到剪贴板：打开它的人会看到同一个标签页、同样的文字和设置。",
    "link_bad_tab": "链接里的标签页不存在（{value}），已忽略。",
    "link_unknown": "链接里有本应用不认识的设置（{name}），已忽略。",
    "link_bad_value": "链接里 {name} 的值在这里不允许（{value}），保留默认值。",
    "link_too_long": "链接里的 {name} 超过 {limit} 个字符，已忽略。",
    "pack_badge": "📦 离线模型包",
    "remote_badge": "🌐 远程推理引擎",
}


def _merge() -> None:
    from .attention import strings as attention
    from .finetune import strings as finetune
    from .generate import lab_strings as lab
    from .generate import strings as generate
    from .scenarios import strings as scenarios
    from .scratch import strings as scratch
    from .teacher import strings as teacher
    from .tour import strings as tour

    for tab in (generate, lab, attention, finetune, scratch, scenarios, tour, teacher):
        clash = set(tab.EN) & set(EN)
        if clash:
            raise KeyError(f"UI string keys defined twice: {sorted(clash)}")
        EN.update(tab.EN)
        ZH.update(tab.ZH)
    try:  # the core's coded messages (errors, field names and help) share the table
        from ..errors import MESSAGES
    except ImportError:
        return
    for lang, table in (("en", EN), ("zh", ZH)):
        for key, text in MESSAGES[lang].items():
            table.setdefault(key, text)


_merge()
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


class UIError(ValueError):
    """A problem found by the UI itself, with a code from these tables (shown in the user's language)."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(t(code, "en", **params) if code in EN else code)
        self.code, self.params = code, params


def error_text(exc: BaseException, lang: str) -> str:
    """A core or form error in ``lang``: by its code when it has one, else its own (English) message."""
    if isinstance(exc, PlaygroundError):
        return text_of(exc, lang)
    code, params = getattr(exc, "code", None), dict(getattr(exc, "params", None) or {})
    if code and code in EN:
        if "field" in params and f"field_{params['field']}" in EN:
            params["field"] = t(f"field_{params['field']}", lang)
        try:
            return t(code, lang, **params)
        except (KeyError, IndexError, ValueError):
            pass
    return str(exc)


def field_label(name: str, lang: str) -> str:
    key = f"field_{name}"
    return t(key, lang) if key in EN else name


def make_i18n():
    import gradio as gr

    return gr.I18n(en=EN, **{"zh-CN": ZH, "zh": ZH})


__all__ = ["EN", "ZH", "TABLES", "t", "error_text", "UIError", "lang_from_header", "make_i18n", "field_label"]
