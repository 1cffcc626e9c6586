#!/usr/bin/env python3
"""The house rules a compiler does not check, for every Swift file under Sources/ and Tests/: lines of at most
120 columns, and one statement per line (no `;` joining two). Prints each offence as FILE:LINE: reason and exits
1 if there is any. `swift format -i -r Sources Tests --configuration .swift-format` fixes most of them.

Usage: python3 tools/check_style.py [ROOT]
"""
import pathlib
import re
import sys

LIMIT = 120
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def offences(path):
    in_block_string = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if len(line) > LIMIT:
            yield number, f"{len(line)} columns (at most {LIMIT})"
        # The text of a multi-line string literal (HTML, CSS, help) is data, not statements.
        if line.count('"""') % 2 == 1:
            in_block_string = not in_block_string
            continue
        if in_block_string:
            continue
        code = STRING.sub('""', line).split("//")[0].rstrip()
        if ";" in code:
            yield number, "statements joined with ';' (one per line)"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    found = 0
    for folder in ("Sources", "Tests"):
        for path in sorted((root / folder).rglob("*.swift")):
            if {"Resources", "Fixtures", ".build"} & set(path.parts):
                continue
            for number, reason in offences(path):
                print(f"{path.relative_to(root)}:{number}: {reason}")
                found += 1
    if found:
        print(f"check_style: {found} offences", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
