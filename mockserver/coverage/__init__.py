"""Outcome coverage: which of the gateway's answers a test suite has met (counting, tables, the HTML report)."""
