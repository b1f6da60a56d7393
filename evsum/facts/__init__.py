"""The fact model, its loading from YAML, validation and the index."""
