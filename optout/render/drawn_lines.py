"""Drawing remembered across a batch's letters: the lines the letters share are shaped and turned into PDF text
operators once per process instead of once per letter (drawing text was about a sixth of a batch's time).

To draw a line of text, WeasyPrint re-creates its Pango layout (shaping the text again) and walks its glyphs in
Python, writing the glyph string of each run, choosing the font and recording each glyph's width and Unicode text
on the document's font. What it writes depends only on the line's text, its justification spacing, the style
properties Pango reads (optout/render/linebreaks.py lists them), the font configuration and where the line sits.
So while `remembered_drawing()` is active, the first drawing of a line is recorded (the text operators, the fonts
by their Pango key, and each glyph's width and text) and later drawings of an equal line, in this document or a
later one, replay it at their own position: the same operators, the same widths and texts given to the fonts,
first one first, as WeasyPrint would have. A line is replayed only when every font it uses is already in the
document being written (otherwise it is drawn as WeasyPrint draws it, which adds the font where WeasyPrint would),
and only the plain case is remembered: visible text, no decoration, no ellipsis, no emoji or bitmap font, no
missing glyph. tests/test_speed_invariants.py checks that a chunk's PDFs are byte-identical with and without it.

Only the WeasyPrint versions this was checked against are patched (optout/render/patching.py, SUPPORTED); with any other the
batch draws exactly as without it, only slower.
"""

from __future__ import annotations

import threading

from .linebreaks import style_key
from .patching import WeasyPrintPatch

LIMIT = 8_000  # remembered lines per process (a few kilobytes each)

_recording = threading.local()  # the recorder of the line being drawn for the first time, in this thread


class _Recorder:
    """Stands in for the page's stream while WeasyPrint draws a line: passes everything on, notes the text operators."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.ops: list[tuple] = []
        self.font_key = None
        self.glyphs: list[tuple] | None = None
        self.matrix_set = False

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def set_text_matrix(self, *values) -> None:
        self.matrix_set = True
        self._stream.set_text_matrix(*values)

    def add_font(self, pango_font):
        from weasyprint.text.fonts import get_pango_font_key

        self.font_key = get_pango_font_key(pango_font)[0]
        return self._stream.add_font(pango_font)

    def set_font_size(self, font, size) -> None:
        self.ops.append((0, self.font_key, size))
        self._stream.set_font_size(font, size)

    def show_text(self, text) -> None:
        self.ops.append((1, text, None))
        self._stream.show_text(text)

    def set_text_rise(self, rise) -> None:
        self.ops.append((2, rise, None))
        self._stream.set_text_rise(rise)


def _line_glyphs(textbox, fonts) -> list[tuple] | None:
    """(font key, glyph id, width, Unicode text) of each glyph WeasyPrint just drew, in its order; None if the line
    has a glyph the font lacks or a font drawn as images (those are not remembered)."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.fonts import get_pango_font_key

    first_line, _ = textbox.pango_layout.get_first_line()
    utf8_text = textbox.pango_layout.text.encode()
    glyphs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        count = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        key = get_pango_font_key(glyph_item.item.analysis.font)[0]
        font = fonts.get(key)
        if font is None or font.svg or font.png or font.bitmap:
            return None
        offset, length = glyph_item.item.offset, glyph_item.item.length
        right_to_left = glyph_item.item.analysis.level % 2
        for i, glyph_info in enumerate(glyph_string.glyphs[0:count]):
            glyph_id = glyph_info.glyph
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                continue
            if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG or glyph_id not in font.widths:
                return None
            # The glyph's text, worked out as WeasyPrint's draw_first_line does.
            start = clusters[i]
            last = i == 0 if right_to_left else i == count - 1
            end = length if last else clusters[i - 1 if right_to_left else i + 1]
            glyphs.append((key, glyph_id, font.widths[glyph_id], utf8_text[offset + start:offset + end].decode()))
    return glyphs


def _remembering(draw_text, draw_first_line):
    from weasyprint.matrix import Matrix

    def draw_first_line_noted(stream, textbox, text_overflow, block_ellipsis, matrix):
        emojis = draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
        recorder = getattr(_recording, "recorder", None)
        if recorder is not None and recorder is stream and not emojis and recorder.matrix_set:
            recorder.glyphs = _line_glyphs(textbox, recorder._stream._fonts)
        return emojis

    def draw_text_remembered(stream, textbox, offset_x, text_overflow, block_ellipsis="none"):
        style = textbox.style
        if (
            not _PATCH.active
            or text_overflow != "clip"
            or block_ellipsis != "none"
            or style["visibility"] != "visible"
            or style["text_decoration_line"] != "none"
            or style["font_size"] < 1e-6
            or not textbox.text.strip()
        ):
            return draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis)
        layout = textbox.pango_layout
        key = (textbox.text, layout.text, layout.justification_spacing, id(style.font_config), style_key(style))
        found = _PATCH.entries.get(key)
        fonts = stream._fonts
        if found is not None and all(font_key in fonts for font_key in found[0]):
            _replay(stream, textbox, found, fonts, Matrix)
            return None
        recorder = _Recorder(stream)
        _recording.recorder = recorder
        try:
            draw_text(recorder, textbox, offset_x, text_overflow, block_ellipsis)
        finally:
            _recording.recorder = None
        if recorder.glyphs is not None and found is None:
            font_keys = frozenset(op[1] for op in recorder.ops if op[0] == 0)
            _PATCH.remember(key, (font_keys, tuple(recorder.ops), tuple(recorder.glyphs)))
        return None

    draw_text_remembered.__wrapped__ = draw_text  # type: ignore[attr-defined]
    draw_first_line_noted.__wrapped__ = draw_first_line  # type: ignore[attr-defined]
    return draw_text_remembered, draw_first_line_noted


def _replay(stream, textbox, found, fonts, matrix_class) -> None:
    """What WeasyPrint's draw_text does for this line, from the recording."""
    _, ops, glyphs = found
    x, y = textbox.position_x, textbox.position_y + textbox.baseline
    stream.set_color(textbox.style["color"])
    stream.begin_text()
    stream.set_text_matrix(*matrix_class(d=-1, e=x, f=y).values)
    for kind, value, size in ops:
        if kind == 0:
            stream.set_font_size(fonts[value].hash, size)
        elif kind == 1:
            stream.show_text(value)
        else:
            stream.set_text_rise(value)
    stream.end_text()
    for font_key, glyph_id, width, text in glyphs:
        font = fonts[font_key]
        if glyph_id not in font.to_unicode:
            font.to_unicode[glyph_id] = text
        if glyph_id not in font.widths:
            font.widths[glyph_id] = width


def _patch() -> None:
    from weasyprint import draw
    from weasyprint.draw import text

    draw.draw_text, text.draw_first_line = _remembering(text.draw_text, text.draw_first_line)


_PATCH = WeasyPrintPatch(_patch, LIMIT)
# Patch WeasyPrint now (once per process; a process that forks workers does it for them).
install_remembered_drawing = _PATCH.install
# Equal lines are drawn from the first drawing while this is active (in any thread of the process).
remembered_drawing = _PATCH.activated
