"""docqa: the settings shared by every stage and the `docqa` command that wires them."""
