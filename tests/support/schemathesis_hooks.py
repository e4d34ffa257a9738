"""Schemathesis hooks for the API's run in the suite (``SCHEMATHESIS_HOOKS``).

Schemathesis sends the Idempotency-Key's example (or any key the pattern allows) with the bodies it varies; the API
answers a key reused for another body with 422 (the IETF draft's answer), which schemathesis would count as a
schema-valid request refused, and most creates would never reach the rules. So each generated key is made the key
of its body: every valid pair schemathesis sends is one the API must accept (a replay of the same pair included).
Reuse itself is tested in tests/api/test_idempotency.py; keys outside the pattern stay as they are, to be refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import schemathesis

from api.idempotency import IDEMPOTENCY_HEADER, KEY_PATTERN


def _key_of_its_body(case: Any) -> Any:
    key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
    if isinstance(key, str) and re.fullmatch(KEY_PATTERN, key):
        body = hashlib.sha256(json.dumps(case.body, sort_keys=True, default=str).encode()).hexdigest()[:16]
        case.headers[IDEMPOTENCY_HEADER] = f"{key[:238]}.{body}"
    return case


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Each generated case (coverage, fuzzing, stateful phases)."""
    return _key_of_its_body(case)


@schemathesis.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    """Each case made of the document's examples."""
    for case in examples:
        _key_of_its_body(case)
