"""Generated YARA rule sets shaped like community ones (no network here to fetch real ones): meta blocks, hex
strings with wildcards and jumps, text strings with nocase/wide, regexes with literal atoms, and conditions on
`filesize`, the MZ header and the external variables. Deterministic per seed; used by tests and bench/yara_scan."""

from __future__ import annotations

import random

EXTENSIONS = (".exe", ".dll", ".scr", ".js", ".vbs", ".ps1", ".doc", ".pdf")
FILE_TYPES = ("EXE", "ELF", "ZIP", "PDF", "OLE")
WORDS = ("invoice", "payload", "loader", "beacon", "stager", "dropper", "inject", "keylog", "update", "config",
         "mutex", "tunnel", "crypt", "shell", "agent", "token", "vault", "cache", "proxy", "relay")


def _hex_string(rng: random.Random) -> str:
    parts = []
    for position in range(rng.randint(8, 14)):
        roll = rng.random()
        if position > 3 and roll < 0.08:
            parts.append("??")
        elif position > 3 and roll < 0.12:
            low = rng.randint(0, 4)
            parts.append(f"[{low}-{low + rng.randint(1, 8)}]")
        else:
            parts.append(f"{rng.randrange(256):02X}")
    parts[-1] = f"{rng.randrange(256):02X}"  # a hex string must not end with a wildcard or a jump
    return "{ " + " ".join(parts) + " }"


def _text(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}_{rng.getrandbits(40):010x}{rng.choice(WORDS)}"


def _regex(rng: random.Random) -> str:
    return f"/{rng.choice(WORDS)}{rng.getrandbits(24):06x}[0-9a-f]{{4,16}}\\.(dll|exe|dat)/"


def _condition(rng: random.Random, names: list[str], number: int) -> str:
    strings = rng.choice(["any of them", "all of them", f"{max(1, len(names) - 1)} of them",
                          f"{names[0]} and any of them"])
    kind = number % 10
    if kind < 4:
        return f"uint16(0) == 0x5A4D and filesize < {rng.randint(1, 20)}MB and {strings}"
    if kind < 6:
        return f"filesize < {rng.randint(100, 9000)}KB and {strings}"
    if kind == 6:
        return f"extension == \"{rng.choice(EXTENSIONS)}\" and {strings}"
    if kind == 7:
        return f"filetype == \"{rng.choice(FILE_TYPES)}\" and {strings}"
    if kind == 8:
        return f"filename matches /{rng.choice(WORDS)}[0-9]*\\.(exe|dll)/i and {strings}"
    return f"({strings}) and not filepath contains \"\\\\Windows\\\\WinSxS\\\\\""


def generate_rule(rng: random.Random, number: int, prefix: str = "Gen") -> str:
    strings = []
    for index in range(rng.randint(2, 5)):
        roll = rng.random()
        if roll < 0.45:
            value = _hex_string(rng)
        elif roll < 0.65:
            value = f'"{_text(rng)}" nocase'
        elif roll < 0.85:
            value = f'"{_text(rng)}" wide ascii'
        else:
            value = _regex(rng)
        strings.append((f"$s{index}", value))
    names = [name for name, _ in strings]
    body = "\n".join(f"        {name} = {value}" for name, value in strings)
    return (f"rule {prefix}_{number:06d}\n{{\n    meta:\n        description = \"generated rule {number} "
            f"({rng.choice(WORDS)} family)\"\n        author = \"bench\"\n        date = \"2026-0{1 + number % 9}-1"
            f"{number % 10}\"\n        hash = \"{rng.getrandbits(256):064x}\"\n    strings:\n{body}\n"
            f"    condition:\n        {_condition(rng, names, number)}\n}}\n")


def generate_rules(count: int, seed: int = 1, prefix: str = "Gen") -> str:
    rng = random.Random(seed)
    return "\n".join(generate_rule(rng, number, prefix) for number in range(count))


def rules_of_size(min_bytes: int, seed: int = 1, prefix: str = "Gen") -> str:
    """Generated rules until the source holds at least `min_bytes` UTF-8 bytes."""
    rng = random.Random(seed)
    parts, size, number = [], 0, 0
    while size < min_bytes:
        rule = generate_rule(rng, number, prefix)
        parts.append(rule)
        size += len(rule.encode()) + 1
        number += 1
    return "\n".join(parts)


# A regex with no literal atom: YARA warns it "may slow down scanning" and tries it at every offset.
SLOW_RULE = r'rule Slow_Everywhere { strings: $a = /[\x01-\xff]{100,1000}[\x00][\x00-\x03][\x00-\x03]/ ' \
            r'condition: $a }'
