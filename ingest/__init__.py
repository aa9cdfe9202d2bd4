"""Ingest: parse pages, chunk them, embed the chunks and write the Chroma index."""
