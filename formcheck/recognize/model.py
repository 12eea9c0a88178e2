"""The exercise recogniser itself: a small classifier, its weights file, and how it is trained (issue 9).

A multinomial logistic regression (optionally after one tanh layer) trained on
domain-randomised synthetic performances (``scripts/train_recognizer.py``, weights in
``models/recognizer.npz``) turns a window's features (:mod:`formcheck.recognize.features`)
into class probabilities, one class per catalogue exercise plus ``rest`` (not exercising).
Sets are found from these probabilities in :mod:`formcheck.recognize.segmentation`.

Nothing in :mod:`formcheck.recognize` imports mediapipe: it works on any
:class:`~formcheck.pose.landmarks.PoseTrack`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.model_files import model_file
from formcheck.recognize.features import feature_names

MODEL_PATH = model_file("recognizer.npz")


@dataclass
class Recognizer:
    """Standardised features -> softmax(x W + b): a multinomial logistic regression.

    Transparent and small: the weights say which features speak for which exercise.
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (F, C), or (H, C) after a hidden layer
    bias: np.ndarray  # (C,)
    hidden_weights: np.ndarray | None = None  # (F, H): optional tanh layer for feature interactions
    hidden_bias: np.ndarray | None = None  # (H,)
    info: dict = field(default_factory=dict)

    def _inputs(self, features: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(features) - self.mean) / self.scale
        if self.hidden_weights is not None:
            z = np.tanh(z @ self.hidden_weights + self.hidden_bias)
        return z

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = self._inputs(features) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, classes=np.array(self.classes), mean=self.mean, scale=self.scale,
                            weights=self.weights, bias=self.bias, feature_names=np.array(feature_names()),
                            **({} if self.hidden_weights is None else
                               {"hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias}),
                            info=np.array(repr(sorted(self.info.items()))))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "Recognizer":
        from formcheck.errors import InputError

        if not Path(path).exists():
            raise InputError(f"the exercise recogniser {path} is missing: reinstall formcheck or rebuild it with "
                             "'python scripts/train_recognizer.py'")
        with np.load(path, allow_pickle=False) as d:
            if list(d["feature_names"]) != feature_names():
                raise InputError(f"the exercise recogniser {path} was built for other features: rebuild it "
                                 "with 'python scripts/train_recognizer.py'")
            hidden = (d["hidden_weights"], d["hidden_bias"]) if "hidden_weights" in d else (None, None)
            return cls(tuple(str(c) for c in d["classes"]), d["mean"], d["scale"], d["weights"], d["bias"], *hidden)


_DEFAULT: list[Recognizer] = []


def default_recognizer() -> Recognizer:
    if not _DEFAULT:
        _DEFAULT.append(Recognizer.load())
    return _DEFAULT[0]


def use_recognizer(path: Path) -> None:
    """Make the weights in ``path`` the default (evaluation scripts comparing candidate models)."""
    _DEFAULT[:] = [Recognizer.load(path)]


def train_logistic(x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], l2: float = 1e-3,
                   steps: int = 1500, lr: float = 0.05, seed: int = 0, hidden: int = 0) -> Recognizer:
    """Fit the softmax regression (after a tanh layer of ``hidden`` units, if any) by
    full-batch Adam with class-balanced weights; deterministic for a given seed."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    n, f = z.shape
    c = len(classes)
    onehot = np.eye(c)[y]
    counts = onehot.sum(axis=0)
    sample_w = (n / (c * np.maximum(counts, 1)))[y][:, None]  # balanced classes
    rng = np.random.default_rng(seed)
    params = []
    if hidden:
        params += [rng.normal(0, 1.0 / np.sqrt(f), (f, hidden)), np.zeros(hidden)]
    k = hidden or f
    params += [rng.normal(0, 0.01, (k, c)), np.zeros(c)]
    m = [np.zeros_like(q) for q in params]
    v = [np.zeros_like(q) for q in params]
    for step in range(1, steps + 1):
        h = np.tanh(z @ params[0] + params[1]) if hidden else z
        w, b = params[-2], params[-1]
        logits = h @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w / n
        grads = [h.T @ g + l2 * w, g.sum(axis=0)]
        if hidden:
            gh = (g @ w.T) * (1 - h**2)
            grads = [z.T @ gh + l2 * params[0], gh.sum(axis=0)] + grads
        for i, (param, grad) in enumerate(zip(params, grads)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad**2
            param -= lr * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    if hidden:
        return Recognizer(tuple(classes), mean, scale, params[2], params[3], params[0], params[1])
    return Recognizer(tuple(classes), mean, scale, params[0], params[1])
