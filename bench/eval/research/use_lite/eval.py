"""Scores the Universal Sentence Encoder lite vectors written by embed.js / embq.js / embc.js
on CoSQA dev-500 and the held-out set: the encoder alone over all 6,267 functions, and fused
with the engine's two arms inside its top 100 (min-max per arm, lexical + a*builtin + b*USE).
Run in the directory holding the .f32 files: /usr/bin/python3 eval.py DUMP.json
(DUMP: ../coverage/dump.py's output for an index of the same binary)."""
import json, sys
import numpy as np

t = json.load(open('texts.json'))
qi = {q: i for i, q in enumerate(t['queries'])}
dump = json.load(open(sys.argv[1]))


def mrr(ranks):
    return np.mean([1.0 / r if r else 0.0 for r in ranks])


def minmax(x):
    x = np.array([np.nan if v is None else v for v in x], dtype=float)
    if not np.isfinite(x).any():
        return np.zeros(len(x))
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.nan_to_num((x - lo) / (hi - lo + 1e-9), nan=0.0)


for qfile in ('q', 'qnp'):  # queries as typed, and with "python"/"py" removed
    Q = np.fromfile(qfile + '.f32', dtype=np.float32).reshape(-1, 512)
    for view in ('doc', 'namedoc', 'code'):
        M = np.fromfile(view + '.f32', dtype=np.float32).reshape(-1, 512)
        for split in ('dev', 'held'):
            items = dump[split]
            S = Q[[qi[it['doc']] for it in items]] @ M.T
            alone = [int((S[j] > S[j, it['gold']]).sum()) + 1 for j, it in enumerate(items)]
            line = '%-4s %-8s %-5s alone MRR %.3f R@1 %.3f R@10 %.3f |' % (
                qfile, view, split, mrr(alone), np.mean([r <= 1 for r in alone]), np.mean([r <= 10 for r in alone]))
            for a, b in ((1, 0), (1, 0.5), (1, 1), (0.5, 0.5)):
                ranks = []
                for j, it in enumerate(items):
                    res = it['res']
                    if not res:
                        ranks.append(None)
                        continue
                    f = (minmax([h['lex'] for h in res]) + a * minmax([h['vec'] for h in res]) +
                         b * minmax([S[j, h['idx']] for h in res]))
                    ids = [res[k]['idx'] for k in np.argsort(-f, kind='stable')]
                    ranks.append(ids.index(it['gold']) + 1 if it['gold'] in ids else None)
                line += ' %g/%g %.3f' % (a, b, mrr(ranks))
            print(line)
