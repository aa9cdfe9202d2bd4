"""Chroma clients' common parts: settings with telemetry off, and what a lost server raises."""

from __future__ import annotations

from typing import Any


def chroma_settings() -> Any:
    """Chroma client settings: telemetry off."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def is_connection_error(exc: BaseException) -> bool:
    """True when an exception means the Chroma server could not be reached or went away.
    Chroma's client reports some (making the client, for one) as a ValueError raised while
    handling the real one: that counts, no other ValueError does."""
    import httpx

    lost = httpx.TransportError | ConnectionError | TimeoutError
    return isinstance(exc, lost) or (
        isinstance(exc, ValueError) and isinstance(exc.__context__, lost)
    )
