"""The client's version: one place, read by pyproject.toml (setuptools dynamic version), `--version`,
the build's version resource and the version gate of the database."""
VERSION = "0.1.0"
