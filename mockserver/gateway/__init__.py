"""The gateway's pipeline: what POST /v1/ocr checks, in order, and what it answers."""
