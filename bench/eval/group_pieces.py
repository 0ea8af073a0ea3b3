#!/usr/bin/env python3
"""How many top-10 results repeat a (path, symbol) already listed above them, with
--group-by none and with --group-by symbol (the default). Namespace-level code keeps its
namespace as symbol and is not grouped, so some repeats remain with grouping.
Usage: group_pieces.py ROOT QUERY_FILE...   (PAMPAX=binary, default build/pampax)
A QUERY_FILE is one query (a bug report, say); one named *.lines holds a query per line."""
import json
import os
import subprocess
import sys

pampax = os.environ.get('PAMPAX', 'build/pampax')
root, qfiles = sys.argv[1], sys.argv[2:]
hits = {'none': 0, 'symbol': 0}
repeats = {'none': 0, 'symbol': 0}
queries = []
for qf in qfiles:
    with open(qf) as f:
        queries += [l.strip() for l in f if l.strip()] if qf.endswith('.lines') else [f.read()]
for q in queries:
    for g in hits:
        out = subprocess.run([pampax, 'search', '--query-file', '-', '-p', root, '-o', 'json', '-n', '10',
                              '--group-by', g], input=q, capture_output=True, text=True, check=True)
        seen = set()
        for h in json.loads(out.stdout)['results']:
            key = (h['path'], h['symbol'])
            hits[g] += 1
            if h['symbol'] and key in seen:
                repeats[g] += 1
            seen.add(key)
print('%d queries' % len(queries))
for g in hits:
    print('--group-by %-6s top-10 results %4d, repeating a symbol listed above: %3d (%.1f%%)'
          % (g, hits[g], repeats[g], 100.0 * repeats[g] / max(hits[g], 1)))
