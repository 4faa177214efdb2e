"""HTTP plumbing: problem bodies, request parsing, response hygiene, and the pages beside the API."""
