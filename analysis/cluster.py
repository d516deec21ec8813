"""Cluster step (discovery mode): KMeans with the number of themes found from the data.

Why this and not HDBSCAN: on short comments HDBSCAN calls most texts noise, and a
manager needs every comment placed. Two things make KMeans work well here:
- neighbour smoothing: each vector is replaced by the mean of its nearest
  neighbours, which pulls paraphrases together before clustering;
- the count: for k over a grid, silhouette rises steeply while real themes are
  being separated and then flattens; the knee of that curve is the chosen k.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

K_GRID = (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 23, 26, 30, 35, 40)


def knn_smooth(X: np.ndarray, n_neighbors: int, search_dim: int | None = None, block: int = 1024,
               random_state: int = 0) -> np.ndarray:
    """Mean of each row's n nearest rows (itself included), by cosine.

    `search_dim` searches neighbours in a PCA projection, which is cheaper; off by
    default because on SearchSnippets it moved the chosen count and lost 0.05-0.1 NMI.
    Float32 blocks keep memory at block x n (float64 BLAS crashed here on a large X @ X.T).
    """
    X = normalize(X).astype(np.float32)
    # A handful of comments has no neighbourhood to speak of: smoothing would merge them all.
    k = min(n_neighbors, len(X) // 5)
    if k <= 1:
        return X
    search = X
    if search_dim and X.shape[1] > search_dim and len(X) > search_dim:
        search = PCA(search_dim, svd_solver="randomized", random_state=random_state).fit_transform(X)
        search = normalize(search).astype(np.float32)
    out = np.empty_like(X)
    for start in range(0, len(X), block):
        sims = search[start:start + block] @ search.T
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[start:start + block] = X[nearest].mean(axis=1)
    return normalize(out)


def knee(ks: list[int], scores: np.ndarray) -> int:
    """Kneedle: the k furthest above the straight line from the first to the last point."""
    x = (np.asarray(ks, float) - ks[0]) / max(ks[-1] - ks[0], 1)
    span = scores.max() - scores.min()
    y = (scores - scores.min()) / span if span > 0 else np.zeros_like(scores)
    return ks[int(np.argmax(y - x))]


class AutoKMeans(ClusterMixin, BaseEstimator):
    """KMeans on neighbour-smoothed vectors; `n_clusters=None` picks the count itself."""

    def __init__(self, n_clusters: int | None = None, k_max: int = 40, n_neighbors: int = 10,
                 sample_size: int = 1500, scan_size: int = 3000, random_state: int = 0):
        self.n_clusters = n_clusters
        self.k_max = k_max
        self.n_neighbors = n_neighbors
        self.sample_size = sample_size
        self.scan_size = scan_size
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: object = None) -> "AutoKMeans":
        X = validate_data(self, X, dtype=[np.float32, np.float64])
        # One thread: OpenMP spin-waits badly when the 2 cores are shared, and float64
        # BLAS on 2 threads crashed here on large X @ X.T.
        with threadpool_limits(1):
            smooth = knn_smooth(X, self.n_neighbors, random_state=self.random_state) if self.n_neighbors > 1 else normalize(X).astype(np.float32)
            if self.n_clusters is not None:
                self.n_clusters_ = min(int(self.n_clusters), len(X))
                self.labels_ = self._kmeans(smooth, self.n_clusters_, n_init=3).labels_
            else:
                self._scan(smooth)
        # KMeans can leave a cluster empty on near-duplicate points; renumber to the ones used.
        self.labels_ = np.unique(self.labels_, return_inverse=True)[1].reshape(-1)
        self.n_clusters_ = int(self.labels_.max()) + 1 if len(X) else 0
        self.cluster_centers_ = np.vstack([X[self.labels_ == c].mean(axis=0) for c in range(self.n_clusters_)])
        return self

    def _kmeans(self, X: np.ndarray, k: int, n_init: int = 1) -> KMeans:
        return KMeans(n_clusters=k, n_init=n_init, random_state=self.random_state).fit(X)

    def _scan(self, X: np.ndarray) -> None:
        # At least ~5 comments a theme on average, but always room for a handful of themes.
        k_max = min(self.k_max, max(6, len(X) // 5))
        n_distinct = len(np.unique(X, axis=0))  # more clusters than distinct points is meaningless
        ks = [k for k in K_GRID if k <= min(k_max, n_distinct) and k < len(X)]
        if len(X) < 4 or len(ks) < 2:
            self.n_clusters_, self.labels_, self.silhouette_curve_ = 1, np.zeros(len(X), int), {}
            return
        # The count is chosen on a sample (the silhouette curve's shape is stable at a few
        # thousand points) and only the chosen k is fitted on everything: 19 fits on 20,000
        # vectors would cost more than the rest of the pipeline together.
        rng = np.random.RandomState(self.random_state)
        scan = np.sort(rng.choice(len(X), min(len(X), self.scan_size), replace=False))
        sample = rng.choice(len(scan), min(len(scan), self.sample_size), replace=False)
        fits, scores = {}, []
        for k in ks:
            fits[k] = self._kmeans(X[scan], k).labels_
            labels = fits[k][sample]
            scores.append(silhouette_score(X[scan][sample], labels, metric="cosine") if len(set(labels)) > 1 else -1.0)
        self.silhouette_curve_ = dict(zip(ks, map(float, scores)))
        self.n_clusters_ = knee(ks, np.array(scores))
        self.labels_ = fits[self.n_clusters_] if len(scan) == len(X) else self._kmeans(X, self.n_clusters_).labels_
