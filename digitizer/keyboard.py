"""The virtual keyboard of the transcription editor (no Qt): characters and combining marks with
names, defined per profile and editable by each user.

A profile defines its keyboard in ``[editor]``: ``keyboard = ["ſ long s", "\u0364 e above", ...]``
(the character(s), a space, the name), or, for older profiles, ``special_characters = ["ſ", ...]`` (named by their Unicode names).  A user's
own version of a profile's keyboard is a JSON file ``keyboards/<profile>.json`` in the user data
folder (:func:`digitizer.resources.user_data_dir`); it wins over the profile's until it is reset.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from .errors import DigitizerError
from .resources import user_data_dir


@dataclass(frozen=True)
class Key:
    char: str           # one or more code points (a base letter with combining marks, or a mark alone)
    name: str           # what the button's tooltip says

    @property
    def combining(self) -> bool:
        return bool(self.char) and all(unicodedata.combining(c) for c in self.char)

    @property
    def label(self) -> str:
        """How a key shows: a combining mark on a dotted circle."""
        return "◌" + self.char if self.combining else self.char

    @property
    def codepoints(self) -> str:
        return " ".join(f"U+{ord(c):04X}" for c in self.char)


def unicode_name(chars: str) -> str:
    return ", ".join(unicodedata.name(c, f"U+{ord(c):04X}").lower() for c in chars)


def parse_unicode(text: str) -> str:
    """``U+017F``, ``017f``, ``0x17F`` or a character name (``LATIN SMALL LETTER LONG S``) -> the
    character(s); several code points may be separated by spaces.  ValueError when not understood."""
    text = text.strip()
    if not text:
        raise ValueError("empty")
    try:
        return unicodedata.lookup(text)
    except KeyError:
        pass
    out = []
    for part in text.replace(",", " ").split():
        hexpart = part.upper().removeprefix("U+").removeprefix("0X").removeprefix("\\U")
        try:
            out.append(chr(int(hexpart, 16)))
        except (ValueError, OverflowError):
            raise ValueError(f"not a code point or character name: {part!r}") from None
    return "".join(out)


def make_key(spec: str, name: str = "") -> Key:
    """A key from typed characters (one character, or anything not ASCII), a code point
    (``U+0364``, ``364``) or a Unicode name; ``name`` defaults to the Unicode name.  ValueError
    (one line) when ``spec`` is none of these."""
    spec = spec.strip()
    char = spec if len(spec) == 1 or not spec.isascii() else parse_unicode(spec)
    if not char:
        raise ValueError("empty")
    return Key(char, name.strip() or unicode_name(char))


def profile_keys(editor: Any) -> list[Key]:
    """The keys a profile's ``[editor]`` section defines (``keyboard``, else ``special_characters``)."""
    entries = [e.strip().partition(" ") for e in getattr(editor, "keyboard", None) or [] if e.strip()]
    if entries:
        return [Key(char, name.strip() or unicode_name(char)) for char, _sp, name in entries]
    return [Key(c, unicode_name(c)) for c in getattr(editor, "special_characters", [])]


def user_file(profile: str) -> Path:
    return user_data_dir() / "keyboards" / f"{profile}.json"


def load(profile: str, editor: Any) -> tuple[list[Key], bool]:
    """``(keys, is_users_own)``: the user's keyboard for ``profile`` if saved, else the profile's.
    An unreadable user file is an error naming it (it is never silently replaced)."""
    path = user_file(profile)
    if not path.is_file():
        return profile_keys(editor), False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Key(str(k["char"]), str(k.get("name", ""))) for k in data["keys"]], True
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DigitizerError(f"{path}: not a keyboard file ({exc})") from None


def save(profile: str, keys: Sequence[Key]) -> Path:
    """Store ``keys`` as the user's keyboard for ``profile`` (written whole, then renamed)."""
    path = user_file(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"profile": profile, "keys": [asdict(k) for k in keys]}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def reset(profile: str) -> None:
    """Forget the user's keyboard for ``profile`` (the profile's comes back)."""
    user_file(profile).unlink(missing_ok=True)
