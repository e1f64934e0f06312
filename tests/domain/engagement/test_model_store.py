"""The model store: skops round trip, a file holding foreign types refused, and no pickle anywhere."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from skops import io as skio

from adapters.learning import SklearnLearner, SkopsStore, UntrustedModelFile

ROOT = Path(__file__).resolve().parents[3]
ROWS = [[0.1 * i, None if i % 4 == 0 else float(i % 3), 1.0] for i in range(40)]
LABELS = [int(i % 3 == 0) for i in range(40)]


def test_a_model_round_trips_through_skops(tmp_path):
    fitted = SklearnLearner().fit(ROWS, LABELS)
    store = SkopsStore(tmp_path)
    name = store.save(fitted, "engagement-1.skops")
    assert zipfile.is_zipfile(tmp_path / name)  # skops' format: a zip of JSON and arrays, not a pickle
    back = store.load(name)
    assert back.predict(ROWS) == pytest.approx(fitted.predict(ROWS))
    assert back.weights() == pytest.approx(fitted.weights())
    assert back.standardise(ROWS[:3])[2] == pytest.approx(fitted.standardise(ROWS[:3])[2])
    store.delete(name)
    store.delete(name)  # gone already: no error
    assert not (tmp_path / name).exists()


def test_a_file_holding_other_types_is_refused(tmp_path):
    skio.dump(KMeans(n_clusters=2, n_init=1).fit([[0.0], [1.0], [5.0]]), tmp_path / "odd.skops")
    with pytest.raises(UntrustedModelFile):
        SkopsStore(tmp_path).load("odd.skops")
    odd = Pipeline([("impute", FunctionTransformer(math.sqrt)), ("model", LogisticRegression())])
    skio.dump(odd, tmp_path / "code.skops")
    with pytest.raises(UntrustedModelFile, match="types not written here"):
        SkopsStore(tmp_path).load("code.skops")  # a function inside: never loaded
    with pytest.raises(ValueError):
        SkopsStore(tmp_path).load("../odd.skops")


def test_nothing_pickles():
    pattern = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|joblib|dill|cloudpickle)\b", re.M)
    offenders = [str(p.relative_to(ROOT)) for package in ("domain", "adapters", "bot", "web", "scheduler", "mailer",
                                                          "taskbell", "bench")
                 for p in (ROOT / package).rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
