"""Obtain the neighbouring guides: five whole guides, pinned, copied from a folder or
downloaded as the source repositories' archives at their commits (their headings are
embedded by ingest/neighbour_headings.py)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.fetch import CorpusError, download
from docqa.progress import Notice

MANIFEST_PATH = Path(__file__).with_name("neighbours.json")


@dataclass(frozen=True)
class Guide:
    """One guide: where it comes from and what its pages must hash to."""

    folder: str
    repository: str
    commit: str
    pages: int
    checksum: str
    archive_url: str


@dataclass(frozen=True)
class NeighboursReport:
    """What a fetch of the neighbouring guides did, guide folders by outcome."""

    dest: str
    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_guides(path: Path = MANIFEST_PATH) -> list[Guide]:
    """The pinned guides."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Guide(**g, archive_url=data["archive_url"].format(**g))  # type: ignore[arg-type]
        for g in data["guides"]
    ]


def pages_checksum(folder: Path) -> str:
    """sha256 of {file name: sha256} over a folder's Markdown pages (not its dot-files)."""
    files = sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))
    table = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    return hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()


def _copy_from(source: Path, into: Path) -> None:
    for page in sorted(source.glob("*.md")):
        if not page.name.startswith("."):
            shutil.copyfile(page, into / page.name)


def _extract(archive: bytes, into: Path) -> None:
    """The `doc_source/*.md` pages of a repository archive, flat into a folder."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if member.isfile() and len(parts) == 3 and parts[1] == "doc_source":
                name = parts[2]
                if name.endswith(".md") and not name.startswith("."):
                    data = tar.extractfile(member)
                    if data is not None:
                        (into / name).write_bytes(data.read())


def fetch_guide(guide: Guide, dest: Path, source: Path | None, get: Callable[[str], bytes]) -> bool:
    """Make `dest/<folder>` hold the guide's pinned pages; False when it already did."""
    target = dest / guide.folder
    if target.is_dir() and pages_checksum(target) == guide.checksum:
        return False
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{guide.folder}.") as tmp:
        part = Path(tmp) / guide.folder
        part.mkdir()
        if source is not None:
            if not (source / guide.folder).is_dir():
                raise CorpusError(f"{source / guide.folder} is missing: the source must hold it")
            _copy_from(source / guide.folder, part)
        else:
            try:
                _extract(get(guide.archive_url), part)
            except (OSError, tarfile.TarError) as exc:
                raise CorpusError(
                    f"Cannot download {guide.archive_url} ({exc}). Without network, copy the "
                    "guides from a folder: `docqa corpus fetch --neighbours-from DIR` "
                    "(e.g. ../shared/corpus/aws-guides)."
                ) from exc
        if pages_checksum(part) != guide.checksum:
            raise CorpusError(
                f"The pages of {guide.folder} are not the pinned ones "
                f"({guide.repository}@{guide.commit[:10]})."
            )
        if target.exists():
            shutil.rmtree(target)
        part.rename(target)
    return True


def fetch_neighbours(
    dest: Path,
    source: Path | None = None,
    get: Callable[[str], bytes] = download,
    progress: Notice | None = None,
) -> NeighboursReport:
    """Make `dest` hold every pinned guide; idempotent."""
    if source is not None and not source.is_dir():
        raise CorpusError(f"Neighbours source {source} is not a folder.")
    report = NeighboursReport(dest=str(dest))
    for guide in load_guides():
        changed = fetch_guide(guide, dest, source, get)
        (report.fetched if changed else report.unchanged).append(guide.folder)
        if changed and progress:
            progress(guide.folder)
    return report
