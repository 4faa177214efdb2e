"""Who may call what: API keys, the bearer-token guard and rate limits."""
