"""Dumps the top 100 hybrid hits (with --explain evidence) of every CoSQA dev-500 and held-out
query: PAMPAX=BIN CORPUS=DIR/corpus DUMP=out.json python3 dump.py (CORPUS: a cosqa.py corpus,
indexed). Input of feat.py."""
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
code = json.load(open('/work/shared/bench/cosqa/code_idx_map.txt'))
r500 = json.load(open('/work/shared/bench/cosqa/cosqa-retrieval-dev-500.json'))
dev = json.load(open('/work/shared/bench/cosqa/cosqa-dev.json'))
q500 = set(q['doc'] for q in r500)
sets = {'dev': [{'doc': q['doc'], 'gold': q['retrieval_idx']} for q in r500],
        'held': [{'doc': d['doc'], 'gold': code[d['code']]} for d in dev if d['code'] in code and d.get('label') == 1 and d['doc'] not in q500]}
def one(q):
    out = subprocess.run([os.environ.get('PAMPAX', 'build/pampax'), 'search', '--query-file', '-', '-p', os.environ['CORPUS'], '-o', 'json', '-n', '100', '--explain'], input=q['doc'], capture_output=True, text=True)
    res = []
    for h in json.loads(out.stdout)['results']:
        e = h['evidence']
        res.append({'idx': int(h['path'].split('/')[-1][:-3]), 'score': h['score'], 'fused': e['fused'],
                    'lex': (e.get('lexical') or {}).get('score'), 'lexr': (e.get('lexical') or {}).get('rank'),
                    'vec': (e.get('vector') or {}).get('score'), 'vecr': (e.get('vector') or {}).get('rank'),
                    'boosts': [b['name'] for b in e['boosts']]})
    return {'doc': q['doc'], 'gold': q['gold'], 'res': res}
out = {}
with ThreadPoolExecutor(2) as ex:
    for k, qs in sets.items():
        out[k] = list(ex.map(one, qs))
json.dump(out, open(os.environ.get('DUMP', 'dump.json'), 'w'))
