"""Strings of the teacher's view and the broadcast banner (English and Simplified Chinese)."""

EN: dict[str, str] = {
    "te_tab": "🧑‍🏫 Teacher",
    "te_intro": "### Teacher's view\nOnly pages opened with this server's teacher link see this tab. It shows how "
                "busy the machine is — never what participants typed.",
    "te_room": "#### The room\nPages connected: **{people}** · generations running: **{running}** · "
               "fine-tuning runs: **{training}** ({waiting} waiting)",
    "te_machine": "#### The machine\nLoad {load:.1f} on {cores} cores · memory {used:.1f} of {total:.1f} GB · "
                  "this server {rss:.1f} GB",
    "te_worker": "#### The model\nAnswers being written together: **{rows}** (up to {max} in one pass) · about to "
                 "join: **{joining}** · other model jobs waiting: **{jobs}**",
    "te_queue_md": "#### Waiting in line",
    "te_col_line": "line",
    "te_line_other": "other",
    "te_col_waiting": "waiting",
    "te_col_oldest": "longest wait (s)",
    "te_col_running": "running",
    "te_jobs": "Running jobs",
    "te_jobs_info": "Kind, anonymous tag and age. Stopping a job ends it for its owner, who sees why.",
    "te_job_gen": "generation {tag}",
    "te_job_train": "fine-tuning {tag} · step {step}/{total} · {age:.0f} s",
    "te_stop": "Stop this job",
    "te_stopped": "Stopped {job}.",
    "te_no_job": "That job is not running any more.",
    "te_broadcast": "Message to everyone",
    "te_broadcast_info": "Shown at the top of every participant's page within a few seconds (at most 500 characters).",
    "te_send": "Send to everyone",
    "te_clear": "Clear the message",
    "te_sent": "Sent: everyone sees it within a few seconds.",
    "te_denied": "This is the teacher's view: open it with the teacher link.",
    "te_refresh": "Refresh",
    "broadcast_md": "📣 **{text}**",
}

ZH: dict[str, str] = {
    "te_tab": "🧑‍🏫 教师",
    "te_intro": "### 教师视图\n只有用本服务器的教师链接打开的页面才能看到这个标签页。这里显示机器有多忙——从不显示学员输入的内容。",
    "te_room": "#### 教室\n已连接 **{people}** 个页面 · **{running}** 个生成正在运行 · **{training}** 个微调任务"
               "（{waiting} 个在排队）",
    "te_machine": "#### 机器\n负载 {load:.1f}（共 {cores} 核）· 内存已用 {used:.1f} / {total:.1f} GB · 本服务 {rss:.1f} GB",
    "te_worker": "#### 模型\n正在一起生成的回答：**{rows}** 个（一次前向最多 {max} 个）· 即将加入：**{joining}** 个 · "
                 "等待中的其他模型任务：**{jobs}** 个",
    "te_queue_md": "#### 排队情况",
    "te_col_line": "队列",
    "te_line_other": "其他",
    "te_col_waiting": "等待数",
    "te_col_oldest": "最长等待（秒）",
    "te_col_running": "运行中",
    "te_jobs": "正在运行的任务",
    "te_jobs_info": "类型、匿名标记和运行时长。停止任务会让它的主人看到任务被停止。",
    "te_job_gen": "生成 {tag}",
    "te_job_train": "微调 {tag} · 第 {step}/{total} 步 · {age:.0f} 秒",
    "te_stop": "停止这个任务",
    "te_stopped": "已停止 {job}。",
    "te_no_job": "这个任务已经不在运行了。",
    "te_broadcast": "发给所有人的消息",
    "te_broadcast_info": "几秒内会显示在每位学员页面的顶部（最多 500 个字符）。",
    "te_send": "发送给所有人",
    "te_clear": "清除消息",
    "te_sent": "已发送：几秒内所有人都能看到。",
    "te_denied": "这是教师视图：请用教师链接打开。",
    "te_refresh": "刷新",
    "broadcast_md": "📣 **{text}**",
}
