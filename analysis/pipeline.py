"""The theme pipeline: clean -> embed -> classify or cluster -> describe.

Each step is an object that can be swapped (pass your own redactor, embedder or
clusterer); the pipeline only wires them together and builds the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from analysis.classify import OTHER, PrototypeClassifier, TaxonomyAssigner
from analysis.clean import Normaliser, Redactor
from analysis.cluster import AutoKMeans
from analysis.describe import class_tfidf_keywords, keyword_label, representative
from analysis.embed import SentenceEmbedder, make_embedder
from analysis.report import Quote, Theme, ThemeReport
from analysis.safeguarding import SafeguardingFlagger
from analysis.sentiment import SentimentScorer, sentiment_examples, sentiment_split
from analysis.taxonomy import Taxonomy, all_built_in, load_taxonomy

# Mean similarity of comments to their closest built-in example above which a set of
# comments is treated as staff comments (measured: ~0.55 staff, ~0.1-0.3 other text).
IN_DOMAIN_SIMILARITY = 0.4
# Per comment: theme id, confidence; then the themes and the emerging themes.
ModeResult = tuple[list[str], list, list[Theme], list[Theme]]
MIN_EMERGING = 6  # fewer "other" comments than this are not worth clustering
# Kinds a report always lists in `redactions`; kinds added since appear when something of that
# kind was redacted, so a reader of older reports finds the same keys.
CORE_REDACTION_KINDS = ("email", "phone", "case_number", "name")


class ThemePipeline:
    def __init__(self, taxonomy: str | Path | Taxonomy | None = None, n_themes: int | None = None,
                 staff_names: Sequence[str] | None = None, embedder: TransformerMixin | None = None,
                 clusterer: AutoKMeans | None = None, cache_dir: str | Path | None = None,
                 use_cache: bool = True, fast: bool = False, domain_prior: bool | None = None,
                 labelled: Sequence[tuple[str, str]] = (), multi_theme: bool = True, random_state: int = 0):
        self.taxonomy = load_taxonomy(taxonomy) if isinstance(taxonomy, (str, Path)) else taxonomy
        self.n_themes = n_themes
        self.redactor = Redactor(staff_names=staff_names)
        self.normaliser = Normaliser()
        # fast: int8 model, several times quicker to embed, a few points less accurate (see README)
        self.embedder, note = (embedder, None) if embedder is not None else make_embedder(cache_dir, use_cache, fast)
        self.notes = [note] if note else []
        self.clusterer = clusterer
        self.domain_prior = domain_prior
        # (comment, theme id) pairs a council has labelled, e.g. its corrections of earlier runs:
        # taxonomy mode learns from them as from the taxonomy's own examples. They are only
        # embedded (vectors cached by hash), never shown or quoted.
        self.labelled = list(labelled)
        self.multi_theme = multi_theme
        self.random_state = random_state
        self.sentiment = SentimentScorer()
        self.flagger = SafeguardingFlagger()

    def run(self, texts: Sequence[object]) -> ThemeReport:
        raw = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
        redacted = self.redactor.fit(raw).transform(raw)
        keep = np.array([i for i, t in enumerate(redacted) if t.strip()], dtype=int)
        shown = [redacted[i] for i in keep]
        model_text = self.normaliser.fit_transform(shown)
        notes = list(self.notes)
        if len(keep) < len(raw):
            notes.append(f"{len(raw) - len(keep)} blank comment(s) skipped.")
        X = self._embed(model_text, extra=self._training_texts())
        # Flagged comments count in their theme but are never quoted (see _describe). The
        # flag's example stage was tuned on MiniLM similarities: with another embedder, rules only.
        embed = self.embedder.transform if isinstance(self.embedder, SentenceEmbedder) and len(shown) else None
        self._flags = self.flagger.fit(shown, embed=embed).predict(shown, X if embed else None)
        n_flagged = sum(f is not None for f in self._flags)
        if n_flagged:
            notes.append(f"{n_flagged} comment(s) flagged as possible safeguarding disclosures: never quoted; "
                         "someone should read them (see each row's flag).")
        sentiments = self.sentiment.fit(self.embedder.transform).predict(shown, X) if len(shown) else []
        self._sets: list[list[str]] | None = None
        if self.taxonomy is not None:
            ids, conf, themes, emerging = self._taxonomy_mode(shown, model_text, X, sentiments)
        else:
            ids, conf, themes, emerging = self._discovery_mode(shown, model_text, X, sentiments)
        sets = self._sets if self._sets is not None else [[t] for t in ids]
        return self._report(raw, keep, ids, conf, sentiments, themes, emerging, notes, sets)

    # -- embedding ---------------------------------------------------------------------------

    def _training_texts(self) -> list[str]:
        taxonomies = [self.taxonomy] if self.taxonomy is not None else all_built_in()
        extra = [text for text, _ in self.labelled] if self.taxonomy is not None else []
        return [text for tax in taxonomies for th in tax.themes for text in th.training_texts()] + extra

    def _embed(self, texts: list[str], extra: list[str]) -> np.ndarray:
        if not hasattr(self.embedder, "model_name"):  # TF-IDF fallback learns its vocabulary here
            self.embedder.fit(texts + extra + sentiment_examples()[0])
        return self.embedder.transform(texts) if texts else np.zeros((0, 1), np.float32)

    # -- taxonomy mode -----------------------------------------------------------------------

    def _taxonomy_mode(self, shown: list[str], model_text: list[str], X: np.ndarray,
                       sentiments: list[str]) -> ModeResult:
        labelled = [(self.normaliser.fit_transform([str(text)])[0], theme_id) for text, theme_id in self.labelled]
        assigner = TaxonomyAssigner(self.taxonomy, labelled=labelled).fit(self.embedder.transform)
        embed = self.embedder.transform if self.multi_theme else None
        ids, conf, sets = assigner.assign(model_text, X, embed) if len(shown) else ([], np.zeros(0), [])
        self._sets = sets
        keywords = class_tfidf_keywords(shown, ids)
        themes = []
        for theme in self.taxonomy.themes:
            members = np.array([i for i, t in enumerate(ids) if t == theme.id], dtype=int)
            described = self._describe(theme.id, members, shown, X, sentiments, keywords, label=theme.name,
                                       description=theme.description, confidence=conf)
            described.mentions = sum(theme.id in s for s in sets)
            described.mention_share = round(described.mentions / max(len(shown), 1), 4)
            themes.append(described)
        others = np.array([i for i, t in enumerate(ids) if t == OTHER], dtype=int)
        emerging = self._emerging(others, ids, shown, X, sentiments) if len(others) >= MIN_EMERGING else []
        if len(others):
            themes.append(self._describe(OTHER, others, shown, X, sentiments, keywords, label="Other (no theme fits)"))
        return ids, list(map(float, conf)), themes, emerging

    def _emerging(self, others: np.ndarray, ids: list[str], shown: list[str], X: np.ndarray,
                  sentiments: list[str]) -> list[Theme]:
        """Comments no theme fits, grouped by discovery: what the taxonomy is missing."""
        labels = AutoKMeans(random_state=self.random_state, n_neighbors=5).fit(X[others]).labels_
        groups = self._ordered_groups(labels)
        local = [f"emerging_{rank:02d}" for rank in range(1, len(groups) + 1)]
        names = np.array(ids, dtype=object)  # the taxonomy themes are the contrast for keywords
        for name, members in zip(local, groups):
            names[others[members]] = name
        keywords = class_tfidf_keywords(shown, names.tolist())
        return [self._describe(name, others[members], shown, X, sentiments, keywords)
                for name, members in zip(local, groups) if len(members) >= 3]

    # -- discovery mode ----------------------------------------------------------------------

    def _discovery_mode(self, shown: list[str], model_text: list[str], X: np.ndarray,
                        sentiments: list[str]) -> ModeResult:
        if len(shown) == 0:
            return [], [], [], []
        features, prior = self._discovery_features(model_text, X)
        clusterer = self.clusterer or AutoKMeans(n_clusters=self.n_themes, random_state=self.random_state)
        labels = clusterer.fit(features).labels_
        groups = self._ordered_groups(labels)
        names = np.empty(len(shown), dtype=object)
        ids = [f"theme_{rank:02d}" for rank in range(1, len(groups) + 1)]
        for theme_id, members in zip(ids, groups):
            names[members] = theme_id
        keywords = class_tfidf_keywords(shown, names.tolist())
        themes = [self._describe(t, m, shown, X, sentiments, keywords, label=self._prior_label(prior, m))
                  for t, m in zip(ids, groups)]
        return names.tolist(), [None] * len(shown), themes, []

    def _discovery_features(self, model_text: list[str], X: np.ndarray) -> tuple[np.ndarray, tuple | None]:
        """Embeddings, plus domain knowledge for staff comments or word statistics otherwise.

        Staff comments: append each comment's probabilities over the built-in themes
        (a classifier trained on the taxonomy examples), which separates themes MiniLM
        alone blurs. Other text: append TF-IDF/LSA vectors, whose rare exact words
        (library names, gene names) help on large technical corpora.
        """
        extra = self._training_texts()
        E = self.embedder.transform(extra)
        labels = [f"{tax.id}/{th.id}" for tax in all_built_in() for th in tax.themes for _ in th.training_texts()]
        in_domain = float(np.mean((X @ E.T).max(axis=1))) >= IN_DOMAIN_SIMILARITY
        if self.domain_prior if self.domain_prior is not None else in_domain:
            # The same nearest-examples scores as taxonomy mode, as a soft theme profile;
            # no training, so it costs milliseconds (a logistic regression took seconds).
            model = PrototypeClassifier().fit(E, labels)
            P = model.predict_proba(X)
            return normalize(np.hstack([X, P])).astype(np.float32), (model, P)
        if len(X) >= 1000:
            return normalize(np.hstack([X, 0.7 * _lsa(model_text, self.random_state)])).astype(np.float32), None
        return X, None

    @staticmethod
    def _prior_label(prior: tuple | None, members: np.ndarray) -> str | None:
        """Name a discovered theme after a built-in one when most of it clearly is that theme."""
        if prior is None:
            return None
        model, P = prior
        mean = P[members].mean(axis=0)
        best = int(np.argmax(mean))
        if mean[best] < 0.5:
            return None
        tax_id, theme_id = model.classes_[best].split("/")
        return load_taxonomy(tax_id).theme(theme_id).name

    @staticmethod
    def _ordered_groups(labels: np.ndarray) -> list[np.ndarray]:
        """Groups largest first, ties by first row: the same input always gives the same ids."""
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        return sorted(groups, key=lambda g: (-len(g), int(g[0])))

    # -- describe ----------------------------------------------------------------------------

    def _describe(self, theme_id: str, members: np.ndarray, shown: list[str], X: np.ndarray,
                  sentiments: list[str], all_keywords: dict, label: str | None = None,
                  description: str | None = None, confidence: np.ndarray | None = None) -> Theme:
        keywords = all_keywords.get(theme_id, []) if len(members) else []
        quotable = np.array([i for i in members if self._flags[i] is None], dtype=int)
        quotes = [Quote(int(i), shown[i]) for i in representative(quotable, X, shown)] if len(quotable) else []
        mean_conf = round(float(np.mean(confidence[members])), 3) if confidence is not None and len(members) else None
        return Theme(id=theme_id, label=label or keyword_label(keywords), keywords=keywords, size=len(members),
                     share=round(len(members) / max(len(shown), 1), 4), quotes=quotes,
                     sentiment=sentiment_split([sentiments[i] for i in members]), description=description,
                     mean_confidence=mean_conf, mentions=len(members),
                     mention_share=round(len(members) / max(len(shown), 1), 4))

    def _report(self, raw: list[str], keep: np.ndarray, ids: list[str], conf: list, sentiments: list[str],
                themes: list[Theme], emerging: list[Theme], notes: list[str], sets: list[list[str]]) -> ThemeReport:
        assignments: list[str] = [OTHER] * len(raw)
        theme_sets: list[list[str]] = [[OTHER] for _ in raw]
        for j, i in enumerate(keep):
            theme_sets[i] = list(sets[j])
        confidence: list[float | None] = [None] * len(raw)
        row_sentiment: list[str | None] = [None] * len(raw)
        flags: list[str | None] = [None] * len(raw)
        for j, i in enumerate(keep):
            assignments[i], confidence[i], row_sentiment[i], flags[i] = ids[j], conf[j], sentiments[j], self._flags[j]
        # Quotes and indices above are positions among non-blank comments; map back to input rows.
        for theme in [*themes, *emerging]:
            for quote in theme.quotes:
                quote.row = int(keep[quote.row])
        return ThemeReport(
            mode="taxonomy" if self.taxonomy is not None else "discovery",
            taxonomy=self.taxonomy.id if self.taxonomy is not None else None,
            embedding=getattr(self.embedder, "description", type(self.embedder).__name__),
            n_rows=len(raw), n_blank=len(raw) - len(keep), redactions=_redaction_counts(self.redactor.counts_),
            themes=themes, emerging_themes=emerging, assignments=assignments, confidence=confidence,
            sentiments=row_sentiment, notes=notes, flags=flags, theme_sets=theme_sets)


def _redaction_counts(counts: dict[str, int]) -> dict[str, int]:
    return {kind: n for kind, n in counts.items() if n or kind in CORE_REDACTION_KINDS}


def _lsa(texts: list[str], random_state: int) -> np.ndarray:
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit_transform(texts)
    n = max(1, min(100, tfidf.shape[1] - 1))
    return normalize(TruncatedSVD(n, random_state=random_state).fit_transform(tfidf)).astype(np.float32)


def analyse_themes(texts: Sequence[object], taxonomy: str | Path | Taxonomy | None = None,
                   n_themes: int | None = None, **options) -> ThemeReport:
    """One call for the web app: comments in, a ThemeReport out."""
    return ThemePipeline(taxonomy=taxonomy, n_themes=n_themes, **options).run(texts)
