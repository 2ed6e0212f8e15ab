"""An app that calls the AI Stats Gateway at its real address, four ways. Nothing in it knows about a mock:
its tests (test_ocr_app.py) intercept the calls, as pytest-httpx users do."""

from __future__ import annotations

import os

import httpx
import requests

GATEWAY = "https://api.phaseo.app/v1"
MODEL = "mistral/ocr-3"


def _key() -> str:
    return os.environ["AISTATS_API_KEY"]


def _body(image: str) -> dict[str, str]:
    return {"model": MODEL, "image": image}


def read_text(image: str) -> str:
    """httpx, sync."""
    answer = httpx.post(f"{GATEWAY}/ocr", json=_body(image), headers={"Authorization": f"Bearer {_key()}"})
    answer.raise_for_status()
    text: str = answer.json()["text"]
    return text


async def read_text_async(image: str) -> str:
    """httpx, async."""
    async with httpx.AsyncClient(base_url=GATEWAY, headers={"Authorization": f"Bearer {_key()}"}) as client:
        answer = await client.post("/ocr", json=_body(image))
    answer.raise_for_status()
    text: str = answer.json()["text"]
    return text


def read_text_requests(image: str) -> str:
    """requests."""
    answer = requests.post(f"{GATEWAY}/ocr", json=_body(image), headers={"Authorization": f"Bearer {_key()}"},
                           timeout=30)
    answer.raise_for_status()
    text: str = answer.json()["text"]
    return text


def read_text_phaseo(image: str) -> str:
    """The gateway's official client, phaseo 3.0.0, with its default base URL (its createOcr uses urllib)."""
    from gen.operations import createOcr
    from phaseo import Phaseo

    client = Phaseo(api_key=_key())
    text: str = createOcr(client.raw_client, body=_body(image))["text"]
    return text


def list_models() -> list[str]:
    """Another endpoint of the gateway (the mock serves only /ocr)."""
    answer = httpx.get(f"{GATEWAY}/models", headers={"Authorization": f"Bearer {_key()}"})
    answer.raise_for_status()
    return [model["id"] for model in answer.json()["data"]]
