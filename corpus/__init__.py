"""Corpus: which pages docqa answers from, and how to obtain them."""
