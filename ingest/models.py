"""Plain records passed between the ingest stages and read by the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """A link found in a page: to another page of the corpus, or to the web."""

    text: str
    target: str
    anchor: str = ""


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading."""

    anchor: str
    heading: str
    level: int
    path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Page:
    """A parsed documentation page."""

    id: str
    title: str
    url: str
    sha256: str
    sections: tuple[Section, ...]
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a page, the unit that is embedded, searched and cited."""

    id: str
    page_id: str
    ordinal: int
    title: str
    section: str
    anchor: str
    heading_path: tuple[str, ...]
    text: str
    url: str
    page_sha256: str

    @property
    def embed_text(self) -> str:
        """The text given to the embedding model: heading path, then passage."""
        return " > ".join(self.heading_path) + "\n\n" + self.text

    @property
    def link(self) -> str:
        """Published URL of the passage, deep-linked to its section."""
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    # Page words embedded for the first time on this machine (the others come from the cache).
    embedded_words: int = 0
    seconds: float = 0.0
    build_id: str = ""
