"""Engine-shaped variants: stems as extra (colocated) document terms, IBM-1 trained without
docstrings (code with few docstrings), IBM-1 on the colocated-stem index. Usage: python3 exp_variants.py"""
import time
from collections import Counter

import numpy as np

from proto import (BM25, func_name, gold_rank, ibm1, load, porter, qweights, query_terms, report,
                   split_nl_code, terms)

codes, queries, gold = load()
cache = {}
stem = lambda ts: [cache[x] if x in cache else cache.setdefault(x, porter(x)) for x in ts]
raw_docs = [terms(c) for c in codes]
qs = [stem(query_terms(q)) for q in queries]


def expand(table, w, m=10, beta=0.3):
    p = Counter()
    for t in w:
        for x, v in table.get(t, {}).items():
            p[x] += v / len(w)
    exp = [t for t, _ in p.most_common() if t not in w][:m]
    nw = dict(w)
    for t in exp:
        nw[t] = beta * p[t] / p[exp[0]]
    return nw


def run(name, params, bm, table=None):
    t = time.time()
    ranks = [gold_rank(bm.score(expand(table, qweights(q)) if table else qweights(q)), g) for q, g in zip(qs, gold)]
    report(name, ranks, params, "(%.1f ms/q)" % (1000 * (time.time() - t) / len(qs)))


# documents keep every original term and add the Porter stem of each term as an extra term
# when it differs (an FTS5 colocated token); queries are stemmed
coloc = [d + [s for x, s in zip(d, stem(d)) if s != x] for d in raw_docs]
bm_c = BM25(coloc)
run("BM25 + Porter (colocated stems)", "docs orig+stem, query stem", bm_c)
stemmed = [stem(d) for d in raw_docs]
bm_s = BM25(stemmed)
nl_parts = [split_nl_code(c)[0] for c in codes]
for src_name, src in (("docstrings+comments+name", lambda i: terms(nl_parts[i]) + terms(func_name(codes[i]))),
                      ("name only", lambda i: terms(func_name(codes[i]))),
                      ("comments+name (no docstrings)", lambda i: [t for line in nl_parts[i].split("\n") if line.lstrip().startswith("#") for t in terms(line)] + terms(func_name(codes[i])))):
    for bname, docs, bm in (("stemmed", stemmed, bm_s), ("colocated", coloc, bm_c)):
        t0 = time.time()
        table = ibm1([(stem(src(i)), d) for i, d in enumerate(docs)], iters=5)
        run("BM25+Porter(%s)+IBM1" % bname, "src=%s (%.1fs)" % (src_name, time.time() - t0), bm, table)

# engine shape: IBM-1 trained on fully stemmed targets, expansions searched in the colocated index
table = ibm1([(stem(terms(nl_parts[i]) + terms(func_name(codes[i]))), d) for i, d in enumerate(stemmed)], iters=5)
run("BM25+Porter(colocated)+IBM1(stemmed targets)", "src=docstrings+comments+name", bm_c, table)
