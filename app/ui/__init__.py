"""The Streamlit app: `main.py` is the entry; `ask.py` and `evaluation.py` are its pages."""
