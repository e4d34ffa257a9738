"""Starting a server in place of this process (``api``, ``dashboard``), with the settings passed on.

The servers build their own Settings from the environment (uvicorn and Streamlit import the app themselves),
so every setting this command resolved is exported as its ``ECOM_*`` variable first.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.settings import Settings


def environment(settings: Settings) -> dict[str, str]:
    from dataclasses import fields

    from pipeline.settings import ENV_PREFIX

    env = dict(os.environ)
    for spec in fields(settings):
        value = getattr(settings, spec.name)
        if value is None:
            continue
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        env[ENV_PREFIX + spec.name.upper()] = text
    return env


def replace_process(argv: list[str], settings: Settings) -> None:
    """Become ``argv`` (never returns): signals then reach the server itself, as they would in a container."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, environment(settings))
