"""Experiments (c) RM3, (d) stemming, (b) IBM-1 expansion on BM25. Usage: python3 exp_lexical.py"""
import json
import time
from collections import Counter

import numpy as np

from proto import (BM25, ibm1, load, query_terms, report, split_nl_code, func_name, terms,
                   gold_rank, porter, s_stem, qweights, HALVES, metrics)

codes, queries, gold = load()
t0 = time.time()
docs = [terms(c) for c in codes]
t_tok = time.time() - t0


def evaluate(bm, qlist, name, params="", expand=None):
    ranks, t = [], time.time()
    for q, g in zip(qlist, gold):
        w = qweights(q)
        if expand:
            w = expand(bm, w)
        ranks.append(gold_rank(bm.score(w), g))
    ms = 1000 * (time.time() - t) / len(qlist)
    return report(name, ranks, params, "(%.1f ms/q)" % ms), ranks


results = []


def stemmer(f):
    cache = {}
    return lambda ts: [cache[x] if x in cache else cache.setdefault(x, f(x)) for x in ts]

# engine ranks for comparison (written by bench/eval/cosqa.py --out /tmp/engine.json)
try:
    eng = json.load(open("/tmp/engine.json"))["queries"]
    results.append(report("pampax engine BM25F (binary)", [q["rank"] for q in eng]))
except OSError:
    pass

t0 = time.time()
bm = BM25(docs)
print("tokenise %.1fs, BM25 index %.1fs, vocab %d" % (t_tok, time.time() - t0, len(bm.df)))
qs = [query_terms(q) for q in queries]
r, base_ranks = evaluate(bm, qs, "BM25 (prototype)", "k1=1.2 b=0.75")
results.append(r)

# (d) stemming, both sides, every term (identifier sub-words included)
for sname, f in (("S-stemmer", s_stem), ("Porter", porter)):
    st = stemmer(f)
    t0 = time.time()
    sbm = BM25([st(d) for d in docs])
    ti = time.time() - t0
    results.append(evaluate(sbm, [st(q) for q in qs], "BM25 + %s" % sname, "index %.1fs" % ti)[0])
    # variant: keep every original term and add its stem as a separate marked term, both sides
    add = lambda ts, st=st: ts + [x + "#" for x in st(ts)]
    abm = BM25([add(d) for d in docs])
    results.append(evaluate(abm, [add(q) for q in qs], "BM25 + %s (orig + stem terms)" % sname)[0])
    if sname == "Porter":
        pbm, pqs, pst = sbm, [st(q) for q in qs], st


def tune(name, grid, run):
    """Evaluate every config; pick the best MRR on half A (report B) and on half B (report A)."""
    rows = []
    for params in grid:
        r, ranks = run(params)
        rows.append((params, r, ranks))
    out = []
    for pick, other in (("A", "B"), ("B", "A")):
        best = max(rows, key=lambda x: x[1][pick]["mrr"])
        print("  %s: tuned on %s -> %s: held-out %s MRR %.4f (tuned-half %.4f; full %.4f)" % (
            name, pick, best[0], other, best[1][other]["mrr"], best[1][pick]["mrr"], best[1]["full"]["mrr"]))
        out.append({"tuned_on": pick, "params": str(best[0]), "heldout": best[1][other], "tuned": best[1][pick], "full": best[1]["full"]})
    return rows, out


# (c) RM3 pseudo-relevance feedback
def rm3(bm, w, k, m, lam, select):
    s = bm.score(w)
    top = np.argsort(-s)[:k]
    top = top[s[top] > 0]
    if len(top) == 0:
        return w
    dw = s[top] / s[top].sum()
    p = Counter()
    for d, x in zip(top, dw):
        for t, n in bm.tf[d].items():
            p[t] += x * n / bm.dl[d]
    key = (lambda t: p[t] * bm.idf(t)) if select == "p*idf" else (lambda t: p[t])
    exp = sorted(p, key=key, reverse=True)[:m]
    z = sum(p[t] for t in exp)
    nw = {t: (1 - lam) * v / len(w) for t, v in w.items()}
    for t in exp:
        nw[t] = nw.get(t, 0.0) + lam * p[t] / z
    return nw


grid = [(k, m, lam, sel) for k in (5, 10) for m in (10, 30) for lam in (0.2, 0.4) for sel in ("p", "p*idf")]
for bname, b_, q_ in (("BM25", bm, qs), ("BM25+Porter", pbm, pqs)):
    rows, out = tune("RM3 on " + bname, grid, lambda P: evaluate(
        b_, q_, "RM3 on " + bname, "k=%d m=%d lam=%.1f sel=%s" % P,
        expand=lambda b, w: rm3(b, w, *P)))
    results.append({"name": "RM3 on " + bname, "tuning": out})

# (b) IBM model 1 translation table: source = docstring/comment words + function-name words,
# target = all terms of the function; query expansion P(t|q) = mean_w P(t|w)
for bname, b_, q_, f in (("BM25", bm, qs, lambda x: x), ("BM25+Porter", pbm, pqs, pst)):
    t0 = time.time()
    pairs = []
    for c, d in zip(codes, docs):
        nl, _ = split_nl_code(c)
        pairs.append((f(terms(nl) + terms(func_name(c))), f(d)))
    t_split = time.time() - t0
    t0 = time.time()
    table = ibm1(pairs, iters=5)
    print("IBM1 (%s): split %.1fs, EM %.1fs, %d source words" % (bname, t_split, time.time() - t0, len(table)))

    def ibm_expand(b, w, m, beta, table=table):
        p = Counter()
        for t in w:
            for x, v in table.get(t, {}).items():
                p[x] += v / len(w)
        exp = [t for t, _ in p.most_common() if t not in w][:m]
        if not exp:
            return w
        top = p[exp[0]]
        nw = dict(w)
        for t in exp:
            nw[t] = beta * p[t] / top
        return nw

    grid = [(m, beta) for m in (5, 10, 20, 40) for beta in (0.1, 0.2, 0.3, 0.5)]
    rows, out = tune("IBM1 expansion on " + bname, grid, lambda P: evaluate(
        b_, q_, "IBM1 exp on " + bname, "m=%d beta=%.1f" % P, expand=lambda b, w: ibm_expand(b, w, *P)))
    results.append({"name": "IBM1 expansion on " + bname, "tuning": out})
    if bname == "BM25":
        sample = ["iterable", "sort", "dictionary", "file", "lowercase", "random", "list"]
        for s in sample:
            print("   T(.|%s):" % s, sorted(table.get(s, {}).items(), key=lambda x: -x[1])[:8])

json.dump(results, open("/tmp/lex_results.json", "w"), indent=1)
