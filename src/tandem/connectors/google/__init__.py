"""connectors/google."""
