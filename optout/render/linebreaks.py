"""Line breaking remembered across a batch's letters: most paragraphs of a (law, request, broker) letter are the
same for every client, and WeasyPrint breaks each one into lines again for every letter (about a fifth of a
batch's time).

WeasyPrint's `split_first_line(text, style, context, max_width, ...)` asks Pango for the first line of `text`
in the given width and returns plain numbers and a deactivated Layout (the text of the line, its spacing and
direction; drawing re-creates the Pango objects from those). The answer depends only on the text, the width,
the spacing arguments and the computed style properties Pango and the line breaker read (listed below, as
WeasyPrint's own font cache lists them) and the font configuration; `context` only holds hyphenation
dictionaries. So while `remembered_lines()` is active, equal questions get the first answer. The Layout object
is then shared by the text boxes of equal lines: drawing re-activates it for one box at a time and deactivates it
again, so sharing is safe. tests/test_speed_invariants.py checks that a chunk's PDFs are byte-identical with and
without it.

Only the WeasyPrint versions this was checked against are patched (optout/render/patching.py, SUPPORTED); with any other the batch
renders exactly as without it, only slower.
"""

from __future__ import annotations

from .patching import WeasyPrintPatch

LIMIT = 20_000  # remembered lines per process (a deactivated layout is its text and a few numbers)

# Every computed property split_first_line, the Layout it makes and the fonts it picks read (weasyprint/text/).
STYLE_KEYS = (
    "direction", "font_family", "font_feature_settings", "font_kerning", "font_language_override", "font_size",
    "font_stretch", "font_style", "font_variant_alternates", "font_variant_caps", "font_variant_east_asian",
    "font_variant_ligatures", "font_variant_numeric", "font_variant_position", "font_variation_settings",
    "font_weight", "hyphenate_character", "hyphenate_limit_chars", "hyphenate_limit_zone", "hyphens", "lang",
    "letter_spacing", "line_height", "overflow_wrap", "tab_size", "text_decoration_line", "white_space",
    "word_break", "word_spacing",
)



def style_key(style) -> str:
    """The properties that matter, as one string, worked out once per style object: the letters of a chunk share
    their styles, so most text boxes ask with a style already seen. WeasyPrint copies a style before changing it."""
    key = style.__dict__.get("_optout_line_key")
    if key is None:
        key = style.__dict__["_optout_line_key"] = str(tuple(style[name] for name in STYLE_KEYS))
    return key


def _remembering(split_first_line):
    def split_first_line_remembered(text, style, context, max_width, justification_spacing, is_line_start=True,
                                    minimum=False):
        if not _PATCH.active:
            return split_first_line(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        key = (text, max_width, justification_spacing, is_line_start, minimum, id(style.font_config), style_key(style))
        found = _PATCH.entries.get(key)
        if found is None:
            found = split_first_line(text, style, context, max_width, justification_spacing, is_line_start, minimum)
            _PATCH.remember(key, found)
        return found

    split_first_line_remembered.__wrapped__ = split_first_line  # type: ignore[attr-defined]
    return split_first_line_remembered


def _patch() -> None:
    from weasyprint.layout import inline, preferred

    inline.split_first_line = _remembering(inline.split_first_line)
    preferred.split_first_line = _remembering(preferred.split_first_line)


_PATCH = WeasyPrintPatch(_patch, LIMIT)
# Patch WeasyPrint now (once per process; a process that forks workers does it for them).
install_remembered_lines = _PATCH.install
# Equal line-breaking questions get the first answer while this is active (in any thread of the process). The font
# configuration is part of the question, so it must outlive the lines: the batch keeps one per process.
remembered_lines = _PATCH.activated
