"""Adapters: each speaks one outside system and translates to and from `tandem.domain`."""
