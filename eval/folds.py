"""Grouped k-fold on dev: every fitted parameter is judged on questions it was not fitted on.

>>> oof = out_of_fold(pipeline, load_items(dev), k=5, evaluate=evaluate_item)   # None: nothing to refit

Items are grouped by the fact they ask, so a fact's paraphrases and follow-ups stay in one fold:
a paraphrase ``p<id>a`` / ``p<id>b`` belongs to ``<id>``; an item whose note names another item's
id (a paraphrase or follow-up of it) belongs to that item's group; any other item is its own group.
Folds are scikit-learn's ``GroupKFold`` (deterministic: same items, same folds). For each fold the
pipeline is refitted on the other folds (``Refittable.refit``) and answers the held-out fold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from eval.dataset import EvalItem
from eval.results import ItemResult
from ingest.errors import UserError

if TYPE_CHECKING:
    from app.records import LabeledQuestion, QAPipeline

NOT_REFITTABLE = "no fitted parameters: out-of-fold = in-sample"
_PARAPHRASE_ID = re.compile(r"^p(?P<base>.+)[a-z]$")
_ID_TOKEN = re.compile(r"[A-Za-z0-9_-]+")

Evaluate = Callable[["QAPipeline", EvalItem], ItemResult]


def _named_fact(item: EvalItem, known: set[str]) -> str | None:
    m = _PARAPHRASE_ID.match(item.id)
    if m and m["base"] in known:
        return m["base"]
    named = [t for t in _ID_TOKEN.findall(item.note or "") if t in known and t != item.id]
    return named[0] if named else None


def fact_groups(items: Sequence[EvalItem], known_ids: Iterable[str] = ()) -> list[str]:
    """The group (fact id) of every item; ``known_ids`` adds ids of facts outside ``items`` (dev ids)."""
    known = {i.id for i in items} | set(known_ids)
    parent = {i.id: _named_fact(i, known) for i in items}

    def root(item_id: str) -> str:
        seen = {item_id}
        while (up := parent.get(item_id)) is not None and up not in seen:
            seen.add(up)
            item_id = up
        return item_id

    return [root(i.id) for i in items]


def labeled(item: EvalItem, group: str) -> LabeledQuestion:
    """The item as ``refit`` sees it: every LabeledQuestion field is the item's own, plus its group."""
    from dataclasses import fields

    from app.records import LabeledQuestion

    own = {f.name: getattr(item, f.name) for f in fields(LabeledQuestion) if f.name != "group"}
    return LabeledQuestion(group=group, **own)


def fold_splits(groups: Sequence[str], k: int) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists of grouped k-fold; a group never spans two folds."""
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(groups))
    if k < 2 or k > n_groups:
        raise UserError(f"--folds {k}: need 2 <= k <= the number of fact groups ({n_groups})")
    splitter = GroupKFold(n_splits=k)
    positions = list(range(len(groups)))
    return [(list(tr), list(te)) for tr, te in splitter.split(positions, groups=list(groups))]


def is_refittable(pipeline: object) -> bool:
    from app.records import Refittable

    return isinstance(pipeline, Refittable)


def out_of_fold(
    pipeline: QAPipeline, items: Sequence[EvalItem], k: int, evaluate: Evaluate | None = None
) -> list[ItemResult] | None:
    """Every item answered by a pipeline refitted without its fold, in item order; None if not refittable."""
    if not is_refittable(pipeline):
        return None
    if evaluate is None:
        from eval.runner import evaluate_item as evaluate
    groups = fact_groups(items)
    examples = [labeled(item, g) for item, g in zip(items, groups, strict=True)]
    results: dict[int, ItemResult] = {}
    for train, test in fold_splits(groups, k):
        fold_pipeline = pipeline.refit([examples[i] for i in train])  # type: ignore[attr-defined]
        results.update({i: evaluate(fold_pipeline, items[i]) for i in test})
    return [results[i] for i in range(len(items))]


def out_of_fold_summary(
    pipeline: QAPipeline, items: Sequence[EvalItem], k: int, in_sample: dict[str, Any]
) -> dict[str, Any]:
    """The ``out_of_fold`` part of summary.json: the run's metrics, computed out of fold.

    Without fitted parameters (the pipeline is not ``Refittable``) out-of-fold equals in-sample:
    the in-sample ``metrics`` are reported with that note.
    """
    from eval.metrics import summarise

    groups = fact_groups(items)
    splits = fold_splits(groups, k)  # validates k before any refit
    oof = out_of_fold(pipeline, items, k)
    return {
        "k": k,
        "n_groups": len(set(groups)),
        "fold_sizes": [len(test) for _, test in splits],
        "refit": oof is not None,
        "note": None if oof is not None else NOT_REFITTABLE,
        "metrics": summarise(oof) if oof is not None else in_sample,
    }
