"""What the service tells its operator: request ids, log lines and metrics."""
