"""Offline theme analysis of staff comments: lists or DataFrames in, themes out.

Imports nothing from the web app, Flask or a database.
"""

from analysis.pipeline import ThemePipeline, analyse_themes
from analysis.report import Quote, Theme, ThemeReport
from analysis.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

__all__ = ["Quote", "Taxonomy", "TaxonomyError", "Theme", "ThemePipeline", "ThemeReport", "analyse_themes",
           "load_taxonomy"]
