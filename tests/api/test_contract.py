"""One contract: every pattern of the OpenAPI document means the same to a client, which reads it as ECMA-262 (JSON
Schema's dialect), and to the server, which checks it with pydantic's Rust engine. Shorthand classes (``\\s``,
``\\w``, ``\\d``) and ``.`` mean other sets in each, so the document spells its classes out; each pattern is then
tried against both engines with every character that tells them apart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import regress
from pydantic import Field, TypeAdapter, ValidationError

from api.idempotency import KEY_PATTERN
from api.models.common import TEXT_PATTERN
from pipeline.warehouse.reads.pages import CURSOR_PATTERN, SORTED_CURSOR_PATTERN
from tests.api.conftest import Served

pytestmark = pytest.mark.fast

SHORTHAND = re.compile(r"(?<!\\)(?:\\\\)*(?:\\[sSdDwWbBpP]|\.)")
EMAIL = r"^[^@\x00-\x20\x7f-\xa0]+@[^@\x00-\x20\x7f-\xa0]+\.[^@\x00-\x20\x7f-\xa0]+$"
OLD_EMAIL = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"  # the pattern schemathesis caught (U+0085), for the control
# A string each pattern of the document takes, to be probed one character at a time.
VALID = {
    TEXT_PATTERN: "ab",
    EMAIL: "a@b.co",
    CURSOR_PATTERN: "A" * 11,
    SORTED_CURSOR_PATTERN: "A" * 22,
    KEY_PATTERN: "k1",
}
# Characters on which ECMA-262, Rust and Python disagree about \s, \w, \d and "." (line ends, Unicode spaces,
# C1 controls, BOM, non-ASCII letters and digits), and all of Latin-1 besides.
PROBES = [chr(c) for c in range(0x100)] + [
    chr(c) for c in (0x1680, 0x180E, 0x2000, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)
] + ["é", "ß", "\u0663", "\uff15", "\u212a", "\U0001f600"]  # fmt: skip


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def unspelled(document: Any) -> list[str]:
    """The patterns of ``document`` that use a shorthand class or ``.``, or are not anchored at both ends."""
    return [p for p in patterns(document) if SHORTHAND.search(p) or not (p.startswith("^") and p.endswith("$"))]


def disagreements(pattern: str, valid: str) -> list[str]:
    """Probe strings (``valid`` with one character inserted, or replaced) that ECMA-262 and the server's engine
    judge differently."""
    ecma = regress.Regex(pattern)
    server = TypeAdapter(Annotated[str, Field(pattern=pattern)])
    found = []
    for char in PROBES:
        for probe in (valid[:1] + char + valid[1:], char + valid[1:]):
            try:
                server.validate_python(probe)
                taken = True
            except ValidationError:
                taken = False
            if taken != (ecma.find(probe) is not None):
                found.append(probe)
    return found


def test_every_pattern_of_the_document_spells_its_classes_out(reader: Served) -> None:
    document = reader.client.get("/openapi.json").json()
    assert set(patterns(document)) == set(VALID)  # a new pattern gets a valid string here, and is probed
    assert unspelled(document) == []


def test_a_shorthand_class_is_caught() -> None:
    assert unspelled({"a": {"pattern": OLD_EMAIL}, "b": {"pattern": "^a.b$"}, "c": {"pattern": "[0-9]+"}}) == [
        OLD_EMAIL,
        "^a.b$",
        "[0-9]+",
    ]
    assert unspelled({"ok": {"pattern": r"^[a-z]\.[0-9]\\s$"}}) == []  # an escaped dot, a literal backslash


@pytest.mark.parametrize("pattern", sorted(VALID))
def test_every_pattern_means_the_same_to_a_client_and_to_the_server(pattern: str) -> None:
    assert regress.Regex(pattern).find(VALID[pattern]) is not None
    assert disagreements(pattern, VALID[pattern]) == []


def test_the_engines_disagree_on_a_shorthand_class() -> None:
    """The control: the old email pattern's \\s is not the same set in ECMA-262 and in Rust (U+0085 and more)."""
    found = disagreements(OLD_EMAIL, "a@b.co")
    assert "a\x85@b.co" in found  # Rust's \s has NEXT LINE, ECMA-262's not
    assert "a\ufeff@b.co" in found  # ECMA-262's has the BOM, Rust's not


def test_a_schema_valid_email_is_never_refused(writer: Served) -> None:
    """What schemathesis found: an email the document allows (U+0085 is not in ECMA-262's \\s) refused with 422.
    Now the document refuses what the server refuses, and both take what both take."""
    assert regress.Regex(EMAIL).find("a\x85b@x.io") is None
    assert writer.client.patch("/customers/3", json={"email": "a\x85b@x.io"}).status_code == 422
    taken = "ünïcödé\u2028@例え.jp"  # outside ASCII, and a line separator: in neither refused set
    assert regress.Regex(EMAIL).find(taken) is not None
    answer = writer.client.patch("/customers/3", json={"email": taken})
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == taken
