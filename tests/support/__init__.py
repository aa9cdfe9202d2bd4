"""Code the tests share: stand-ins for the slow parts (the embedding model)."""
