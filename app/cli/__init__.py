"""CLI command groups: `flask ppks …`, `flask wilayah …` (later: dedup, kasus, report)."""
from __future__ import annotations


def init_cli(app) -> None:
    from app.cli import ppks, wilayah

    app.cli.add_command(ppks.ppks)
    app.cli.add_command(wilayah.wilayah)
    for optional in ("dedup", "kasus", "report"):
        try:
            module = __import__(f"app.cli.{optional}", fromlist=[optional])
        except ModuleNotFoundError as exc:
            if exc.name != f"app.cli.{optional}":
                raise
            continue
        app.cli.add_command(getattr(module, optional))
