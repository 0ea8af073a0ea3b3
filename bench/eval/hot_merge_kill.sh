#!/bin/bash
# Kills `pampax update` during small updates (the hot-term merge path, core/indexer.cpp
# maybe_rebuild_hot_terms) and checks that finishing the update gives a sound index whose
# answers equal those of an uninterrupted update of the same edit.
#
# Usage: bench/eval/hot_merge_kill.sh PAMPAX TREE QUERY_FILE... (TREE is copied, not changed;
# it needs more than 50 indexable files, so that editing one in 60 stays under the 2% that
# triggers a rebuild). Example, with the SWE-bench harness's sympy checkout and statements:
#   bench/eval/hot_merge_kill.sh build/pampax /tmp/sympy q1.txt q2.txt
# Prints one line per trial; exits 1 if any trial differs. PAMPAX_KILL_TRIALS (default 10).
set -u
bin=$(realpath "$1"); tree=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$tree" "$work/base"; rm -rf "$work/base/.pampax"
"$bin" index "$work/base" -q --embed none >/dev/null 2>&1 || { echo "index failed"; exit 1; }
(cd "$work/base" && find . -name '*.py' -not -path './.pampax/*' | sort | awk 'NR % 60 == 0') > "$work/edited"
edit() { while read -r f; do echo "# edited" >> "$1/$f"; done < "$work/edited"; }
top10() { "$bin" search --query-file "$2" -p "$1" -o json -n 20 --group-by file --no-cache |
  python3 -c "import json,sys; print([h['path'] for h in json.load(sys.stdin)['results']][:10])"; }
cp -r "$work/base" "$work/ref"; edit "$work/ref"; "$bin" update "$work/ref" -q >/dev/null 2>&1
bad=0
for t in $(seq 1 "${PAMPAX_KILL_TRIALS:-10}"); do
  rm -rf "$work/k"; cp -r "$work/base" "$work/k"; edit "$work/k"
  "$bin" update "$work/k" -q >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 45 + 5))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  ic=$(sqlite3 "$work/k/.pampax/index.db" "PRAGMA integrity_check")
  "$bin" update "$work/k" -q >/dev/null 2>&1
  wm=$(sqlite3 "$work/k/.pampax/index.db" \
    "SELECT (SELECT value FROM meta WHERE key = 'hot_watermark') = (SELECT max(id) FROM chunks)")
  same=1
  for q in "$@"; do [ "$(top10 "$work/k" "$q")" = "$(top10 "$work/ref" "$q")" ] || same=0; done
  echo "trial $t: integrity $ic, watermark at the largest chunk id: $wm, same top 10: $same"
  [ "$ic" = ok ] && [ "$wm" = 1 ] && [ "$same" = 1 ] || bad=1
done
exit $bad
