"""Experiment (a): PPMI + truncated SVD embeddings trained on the corpus, alone and fused with
BM25 (+Porter, +IBM-1 expansion). Usage: python3 exp_embed.py [--quick]"""
import sys
import time
from collections import Counter

import numpy as np

from proto import (BM25, bag_vectors, cooc_function, cooc_window, func_name, gold_rank, ibm1,
                   load, minmax, porter, ppmi, qweights, query_terms, report, rrf, rsvd,
                   split_nl_code, terms)

codes, queries, gold = load()
cache = {}
stem = lambda ts: [cache[x] if x in cache else cache.setdefault(x, porter(x)) for x in ts]
raw_docs = [terms(c) for c in codes]
raw_qs = [query_terms(q) for q in queries]
results = []


def run(name, params, score_fn):
    ranks, t = [], time.time()
    for i, g in enumerate(gold):
        ranks.append(gold_rank(score_fn(i), g))
    r = report(name, ranks, params, "(%.1f ms/q)" % (1000 * (time.time() - t) / len(gold)))
    results.append(r)
    return r


def embed(docs, qs, context="function", dim=256, weighting="sif", max_vocab=20000, min_df=2, win=5,
          power_s=0.5, remove_pc=False):
    t0 = time.time()
    df = Counter(t for d in docs for t in set(d))
    vocab = [t for t, c in df.most_common(max_vocab) if c >= min_df]
    vid = {t: i for i, t in enumerate(vocab)}
    V = len(vocab)
    if context == "function":
        C = cooc_function([np.array([vid[t] for t in d if t in vid], dtype=np.int64) for d in docs], V)
    else:
        C = cooc_window([np.array([vid.get(t, -1) for t in d], dtype=np.int64) for d in docs], V, win)
    t_c = time.time() - t0
    M = ppmi(C)
    del C
    t_p = time.time() - t0 - t_c
    U, s = rsvd(M, dim)
    del M
    W = (U * s ** power_s).astype(np.float32)
    W /= np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-9)
    t_s = time.time() - t0 - t_c - t_p
    N = len(docs)
    dfv = np.array([df[t] for t in vocab], dtype=np.float64)
    if weighting == "idf":
        weight = np.log(N / dfv)
    else:  # SIF: a / (a + p(w)), p = corpus term frequency
        tf = Counter(t for d in docs for t in d)
        p = np.array([tf[t] for t in vocab], dtype=np.float64)
        p /= sum(tf.values())
        weight = 1e-3 / (1e-3 + p)
    weight = weight.astype(np.float32)
    D = bag_vectors([np.array([vid[t] for t in d if t in vid], dtype=np.int64) for d in docs], W, weight)
    Q = bag_vectors([np.array([vid[t] for t in q if t in vid], dtype=np.int64) for q in qs], W, weight)
    if remove_pc:
        pc = rsvd(D.T.copy(), 1)[0][:, 0]
        D -= np.outer(D @ pc, pc)
        Q -= np.outer(Q @ pc, pc)
        D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-9)
        Q /= np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-9)
    t_all = time.time() - t0
    cost = "V=%d cooc %.1fs ppmi %.1fs svd %.1fs total %.1fs" % (V, t_c, t_p, t_s, t_all)
    print("  embed %s dim=%d %s: %s" % (context, dim, weighting, cost), flush=True)
    return D, Q, cost


# lexical arms
docs = [stem(d) for d in raw_docs]
qs = [stem(q) for q in raw_qs]
bm = BM25(docs)
bm_scores = [bm.score(qweights(q)) for q in qs]
pairs = [(stem(terms(split_nl_code(c)[0]) + terms(func_name(c))), d) for c, d in zip(codes, docs)]
table = ibm1(pairs, iters=5)


def ibm_expand(w, m=10, beta=0.3):
    p = Counter()
    for t in w:
        for x, v in table.get(t, {}).items():
            p[x] += v / len(w)
    exp = [t for t, _ in p.most_common() if t not in w][:m]
    nw = dict(w)
    for t in exp:
        nw[t] = beta * p[t] / p[exp[0]]
    return nw


ibm_scores = [bm.score(ibm_expand(qweights(q))) for q in qs]
run("BM25+Porter", "", lambda i: bm_scores[i])
run("BM25+Porter+IBM1", "m=10 beta=0.3", lambda i: ibm_scores[i])

configs = [dict(context="function", dim=256, weighting="sif"),
           dict(context="function", dim=128, weighting="sif"),
           dict(context="function", dim=256, weighting="idf"),
           dict(context="window", dim=256, weighting="sif"),
           dict(context="function", dim=256, weighting="sif", remove_pc=True),
           dict(context="function", dim=256, weighting="sif", stemmed=False)]
if "--quick" in sys.argv:
    configs = configs[:1]
for cfg in configs:
    cfg = dict(cfg)
    stemmed = cfg.pop("stemmed", True)
    D, Q, cost = embed(docs if stemmed else raw_docs, qs if stemmed else raw_qs, **cfg)
    tag = "%s d=%d %s%s%s" % (cfg["context"][:4], cfg["dim"], cfg["weighting"],
                              " -pc" if cfg.get("remove_pc") else "", "" if stemmed else " nostem")
    cos = [D @ Q[i] for i in range(len(gold))]
    cos_pos = [np.where(c > 0, c, 0) for c in cos]
    run("(a) PPMI-SVD alone", tag, lambda i: cos_pos[i] + 1e-6)
    for lex_name, lex in (("BM25+Porter", bm_scores), ("BM25+Porter+IBM1", ibm_scores)):
        run("RRF(%s, a)" % lex_name, tag + " k=60", lambda i: rrf([lex[i], cos_pos[i] + 1e-6]))
        for alpha in (0.1, 0.2, 0.3, 0.5):
            run("wsum(%s, a)" % lex_name, tag + " alpha=%.1f" % alpha,
                lambda i: (1 - alpha) * minmax(lex[i]) + alpha * minmax(cos[i]) + 1e-6)
    results[-1]["cost"] = cost

import json
json.dump(results, open("/tmp/embed_results.json", "w"), indent=1)
