"""Fonts and text clean-up for the PDF reader.

Holds :class:`Font`, what the reader keeps of a pypdf font dictionary (bold, math, Computer Modern text and
monospace type, glyph widths), and :func:`clean`, the normalisation of a text chunk (ligatures, odd spaces,
zero-width and control characters, LaTeX accents set as glyphs of their own).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

# ----------------------------------------------------------------------------------------------------------
# Fonts

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi|-bd\b|cmbx|cmmib|cmbsy|bx\d", re.IGNORECASE)
_MATH_NAME = re.compile(
    r"^(cmmi|cmsy|cmex|cmbsy|msbm|msam|eufm|eusm|eurm|rsfs|stmary|wasy|txmi|txsy|txex|pxmi|pxsy|pxex|ntxmi|"
    r"ntxsy|zxmi|mtmi|mtsy|mtex|lmmi|lmsy|lmex|esint|bbm|dsrom)|math|^symbol",
    re.IGNORECASE,
)
CM_TEXT_NAME = re.compile(r"^(cmr|cmbx|cmb\d|cmti|cmsl|cmss|cmcsc|lmroman|sfrm|sfbx|sfti)", re.IGNORECASE)
_MONO_NAME = re.compile(r"mono|courier|cmtt|sftt|lmtt|consol|inconsolata|typewriter", re.IGNORECASE)


@dataclass(frozen=True)
class Font:
    """What the reader needs to know about one font resource."""

    name: str
    bold: bool
    math: bool
    cm_text: bool
    mono: bool
    widths: dict[int, float] = field(default_factory=dict)
    default_width: float = 0.5

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` set at ``size`` points, from the font's /Widths where known."""
        return sum(map(self.widths.get, map(ord, text), repeat(self.default_width, len(text)))) * size


_UNKNOWN_FONT = Font(name="", bold=False, math=False, cm_text=False, mono=False)


def font_from_resource(resource: Any) -> Font:
    """Build a :class:`Font` from a pypdf font dictionary (a damaged one only loses its metrics)."""
    if resource is None:
        return _UNKNOWN_FONT
    name = str(resource.get("/BaseFont", "")).lstrip("/").split("+")[-1]
    widths = _font_widths(resource)
    values = [w for w in widths.values() if w > 0]
    return Font(name=name, bold=bool(_BOLD_NAME.search(name)) or _declared_bold(resource),
                 math=bool(_MATH_NAME.search(name)), cm_text=bool(CM_TEXT_NAME.match(name)),
                 mono=bool(_MONO_NAME.search(name)), widths=widths,
                 default_width=sum(values) / len(values) if values else 0.5)


def _font_widths(resource: Any) -> dict[int, float]:
    """Glyph widths of a simple font in em units, keyed by character code (empty when unknown)."""
    try:
        raw = resource.get("/Widths")
        first = int(resource.get("/FirstChar", 0) or 0)
        return {first + i: float(w) / 1000.0 for i, w in enumerate(raw.get_object())} if raw is not None else {}
    except (TypeError, ValueError, AttributeError):
        return {}


def _declared_bold(resource: Any) -> bool:
    """Boldness declared in the font descriptor (weight 600+ or the ForceBold flag)."""
    try:
        descriptor = resource.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        weight = float(descriptor.get("/FontWeight", 0) or 0)
        flags = int(descriptor.get("/Flags", 0) or 0)
    except (TypeError, ValueError, AttributeError):
        return False
    return weight >= 600 or bool(flags & (1 << 18))


# ----------------------------------------------------------------------------------------------------------
# Text clean-up

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ODD_SPACE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


_SPACING_ACCENTS = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02dc": "\u0303", "\u02c6": "\u0302",
                    "\u00af": "\u0304", "\u02c7": "\u030c", "\u02d8": "\u0306", "\u02da": "\u030a",
                    "\u00b8": "\u0327"}
_LOOSE_ACCENT = re.compile("([" + "".join(_SPACING_ACCENTS) + "])([A-Za-z])")


def _attach_accent(match: re.Match[str]) -> str:
    """Put a LaTeX accent typeset as its own glyph ("F´evry") back on its letter when they compose."""
    composed = unicodedata.normalize("NFC", match.group(2) + _SPACING_ACCENTS[match.group(1)])
    return composed if len(composed) == 1 else match.group(0)


def clean(text: str) -> str:
    """NFKC-normalise a chunk: ligatures, odd spaces, zero-width and control characters.

    A soft hyphen that ends the chunk marks a line-end hyphenation and becomes ``-``; others are dropped.
    Spacing accents are kept as they are (NFKC would turn them into a space and a combining mark).
    """
    if "\u00ad" in text:
        text = re.sub("\u00ad(?=\n?$)", "-", text)
    text = _LOOSE_ACCENT.sub(_attach_accent, text)
    text = "".join(ch if ch in _SPACING_ACCENTS else unicodedata.normalize("NFKC", ch) for ch in text) \
        if any(ch in _SPACING_ACCENTS for ch in text) else unicodedata.normalize("NFKC", text)
    return _ODD_SPACE.sub(" ", _CONTROL.sub("", text.translate(_ZERO_WIDTH)))
