"""One index build opened for answering, and one question being answered from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.lexicon import Lexicon
from app.retrieve import Query, Retriever, Vector
from app.scope import Scope
from ingest.build import OpenedBuild
from ingest.neighbour_headings import Neighbours
from ingest.store import IndexInfo


@dataclass(frozen=True)
class Loaded:
    """One index build, ready to search and read."""

    build: OpenedBuild
    retriever: Retriever
    lexicon: Lexicon
    rows: dict[str, list[int]]
    # Whether the topic probe recognises the pages searched, per guide ("" for every page).
    topic_checks: dict[str, bool] = field(default_factory=dict)

    @property
    def info(self) -> IndexInfo:
        """What built the index."""
        return self.build.info

    def neighbours(self, scope: Scope | None) -> Neighbours | None:
        """The pages a question is compared with beside those searched: the build's
        neighbouring pages, and when one guide is searched, the index's other guides too."""
        return self.build.neighbours if scope is None else scope.neighbours


@dataclass(frozen=True)
class Asked:
    """One reading of a question, with what answering it reads: the build and the guide it
    is answered from, and the question's cosine to every answer unit there (-1 outside)."""

    query: Query
    loaded: Loaded
    scope: Scope | None
    sims: Vector

    @classmethod
    def of(cls, query: Query, loaded: Loaded, scope: Scope | None) -> Asked:
        """A reading measured against the build's units."""
        return cls(query, loaded, scope, loaded.retriever.unit_sims(query.vector, scope))
