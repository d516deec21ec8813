"""The minimum group sizes: 5 people for a figure, 10 comments for a keyword, label or quote.

They can be raised in configuration, never lowered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_FIGURES = 5
MIN_COMMENTS = 10


@dataclass(frozen=True)
class Thresholds:
    figures: int = MIN_FIGURES
    comments: int = MIN_COMMENTS

    def __post_init__(self) -> None:
        if self.figures < MIN_FIGURES:
            raise ValueError(f"The minimum group for figures cannot be below {MIN_FIGURES}")
        if self.comments < MIN_COMMENTS:
            raise ValueError(f"The minimum group for comments cannot be below {MIN_COMMENTS}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(int(config.get("MIN_GROUP_FOR_FIGURES", MIN_FIGURES)),
                   int(config.get("MIN_GROUP_FOR_COMMENTS", MIN_COMMENTS)))
