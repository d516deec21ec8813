"""Helpers shared by the theme engine tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import hashlib
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

# A small labelled set written for these tests (not the shared data): four themes that a
# working engine must tell apart.
QUALITY_COMMENTS = {
    "caseload_workload": [
        "I have far too many children on my caseload to visit them properly.",
        "My caseload went up to 27 after two colleagues left.",
        "The number of cases I hold is not manageable.",
        "We keep getting new allocations even when we are full.",
        "Caseloads are the main reason people are leaving the team.",
        "Duty is every other week because of the vacancies.",
        "I carry more cases than the policy says we should.",
        "Too much work and not enough social workers to share it.",
    ],
    "pay_reward": [
        "Our salary is lower than the neighbouring council's.",
        "Agency staff are paid almost twice as much as us.",
        "The pay does not reflect the responsibility of the job.",
        "I cannot afford my rent on this wage.",
        "A market supplement would stop people leaving.",
        "There has been no pay rise that keeps up with prices.",
        "Mileage payments do not cover the cost of fuel.",
        "Better pay would make me stay.",
    ],
    "office_environment": [
        "There are never enough desks on office days.",
        "The building is freezing in winter.",
        "Parking at the office is impossible in the mornings.",
        "There is no private room to make confidential calls.",
        "The office is noisy and crowded.",
        "The toilets and kitchen are dirty and broken.",
        "Hot desking means I never sit with my team.",
        "The new office is bright and comfortable.",
    ],
    "supervision": [
        "My supervision is cancelled almost every month.",
        "I get regular reflective supervision and it really helps.",
        "Supervision is just a list of case actions with no reflection.",
        "I have not had supervision since March.",
        "My supervisor gives me time to think about risk.",
        "Supervision sessions are rushed because my manager is so busy.",
        "I value the monthly supervision with my practice supervisor.",
        "Group supervision has been a helpful addition.",
    ],
}


def quality_set() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, comments in QUALITY_COMMENTS.items():
        texts += comments
        labels += [label] * len(comments)
    return texts, labels


class HashingEmbedder(TransformerMixin, BaseEstimator):
    """Deterministic bag-of-words vectors: fast stand-in for MiniLM where quality is not tested."""

    model_name = "hashing-test"
    description = "hashing test embedder"

    def __init__(self, dim: int = 64):
        self.dim = dim

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        out = np.zeros((len(X), self.dim), np.float32)
        for i, text in enumerate(X):
            for word in re.findall(r"[a-z]+", str(text).lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
