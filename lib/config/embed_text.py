#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn a text file into a C function returning it, so the binary carries
its default configuration: embed_text.py IN OUT FUNCTION_NAME"""
import json
import sys

src, out, func = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    text = f.read()
# json.dumps gives a valid C string literal for this (ASCII) text.
literal = json.dumps(text, ensure_ascii=True)
with open(out, "w", encoding="utf-8") as f:
    f.write("/* Generated from %s by embed_text.py; do not edit. */\n" % src)
    f.write("const char *%s(void);\n" % func)
    f.write("const char *\n%s(void)\n{\n\treturn %s;\n}\n" % (func, literal))
