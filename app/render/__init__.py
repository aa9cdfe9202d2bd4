"""The answer written out at the edges: plain text (the CLI, the evaluation), safe Markdown (the
browser app) and JSON (`docqa ask --json`). Nothing else writes answer text."""
