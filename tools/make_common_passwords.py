"""Regenerate backoffice/data/common-passwords.txt from zxcvbn's frequency list (run by hand, not at runtime).

    .venv/bin/pip install zxcvbn && .venv/bin/python tools/make_common_passwords.py

Keeps the passwords of 8 or more characters among the 20,000 most frequent ones, most frequent first:
shorter ones are refused by the length rule anyway.
"""

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

TOP = 20_000
MIN_LENGTH = 8
TARGET = Path(__file__).resolve().parents[1] / "backoffice" / "data" / "common-passwords.txt"


def main() -> None:
    seen: dict[str, None] = {}
    for password in FREQUENCY_LISTS["passwords"][:TOP]:
        if len(password) >= MIN_LENGTH:
            seen.setdefault(password.lower(), None)
    TARGET.write_text("".join(f"{password}\n" for password in seen))
    print(f"{len(seen)} passwords written to {TARGET}")


if __name__ == "__main__":
    main()
