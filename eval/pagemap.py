"""Count a byte-identical copy of a page (in another folder) as the page itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from corpus.manifest import Manifest, load_manifest


def manifest_hashes(manifest: Manifest | None = None) -> dict[str, str]:
    """Page id -> sha256 of the pinned pages."""
    return {page.id: page.sha256 for page in (manifest or load_manifest()).pages}


def canonical_ids(page_hashes: Mapping[str, str], pinned: Mapping[str, str]) -> dict[str, str]:
    """Indexed page id -> the pinned id it is a copy of (same file stem, same bytes),
    or itself when it is no such copy."""
    mapping: dict[str, str] = {}
    for page_id, sha in page_hashes.items():
        stem = page_id.rsplit("/", 1)[-1]
        mapping[page_id] = stem if stem != page_id and pinned.get(stem) == sha else page_id
    return mapping


def map_pages(pages: Iterable[str], mapping: Mapping[str, str]) -> tuple[str, ...]:
    """Pages renamed through the mapping, distinct, in their first order."""
    return tuple(dict.fromkeys(mapping.get(page, page) for page in pages))
