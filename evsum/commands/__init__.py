"""The commands, one module per kind; importing them registers them on the app."""
