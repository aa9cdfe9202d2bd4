"""Searching one guide of a larger index: the pages under one folder of the corpus (a guide,
e.g. `comprehend-security`, or `aws-guides/iam-user-guide` in a folder of guides), chosen in
the app ("Search in"), with `docqa ask --in`, or with DOCQA_SCOPE. A guide can be named by its
path, by its own folder's name (`iam-user-guide`) or by a folder holding guides
(`aws-guides`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from docqa.errors import DocqaError
from ingest.models import Chunk
from ingest.neighbour_headings import Neighbours
from ingest.units import UnitIndex

Vector = np.ndarray[Any, np.dtype[np.float32]]


class ScopeError(DocqaError):
    """The guide asked for is not in the index."""


@dataclass(frozen=True)
class Scope:
    """The chunks of one guide, and which rows of the build's answer units are theirs."""

    guide: str
    chunk_ids: frozenset[str]
    unit_rows: np.ndarray[Any, np.dtype[np.bool_]]
    # The index's other guides, seen as neighbouring pages: their section headings, which the
    # refusal decision compares a question with (and the build's own neighbours, if any).
    neighbours: Neighbours | None = None

    def sims(self, sims: Vector) -> Vector:
        """Unit similarities with every unit outside the guide set to -1 (never near)."""
        return np.where(self.unit_rows, sims, np.float32(-1.0)).astype(np.float32)


def guide_of(page_id: str) -> str | None:
    """The folder a page sits in ("aws-guides/iam-user-guide" for
    "aws-guides/iam-user-guide/id_roles"), if any."""
    return page_id.rsplit("/", 1)[0] if "/" in page_id else None


def in_guide(page_id: str, name: str) -> bool:
    """Whether a page is in the guide so named: its folder's path, that folder's own name, or
    a folder above it."""
    folder = guide_of(page_id)
    if folder is None or not name.strip("/"):
        return False
    name = name.strip("/")
    return folder == name or folder.startswith(f"{name}/") or folder.endswith(f"/{name}")


def guides(chunks: Mapping[str, Chunk]) -> list[str]:
    """The guides (folders of pages) an index holds, in order."""
    return sorted({g for c in chunks.values() if (g := guide_of(c.page_id))})


def scope_of(
    guide: str, chunks: Mapping[str, Chunk], rows: Mapping[str, Sequence[int]], n_units: int
) -> Scope:
    """The scope of one guide; ScopeError, naming the guides there are, when it has no page."""
    ids = frozenset(cid for cid, c in chunks.items() if in_guide(c.page_id, guide))
    if not ids:
        there = guides(chunks)
        held = (
            f"Its guides: {', '.join(there)}."
            if there
            else "Its pages are not in guide folders: search all of them (unset DOCQA_SCOPE)."
        )
        raise ScopeError(f"The index holds no guide '{guide}'. {held}")
    unit_rows = np.zeros(n_units, dtype=np.bool_)
    for cid in ids:
        unit_rows[list(rows.get(cid, ()))] = True
    return Scope(guide, ids, unit_rows)


def with_neighbours(
    scope: Scope, units: UnitIndex, chunks: Mapping[str, Chunk], built: Neighbours | None
) -> Scope:
    """The scope with the rest of the index as neighbouring pages: the section headings of
    every guide outside it (leaving out headings the guide has itself), after the build's
    own neighbours. A question that another guide answers better is then refused, and the
    refusal names that guide's page, as it would with the guide indexed alone."""
    inside = {u.text for u, keep in zip(units.units, scope.unit_rows, strict=True) if keep}
    rows = [
        row
        for row, unit in enumerate(units.units)
        if unit.kind == "heading" and not scope.unit_rows[row] and unit.text not in inside
    ]
    if not rows:
        return replace(scope, neighbours=built)
    outside = Neighbours(
        tuple(chunks[units.units[row].chunk_id].page_id for row in rows),
        tuple(units.units[row].text for row in rows),
        np.asarray(units.vectors[rows], dtype=np.float32),
    )
    if built is not None and len(built.headings):
        outside = Neighbours(
            built.pages + outside.pages,
            built.headings + outside.headings,
            np.vstack([built.vectors, outside.vectors]),
        )
    return replace(scope, neighbours=outside)
