"""The zod oracle: the gateway's own validator (zod 4.4.3) on its OCR request schema, as a reference for the mock.

See README.md in this directory; :class:`ZodOracle` runs it from Python.
"""

from .client import (
    ORACLE_DIR,
    RELEASES,
    ZOD_VERSION,
    OracleError,
    OracleUnavailable,
    Release,
    Verdict,
    ZodOracle,
    unavailable_reason,
)

__all__ = [
    "ORACLE_DIR",
    "RELEASES",
    "ZOD_VERSION",
    "OracleError",
    "OracleUnavailable",
    "Release",
    "Verdict",
    "ZodOracle",
    "unavailable_reason",
]
