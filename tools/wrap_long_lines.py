#!/usr/bin/env python3
"""Wraps what `swift format` leaves over 120 columns in Swift files, without changing any string's value:

- a long single-line string literal (`"…"` or raw `#"…"#`) becomes a multi-line literal whose lines end in `\\`
  (`\\#` when raw): a continuation, so the value has no new line;
- a long line inside a multi-line literal is continued the same way;
- a long comment line is re-flowed under the same `//` or `///` prefix.

What it cannot wrap (a literal with no space to break at, a long line of code) it prints, for a person to fix.
Run `swift format` first: this only finishes its work.

Usage: python3 tools/wrap_long_lines.py FILE...
"""
import re
import sys

LIMIT = 120
COMMENT = re.compile(r"^(\s*//+\s?)(.*)$")


def literal_spans(line):
    """(start, end) of each top-level single-line string literal ("..." with its interpolations), end exclusive."""
    spans = []
    i = 0
    while i < len(line):
        if line.startswith("//", i):
            break
        if line.startswith('"""', i) or line.startswith('#"""', i) or line.startswith("##", i):
            return None  # a multi-line delimiter, or a raw string with several #: left alone
        if line.startswith('#"', i):
            end = scan_raw(line, i + 2)
            if end is None:
                return None
            spans.append((i, end))
            i = end
            continue
        if line[i] == '"':
            end = scan_string(line, i + 1)
            if end is None:
                return None
            spans.append((i, end))
            i = end
            continue
        i += 1
    return spans


def scan_string(line, i):
    """Index just past the closing quote of a literal whose body starts at i; None if it does not close."""
    while i < len(line):
        c = line[i]
        if c == "\\":
            if line.startswith("\\(", i):
                i = scan_interpolation(line, i + 2)
                if i is None:
                    return None
                continue
            i += 2
            continue
        if c == '"':
            return i + 1
        i += 1
    return None


def scan_raw(line, i):
    """Index just past the closing `"#` of a raw literal whose body starts at i; None if it does not close."""
    while i < len(line):
        if line.startswith("\\#(", i):
            i = scan_interpolation(line, i + 3)
            if i is None:
                return None
            continue
        if line.startswith('"#', i):
            return i + 2
        i += 1
    return None


def scan_interpolation(line, i):
    """Index just past the `)` closing an interpolation whose body starts at i."""
    depth = 1
    while i < len(line):
        c = line[i]
        if line.startswith('#"', i):
            i = scan_raw(line, i + 2)
            if i is None:
                return None
            continue
        if c == '"':
            i = scan_string(line, i + 1)
            if i is None:
                return None
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def break_points(body, raw=False):
    """Offsets just after each space in `body` that is outside any interpolation (`\\(…)`, or `\\#(…)` when raw)."""
    opening = "\\#(" if raw else "\\("
    points = []
    i = 0
    while i < len(body):
        if body.startswith(opening, i):
            i = scan_interpolation(body, i + len(opening)) or len(body)
            continue
        if body[i] == "\\" and not raw:
            i += 2
            continue
        if body[i] == " ":
            points.append(i + 1)
        i += 1
    return points


def pieces(body, width, raw=False):
    """`body` cut at spaces (outside interpolations) into pieces of at most `width` characters where possible."""
    points = break_points(body, raw)
    out = []
    start = 0
    while len(body) - start > width:
        fitting = [p for p in points if start < p <= start + width]
        if not fitting:
            later = [p for p in points if p > start]
            if not later:
                break
            cut = later[0]
        else:
            cut = fitting[-1]
        out.append(body[start:cut])
        start = cut
    out.append(body[start:])
    return out


def wrap_literal(line):
    """The line with its literal crossing the limit turned into a continued multi-line literal, or None."""
    spans = literal_spans(line)
    if not spans:
        return None
    crossing = [s for s in spans if s[1] > LIMIT] or spans
    start, end = max(crossing, key=lambda s: s[1] - s[0])
    raw = line.startswith('#"', start)
    body = line[start + 2:end - 2] if raw else line[start + 1:end - 1]
    if body.endswith(" ") or body.startswith(" "):
        return None  # leading or trailing spaces would be ambiguous at a line's edge
    indent = len(line) - len(line.lstrip()) + 4
    continuation = "\\#" if raw else "\\"
    parts = pieces(body, LIMIT - indent - len(continuation), raw)
    if len(parts) < 2:
        return None
    pad = " " * indent
    lines = [line[:start] + ('#"""' if raw else '"""')]
    lines += [pad + p + continuation for p in parts[:-1]]
    lines += [pad + parts[-1], pad + ('"""#' if raw else '"""') + line[end:]]
    return lines


def wrap_block_line(line, closing_indent, raw):
    """A long line inside a multi-line literal, continued with `\\` (`\\#` when raw) at spaces; None if it has
    none."""
    body = line[closing_indent:]
    continuation = "\\#" if raw else "\\"
    parts = pieces(body, LIMIT - closing_indent - len(continuation), raw)
    if len(parts) < 2:
        return None
    pad = " " * closing_indent
    return [pad + p + continuation for p in parts[:-1]] + [pad + parts[-1]]


def wrap_comment(line):
    match = COMMENT.match(line)
    prefix, text = match.group(1), match.group(2)
    words, lines, current = text.split(" "), [], ""
    for word in words:
        if current and len(prefix) + len(current) + 1 + len(word) > LIMIT:
            lines.append(prefix + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(prefix + current)
    return lines if len(lines) > 1 else None


def closing_indent_after(lines, index):
    for later in lines[index + 1:]:
        if '"""' in later:
            return len(later) - len(later.lstrip())
    return 0


def wrap_file(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, left = [], []
    in_block = False
    raw_block = False
    for index, line in enumerate(lines):
        delimiters = line.count('"""')
        if in_block and delimiters == 0 and len(line) > LIMIT and not line.rstrip().endswith("\\"):
            wrapped = wrap_block_line(line, closing_indent_after(lines, index), raw_block)
        elif in_block or len(line) <= LIMIT:
            wrapped = None
        elif COMMENT.match(line):
            wrapped = wrap_comment(line)
        else:
            wrapped = wrap_literal(line)
        if delimiters % 2 == 1:
            in_block = not in_block
            raw_block = in_block and '#"""' in line
        if wrapped:
            out += wrapped
            if any(len(w) > LIMIT for w in wrapped):
                left.append(index + 1)
        else:
            out.append(line)
            if len(line) > LIMIT:
                left.append(index + 1)
    open(path, "w", encoding="utf-8").write("\n".join(out))
    for number in left:
        print(f"{path}:{number}: still over {LIMIT} columns")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        wrap_file(name)
