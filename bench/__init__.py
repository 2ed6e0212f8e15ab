"""Benchmarks of the mock against a bare Starlette endpoint, openapi-core's validate_request and Prism."""
