"""The users resource: wire format, HTTP routes and SQL store."""
