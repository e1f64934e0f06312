"""Row 12: the engagement model over N people with M tasks of history (a synthetic history with a planted
pattern, taskbell.engagement_history): the whole nightly training (features in SQL at 16 prediction times,
time-split evaluation against the baseline, refit, scoring everyone with reasons, k-means profiles,
insights, the card and scores written), scoring alone (features now + the stored model, loaded from its
skops file), and the peak memory the training allocates (tracemalloc, a second run)."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from adapters.learning import SklearnLearner, SkopsStore
from bench.common import Row, sqlite_db
from domain.clock import FixedClock
from domain.engagement import features, training
from domain.uow import Database
from taskbell.engagement_history import plant

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def rows(workdir: Path, people: int, tasks: int) -> list[Row]:
    db = sqlite_db(workdir, "engagement")
    db = Database.from_engine(db.engine, FixedClock(NOW))
    size = f"{people:,} people, {tasks:,} tasks"
    history = plant(db, people=people, tasks_per_person=max(tasks // people, 1), days=120, seed=10)
    store = SkopsStore(workdir / "models")
    started = time.perf_counter()
    result = training.train(db, SklearnLearner(), store)
    train_s = time.perf_counter() - started

    started = time.perf_counter()
    with db.uow(readonly=True) as uow:
        current = features.compute(uow.session, [NOW])
    feature_s = time.perf_counter() - started
    model = store.load(f"engagement-{result.model_id}.skops") if result.status == "trained" else None
    if model is not None:
        model.predict([e.values for e in current])
        model.standardise([e.values for e in current])
    score_s = time.perf_counter() - started

    tracemalloc.start()
    training.train(db, SklearnLearner(), store)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verdict = (f"model shown (AUC {result.auc_model:.3f} vs baseline {result.auc_baseline:.3f})" if result.model_wins
               else f"heuristic shown ({result.status})")
    return [
        Row("engagement: nightly training (SQLite)", size, train_s, "s",
            note=f"{result.n_train:,} train / {result.n_test:,} held-out examples, {result.scored:,} scored; "
                 f"{verdict}; {history.tasks:,} tasks planted"),
        Row("engagement: scoring everyone now (SQLite)", size, score_s, "s",
            note=f"features in SQL {feature_s:.2f} s + the skops model's predictions and reasons' inputs"),
        Row("engagement: peak memory while training", size, peak / 1024 / 1024, "MiB",
            note="tracemalloc peak of the Python heap (numpy included) during a whole training"),
    ]
