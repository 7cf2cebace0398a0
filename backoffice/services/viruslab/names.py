"""File names from customers and archives, shown safely: bidi overrides and control characters are made visible,
so `Scan_\u202egpj.zip` can never read as "Scan_piz.jpg". The raw name is kept; only its display changes."""

from __future__ import annotations

import unicodedata


def display_name(name: str | None) -> str:
    if not name:
        return ""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in name)
