"""Offline work for a desk on the shared database: connection state, local replica, queued commands."""
