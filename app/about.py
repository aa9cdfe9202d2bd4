"""What the index holds, in words for its users: the documentation's name, its largest pages'
titles, example questions and the credit its licence asks for. Read off the build (and, for
the pinned pages, their manifest), so the app, the API and the MCP server describe whatever
pages they serve."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from app.engine import Engine
from app.loaded import Loaded
from corpus.manifest import Manifest, load_manifest
from docqa.errors import DocqaError

TOPICS = 12  # page titles named in a description, the largest pages first


@dataclass(frozen=True)
class About:
    """The pages an index holds, described."""

    name: str
    pages: int
    topics: tuple[str, ...]
    examples: tuple[str, ...]
    credit: str

    def summary(self) -> str:
        """One line for a tool's description: the name, then the topics."""
        topics = "; ".join(self.topics)
        return f"the {self.name} documentation ({self.pages} pages: {topics})"


def _pinned(loaded: Loaded) -> Manifest | None:
    """The manifest of the pinned pages, when the index holds exactly them."""
    manifest = load_manifest()
    pinned = {page.id: page.sha256 for page in manifest.pages}
    return manifest if loaded.info.files == pinned else None


def _name_of(folder: str) -> str:
    """A folder's name as words ("cloudtrail-user-guide" -> "Cloudtrail user guide")."""
    words = Path(folder).name.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "indexed"


def describe(loaded: Loaded, name: str | None = None) -> About:
    """The pages of a build described (`name`: the documentation's name, if set)."""
    chunks = loaded.build.chunks.values()
    sizes = Counter(c.title for c in chunks)
    titles = tuple(title for title, _ in sizes.most_common(TOPICS))
    manifest = _pinned(loaded)
    if manifest is not None:
        credit = (
            f"Answers quote the *{manifest.title}* pages ({manifest.repository}), "
            f"© {manifest.copyright}, licensed under {manifest.license}."
        )
        return About(name or manifest.title, len(loaded.info.files), titles,
                     manifest.examples, credit)  # fmt: skip
    credit = "Answers quote the indexed pages; each keeps the licence of its source."
    examples = tuple(f"What does '{title}' say?" for title in titles[:4])
    return About(name or _name_of(loaded.info.source), len(loaded.info.files), titles,
                 examples, credit)  # fmt: skip


def pages_of(engine: Engine, name: str | None = None) -> str:
    """A phrase naming what an engine's index holds, for a description; the generic phrase
    while there is no index."""
    try:
        return describe(engine.load(), name).summary()
    except DocqaError:
        return "the indexed documentation pages"
