"""Training and scoring the request reader on tasks: the shopper's request, labelled by the task's gold writes."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.dialogue.intents import keyword_writes
from assistant.dialogue.request_reader import KINDS, RequestReader
from assistant.evaluation.tasks import Task, load_tasks
from assistant.evaluation.users import ScriptedUser

NGRAMS = (1, 4)
NO_CHANGE = Path(__file__).resolve().parents[1] / "shop" / "eval" / "no_change_requests.json"


def kinds_of(actions: list[dict]) -> set[str]:
    """The kinds of change the gold actions make."""
    return {kind for action in actions for kind, tools in KINDS.items() if action["name"] in tools}


def examples(tasks: list[Task]) -> list[tuple[str, set[str]]]:
    """(what the shopper says first, the kinds of change the task makes); a two-request task gives both parts."""
    out = []
    for task in tasks:
        user = ScriptedUser(task)
        writes = [a for a in task.actions if kinds_of([a])]
        if user.follow_up and len(writes) > 1:
            out += [(user.opening(), kinds_of(writes[:1])), (user.follow_up, kinds_of(writes[1:]))]
        else:
            out.append((user.opening(), kinds_of(writes)))
    return out


def task_examples(files: list[Path], split: str) -> list[tuple[str, set[str]]]:
    return [e for path in files for e in examples(load_tasks(path, split=split))]


def no_change_examples() -> list[tuple[str, set[str]]]:
    """Questions and greetings that ask for no change: without them, "where is my parcel?" sits near "ship it to my
    new address" in the embedding space."""
    return [(text, set()) for text in json.loads(NO_CHANGE.read_text())["requests"]]


def _heads(matrix, data: list[tuple[str, set[str]]], c: float) -> tuple[list[list[float]], list[float]]:
    """One balanced logistic regression per kind over the rows of `matrix`: coefficients and intercepts."""
    from sklearn.linear_model import LogisticRegression

    coef, intercept = [], []
    for kind in KINDS:
        labels = [kind in kinds for _, kinds in data]
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(matrix, labels)
        coef.append([round(float(w), 5) for w in model.coef_[0]])
        intercept.append(float(model.intercept_[0]))
    return coef, intercept


def train(data: list[tuple[str, set[str]]], c: float = 4.0, embedder=None, embedding_c: float = 16.0) -> dict:
    """Fit the n-gram vocabulary and one logistic regression per kind, and, given an embedder, one per kind over
    its sentence embeddings (less regularised: unit vectors give small logits); the weights as plain JSON."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2)
    coef, intercept = _heads(vectorizer.fit_transform([text for text, _ in data]), data, c)
    weights = {"ngram_range": list(NGRAMS), "vocabulary": {g: int(i) for g, i in vectorizer.vocabulary_.items()},
               "idf": [round(float(x), 5) for x in vectorizer.idf_], "kinds": list(KINDS), "coef": coef,
               "intercept": intercept, "threshold": 0.5, "examples": len(data)}
    if embedder is not None:
        coef, intercept = _heads(embedder([text for text, _ in data]), data, embedding_c)
        weights["embedding"] = {"model": embedder.model_name, "coef": coef, "intercept": intercept}
    return weights


class CachedEmbedder:
    """An embedder that embeds each text once: cross-validation embeds the same requests in every fold."""

    def __init__(self, embedder):
        self.embedder, self.model_name, self.vectors = embedder, embedder.model_name, {}

    def __call__(self, texts: list[str]) -> list:
        if new := [t for t in dict.fromkeys(texts) if t not in self.vectors]:
            self.vectors.update(zip(new, self.embedder(new)))
        return [self.vectors[t] for t in texts]


def score(read, data: list[tuple[str, set[str]]]) -> dict:
    """Exact match of the kinds read, and recall and precision over kinds."""
    exact = hits = said = wanted = 0
    for text, kinds in data:
        got = read(text)
        exact += got == kinds
        hits, said, wanted = hits + len(got & kinds), said + len(got), wanted + len(kinds)
    return {"examples": len(data), "exact": round(exact / len(data), 3),
            "recall": round(hits / wanted, 3) if wanted else None, "precision": round(hits / said, 3) if said else None}


def keyword_kinds(text: str) -> set[str]:
    """What the keyword tables read, as kinds (an unnamed change counts as every change, as they offer it)."""
    tools = keyword_writes([text])
    return {kind for kind, kind_tools in KINDS.items() if tools & kind_tools}


def cross_validate(base: list[tuple[str, set[str]]], tasks: list[Task], folds: int = 5, seed: int = 0,
                   threshold: float = 0.5, embedder=None) -> dict:
    """Held-out figures on `tasks` (a train split): each fold read by a reader trained on `base` and the other
    folds; the keyword tables, and what the agent reads (their union, or, where both read nothing, the meaning
    head), on the same messages."""
    import random

    tasks = list(tasks)
    random.Random(seed).shuffle(tasks)
    parts = [tasks[i::folds] for i in range(folds)]
    read: dict[str, list] = {"reader": [], "keywords": [], "union": []}
    for k in range(folds):
        weights = train(base + [e for j, part in enumerate(parts) if j != k for e in examples(part)],
                        embedder=embedder)
        weights["threshold"] = threshold
        reader = RequestReader(weights, embedder)
        for text, kinds in examples(parts[k]):
            got, keywords = set(reader.kinds_in(text)), keyword_kinds(text)
            read["reader"].append((got, kinds))
            read["keywords"].append((keywords, kinds))
            read["union"].append((got | keywords or set(reader.meaning_in(text)), kinds))
    return {name: score(lambda got: got, [(g, k) for g, k in pairs]) for name, pairs in read.items()}
