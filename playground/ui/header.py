"""The header every page shows: title, language button, share button, the teacher's broadcast; and the
handlers that apply a shared link when a page opens."""

from __future__ import annotations

import gradio as gr

from .context import UIContext
from .events import LANG_SYNC_JS, Values, wire
from .links import Links
from .strings import t

# The language button drives gradio's own language setting (settings panel -> Language), so labels (translated
# in the browser) and run-time messages (which follow the page's language, see events.py) switch together.
SWITCH_LANGUAGE_JS = """
async () => {
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const wanted = document.querySelector('#lang-switch').innerText.includes('中文') ? '简体中文' : 'English';
  const opener = [...document.querySelectorAll('footer button, footer a')]
    .find((e) => /settings|设置/i.test(e.textContent));
  if (!opener) return;
  opener.click();
  let box = null;
  for (let i = 0; i < 30 && !box; i++) { await pause(100); box = document.querySelector('.banner-wrap input[role=combobox]'); }
  if (!box) return;
  box.focus(); box.click();
  let option = null;
  for (let i = 0; i < 30 && !option; i++) {
    await pause(100);
    option = [...document.querySelectorAll('ul[role=listbox] li')].find((li) => li.textContent.trim().endsWith(wanted));
  }
  if (!option) return;
  option.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
  option.click();
  await pause(300);
  const close = document.querySelector('[role=dialog] button');  // the panel's ✕
  if (close) close.click();
}
"""


# Turns the query string the server built into a full link, shows it and copies it to the clipboard.
SHARE_JS = """
(query) => {
  if (!query) return query;
  const url = window.location.origin + window.location.pathname + query;
  if (navigator.clipboard) navigator.clipboard.writeText(url).catch(() => {});
  return url;
}
"""


TICK_SECONDS = 5  # every page says "still here" and picks up the teacher's message this often


def build_header(ctx: UIContext) -> dict:
    i18n = ctx.i18n
    ctx.links = Links()
    # The page's language, translated in the browser like every label; a cookie follows it (see events.py).
    gr.Markdown(i18n("lang_code"), elem_id="page-lang")
    with gr.Row(equal_height=True):
        gr.Markdown(i18n("title_md"), elem_id="title")
        share = gr.Button(i18n("share"), size="sm", scale=0, min_width=110, elem_id="share-btn")
        switch = gr.Button(i18n("lang_switch"), size="sm", scale=0, min_width=110, elem_id="lang-switch")
    link = gr.Textbox(label=i18n("share_link"), info=i18n("share_info"), visible=False, interactive=False,
                      buttons=["copy"], elem_id="share-link")
    banner = gr.Markdown(visible=False, elem_id="broadcast")
    gr.Markdown(i18n("intro"))
    return {"share": share, "switch": switch, "link": link, "current_tab": gr.State("tour"), "banner": banner,
            "tick": gr.Timer(TICK_SECONDS)}


def wire_header(ctx: UIContext, header: dict) -> None:
    """Events of the header; called once every tab has declared what a link may set."""
    links: Links = ctx.links
    links.tabs = ctx.components["tabs"]
    ctx.demo.load(None, js=LANG_SYNC_JS, api_name=False)
    header["switch"].click(None, js=SWITCH_LANGUAGE_JS, api_name=False)

    def open_link(request: gr.Request):
        """A page opened with ``?tab=…&…``: apply what the link sets; a bad parameter becomes a notice."""
        params = dict(getattr(request, "query_params", None) or {})
        params = {k: v for k, v in params.items() if k not in ("__theme", "view", "lang")}
        if not params:
            return [gr.skip()] * len(links.outputs())
        updates, notices = links.apply(params)
        lang = Values({}, request).lang
        for key, values in notices:
            gr.Warning(t(key, lang, **values))
        return updates

    opened = ctx.demo.load(open_link, None, links.outputs(), api_name=False, show_progress="hidden")
    for step in ctx.after_link:  # e.g. the model status line, about the model the link picked
        step(opened.then)

    def tick(v: Values):
        """A page is still open: count it, and show the teacher's message (if any)."""
        ctx.presence.seen(v.session_hash)
        text = ctx.broadcast.current()
        return gr.update(value=v.t("broadcast_md", text=text) if text else "", visible=bool(text))

    wire(header["tick"].tick, tick, ctx.inputs(), header["banner"], queue=False, show_progress="hidden",
         api_name=False)
    wire(ctx.demo.load, tick, ctx.inputs(), header["banner"], queue=False, show_progress="hidden", api_name=False)

    def gone(request: gr.Request):
        ctx.presence.gone(request.session_hash)
        ctx.teachers.discard(request.session_hash)

    ctx.demo.unload(gone)

    def share(v: Values):
        """The link that reproduces what this page shows in its current tab."""
        return links.query(v.current_tab, v)

    shared = wire(header["share"].click, share, ctx.inputs(current_tab=header["current_tab"],
                                                          shown=links.share_inputs()),
                  header["link"], queue=False, api_name=False)
    shared.then(None, header["link"], header["link"], js=SHARE_JS, api_name=False).then(
        lambda: gr.update(visible=True), None, header["link"], queue=False, api_name=False)
