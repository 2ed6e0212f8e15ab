"""``python -m mockserver`` is ``ocr-mock``."""

from .cli import main

main()
