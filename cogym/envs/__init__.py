"""Env families. Each sub-package is self-contained and imports only from ``cogym.core``."""
