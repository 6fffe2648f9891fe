"""Texts of the remote engines' coded errors (``playground.remote``), merged into ``messages.MESSAGES``."""

from __future__ import annotations

EN: dict[str, str] = {
    "remote_url_invalid": "{name} must be an http:// or https:// address without a user name or password in it "
                          "(put the key in PLAYGROUND_REMOTE_API_KEY).",
    "remote_not_configured": "{name!r} is not one of the remote models this server offers.",
    "remote_unreachable": "The remote engine serving {name} cannot be reached. It may be down or still starting; "
                          "try again in a minute, or pick a local model.",
    "remote_timeout": "The remote engine serving {name} did not answer within {seconds:g} s. It may be overloaded; "
                      "try again, or ask for fewer tokens.",
    "remote_auth": "The remote engine refused this server's API key for {name}. The operator needs to check "
                   "PLAYGROUND_REMOTE_API_KEY.",
    "remote_not_found": "The remote engine does not serve a model called {name}. The operator needs to check "
                        "PLAYGROUND_REMOTE_MODELS.",
    "remote_busy": "The remote engine serving {name} is busy (too many requests). Wait a few seconds and try again.",
    "remote_server_error": "The remote engine serving {name} failed (HTTP {status}). Try again, or pick a local model.",
    "remote_refused": "The remote engine refused the request for {name} (HTTP {status}): {detail}",
    "remote_malformed": "The remote engine serving {name} sent an answer this app cannot read. It may not be "
                        "OpenAI-compatible, or it was cut off.",
    "remote_no_logprobs": "The remote engine serving {name} gives no token probabilities, so the next-token chart "
                          "cannot be drawn. Generation still works.",
    "remote_no_prompt_logprobs": "The remote engine serving {name} cannot score a given text (it returns no "
                                 "log-probabilities for the prompt), so perplexity and label scores are not "
                                 "available with it. vLLM and llama.cpp's server can; a local model always can.",
    "remote_no_beams": "Beam search needs the model's weights; a remote engine only samples. Set beams to 1.",
    "remote_no_weights": "{name} runs on a remote engine: this view needs the model's weights, which stay on that "
                         "server. Generation, the next-token chart, perplexity and the scenarios work with it; for "
                         "attention, the logit lens and fine-tuning pick a local model such as the bundled SmolLM2.",
    "remote_no_tokenizer": "{name} runs on a remote engine, which does not share its tokenizer: the tokens appear "
                           "with each generated answer (coloured by probability) instead.",
    "notice_remote_chat": "Remote engine: the server applies its own chat template; the box shows the conversation "
                          "that was sent.",
    "notice_remote_scoring": "Remote engine: scored with the completions API on the plain prompt below (the "
                             "server's chat template is not known here).",
    "notice_remote_no_scoring": "The remote engine gives no prompt log-probabilities: the answer was generated and "
                                "the label read from it; the probabilities are not the model's.",
    "notice_remote_no_ranking": "The remote engine gives no prompt log-probabilities, so the answers cannot be "
                                "ranked by the model's confidence; the generated answer is shown alone.",
}

ZH: dict[str, str] = {
    "remote_url_invalid": "{name} 必须是 http:// 或 https:// 地址，且不能包含用户名或密码（密钥请放在 "
                          "PLAYGROUND_REMOTE_API_KEY 中）。",
    "remote_not_configured": "{name!r} 不是本服务器提供的远程模型。",
    "remote_unreachable": "无法连接到提供 {name} 的远程推理引擎。它可能已关闭或仍在启动；请一分钟后重试，或选择本地模型。",
    "remote_timeout": "提供 {name} 的远程推理引擎在 {seconds:g} 秒内没有响应，可能负载过高；请重试，或减少生成的词元数。",
    "remote_auth": "远程推理引擎拒绝了本服务器用于 {name} 的 API 密钥。请运维人员检查 PLAYGROUND_REMOTE_API_KEY。",
    "remote_not_found": "远程推理引擎没有名为 {name} 的模型。请运维人员检查 PLAYGROUND_REMOTE_MODELS。",
    "remote_busy": "提供 {name} 的远程推理引擎正忙（请求过多）。请稍等几秒再试。",
    "remote_server_error": "提供 {name} 的远程推理引擎出错（HTTP {status}）。请重试，或选择本地模型。",
    "remote_refused": "远程推理引擎拒绝了 {name} 的请求（HTTP {status}）：{detail}",
    "remote_malformed": "提供 {name} 的远程推理引擎返回了无法解析的回答。它可能不兼容 OpenAI 接口，或者回答被截断了。",
    "remote_no_logprobs": "提供 {name} 的远程推理引擎不返回词元概率，因此无法绘制下一个词元的分布图。生成仍然可用。",
    "remote_no_prompt_logprobs": "提供 {name} 的远程推理引擎无法为给定文本打分（不返回提示词的对数概率），因此无法计算困惑度"
                                 "和标签得分。vLLM 和 llama.cpp 的服务器可以；本地模型总是可以。",
    "remote_no_beams": "束搜索需要模型权重；远程推理引擎只能采样。请把束宽设为 1。",
    "remote_no_weights": "{name} 运行在远程推理引擎上：这个视图需要模型权重，而权重留在那台服务器上。生成、下一个词元分布图、"
                         "困惑度和应用场景都可以使用它；要查看注意力、logit lens 或进行微调，请选择本地模型，例如内置的 SmolLM2。",
    "remote_no_tokenizer": "{name} 运行在远程推理引擎上，引擎不提供分词器：词元会随每次生成的回答一起显示（按概率着色）。",
    "notice_remote_chat": "远程推理引擎：服务器使用它自己的对话模板；文本框中显示的是发送出去的对话。",
    "notice_remote_scoring": "远程推理引擎：在下面的纯文本提示上用 completions 接口打分（这里不知道服务器的对话模板）。",
    "notice_remote_no_scoring": "远程推理引擎不返回提示词的对数概率：先生成回答，再从回答中读出标签；这些概率不是模型给出的。",
    "notice_remote_no_ranking": "远程推理引擎不返回提示词的对数概率，因此无法按模型的置信度给答案排序；只显示生成的回答。",
}
