"""What customers paste, turned into the canonical form `XXXXX-XXXXX-XXXXX-XXXXX` (or refused)."""

from __future__ import annotations

import re
import unicodedata

from backoffice.models.licensing import CODE_ALPHABET
from backoffice.services import ServiceError

FORMAT_HELP = ("An activation code has 20 letters and digits in 4 blocks of 5, separated by hyphens, "
               "for example ABCDE-12345-FGHIJ-67890.")
# Characters people misread for one another on a box or a screen. Generated codes never use them (generate.py
# draws from GENERATED_ALPHABET); codes made before, and imported ones, may, and stay valid: a typed code is still
# read over the whole CODE_ALPHABET.
LOOK_ALIKES = {  # character: (how to say it, what it may have been meant as)
    "0": ("0 (zero)", "O (the letter)"), "O": ("O (the letter)", "0 (zero)"),
    "1": ("1 (one)", "I or L"), "I": ("I (the letter)", "1 (one) or L"), "L": ("L (the letter)", "1 (one) or I"),
}
GENERATED_ALPHABET = "".join(character for character in CODE_ALPHABET if character not in LOOK_ALIKES)
MIN_SEARCH_PREFIX = 4  # characters; a shorter prefix matches too many of millions of codes to be useful

# Hyphen look-alikes that word processors, PDFs and phones put in place of "-".
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad\ufe58\ufe63\uff0d"
_DROP = str.maketrans("", "", "-" + _DASHES)
_BODY = re.compile(f"[{CODE_ALPHABET}]*")
_CANONICAL = re.compile(f"[{CODE_ALPHABET}]{{5}}(?:-[{CODE_ALPHABET}]{{5}}){{3}}")


def _compact(raw: str) -> str | None:
    """The code's letters and digits without separators, upper case; None if anything else is in it."""
    # NFKC folds full-width letters and digits (from East Asian keyboards) to ASCII.
    text = unicodedata.normalize("NFKC", raw).upper().translate(_DROP)
    text = "".join(text.split())  # every kind of whitespace, inside and around
    return text if text.isascii() and _BODY.fullmatch(text) else None


def canonical(compact: str) -> str:
    return "-".join(compact[i:i + 5] for i in range(0, len(compact), 5))


def normalise_code(raw: str | None) -> str | None:
    """The canonical code for `raw`, or None when it cannot be one."""
    if raw and _CANONICAL.fullmatch(raw):  # the common case in files, and cheap
        return raw
    compact = _compact(raw or "")
    if compact is None or len(compact) != 20:
        return None
    return canonical(compact)


def look_alikes_in(code: str) -> list[str]:
    """For a canonical code: each look-alike character it holds, said with what it may have been meant as."""
    present = [character for character in LOOK_ALIKES if character in code]
    return [f"{LOOK_ALIKES[character][0]} may be {LOOK_ALIKES[character][1]}" for character in present]


def normalise_prefix(raw: str) -> str:
    """The canonical beginning of a code, for search; ServiceError if it is not one."""
    compact = _compact(raw or "")
    if compact is None or len(compact) > 20:
        raise ServiceError("Search by a whole code or its beginning: letters and digits, hyphens optional.")
    if len(compact) < MIN_SEARCH_PREFIX:
        raise ServiceError(f"Type at least {MIN_SEARCH_PREFIX} characters of the code to search.")
    return canonical(compact)


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The lowest and highest canonical codes that start with `prefix` (a canonical prefix).

    Every stored code has its hyphens at the same places, so a BETWEEN over the unique index finds
    exactly the codes with this beginning, whatever the database's collation.
    """
    compact = prefix.replace("-", "")
    low = canonical(compact + CODE_ALPHABET[0] * (20 - len(compact)))
    high = canonical(compact + CODE_ALPHABET[-1] * (20 - len(compact)))
    return low, high
