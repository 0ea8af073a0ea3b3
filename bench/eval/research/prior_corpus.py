#!/usr/bin/env python3
"""Extracts the training corpus of pampax's builtin prior: every function and method (with its
docstring and comments) of the Python sources under the given directories, one record per
function, written as NUL-separated UTF-8 texts ("qualified.name\n<source>").

Leaves out: test directories; the repositories of the evaluation benchmarks (SWE-bench Lite's
nine projects, wherever they are vendored); exact duplicates; and every function whose code or
docstring equals one of the CoSQA corpus's functions (so the prior never saw an evaluation
document). Python 3 standard library only.
"""
import argparse
import ast
import hashlib
import json
import os
import re
import sys

EVAL_PROJECTS = {"sympy", "astropy", "pytest", "_pytest", "requests", "xarray", "sphinx",
                 "flask", "pylint", "seaborn"}
SKIP_DIRS = {"test", "tests", "testing", "__pycache__"}


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def cosqa_keys(path):
    codes, docs = set(), set()
    if not path:
        return codes, docs
    with open(path) as f:
        for code in json.load(f):
            codes.add(norm(code))
            try:
                fn = ast.parse(code.strip() if code.startswith((" ", "\t")) else code).body[0]
                d = ast.get_docstring(fn)
                if d and len(norm(d)) >= 20:
                    docs.add(norm(d))
            except Exception:
                pass
    return codes, docs


def functions(src):
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    out = []

    def walk(node, prefix):
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([d.lineno for d in ch.decorator_list] + [ch.lineno]) - 1
                text = "".join(lines[start:ch.end_lineno])
                out.append((prefix + ch.name, text, ast.get_docstring(ch)))
                walk(ch, prefix + ch.name + ".")
            elif isinstance(ch, ast.ClassDef):
                walk(ch, prefix + ch.name + ".")
    walk(tree, "")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude-cosqa", help="code_idx_map.txt of CoSQA")
    ap.add_argument("--max-bytes", type=int, default=20000, help="skip longer functions")
    ap.add_argument("roots", nargs="+")
    a = ap.parse_args()
    codes, docs = cosqa_keys(a.exclude_cosqa)
    seen = set()
    n = dup = evald = long_ = bad = files = 0
    paths = []
    for root in a.roots:
        for d, dirs, fs in os.walk(root):
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and x not in EVAL_PROJECTS)
            paths.extend(os.path.join(d, f) for f in sorted(fs) if f.endswith(".py") and not f.startswith("test_"))
    with open(a.out, "wb") as out:
        for p in sorted(set(os.path.realpath(x) for x in paths)):
            try:
                with open(p, encoding="utf-8") as f:
                    src = f.read()
                fns = functions(src)
            except Exception:
                bad += 1
                continue
            files += 1
            for name, text, doc in fns:
                if len(text) > a.max_bytes:
                    long_ += 1
                    continue
                key = hashlib.sha1(norm(text).encode()).digest()
                if key in seen:
                    dup += 1
                    continue
                seen.add(key)
                if norm(text) in codes or (doc and norm(doc) in docs):
                    evald += 1
                    continue
                out.write((name + "\n" + text).encode("utf-8", "replace") + b"\0")
                n += 1
    print("files %d (unparsable %d), functions written %d, duplicates %d, CoSQA matches left out %d, "
          "too long %d" % (files, bad, n, dup, evald, long_), file=sys.stderr)


if __name__ == "__main__":
    main()
