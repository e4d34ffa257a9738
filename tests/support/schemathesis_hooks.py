"""Schemathesis hooks for the API's run in the suite (``SCHEMATHESIS_HOOKS``).

Schemathesis sends the Idempotency-Key's example (or any key the pattern allows) with the bodies it varies. Under
one key the API answers another body with 422 (the IETF draft's answer), which schemathesis counts as a
schema-valid request refused, and the same body with the first answer again, even after its row was deleted in a
stateful scenario, which schemathesis counts as a created resource not found (ST302). Both are the draft's
semantics, tested in tests/api/test_idempotency.py; here each generated key is made a key of its own (the key
with a running number), so every valid request schemathesis sends is a first one that the API must carry out.
Keys outside the pattern stay as they are, to be refused.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import schemathesis

from api.idempotency import IDEMPOTENCY_HEADER, KEY_PATTERN

_NUMBERS = itertools.count(1)


def _a_key_of_its_own(case: Any) -> Any:
    key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
    if isinstance(key, str) and re.fullmatch(KEY_PATTERN, key):
        case.headers[IDEMPOTENCY_HEADER] = f"{key[:240]}.{next(_NUMBERS)}"
    return case


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Each generated case (coverage, fuzzing, stateful phases)."""
    return _a_key_of_its_own(case)


@schemathesis.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    """Each case made of the document's examples."""
    for case in examples:
        _a_key_of_its_own(case)
