"""Exports the character tables SwiftCLIP's text cleaner needs, as data:

- Python's HTML5 entity table and its numeric-reference rules (what `html.unescape` uses);
- the tables of the ftfy fixes that change real text: HTML entities (incl. upper-cased ones), Latin
  ligatures, character width, control characters to remove, and C1 controls read as Windows-1252.

Usage: python tools/make_text_tables.py Sources/CLIP/Resources/text_tables.json
"""
import html
import html.entities
import json
import sys

import ftfy
from ftfy import chardata


def main(path):
    c1 = {}
    for cp in range(0x80, 0xA0):
        c1[str(cp)] = chr(cp).encode("latin-1").decode("sloppy-windows-1252")
    tables = {
        "source": f"Python {sys.version.split()[0]} html.entities, ftfy {ftfy.__version__} chardata",
        "html5": html.entities.html5,
        "invalid_charrefs": {str(k): v for k, v in html._invalid_charrefs.items()},
        "invalid_codepoints": sorted(html._invalid_codepoints),
        "ftfy_entities": chardata.HTML_ENTITIES,
        "ligatures": {str(k): v for k, v in chardata.LIGATURES.items()},
        "width": {str(k): v for k, v in chardata.WIDTH_MAP.items()},
        "control": sorted(chardata.CONTROL_CHARS),
        "c1": c1,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tables, f, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
