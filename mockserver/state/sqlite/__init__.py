"""State shared by the worker processes of ``ocr-mock serve --workers N`` (see ``database``)."""
