"""Built-in exercise declarations (TOML data, one file per exercise)."""
