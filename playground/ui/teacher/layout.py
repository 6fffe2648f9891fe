"""The teacher's view: the room, the queue, the machine, a message to everyone, stopping a runaway job.

Built only when the operator sets ``PLAYGROUND_TEACHER_TOKEN``. The tab is hidden; a page opened with
``?teacher=<token>`` unhides it for that browser session, and every handler checks that session again on the
server, so neither the tab's API nor a guessed session can reach it without the token.
"""

from __future__ import annotations

import hmac
import time

import gradio as gr

from ...classroom import machine_load, tag
from ..context import UIContext
from ..events import Values, wire
from ..strings import UIError

REFRESH_SECONDS = 5


def authorized(ctx: UIContext, v: Values) -> None:
    if not v.session_hash or v.session_hash not in ctx.teachers:
        raise UIError("te_denied")


def room_md(ctx: UIContext, v: Values) -> str:
    jobs = ctx.engine.training.jobs() if ctx.engine._training is not None else []
    running = [j for j in jobs if j.running]
    waiting = sum(1 for j in running if ctx.engine.training.position(j))
    m = machine_load()
    return "\n\n".join([
        v.t("te_room", people=ctx.presence.count(), running=len(ctx.stops), training=len(running) - waiting,
            waiting=waiting),
        v.t("te_worker", max=ctx.engine.limits.max_batch, **ctx.engine.worker.load()),
        v.t("te_machine", load=m.load_1min, cores=m.cores, used=m.memory_used_gb, total=m.memory_total_gb,
            rss=m.process_rss_gb)])


def queue_table(ctx: UIContext, v: Values) -> dict:
    """One row per line of gradio's queue: how many wait, the longest wait, how many run. No content."""
    lines: dict[str, list] = {}
    queue = getattr(ctx.demo, "_queue", None)
    now = time.monotonic()
    for line, events in (getattr(queue, "event_queue_per_concurrency_id", None) or {}).items():
        name = str(line) if not str(line).isdigit() else v.t("te_line_other")  # unnamed lines: one row
        waiting = list(events.queue)
        row = lines.setdefault(name, [name, 0, 0.0, 0])
        row[1] += len(waiting)
        row[2] = round(max([row[2]] + [now - e.enqueue_time for e in waiting]), 1)
        row[3] += events.current_concurrency
    rows = sorted(lines.values())
    headers = [v.t(k) for k in ("te_col_line", "te_col_waiting", "te_col_oldest", "te_col_running")]
    return {"headers": headers, "data": rows}


def job_choices(ctx: UIContext, v: Values) -> list[tuple[str, str]]:
    choices = [(v.t("te_job_gen", tag=tag(sid)), f"gen:{tag(sid)}") for sid in list(ctx.stops)]
    if ctx.engine._training is not None:
        for job in ctx.engine.training.jobs():
            if job.running:
                p = job.snapshot()
                label = v.t("te_job_train", tag=tag(job.owner), step=p.step, total=job.total,
                            age=time.time() - p.started)
                choices.append((label, f"train:{tag(job.owner)}"))
    return choices


def stop_job(ctx: UIContext, v: Values) -> str:
    authorized(ctx, v)
    kind, _, wanted = (v.job or "").partition(":")
    if kind == "gen":
        for sid, event in list(ctx.stops.items()):
            if tag(sid) == wanted:
                event.set()
                return v.t("te_stopped", job=v.t("te_job_gen", tag=wanted))
    if kind == "train" and ctx.engine._training is not None:
        for job in ctx.engine.training.jobs():
            if tag(job.owner) == wanted and job.running:
                ctx.engine.training.stop(job.owner)
                return v.t("te_stopped", job=wanted)
    raise UIError("te_no_job")


def build_teacher_tab(ctx: UIContext) -> dict:
    i18n = ctx.i18n
    gr.Markdown(i18n("te_intro"))
    with gr.Row():
        with gr.Column(scale=3):
            room = gr.Markdown(elem_id="te-room")
            gr.Markdown(i18n("te_queue_md"))
            queue = gr.Dataframe(interactive=False, elem_id="te-queue")
        with gr.Column(scale=2):
            message = gr.Textbox("", label=i18n("te_broadcast"), info=i18n("te_broadcast_info"), lines=2,
                                 max_length=ctx.broadcast.max_chars, elem_id="te-message")
            with gr.Row():
                send = gr.Button(i18n("te_send"), variant="primary", elem_id="te-send")
                clear = gr.Button(i18n("te_clear"), elem_id="te-clear")
            jobs = gr.Dropdown([], value=None, label=i18n("te_jobs"), info=i18n("te_jobs_info"), elem_id="te-jobs")
            stop = gr.Button(i18n("te_stop"), variant="stop", elem_id="te-stop")
            done = gr.Markdown(elem_id="te-done")
            refresh = gr.Button(i18n("te_refresh"), size="sm", elem_id="te-refresh")
    timer = gr.Timer(REFRESH_SECONDS, active=False)
    return {"room": room, "queue": queue, "message": message, "send": send, "clear": clear, "jobs": jobs,
            "stop": stop, "done": done, "refresh": refresh, "timer": timer}


def wire_teacher(ctx: UIContext, parts: dict, tab: gr.Tab) -> None:
    def show(v: Values):
        authorized(ctx, v)
        choices = job_choices(ctx, v)
        return room_md(ctx, v), queue_table(ctx, v), gr.update(choices=choices)

    def send(v: Values):
        authorized(ctx, v)
        ctx.broadcast.set(v.message)
        return v.t("te_sent")

    def clear(v: Values):
        authorized(ctx, v)
        ctx.broadcast.clear()
        return ""

    view = [parts["room"], parts["queue"], parts["jobs"]]
    for trigger in (parts["timer"].tick, parts["refresh"].click):
        wire(trigger, show, ctx.inputs(), view, queue=False, show_progress="hidden", api_name=False)
    wire(parts["send"].click, send, ctx.inputs(message=parts["message"]), parts["done"], queue=False,
         api_name=False)
    wire(parts["clear"].click, clear, ctx.inputs(), parts["done"], queue=False, api_name=False)
    wire(parts["stop"].click, lambda v: stop_job(ctx, v), ctx.inputs(job=parts["jobs"]), parts["done"],
         queue=False, api_name=False)

    def open_view(request: gr.Request):
        """Page load: the teacher link (``?teacher=<token>``) unhides the tab for this browser session."""
        given = str((getattr(request, "query_params", None) or {}).get("teacher", ""))
        if given and ctx.teacher_token and hmac.compare_digest(given.encode(), ctx.teacher_token.encode()):
            ctx.teachers.add(request.session_hash)
            return gr.Tab(visible=True), gr.Timer(active=True)
        return gr.skip(), gr.skip()

    ctx.demo.load(open_view, None, [tab, parts["timer"]], api_name=False, show_progress="hidden")
