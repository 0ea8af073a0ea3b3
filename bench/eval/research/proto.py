"""Builtin-semantic prototype for pampax on CoSQA dev-500: tokenisation, BM25, expansions
(IBM-1 / PMI associations, RM3, stemming), corpus-trained PPMI+SVD embeddings and fusion.

numpy only; single core (set OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1). See builtin_semantic.md.
"""
import io
import json
import math
import os
import re
import time
import tokenize as pytok
from collections import Counter, defaultdict

import numpy as np

from porter import porter, s_stem

DATA = os.environ.get("COSQA", "/work/shared/bench/cosqa")

# ---- tokenisation (mirrors src/util/ident.cpp + src/search/query.cpp) ----------------------
WORD = re.compile(r"[A-Za-z0-9_\x80-\uffff]+")
PART = re.compile(r"[0-9]+|[A-Z]{2,}(?=[A-Z][a-z])|[A-Z]+(?![a-z])|[A-Z][a-z\x80-\uffff]*|[a-z\x80-\uffff]+")
STOP = set("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours s t d ll m re ve e g eg ie etc please
thanks hi hello want need like get way one using use used find show code there something thing things
does doesn don isn aren wasn didn shouldn won let lets may might must shall""".split())


def terms(text):
    """Document terms: each word lowercased, then its identifier sub-words."""
    out = []
    for w in WORD.findall(text):
        w = w[:64]
        lw = w.lower()
        out.append(lw)
        parts = PART.findall(w)
        if len(parts) > 1 or (len(parts) == 1 and parts[0] != w):
            out.extend(p.lower() for p in parts)
    return out


def looks_like_identifier(w):
    return bool(re.search(r".[_].", w)) or bool(re.search(r"[a-z].*[A-Z]", w))


def query_terms(text):
    """Query terms: words minus stop words (identifier-like words are kept), plus sub-words."""
    out = []
    for w in WORD.findall(text):
        if w.lower() in STOP and not looks_like_identifier(w):
            continue
        out.extend(terms(w))
    if not out:
        out = terms(text)
    return out


def split_nl_code(src):
    """(natural-language text, code text) of one Python function: docstrings and comments are
    natural language; so is the function name split into words (added by the caller)."""
    nl, code = [], []
    try:
        prev = None
        for tok in pytok.generate_tokens(io.StringIO(src).readline):
            if tok.type == pytok.COMMENT:
                nl.append(tok.string)
            elif tok.type == pytok.STRING and (prev is None or prev in (pytok.INDENT, pytok.NEWLINE, pytok.NL, pytok.DEDENT)):
                nl.append(tok.string)  # a string statement: docstring
            elif tok.type not in (pytok.NL, pytok.NEWLINE, pytok.INDENT, pytok.DEDENT):
                code.append(tok.string)
            if tok.type not in (pytok.NL, pytok.COMMENT):
                prev = tok.type
    except (pytok.TokenError, IndentationError, SyntaxError):
        m = re.search(r'("""|\'\'\')(.*?)\1', src, re.S)
        nl = [m.group(2)] if m else []
        nl += re.findall(r"#[^\n]*", src)
        code = [src]
    return " ".join(nl), " ".join(code)


def func_name(src):
    m = re.search(r"def\s+([A-Za-z_][A-Za-z0-9_]*)", src)
    return m.group(1) if m else ""


# ---- data and evaluation ----------------------------------------------------------------
def load():
    with open(os.path.join(DATA, "code_idx_map.txt")) as f:
        code_to_idx = json.load(f)
    codes = [None] * len(code_to_idx)
    for c, i in code_to_idx.items():
        codes[i] = c
    with open(os.path.join(DATA, "cosqa-retrieval-dev-500.json")) as f:
        qs = json.load(f)
    return codes, [q["doc"] for q in qs], np.array([q["retrieval_idx"] for q in qs])


def gold_rank(scores, gold, limit=1000):
    """Rank of gold (ties broken by lower idx first); None if it scores <= 0 or is past limit."""
    sg = scores[gold]
    if sg <= 0:
        return None
    r = 1 + int(np.sum(scores > sg)) + int(np.sum(scores[:gold] == sg))
    return r if r <= limit else None


def metrics(ranks):
    n = len(ranks)
    out = {"mrr": sum(1.0 / r for r in ranks if r) / n}
    for k in (1, 5, 10):
        out["r@%d" % k] = sum(1 for r in ranks if r and r <= k) / n
    return out


HALVES = {"A": slice(0, None, 2), "B": slice(1, None, 2)}  # even / odd query positions


def report(name, ranks, params="", extra=""):
    ranks = list(ranks)
    full = metrics(ranks)
    a = metrics(ranks[HALVES["A"]])
    b = metrics(ranks[HALVES["B"]])
    print("%-34s %-34s MRR %.4f R@1 %.3f R@5 %.3f R@10 %.3f | A %.4f B %.4f %s" % (
        name, params, full["mrr"], full["r@1"], full["r@5"], full["r@10"], a["mrr"], b["mrr"], extra), flush=True)
    return {"name": name, "params": params, "full": full, "A": a, "B": b}


# ---- BM25 ---------------------------------------------------------------------------------
class BM25:
    def __init__(self, docs_terms, k1=1.2, b=0.75):
        self.N = len(docs_terms)
        self.k1, self.b = k1, b
        self.dl = np.array([len(d) for d in docs_terms], dtype=np.float64)
        self.avgdl = self.dl.mean()
        post = defaultdict(lambda: ([], []))
        self.tf = []
        for i, d in enumerate(docs_terms):
            c = Counter(d)
            self.tf.append(c)
            for t, n in c.items():
                post[t][0].append(i)
                post[t][1].append(n)
        self.post = {t: (np.array(ids), np.array(ns, dtype=np.float64)) for t, (ids, ns) in post.items()}
        self.df = {t: len(p[0]) for t, p in self.post.items()}
        self.norm = k1 * ((1 - b) + b * self.dl / self.avgdl)

    def idf(self, t):
        d = self.df.get(t, 0)
        return math.log(1.0 + (self.N - d + 0.5) / (d + 0.5))

    def score(self, weighted):
        """weighted: {term: query weight}; BM25 sum of weight * idf * tf(k1+1)/(tf+norm)."""
        s = np.zeros(self.N)
        for t, w in weighted.items():
            p = self.post.get(t)
            if p is None:
                continue
            ids, tf = p
            s[ids] += w * self.idf(t) * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return s


def qweights(qterms):
    return {t: 1.0 for t in dict.fromkeys(qterms)}


# ---- (b) associations: IBM model 1 translation table P(doc term | NL word) ----------------
def ibm1(pairs, iters=5, src_min_df=2):
    """pairs: one (source words, target terms) per function. Returns {source word: {target
    term: P(target | source)}}, IBM model 1 trained by EM with a NULL source word."""
    sdf = Counter(w for s, _ in pairs for w in set(s))
    svocab = {w: i + 1 for i, w in enumerate(w for w, c in sdf.items() if c >= src_min_df)}
    tvocab = {}
    S, T, G, C = [], [], [], []  # per (source, target) link: source id, target id, target slot
    off = 0
    for s, t in pairs:
        tc = Counter(t)
        if not tc:
            continue
        sid = np.array([0] + sorted({svocab[w] for w in s if w in svocab}))
        tid = np.array([tvocab.setdefault(x, len(tvocab)) for x in tc])
        S.append(np.repeat(sid, len(tid)))
        T.append(np.tile(tid, len(sid)))
        G.append(np.tile(np.arange(len(tid)) + off, len(sid)))
        C.append(np.array(list(tc.values()), dtype=np.float64))
        off += len(tid)
    S, T, G, C = np.concatenate(S), np.concatenate(T), np.concatenate(G), np.concatenate(C)
    ns, nt = len(svocab) + 1, len(tvocab)
    ukey, inv = np.unique(S.astype(np.int64) * nt + T, return_inverse=True)
    us = ukey // nt
    prob = np.full(len(ukey), 1.0 / nt)
    for _ in range(iters):
        p = prob[inv]
        z = np.bincount(G, weights=p, minlength=off)          # E-step normaliser per target slot
        cnt = np.bincount(inv, weights=C[G] * p / z[G], minlength=len(ukey))
        tot = np.bincount(us, weights=cnt, minlength=ns)      # M-step: normalise per source
        prob = cnt / tot[us]
    inv_t = {i: w for w, i in tvocab.items()}
    inv_s = {i: w for w, i in svocab.items()}
    table = defaultdict(dict)
    keep = (prob > 1e-3) & (us > 0)
    for s_, t_, p_ in zip(us[keep], (ukey % nt)[keep], prob[keep]):
        table[inv_s[int(s_)]][inv_t[int(t_)]] = float(p_)
    return table


# ---- (a) PPMI + truncated SVD embeddings --------------------------------------------------
def cooc_function(doc_ids_list, V):
    """Symmetric co-occurrence counts of distinct vocabulary terms within each function."""
    C = np.zeros((V, V), dtype=np.float32)
    for ids in doc_ids_list:
        u = np.unique(ids)
        if len(u) > 1:
            C[np.ix_(u, u)] += 1.0
    np.fill_diagonal(C, 0.0)
    return C


def cooc_window(doc_ids_list, V, win=5):
    """Symmetric counts of vocabulary terms within +-win positions (OOV positions kept)."""
    rows, cols = [], []
    for ids in doc_ids_list:  # ids: array with -1 for out-of-vocabulary positions
        n = len(ids)
        for d in range(1, win + 1):
            a, b = ids[:n - d], ids[d:]
            m = (a >= 0) & (b >= 0) & (a != b)
            rows.append(a[m])
            cols.append(b[m])
    r, c = np.concatenate(rows), np.concatenate(cols)
    flat = np.bincount(np.concatenate([r * V + c, c * V + r]), minlength=V * V).astype(np.float32)
    return flat.reshape(V, V)


def ppmi(C, alpha=0.75, shift=0.0):
    total = C.sum()
    row = C.sum(1)
    ctx = row ** alpha
    ctx = ctx / ctx.sum()
    P = C / total
    with np.errstate(divide="ignore", invalid="ignore"):
        M = np.log(P / (row[:, None] / total) / ctx[None, :])
    M[~np.isfinite(M)] = 0.0
    M -= shift
    np.maximum(M, 0.0, out=M)
    return M.astype(np.float32)


def rsvd(M, k, oversample=20, power=3, seed=0):
    """Randomized truncated SVD (Halko et al.) with numpy only."""
    rng = np.random.default_rng(seed)
    Q = M @ rng.standard_normal((M.shape[1], k + oversample)).astype(np.float32)
    for _ in range(power):
        Q, _ = np.linalg.qr(Q)
        Q = M @ (M.T @ Q)
    Q, _ = np.linalg.qr(Q)
    Ub, s, _ = np.linalg.svd(Q.T @ M, full_matrices=False)
    return (Q @ Ub)[:, :k], s[:k]


def bag_vectors(bags, W, weight):
    """Weighted average of word vectors per bag of vocabulary ids (with repeats), L2-normalised."""
    out = np.zeros((len(bags), W.shape[1]), dtype=np.float32)
    for i, ids in enumerate(bags):
        if len(ids):
            out[i] = (weight[ids][:, None] * W[ids]).sum(0)
    n = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(n, 1e-9)


# ---- fusion ----------------------------------------------------------------------------------
def ranks_of(scores):
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores))
    r[order] = np.arange(1, len(scores) + 1)
    return r


def rrf(score_lists, k=60, weights=None, depth=1000):
    out = np.zeros(len(score_lists[0]))
    for j, s in enumerate(score_lists):
        r = ranks_of(s)
        w = 1.0 if weights is None else weights[j]
        contrib = w / (k + r)
        contrib[(r > depth) | (s <= 0)] = 0.0
        out += contrib
    return out


def minmax(s):
    lo, hi = s.min(), s.max()
    return (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)
