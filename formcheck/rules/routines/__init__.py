"""Built-in routines: the programmes of the three source articles (TOML data, one file per article)."""
