"""The pinned manifest of the 16 security pages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
# A page id names a file in the destination folder: a plain name, never a path.
_PAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


@dataclass(frozen=True)
class PageSource:
    """Where one page comes from and what it must hash to."""

    id: str
    raw_url: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The pages of one documentation section, pinned to a commit."""

    name: str
    title: str
    repository: str
    commit: str
    license: str
    license_url: str
    pages: tuple[PageSource, ...]
    copyright: str = ""
    examples: tuple[str, ...] = ()  # questions the app offers to try


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """Read a manifest file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for page in data["pages"]:
        if not _PAGE_ID.fullmatch(str(page["id"])) or ".." in str(page["id"]):
            raise ValueError(f"{path}: page id {page['id']!r} is not a plain file name")
    pages = tuple(
        PageSource(
            id=page["id"],
            raw_url=data["raw_url"].format(
                repository=data["repository"], commit=data["commit"], path=page["path"]
            ),
            url=page["url"],
            sha256=page["sha256"],
        )
        for page in data["pages"]
    )
    return Manifest(
        name=data["name"],
        title=data["title"],
        repository=data["repository"],
        commit=data["commit"],
        license=data["license"],
        license_url=data["license_url"],
        pages=pages,
        copyright=data.get("copyright", ""),
        examples=tuple(data.get("examples", ())),
    )
