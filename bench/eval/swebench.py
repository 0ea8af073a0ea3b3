#!/usr/bin/env python3
"""SWE-bench Lite file-localization harness for pampax.

For each instance: check out the repository at base_commit, (re)index it with
pampax, search with the full problem statement, rank files by the first
appearance of their chunks, drop test files, and score against gold_files.

Python 3 standard library only. See README.md in this directory.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections import defaultdict

KS = (1, 5, 10)


def is_test_path(path):
    parts = path.split("/")
    base = parts[-1]
    if any(p in ("test", "tests") for p in parts[:-1]):
        return True
    return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"


def find_mirror(mirrors, repo):
    """mirrors is a JSON file {"owner/name": "/path/to/bare.git"} or a directory
    holding one bare repository per project, named owner+name, owner__name or
    name (optionally with a .git suffix or a repo/ subdirectory)."""
    if os.path.isfile(mirrors):
        with open(mirrors) as f:
            return json.load(f).get(repo)
    owner, name = repo.split("/")
    for stem in (owner + "+" + name, owner + "__" + name, name):
        for cand in (stem, stem + ".git", os.path.join(stem, "repo")):
            path = os.path.join(mirrors, cand)
            if os.path.isfile(os.path.join(path, "HEAD")):
                return path
    return None


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def missing_blobs(tree, commit):
    """Paths in `commit` whose blobs are absent from the object store."""
    entries = [line.split("\t", 1) for line in
               git("ls-tree", "-r", "-z", commit, cwd=tree).split("\0") if line]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    out = subprocess.run(["git", "cat-file", "--batch-check"], cwd=tree, check=True,
                         input="".join(sha + "\n" for sha, _ in blobs),
                         capture_output=True, text=True).stdout.splitlines()
    return [path for (_, path), line in zip(blobs, out) if line.endswith(" missing")]


def prepare_tree(mirror, tree, commit):
    """Materialise `commit` in `tree` (a shared clone of the mirror), keeping the
    .pampax index so the next `pampax index` is incremental."""
    if not os.path.isdir(os.path.join(tree, ".git")):
        git("clone", "--quiet", "--shared", "--no-checkout", mirror, tree)
    # A mirror may lack some large blobs; keep such files out of the checkout
    # with a sparse-checkout pattern (applied by the checkout itself).
    missing = missing_blobs(tree, commit)
    git("config", "core.sparseCheckout", "true", cwd=tree)
    with open(os.path.join(tree, ".git", "info", "sparse-checkout"), "w") as f:
        f.write("/*\n" + "".join("!/%s\n" % p for p in missing))
    git("checkout", "--quiet", "--force", "--detach", commit, cwd=tree)
    git("clean", "-qfdx", "-e", ".pampax", cwd=tree)
    return missing


def rank_files(results):
    """Chunk hits (best first) -> [(path, max score)] in order of first appearance."""
    order, best = [], {}
    for hit in results:
        path = hit["path"]
        if path not in best:
            order.append(path)
            best[path] = hit["score"]
        else:
            best[path] = max(best[path], hit["score"])
    return [(p, best[p]) for p in order]


def score(ranked, gold):
    """1-based rank of the first gold file in `ranked`, or None."""
    for i, path in enumerate(ranked, 1):
        if path in gold:
            return i
    return None


def metrics(ranks):
    n = len(ranks)
    if not n:
        return {"n": 0}
    out = {"n": n}
    for k in KS:
        out["acc@%d" % k] = sum(1 for r in ranks if r and r <= k) / n
    out["mrr"] = sum(1.0 / r for r in ranks if r) / n
    return out


def fmt(name, m):
    if not m.get("n"):
        return "%-22s n=0" % name
    return "%-22s n=%-4d acc@1 %.3f  acc@5 %.3f  acc@10 %.3f  mrr %.3f" % (
        name, m["n"], m["acc@1"], m["acc@5"], m["acc@10"], m["mrr"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pampax", required=True, help="pampax binary")
    ap.add_argument("--work", required=True, help="scratch directory for checkouts")
    ap.add_argument("--mirrors", required=True,
                    help="JSON map repo->bare git dir, or a directory of bare mirrors")
    # ../shared sits beside the repository (as in CI).
    default_data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "shared", "bench", "swebench", "swebench_lite_gold.jsonl")
    ap.add_argument("--data", default=os.path.normpath(default_data))
    ap.add_argument("--limit", type=int, default=0, help="evaluate at most N instances")
    ap.add_argument("--repos", default="", help="comma-separated repos to keep (default all)")
    ap.add_argument("-n", "--chunks", type=int, default=200, help="chunk hits to request")
    ap.add_argument("--all-rows", action="store_true",
                    help="do not filter on repo_fetchable_here")
    ap.add_argument("--out", default="", help="write per-instance results as JSON here")
    ap.add_argument("--jsonl", default="",
                    help="append each instance's record to this file as soon as it is scored "
                         "(one JSON object a line), so an interrupted run is still usable")
    ap.add_argument("--index-args", default="",
                    help="more `pampax index` arguments, e.g. '--embed builtin'")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS",
                    help="search variant: extra `pampax search` arguments, e.g. "
                         "'file=--group-by file'; repeatable; the first is the headline "
                         "(default: one variant, 'default', with no extra arguments)")
    args = ap.parse_args()

    pampax = os.path.abspath(args.pampax)
    work = os.path.abspath(args.work)
    os.makedirs(os.path.join(work, "queries"), exist_ok=True)

    with open(args.data) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if not args.all_rows:
        rows = [r for r in rows if r.get("repo_fetchable_here")]
    if args.repos:
        keep = set(args.repos.split(","))
        rows = [r for r in rows if r["repo"] in keep]

    mirrors = {}
    for repo in sorted({r["repo"] for r in rows}):
        mirrors[repo] = find_mirror(args.mirrors, repo)
        if not mirrors[repo]:
            print("no mirror for %s, skipping its instances" % repo, file=sys.stderr)
    rows = [r for r in rows if mirrors[r["repo"]]]

    # Visit each repository's commits in chronological order so consecutive
    # checkouts differ little and incremental indexing stays cheap.
    def commit_time(r):
        out = git("--git-dir", mirrors[r["repo"]], "show", "-s", "--format=%ct", r["base_commit"])
        return int(out.strip())
    rows.sort(key=lambda r: (r["repo"], commit_time(r)))
    if args.limit:
        rows = rows[:args.limit]

    variants = []
    for v in args.variant or ["default="]:
        name, _, extra = v.partition("=")
        variants.append((name, shlex.split(extra)))

    records, t_start = [], time.time()
    for i, row in enumerate(rows, 1):
        rec = {"instance_id": row["instance_id"], "repo": row["repo"],
               "gold_files": row["gold_files"]}
        tree = os.path.join(work, "trees", row["repo"].replace("/", "__"))
        qfile = os.path.join(work, "queries", row["instance_id"] + ".txt")
        with open(qfile, "w") as f:
            f.write(row["problem_statement"])
        try:
            t0 = time.time()
            missing = prepare_tree(mirrors[row["repo"]], tree, row["base_commit"])
            if missing:
                rec["missing_blobs"] = missing
            t1 = time.time()
            idx = subprocess.run([pampax, "index", tree, "-q", "-o", "json"] +
                                 shlex.split(args.index_args),
                                 capture_output=True, text=True)
            t2 = time.time()
            if idx.returncode:
                raise RuntimeError("index failed: " + idx.stderr.strip()[-500:])
            all_hits, search_err = {}, ""
            for name, extra in variants:
                srch = subprocess.run([pampax, "search", "--query-file", qfile, "-p", tree,
                                       "-o", "json", "-n", str(args.chunks)] + extra,
                                      capture_output=True, text=True)
                if srch.returncode:
                    raise RuntimeError("search failed: " + srch.stderr.strip()[-500:])
                all_hits[name] = json.loads(srch.stdout)["results"]
                search_err += srch.stderr
            t3 = time.time()
            hits = all_hits[variants[0][0]]
            try:
                info = json.loads(idx.stdout)
                rec["files_indexed"] = info.get("files_indexed")
                if info.get("warnings"):
                    rec["index_warnings"] = info["warnings"][:5]
            except ValueError:
                pass
            if idx.stderr.strip() or search_err.strip():
                rec["stderr"] = (idx.stderr + search_err).strip()[-1000:]
        except (subprocess.CalledProcessError, RuntimeError, ValueError, KeyError) as e:
            rec["error"] = str(getattr(e, "stderr", "") or e)[-1000:]
            print("[%d/%d] %s ERROR %s" % (i, len(rows), row["instance_id"], rec["error"]),
                  file=sys.stderr)
            records.append(rec)
            if args.jsonl:
                with open(args.jsonl, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            continue

        ranked = [p for p, _ in rank_files(hits) if not is_test_path(p)]
        gold = set(row["gold_files"])
        rec["rank"] = score(ranked, gold)
        rec["rank_py_only"] = score([p for p in ranked if p.endswith(".py")], gold)
        rec["top10"] = ranked[:10]
        if len(variants) > 1:
            rec["variants"] = {}
            for name, _ in variants:
                vr = [p for p, _ in rank_files(all_hits[name]) if not is_test_path(p)]
                rec["variants"][name] = {"rank": score(vr, gold), "top10": vr[:10],
                                         "rank_py_only": score([p for p in vr if p.endswith(".py")], gold)}
        rec["n_chunks"] = len(hits)
        rec["n_files"] = len(ranked)
        rec["non_py_in_top10"] = sum(1 for p in ranked[:10] if not p.endswith(".py"))
        rec["seconds"] = {"checkout": round(t1 - t0, 2), "index": round(t2 - t1, 2),
                          "search": round(t3 - t2, 2)}
        records.append(rec)
        if args.jsonl:
            with open(args.jsonl, "a") as f:
                f.write(json.dumps(rec) + "\n")
        print("[%d/%d] %-32s rank=%-4s index %.1fs search %.2fs" % (
            i, len(rows), row["instance_id"], rec["rank"], t2 - t1, t3 - t2), file=sys.stderr)

    ok = [r for r in records if "error" not in r]
    by_repo = defaultdict(list)
    for r in ok:
        by_repo[r["repo"]].append(r["rank"])
    summary = {
        "overall": metrics([r["rank"] for r in ok]),
        "overall_py_only": metrics([r["rank_py_only"] for r in ok]),
        "per_repo": {repo: metrics(ranks) for repo, ranks in sorted(by_repo.items())},
        "errors": len(records) - len(ok),
        "seconds": round(time.time() - t_start, 1),
    }
    for repo, m in summary["per_repo"].items():
        print(fmt(repo, m))
    if len(variants) > 1:
        summary["variants"] = {}
        for name, extra in variants:
            m = metrics([r["variants"][name]["rank"] for r in ok])
            summary["variants"][name] = {"args": " ".join(extra), "overall": m,
                "overall_py_only": metrics([r["variants"][name]["rank_py_only"] for r in ok])}
            print(fmt("variant " + name, m) + "   [" + " ".join(extra) + "]")
    print(fmt("OVERALL", summary["overall"]))
    print(fmt("OVERALL (.py only)", summary["overall_py_only"]))
    print("errors %d, %.1fs" % (summary["errors"], summary["seconds"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"summary": summary, "instances": records}, f, indent=1)


if __name__ == "__main__":
    main()
