#!/usr/bin/env python3
"""Keep one benchmark's section in BENCHMARKS.md, below the line benches/editor.sh keeps.

Usage: keep_section.py REPORT SECTION_TEXT

The section is the text from its "## " heading (its first line) to the next "## " heading or
the end; it replaces the section of the same heading below the marker, else is appended there.
benches/editor.sh rewrites everything above the marker, so what is kept here survives it.
"""
import re
import sys

MARKER = "<!-- notes below are kept by benches/editor.sh -->"

path, section = sys.argv[1:3]
heading = section.splitlines()[0]
text = open(path).read()
if MARKER not in text:
    text = text.rstrip("\n") + "\n\n" + MARKER + "\n"
head, tail = text.split(MARKER, 1)
pattern = re.compile(re.escape(heading) + r"\n.*?(?=\n## |\Z)", re.S)
if pattern.search(tail):
    tail = pattern.sub(lambda _: section.rstrip("\n") + "\n", tail, count=1)
else:
    tail = tail.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
open(path, "w").write(head + MARKER + tail)
