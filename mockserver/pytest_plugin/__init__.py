"""The pytest plugin of aistats-ocr-mock: a scripted AI Stats Gateway OCR endpoint for every test.

Installing the package registers it (entry point ``pytest11: ocr_gateway``); tests ask for the
``ocr_gateway`` or ``ocr_gateway_factory`` fixture. See docs/pytest.md. The names below are for type hints;
they are imported on first use, so that loading the plugin stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.pytest_plugin.backends import ScriptError
    from mockserver.pytest_plugin.callbacks import CallbackCall
    from mockserver.pytest_plugin.calls import Call, Calls
    from mockserver.pytest_plugin.gateway import OcrGateway, ScriptRef
    from mockserver.pytest_plugin.plugin import OcrGatewayFactory

_EXPORTS = {
    "OcrGateway": ".gateway", "ScriptRef": ".gateway", "Call": ".calls", "Calls": ".calls",
    "ScriptError": ".backends", "OcrGatewayFactory": ".plugin", "CallbackCall": ".callbacks",
}

__all__ = ["Call", "CallbackCall", "Calls", "OcrGateway", "OcrGatewayFactory", "ScriptError", "ScriptRef"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
