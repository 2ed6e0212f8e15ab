"""Scripted answers: the fixture format, matching requests to scripts, and the engine that serves them."""
