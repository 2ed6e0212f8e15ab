"""A faithful mock of the AI Stats Gateway's ``POST /v1/ocr``."""

__version__ = "0.1.0"
