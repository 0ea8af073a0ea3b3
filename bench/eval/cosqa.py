#!/usr/bin/env python3
"""CoSQA code-search harness for pampax.

Writes the 6,267 CoSQA Python functions (code_idx_map.txt) one per file
(`funcs/<idx>.py`), indexes them with pampax, asks each of the 500 dev queries
(cosqa-retrieval-dev-500.json) and scores the rank of the gold function:
MRR (0 when not in the top --limit) and R@1/5/10, per search mode.

Python 3 standard library only. See README.md in this directory.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

KS = (1, 5, 10)
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench", "cosqa"))


def build_corpus(data, corpus):
    with open(os.path.join(data, "code_idx_map.txt")) as f:
        code_to_idx = json.load(f)
    funcs = os.path.join(corpus, "funcs")
    stamp = os.path.join(corpus, ".corpus-done")
    if os.path.exists(stamp):
        return len(code_to_idx)
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(funcs)
    for code, idx in code_to_idx.items():
        with open(os.path.join(funcs, "%d.py" % idx), "w") as f:
            f.write(code)
            f.write("\n")
    open(stamp, "w").close()
    return len(code_to_idx)


def search(pampax, corpus, query, mode, limit):
    cmd = [pampax, "search", "--query-file", "-", "-p", corpus, "-o", "json", "-n", str(limit)]
    if mode:
        cmd += ["--mode"] + shlex.split(mode)  # e.g. "bm25 --no-boosts"
    out = subprocess.run(cmd, input=query, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("pampax search failed (%d): %s" % (out.returncode, out.stderr.strip()))
    ranked = []
    for hit in json.loads(out.stdout)["results"]:
        base = os.path.basename(hit["path"])
        if base.endswith(".py") and base[:-3].isdigit():
            idx = int(base[:-3])
            if idx not in ranked:
                ranked.append(idx)
    return ranked


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pampax", default="build/pampax")
    ap.add_argument("--work", default="/tmp/pampax-cosqa", help="corpus and index go here")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--modes", default="", help="comma-separated --mode values, each optionally followed by more search "
                         "arguments, e.g. 'hybrid,bm25 --no-boosts' ('' = default)")
    ap.add_argument("--limit", type=int, default=100, help="results requested per query")
    ap.add_argument("--reindex", action="store_true", help="rebuild the index from scratch")
    ap.add_argument("--out", help="write per-query ranks as JSON here")
    ap.add_argument("--set", choices=("dev500", "heldout"), default="dev500",
                    help="dev500: the 500 retrieval dev queries (the target's set, used for tuning); "
                         "heldout: the pairs of cosqa-dev.json labelled 1 whose function is in the corpus "
                         "and whose query is not a dev500 query (299; not used for tuning)")
    ap.add_argument("--index-args", default="", help="more `pampax index` arguments, e.g. '--train-expansions'")
    args = ap.parse_args()

    pampax = os.path.abspath(args.pampax)
    corpus = os.path.join(args.work, "corpus")
    n = build_corpus(args.data, corpus)
    if args.reindex:
        shutil.rmtree(os.path.join(corpus, ".pampax"), ignore_errors=True)
    t = time.time()
    subprocess.run([pampax, "index", corpus, "--quiet"] + shlex.split(args.index_args), check=True, stdout=subprocess.DEVNULL)
    print("indexed %d functions in %.1fs" % (n, time.time() - t), file=sys.stderr)

    with open(os.path.join(args.data, "cosqa-retrieval-dev-500.json")) as f:
        queries = json.load(f)
    if args.set == "heldout":
        with open(os.path.join(args.data, "code_idx_map.txt")) as f:
            code_to_idx = json.load(f)
        with open(os.path.join(args.data, "cosqa-dev.json")) as f:
            pairs = json.load(f)
        asked = set(q["doc"] for q in queries)
        queries = [{"idx": p["idx"], "doc": p["doc"], "retrieval_idx": code_to_idx[p["code"]]}
                   for p in pairs if p.get("label") == 1 and p["code"] in code_to_idx and p["doc"] not in asked]
    report = {"summary": {}, "queries": []}
    for mode in args.modes.split(","):
        ranks, t = [], time.time()
        for q in queries:
            ranked = search(pampax, corpus, q["doc"], mode, args.limit)
            gold = q["retrieval_idx"]
            rank = ranked.index(gold) + 1 if gold in ranked else None
            ranks.append(rank)
            report["queries"].append({"mode": mode or "default", "idx": q["idx"], "query": q["doc"],
                                      "gold": gold, "rank": rank, "top5": ranked[:5]})
        m = len(ranks)
        summary = {"queries": m, "mrr": sum(1.0 / r for r in ranks if r) / m,
                   "seconds": round(time.time() - t, 1)}
        for k in KS:
            summary["r@%d" % k] = sum(1 for r in ranks if r and r <= k) / m
        report["summary"][mode or "default"] = summary
        print("cosqa %s mode=%-8s mrr %.3f r@1 %.3f r@5 %.3f r@10 %.3f  (%d queries, %.0fs)" % (
            args.set, mode or "default", summary["mrr"], summary["r@1"], summary["r@5"], summary["r@10"], m,
            summary["seconds"]))
    print("baseline (BM25): mrr 0.335")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
