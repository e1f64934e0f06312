"""Handlers grouped per feature; each module exposes `handlers()` for the application factory."""
