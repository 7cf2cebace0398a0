"""The demo data's files: seeds/demo/<name>.toml (SEEDS_DIR in config.py), read as plain dicts and lists."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import current_app


def demo_data(name: str) -> dict:
    path = Path(current_app.config["SEEDS_DIR"]) / "demo" / f"{name}.toml"
    with path.open("rb") as file:
        return tomllib.load(file)
