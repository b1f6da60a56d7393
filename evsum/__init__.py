"""evsum: cited evidence summaries of rapid-acting antidepressants."""

__version__ = "0.1.0"
