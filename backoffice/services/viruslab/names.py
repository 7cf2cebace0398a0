"""File names from customers and archives, shown safely: bidi overrides and control characters are made visible,
so `Scan_\u202egpj.zip` can never read as "Scan_piz.jpg". The raw name is kept; only its display changes.
A name a customer's browser sends is cleaned once, as it is stored: its last path part, without control bytes."""

from __future__ import annotations

import re
import unicodedata


def clean_file_name(name: str) -> str:
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:255] or "file"


def display_name(name: str | None) -> str:
    if not name:
        return ""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in name)
