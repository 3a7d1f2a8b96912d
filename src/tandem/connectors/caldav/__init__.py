"""connectors/caldav."""
