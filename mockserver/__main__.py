"""``python -m mockserver`` is ``ocr-mock``."""

from mockserver.cli import main

main()
