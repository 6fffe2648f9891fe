"""Education: a patient tutor, essay feedback against an editable rubric with a score, exercise generation."""

from ..config import GenerationSettings
from .spec import Example, Input, Scenario

LEVELS = ("primary school", "secondary school", "university")
LEVEL_LABELS = ("primary school · 小学", "secondary school · 中学", "university · 大学")
_LEVEL = Input("level", "choice", {"en": "Learner level", "zh": "学习者水平"}, default="secondary school",
               choices=LEVELS, choice_labels=LEVEL_LABELS)
_MODELS = ("Qwen/Qwen2.5-1.5B-Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")

SCENARIOS = [
    Scenario(
        id="tutor", group="education", kind="generate", icon="🧑‍🏫",
        title={"en": "Tutor: explain a concept", "zh": "辅导老师：讲解概念"},
        description={"en": "A step-by-step explanation for the learner's level, ending with a check question.",
                     "zh": "按学习者的水平一步步讲解，最后提一个检查理解的问题。"},
        inputs=(Input("question", "textarea", {"en": "What the learner asks", "zh": "学生的问题"}, max_chars=2000),
                _LEVEL),
        system="You are a patient tutor. You explain step by step with simple words and one everyday example.",
        template="A {level} student asks: {question}\n\nExplain it in at most five short sentences for a {level} "
                 "student, with one everyday example. End with one short question that checks understanding.",
        settings=GenerationSettings(max_new_tokens=180, do_sample=False, repetition_penalty=1.15),
        examples=(
            Example("en", "Photosynthesis", {"question": "Why do plants need sunlight?", "level": "primary school"}),
            Example("en", "Fractions", {"question": "Why is 1/2 bigger than 1/3 when 3 is bigger than 2?"}),
            Example("zh", "为什么天是蓝的", {"question": "为什么天空是蓝色的？", "level": "primary school"}),
        ),
        models=_MODELS,
        limits={"en": "Explanations from the bundled model are fluent but can be factually wrong; never use it "
                      "as a source of truth for learners.",
                "zh": "内置模型的讲解读起来流畅，但可能有事实错误；不要把它当作学生的知识来源。"},
    ),
    Scenario(
        id="essay_feedback", group="education", kind="essay", icon="✍️",
        title={"en": "Essay feedback with a rubric", "zh": "按评分标准批改作文"},
        description={"en": "Feedback on a short essay against a rubric you can edit, ending with a score. The score "
                           "is read from the model's last line (\"Score: N/M\").",
                     "zh": "按可编辑的评分标准给短文写评语并打分。分数从模型最后一行（“Score: N/M”）读取。"},
        inputs=(
            Input("essay", "textarea", {"en": "Essay", "zh": "作文"}),
            Input("rubric", "textarea", {"en": "Rubric (editable)", "zh": "评分标准（可编辑）"},
                  default="- Clear main idea\n- Ideas supported with examples\n- Good organisation\n"
                          "- Correct grammar and spelling", max_chars=2000),
            Input("max_score", "number", {"en": "Maximum score", "zh": "满分"}, default=10, minimum=1,
                  maximum=100),
        ),
        system="You are a kind but honest writing teacher.",
        template="Rubric:\n{rubric}\n\nEssay:\n{essay}\n\nGive feedback on the essay: one strength and one thing "
                 "to improve for the rubric points. Then give a score out of {max_score} on the last line, "
                 "exactly in the form \"Score: N/{max_score}\".",
        settings=GenerationSettings(max_new_tokens=200, do_sample=False, repetition_penalty=1.15),
        examples=(
            Example("en", "My summer", {"essay": "Last summer I learned to swim. At first I was afraid of the "
                                                 "water, but my aunt helped me every morning. After two weeks I "
                                                 "could swim across the pool. Now I am not afraid and I want to "
                                                 "learn diving next year. i think learning is easyer when "
                                                 "someone believe in you."}),
            Example("zh", "我的暑假", {"essay": "去年暑假我学会了游泳。一开始我很怕水，但是姑姑每天早上陪我练习。"
                                              "两个星期以后，我能游过整个泳池了。现在我不怕水了，明年还想学跳水。",
                                      "rubric": "- 中心明确\n- 有具体例子\n- 结构清楚\n- 语句通顺、没有错别字"}),
        ),
        models=_MODELS,
        limits={"en": "The bundled model's scores are close to arbitrary and its feedback generic; when it writes "
                      "no score in the expected form, that is reported. Use a larger model, and a teacher, for "
                      "real grading.",
                "zh": "内置模型给出的分数几乎是随意的，评语也很笼统；如果它没有按要求写出分数，界面会如实说明。"
                      "真正的评分请用更大的模型，并由老师把关。"},
    ),
    Scenario(
        id="exercises", group="education", kind="generate", icon="🧮",
        title={"en": "Personalised exercises", "zh": "个性化练习题"},
        description={"en": "Practice questions on a topic for the learner's level, with answers at the end.",
                     "zh": "按学习者水平，围绕某个主题出练习题，并在最后附上答案。"},
        inputs=(Input("topic", "line", {"en": "Topic", "zh": "主题"}), _LEVEL,
                Input("count", "number", {"en": "Number of exercises", "zh": "题目数量"}, default=3, minimum=1,
                      maximum=8)),
        system="You are a teacher who writes clear practice exercises.",
        template="Write {count} numbered practice exercises about {topic} for a {level} student. Then write "
                 "\"Answers:\" and the answer to each exercise.",
        settings=GenerationSettings(max_new_tokens=240, do_sample=False, repetition_penalty=1.15),
        examples=(
            Example("en", "Multiplication", {"topic": "multiplying by 10", "level": "primary school"}),
            Example("en", "Past tense", {"topic": "the English past simple tense", "count": 4}),
            Example("zh", "分数加法", {"topic": "分数加法", "level": "primary school"}),
        ),
        models=_MODELS,
        limits={"en": "Check the answers: small models often write a wrong answer key or exercises that do not "
                      "match the level.",
                "zh": "请核对答案：小模型经常写错答案，或出的题与水平不符。"},
    ),
]
