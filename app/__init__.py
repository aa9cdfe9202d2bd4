"""App: retrieve passages, answer with citations; the CLI's ask and the Streamlit UI."""
