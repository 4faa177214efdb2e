"""The contract's own tooling: the OpenAPI document, its shared parts and the breaking-change guard."""
