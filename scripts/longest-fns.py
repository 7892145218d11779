#!/usr/bin/env python3
"""The longest Rust functions, from the `fn` line to its closing brace (same indentation).

Usage: python3 scripts/longest-fns.py [ROOT] [PREFIX-TO-SKIP...]   (TOP=N for N rows; 15)
e.g.   TOP=5 python3 scripts/longest-fns.py src src/ui
"""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
skip = sys.argv[2:]  # path prefixes to leave out
out = []
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'):
            continue
        p = os.path.join(dp, f)
        if any(p.startswith(s) for s in skip):
            continue
        lines = open(p).read().split('\n')
        i = 0
        while i < len(lines):
            m = re.match(r'^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)', lines[i])
            if m:
                indent = m.group(1)
                j = i
                # find the line that opens the body
                while j < len(lines) and not lines[j].rstrip().endswith('{') and not lines[j].rstrip().endswith(';'):
                    j += 1
                if j < len(lines) and lines[j].rstrip().endswith(';'):
                    i = j + 1
                    continue
                k = j + 1
                while k < len(lines) and lines[k] != indent + '}':
                    k += 1
                out.append((k - i + 1, p, i + 1, m.group(7)))
            i += 1
out.sort(reverse=True)
n = int(os.environ.get('TOP', '15'))
for length, p, line, name in out[:n]:
    print(f'{length:5}  {p}:{line}  {name}')
