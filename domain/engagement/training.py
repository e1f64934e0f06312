"""Train, evaluate honestly and score: the nightly engagement job and `taskbell engagement train`.

1. Prediction times every few days over the history; features as of each (domain.engagement.features).
2. Time split: examples before the cutoff whose outcome was known by then train; examples after it test.
3. The model (standardisation + logistic regression, behind the Learner port) and the baseline (1 - the
   last 30 days' on-time rate) are scored on the held-out period: ROC AUC and Brier.
4. The model's predictions are shown only when its AUC beats the baseline's by the rule's margin and
   its Brier is no worse; otherwise everyone is scored by the heuristic, labelled as such.
5. The model is refit on every labelled example, stored (ModelStore: skops), and everyone with a task
   history is scored now, with reasons; people are clustered; insights computed. One card, one commit.
Runs in the background only (scheduler, CLI, demo start), never in a web request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select

from domain import audit
from domain.actors import Actor
from domain.engagement import features, suggestions, words
from domain.engagement.features import NAMES, Example
from domain.engagement.ports import Fitted, Learner, ModelStore
from domain.models import EngagementModel, EngagementScore, Person, PersonStatus, Task
from domain.rules import rule_in
from domain.uow import Database

FRESH_HOURS = 20  # a model this young is not retrained at start-up

MARGIN_RULE = "engagement.auc_margin_points"  # read literally below (the settings guard greps rule_in)
MIN_TRAIN, MIN_TEST = 40, 20
MIN_TASKS = 200  # a start-up catch-up waits for this much history (the nightly job always trains)
SNAPSHOTS = 16
SPLIT = 0.7
KEEP = 5  # model cards (and files) kept
SEED = 7
K_RANGE = (2, 5)


@dataclass(frozen=True)
class TrainResult:
    model_id: int
    status: str
    model_wins: bool
    auc_model: float | None
    auc_baseline: float | None
    n_train: int
    n_test: int
    scored: int
    seconds: float


def snapshot_times(first: datetime, now: datetime) -> list[datetime]:
    """Prediction times from two weeks after the first task to a day ago, at most SNAPSHOTS of them."""
    start, end = first + timedelta(days=14), now - timedelta(days=1)
    if end <= start:
        return []
    step = max((end - start) / SNAPSHOTS, timedelta(days=1))
    times, t = [], start
    while t <= end:
        times.append(t)
        t += step
    return times


def heuristic(values: Sequence[float | None], base_rate: float) -> float:
    """The baseline: 1 - the on-time rate of the last 30 days (90 when none fell due; else the usual rate)."""
    for name in ("ontime_30", "ontime_90"):
        v = values[NAMES.index(name)]
        if v is not None:
            return 1.0 - v
    return base_rate


def _xy(examples: Sequence[Example]) -> tuple[list[Sequence[float | None]], list[int]]:
    return [e.values for e in examples], [int(e.label or 0) for e in examples]


def _both(labels: Sequence[int]) -> bool:
    return len(set(labels)) == 2


@dataclass
class _Run:
    card: EngagementModel
    fitted: Fitted | None = None


def _evaluate(run: _Run, learner: Learner, train: list[Example], test: list[Example], margin: float) -> None:
    """Fit on the training period, score model and baseline on the held-out period, decide."""
    card = run.card
    x, y = _xy(train)
    tx, ty = _xy(test)
    base_rate = sum(y) / len(y)
    model = learner.fit(x, y)
    p_model = model.predict(tx)
    p_base = [heuristic(v, base_rate) for v in tx]
    card.auc_model, card.auc_baseline = learner.auc(ty, p_model), learner.auc(ty, p_base)
    card.brier_model, card.brier_baseline = learner.brier(ty, p_model), learner.brier(ty, p_base)
    card.model_wins = (card.auc_model is not None and card.auc_baseline is not None
                       and card.auc_model - card.auc_baseline >= margin
                       and card.brier_model <= card.brier_baseline)
    card.note = ("The model beats the baseline on the held-out period: its predictions are shown."
                 if card.model_wins else
                 "The model does not beat the baseline by the margin on the held-out period: the heuristic "
                 "(last 30 days' on-time rate) is shown instead.")


def _score(run: _Run, current: list[Example], base_rate: float, now: datetime) -> list[EngagementScore]:
    """Everyone's risk now: the model's when it won, else the heuristic's, with reasons."""
    rows = [e.values for e in current]
    fitted = run.fitted if run.card.model_wins else None
    if fitted is not None:
        risks, z, weights = fitted.predict(rows), fitted.standardise(rows), fitted.weights()
        reasons = [words.model_reasons(v, zz, weights) for v, zz in zip(rows, z, strict=True)]
        source = "model"
    else:
        risks = [heuristic(v, base_rate) for v in rows]
        reasons = [words.heuristic_reasons(v) for v in rows]
        source = "heuristic"
    return [EngagementScore(person_id=e.person_id, risk=round(r, 4), source=source, reasons=why, scored_at=now)
            for e, r, why in zip(current, risks, reasons, strict=True)]


def _clusters(learner: Learner, current: list[Example], scores: list[EngagementScore]) -> list[dict]:
    """Engagement profiles: k-means on standardised features, each described from its centre."""
    z = words.standardise([e.values for e in current])
    found = learner.cluster(z, K_RANGE, SEED)
    if found is None:
        return []
    out = []
    for k, centre in enumerate(found.centres):
        members = [e for e, label in zip(current, found.labels, strict=True) if label == k]
        means = {}
        for name in ("ontime_30", "start_30_h", "idle_d", "open"):
            i = NAMES.index(name)
            vals = [e.values[i] for e in members if e.values[i] is not None]
            means[name] = words.value_words(name, sum(vals) / len(vals) if vals else None)
        out.append({"id": k, "name": words.describe_cluster(centre), "people": len(members), "typical": means})
    for s, label in zip(scores, found.labels, strict=True):
        s.cluster = label
    out.sort(key=lambda c: -c["people"])
    for c, name in zip(out, words.distinct([c["name"] for c in out]), strict=True):
        c["name"] = name
    return out


def _prune(db: Database, store: ModelStore) -> None:
    """Keep the last KEEP cards; delete the older ones, their scores and files."""
    with db.uow() as uow:
        old = uow.session.scalars(select(EngagementModel).order_by(EngagementModel.id.desc()).offset(KEEP)).all()
        for card in old:
            uow.session.execute(delete(EngagementScore).where(EngagementScore.model_id == card.id))
            if card.artifact:
                store.delete(card.artifact)
            uow.session.delete(card)
        uow.commit()


def worth_training(db: Database, hours: float) -> bool:
    """Whether a catch-up training is worth starting: no model younger than `hours`, and history enough
    (MIN_TASKS tasks with a due time) that it could learn something."""
    if trained_within(db, hours):
        return False
    with db.uow(readonly=True) as uow:
        n = uow.session.scalar(select(func.count()).select_from(Task).where(Task.due_at.is_not(None)))
        return (n or 0) >= MIN_TASKS


def trained_within(db: Database, hours: float) -> bool:
    """Whether a model was trained in the last `hours` (the start-up catch-up skips a fresh one)."""
    with db.uow(readonly=True) as uow:
        last = uow.session.scalar(select(func.max(EngagementModel.trained_at)))
        return last is not None and last > uow.now - timedelta(hours=hours)


def train(db: Database, learner: Learner, store: ModelStore, tz: str = "UTC") -> TrainResult:
    """Train, evaluate against the baseline, score everyone, cluster, find insights; write one card."""
    started = time.perf_counter()
    with db.uow(readonly=True) as uow:
        s, now = uow.session, uow.now
        margin = float(rule_in(s, "engagement.auc_margin_points")) / 100
        first = s.scalar(select(func.min(Task.created_at)))
        times = snapshot_times(first, now) if first is not None else []
        examples = [e for e in features.compute(s, times, labels_known_by=now) if e.label is not None]
        active = set(s.scalars(select(Person.id).where(Person.status != PersonStatus.DISABLED)))
        current = [e for e in features.compute(s, [now]) if e.person_id in active]
        found = suggestions.compute(s, now, tz)
    card = EngagementModel(trained_at=now, status="not_enough_data", data_from=first, data_to=now, margin=margin,
                           model_wins=False, features=[], clusters=[], suggestions=found, note="")
    run = _Run(card)
    cutoff = times[int(len(times) * SPLIT)] if len(times) >= 4 else None
    train_set = [e for e in examples if cutoff and times[e.snap] < cutoff and e.label_due and e.label_due <= cutoff]
    test_set = [e for e in examples if cutoff and times[e.snap] >= cutoff]
    card.cutoff, card.n_train, card.n_test = cutoff, len(train_set), len(test_set)
    labels = [int(e.label or 0) for e in examples]
    card.late_share = sum(labels) / len(labels) if labels else None
    base_rate = card.late_share if card.late_share is not None else 0.5
    enough = (len(train_set) >= MIN_TRAIN and len(test_set) >= MIN_TEST
              and _both(_xy(train_set)[1]) and _both(_xy(test_set)[1]))
    if enough:
        card.status = "trained"
        _evaluate(run, learner, train_set, test_set, margin)
        run.fitted = learner.fit(*_xy(examples))
        card.features = [{"name": n, "label": features.BY_NAME[n].label, "weight": round(w, 4)}
                         for n, w in zip(NAMES, run.fitted.weights(), strict=True)]
    else:
        card.note = (f"Not enough history to train and test honestly (need {MIN_TRAIN} training and "
                     f"{MIN_TEST} held-out examples with both outcomes): the heuristic is shown.")
    scores = _score(run, current, base_rate, now)
    card.clusters = _clusters(learner, current, scores)
    with db.uow() as uow:
        uow.session.add(card)
        uow.session.flush()
        if run.fitted is not None:
            card.artifact = store.save(run.fitted, f"engagement-{card.id}.skops")
        try:
            if scores:
                uow.session.execute(insert(EngagementScore), [
                    {"model_id": card.id, "person_id": sc.person_id, "risk": sc.risk, "source": sc.source,
                     "reasons": sc.reasons, "cluster": sc.cluster, "scored_at": sc.scored_at} for sc in scores])
            card.seconds = round(time.perf_counter() - started, 3)
            audit.record(uow.session, Actor.system(), "engagement.train", "engagement_model", card.id, uow.now,
                         status=card.status, model_wins=card.model_wins, examples=len(examples))
            uow.commit()
        except BaseException:
            if card.artifact:  # nothing committed (a fenced job, say): no file without its card
                store.delete(card.artifact)
            raise
        result = TrainResult(card.id, card.status, card.model_wins, card.auc_model, card.auc_baseline,
                             card.n_train, card.n_test, len(scores), card.seconds)
    _prune(db, store)
    return result
