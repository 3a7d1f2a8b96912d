"""The hub's REST API, shaped like the public Severa REST API v1 (paths, names, paging,
errors), plus Tandem's own extensions under `/tandem/v1`."""
