"""CLI command groups: `flask ppks …`, `flask wilayah …`, and each capability's own."""
from __future__ import annotations

import importlib

# Capability modules each expose `register(app)` adding their commands or groups.
CAPABILITY_CLI_MODULES: list[str] = [
    "app.cli.report",
    "app.cli.dedup",
    "app.cli.ppks_import",
    "app.cli.kasus",
    # e.g. "app.cli.dedup", "app.cli.kasus", "app.cli.report"
]


def init_cli(app) -> None:
    from app.cli import ppks, wilayah

    app.cli.add_command(ppks.ppks)
    app.cli.add_command(wilayah.wilayah)
    for name in CAPABILITY_CLI_MODULES:
        importlib.import_module(name).register(app)
