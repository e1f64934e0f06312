"""What engagement training needs from a learning library and a model store, as protocols.

`adapters.learning` implements them with scikit-learn (imputation of missing values by the training
mean, standardisation, logistic regression; k-means) and skops files. Rows are lists of floats, a missing
value is None; the domain never sees an array or an estimator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

Row = Sequence[float | None]


class Fitted(Protocol):
    """A trained pipeline: standardisation + logistic regression."""

    def predict(self, rows: Sequence[Row]) -> list[float]:
        """The chance each row's next task goes late or is missed, 0..1."""
        ...

    def weights(self) -> list[float]:
        """The coefficient of each feature, on standardised values."""
        ...

    def standardise(self, rows: Sequence[Row]) -> list[list[float]]:
        """The rows as the model sees them: missing values filled, then standardised."""
        ...


@dataclass(frozen=True)
class Clustering:
    k: int
    silhouette: float
    labels: list[int]
    centres: list[list[float]]  # in standardised units, one per cluster


class Learner(Protocol):
    """Fits models, scores them and clusters people."""

    def fit(self, rows: Sequence[Row], labels: Sequence[int]) -> Fitted:
        """Fit standardisation + logistic regression on these rows (both outcomes present)."""
        ...

    def auc(self, labels: Sequence[int], scores: Sequence[float]) -> float | None:
        """ROC AUC, or None when the labels hold one outcome only."""
        ...

    def brier(self, labels: Sequence[int], scores: Sequence[float]) -> float:
        """Brier score (mean squared error of the probabilities); lower is better."""
        ...

    def cluster(self, points: Sequence[Sequence[float]], k_range: tuple[int, int], seed: int) -> Clustering | None:
        """k-means on already standardised points, k chosen by silhouette in k_range; None when too few."""
        ...


class ModelStore(Protocol):
    """Where trained models are kept (files in MODELS_DIR, written with skops, never pickle)."""

    def save(self, fitted: Fitted, name: str) -> str:
        """Write the model under `name`; returns the name stored on the model card."""
        ...

    def load(self, name: str) -> Fitted:
        """Read a model written by save(); refuses a file holding anything but the expected types."""
        ...

    def delete(self, name: str) -> None:
        """Remove a model file; one already gone is no error."""
        ...
