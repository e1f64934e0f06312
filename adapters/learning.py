"""The engagement model's learning library and model store: scikit-learn and skops.

A pipeline of mean imputation, standardisation and logistic regression (domain.engagement.ports.Fitted);
k-means on standardised features with k chosen by silhouette; ROC AUC and Brier score. Models are written
with skops and read back only when the file holds exactly the types this module writes (never pickle).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score, silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skops import io as skio
from threadpoolctl import threadpool_limits

from domain.engagement.ports import Clustering, Row

SILHOUETTE_SAMPLE = 2000  # silhouette over a sample: exact on 10,000 people would cost O(n^2)


def _matrix(rows: Sequence[Row]) -> np.ndarray:
    """Rows as a float matrix, a missing value as NaN."""
    return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)


class SklearnModel:
    """A fitted pipeline: impute (training mean), standardise, logistic regression."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def predict(self, rows: Sequence[Row]) -> list[float]:
        """The chance of the positive class (late or missed) per row."""
        if not rows:
            return []
        return self.pipeline.predict_proba(_matrix(rows))[:, 1].tolist()

    def weights(self) -> list[float]:
        """Coefficients on standardised features."""
        return self.pipeline.named_steps["model"].coef_[0].tolist()

    def standardise(self, rows: Sequence[Row]) -> list[list[float]]:
        """The rows imputed and standardised, as the model sees them."""
        if not rows:
            return []
        steps = self.pipeline.named_steps
        return steps["scale"].transform(steps["impute"].transform(_matrix(rows))).tolist()


class SklearnLearner:
    """domain.engagement.ports.Learner with scikit-learn."""

    def fit(self, rows: Sequence[Row], labels: Sequence[int]) -> SklearnModel:
        """Fit the pipeline (balanced enough: plain logistic regression, L2, lbfgs)."""
        pipeline = Pipeline([
            ("impute", SimpleImputer(strategy="mean", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000)),
        ])
        with threadpool_limits(limits=1):
            pipeline.fit(_matrix(rows), np.asarray(labels, dtype=int))
        return SklearnModel(pipeline)

    def auc(self, labels: Sequence[int], scores: Sequence[float]) -> float | None:
        """ROC AUC; None when only one outcome is present."""
        if len(set(labels)) < 2:
            return None
        return float(roc_auc_score(np.asarray(labels), np.asarray(scores)))

    def brier(self, labels: Sequence[int], scores: Sequence[float]) -> float:
        """Brier score."""
        return float(brier_score_loss(np.asarray(labels), np.asarray(scores)))

    def cluster(self, points: Sequence[Sequence[float]], k_range: tuple[int, int], seed: int) -> Clustering | None:
        """k-means (fixed seed) for each k in range, keep the best silhouette."""
        x = np.asarray(points, dtype=float)
        low, high = k_range
        high = min(high, len(x) - 1)
        if len(x) < 3 or high < low:
            return None
        best: Clustering | None = None
        with threadpool_limits(limits=1):  # OpenMP threads spinning on a shared 2-core box cost 10x
            best = self._best(x, low, high, seed)
        return best

    def _best(self, x: np.ndarray, low: int, high: int, seed: int) -> Clustering | None:
        best: Clustering | None = None
        for k in range(low, high + 1):
            km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
            if len(set(km.labels_.tolist())) < 2:
                continue
            score = float(silhouette_score(x, km.labels_, sample_size=min(len(x), SILHOUETTE_SAMPLE),
                                           random_state=seed))
            if best is None or score > best.silhouette:
                best = Clustering(k, score, km.labels_.tolist(), km.cluster_centers_.tolist())
        return best


TRUSTED = frozenset({
    "sklearn.pipeline.Pipeline", "sklearn.impute._base.SimpleImputer",
    "sklearn.preprocessing._data.StandardScaler", "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.dtype", "numpy.ndarray", "builtins.float", "builtins.int", "builtins.str", "builtins.bool",
    "builtins.list", "builtins.tuple", "builtins.dict", "builtins.NoneType", "numpy.float64", "numpy.int64",
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
})


class UntrustedModelFile(Exception):
    """A model file holds types this store did not write."""


class SkopsStore:
    """domain.engagement.ports.ModelStore: one skops file per trained model in a directory."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"bad model name {name!r}")
        return self.directory / name

    def save(self, fitted: SklearnModel, name: str) -> str:  # type: ignore[override]
        """Write the pipeline with skops (atomically: a temporary file renamed)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self._path(name)
        tmp = target.with_suffix(".tmp")
        skio.dump(fitted.pipeline, tmp)
        tmp.replace(target)
        return name

    def load(self, name: str) -> SklearnModel:
        """Read a model back; refuse any type outside TRUSTED."""
        path = self._path(name)
        found = set(skio.get_untrusted_types(file=path))
        unknown = found - TRUSTED
        if unknown:
            raise UntrustedModelFile(f"{name} holds types not written here: {sorted(unknown)}")
        loaded = skio.load(path, trusted=sorted(found))
        steps = getattr(loaded, "named_steps", {})
        if not (isinstance(loaded, Pipeline) and list(steps) == ["impute", "scale", "model"]
                and isinstance(steps["impute"], SimpleImputer) and isinstance(steps["scale"], StandardScaler)
                and isinstance(steps["model"], LogisticRegression)):
            raise UntrustedModelFile(f"{name} is not an engagement pipeline")
        return SklearnModel(loaded)

    def delete(self, name: str) -> None:
        """Remove the file if it is there."""
        self._path(name).unlink(missing_ok=True)
