"""Simulates a query-term coverage boost over a dump.py dump: score * (1 + a*first docstring
sentence + b*name + c*docstring + e*whole text coverage), grid over a, b, c, e; prints the best by
dev-500 and by held-out MRR. Uses ../porter.py and ../proto.py (which imports numpy)."""
import json, os, re, sys, itertools
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from porter import porter
from proto import query_terms, terms
d = json.load(open(os.environ.get('DUMP', 'dump.json')))
code = json.load(open('/work/shared/bench/cosqa/code_idx_map.txt')); inv = {v: k for k, v in code.items()}
LANG = {'python', 'python2', 'python3', 'py'}
cache = {}
def parts(idx):
    if idx in cache: return cache[idx]
    c = inv[idx]
    m = re.search(r'def\s+(\w+)', c); name = m.group(1) if m else ''
    dm = re.search(r'("""|\'\'\')(.*?)(\1|$)', c, re.S); doc = dm.group(2) if dm else ''
    first = re.split(r'(?<=[.!?])\s|\n\s*\n', doc.strip(), 1)[0] if doc else ''
    st = lambda t: set(porter(x) for x in terms(t))
    cache[idx] = (st(name), st(first), st(doc), st(c))
    return cache[idx]
def qstems(q):
    return set(porter(t) for t in query_terms(q) if t not in LANG)
def mrr(items, key):
    tot = 0
    for it in items:
        ranked = sorted(it['res'], key=key, reverse=True)
        ids = [r['idx'] for r in ranked]
        if it['gold'] in ids: tot += 1 / (ids.index(it['gold']) + 1)
    return tot / len(items)
for k in d:
    for it in d[k]:
        qs = qstems(it['doc']) or {'_'}
        for r in it['res']:
            n, f, doc, al = parts(r['idx'])
            r['cn'] = len(qs & n) / len(qs); r['cf'] = len(qs & f) / len(qs); r['cd'] = len(qs & doc) / len(qs); r['ca'] = len(qs & al) / len(qs)
print('base dev %.4f held %.4f' % (mrr(d['dev'], lambda r: r['score']), mrr(d['held'], lambda r: r['score'])))
best = []
for a, b, c, e in itertools.product([0, .25, .5, 1], [0, .25, .5, 1], [0, .25, .5, 1], [0, .5, 1, 2]):
    key = lambda r: r['score'] * (1 + a * r['cf'] + b * r['cn'] + c * r['cd'] + e * r['ca'])
    best.append((mrr(d['dev'], key), mrr(d['held'], key), a, b, c, e))
best.sort(reverse=True)
for x in best[:10]: print('dev %.4f held %.4f  first=%s name=%s doc=%s all=%s' % x)
print('by held:')
for x in sorted(best, key=lambda x: -x[1])[:5]: print('dev %.4f held %.4f  first=%s name=%s doc=%s all=%s' % x)
