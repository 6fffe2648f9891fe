"""Texts of the offline model packs' coded errors (``playground.packs``), merged into ``messages.MESSAGES``."""

from __future__ import annotations

EN: dict[str, str] = {
    "pack_unknown": "There is no offline model pack called {ref!r}.",
    "pack_missing": "The offline pack {name} is not installed (or not at its pinned version). Run `make models` "
                    "to install it.",
    "pack_corrupt:size": "The offline pack {name} is damaged: its parts add up to {got} bytes instead of "
                         "{expected}. It was not used. Reinstall it with `make models`.",
    "pack_corrupt:sha": "The offline pack {name} does not match its pinned checksum (sha256 {got}… instead of "
                        "{expected}…). It was not used: reinstall it with `make models`.",
    "pack_advice_installed": "This text is Chinese: the offline pack {name} (📦 in the model list) answers Chinese "
                             "far better than the bundled model.",
    "pack_advice_missing": "This text is Chinese: the offline pack {name} answers Chinese far better than the "
                           "bundled model; `make models` adds it.",
}

ZH: dict[str, str] = {
    "pack_unknown": "没有名为 {ref!r} 的离线模型包。",
    "pack_missing": "离线模型包 {name} 尚未安装（或版本不是固定的版本）。请运行 `make models` 安装它。",
    "pack_corrupt:size": "离线模型包 {name} 已损坏：各部分合计 {got} 字节，而应为 {expected} 字节。"
                         "它没有被使用。请用 `make models` 重新安装。",
    "pack_corrupt:sha": "离线模型包 {name} 与固定的校验和不符（sha256 为 {got}…，应为 {expected}…）。"
                        "它没有被使用：请用 `make models` 重新安装。",
    "pack_advice_installed": "这是中文文本：离线模型包 {name}（模型列表中带 📦 的一项）处理中文远好于内置模型。",
    "pack_advice_missing": "这是中文文本：离线模型包 {name} 处理中文远好于内置模型；运行 `make models` 即可安装。",
}
