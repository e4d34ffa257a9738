"""``builds``: the published output sets (the current one, and those ``ECOM_KEEP_BUILDS`` keeps), and a rollback
to one of them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_warehouse_options

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "builds",
        parents=[common],
        help="list the published output sets; --rollback ID makes a kept one current again",
        description="List the published output sets (ECOM_KEEP_BUILDS keeps that many besides the current one), "
        "or switch back to one of them.",
    )
    parser.add_argument("--rollback", metavar="ID", help="make this kept set (an id the list shows) current again")
    add_warehouse_options(parser)
    parser.set_defaults(func=main)


@dataclass(frozen=True)
class SetDescription:
    set_id: str
    current: bool
    seed: int | None
    scale: float | None
    build_id: str | None
    parts: list[str]
    bytes: int  # what deleting it would free (files also in other sets are counted once per set)


def list_sets(settings: Settings) -> list[SetDescription]:
    """The published sets, oldest first, each with what its manifest says."""
    from pipeline import manifest, output_sets

    current = output_sets.current_set(settings.data_dir)
    described = []
    for directory in output_sets.published_sets(settings.data_dir):
        found = manifest.read(directory / "manifest.json")
        size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
        described.append(
            SetDescription(
                directory.name,
                directory == current,
                found.get("lake", {}).get("seed"),
                found.get("lake", {}).get("scale"),
                found.get("warehouse", {}).get("build_id"),
                [part for part in output_sets.OUTPUTS if (directory / part).exists()],
                size,
            )
        )
    return described


def main(settings: Settings, args: argparse.Namespace) -> int:
    from rich.table import Table

    from pipeline import stages
    from pipeline.logs import out

    if args.rollback is not None:
        stages.rollback(settings, args.rollback, discard_edits=args.discard_edits)
        out.print(f"set {args.rollback} is current again: {settings.data_dir / 'current'}")
        return 0
    table = Table(title=f"output sets in {settings.data_dir / 'builds'}", title_justify="left")
    for column in ("id", "current", "seed", "scale", "warehouse build", "outputs", "MiB"):
        table.add_column(column, justify="right" if column in ("seed", "scale", "MiB") else "left")
    for described in list_sets(settings):
        table.add_row(
            described.set_id,
            "yes" if described.current else "",
            "" if described.seed is None else str(described.seed),
            "" if described.scale is None else f"{described.scale:g}",
            described.build_id or "",
            ", ".join(described.parts),
            f"{described.bytes / 2**20:,.1f}",
        )
    out.print(table)
    return 0
