"""Programs that use the client as its users write them, never run: test_client_typing.py checks
that mypy --strict and pyright (strict) accept them and infer the types each assert_type names."""
