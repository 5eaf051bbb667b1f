#!/usr/bin/env python3
"""Check (or refresh) the console examples of README.md against the real CLI.

Usage:
    python3 scripts/readme_console.py [--bin target/release/rmt-verify] [--update] [--only TEXT]

Every ```console block of README.md holds commands (`$ rmt-verify ...`, continued with a
trailing backslash) each followed by its output. The script runs each command with the given
binary (in a scratch directory, so `--out` files do not land in the repository) and compares:
a line `...` in the README stands for any number of omitted lines, and wall times such as
`(7.87 s)` or `in 12.3 s` are ignored; a non-zero exit status is the line `[exit N]`. Without --update it prints every mismatch and exits 1
if there is one; with --update it rewrites the output of each mismatching command with the real
output, keeping the README's truncation (the lines before the first `...`, then `...`).
Commands that are not `rmt-verify` (cargo, python) are skipped. It is a maintenance tool, not
part of the test suite (some examples take tens of seconds).
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

TIME = re.compile(r"\(\d+(\.\d+)? s\)|\bin \d+(\.\d+)? ?s\b|\d+(\.\d+)? ?ms\b")


def norm(line):
    return TIME.sub("<t>", line.rstrip())


def parse_blocks(lines):
    """Yields (start, end) line ranges of console blocks (content only)."""
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield i + 1, j
            i = j
        i += 1


def commands(lines, start, end):
    """Yields (cmd_text, out_start, out_end) within a block."""
    i = start
    while i < end:
        if lines[i].startswith("$ "):
            cmd = lines[i][2:].rstrip()
            while cmd.endswith("\\") and i + 1 < end:
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            j = i + 1
            while j < end and not lines[j].startswith("$ "):
                j += 1
            yield cmd, i + 1, j
            i = j
        else:
            i += 1


def matches(expected, actual):
    """Expected lines (with `...` gaps) against the actual output."""
    e = [norm(x) for x in expected]
    a = [norm(x) for x in actual]
    pos = 0
    gap = False
    for line in e:
        if line.strip().startswith("..."):
            gap = True
            continue
        if gap:
            while pos < len(a) and a[pos] != line:
                pos += 1
            if pos == len(a):
                return False, line
        elif pos >= len(a) or a[pos] != line:
            return False, line
        pos += 1
        gap = False
    if not gap and pos != len(a):
        return False, "(extra output) " + (a[pos] if pos < len(a) else "")
    return True, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/rmt-verify")
    ap.add_argument("--readme", default="README.md")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--only", default=None, help="only commands containing this text")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    root = os.path.dirname(os.path.abspath(args.readme))
    lines = open(args.readme).read().split("\n")
    edits = []
    bad = 0
    scratch = tempfile.mkdtemp(prefix="readme-console-")
    for start, end in parse_blocks(lines):
        for cmd, o0, o1 in commands(lines, start, end):
            if not cmd.startswith("rmt-verify"):
                continue
            if args.only and args.only not in cmd[len("rmt-verify"):]:
                continue
            argv = shlex.split(cmd)
            redirect = None
            if ">" in argv:
                k = argv.index(">")
                redirect, argv = argv[k + 1], argv[:k]
            argv = [binary] + argv[1:]
            # model files and data are given relative to the repository root
            argv = [os.path.join(root, x) if x.startswith(("examples/", "tests/")) else x for x in argv]
            p = subprocess.run(argv, cwd=scratch, capture_output=True, text=True)
            out = (p.stdout + p.stderr) if redirect is None else p.stderr
            actual = out.rstrip("\n").split("\n") if out.strip() else []
            if p.returncode != 0:
                actual.append(f"[exit {p.returncode}]")
            expected = lines[o0:o1]
            while expected and expected[-1] == "":
                expected.pop()
            ok, first = matches(expected, actual)
            if ok:
                print(f"ok    {cmd[:90]}")
                continue
            bad += 1
            print(f"DIFF  {cmd[:90]}\n      first mismatch: {first!r}")
            if args.update:
                gaps = [k for k, x in enumerate(expected) if x.strip().startswith("...")]
                keep = gaps[0] if gaps else None
                if keep is None:
                    new = actual
                elif keep == 0:  # a leading gap: keep as many trailing lines as the README had
                    tail = len(expected) - 1
                    new = [expected[0]] + (actual[-tail:] if tail else [])
                else:
                    new = actual[:keep] + [expected[keep]]
                edits.append((o0, o0 + len(expected), new))
    if args.update and edits:
        for a, b, new in sorted(edits, reverse=True):
            lines[a:b] = new
        open(args.readme, "w").write("\n".join(lines))
        print(f"updated {len(edits)} example(s); read the diff before committing")
    sys.exit(1 if bad and not args.update else 0)


if __name__ == "__main__":
    main()
