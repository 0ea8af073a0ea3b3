#!/usr/bin/env bash
# Generates PAMPAX's benchmark-suite repositories: N JavaScript files, each with a function,
# a class with a constructor and a method, and a const. Deterministic (names from the index).
# The mixed-language benchmark suite is `pampax bench` (src/bench_suite/synth.h writes its
# repositories); this JS-only generator stays for bench/run, whose earlier figures in
# docs/benchmarks.md were measured on its trees.
# usage: gen_synthetic.sh N DIR
set -euo pipefail
n=$1; dir=$2
rm -rf "$dir"; mkdir -p "$dir"
words=(user order invoice cart payment session token cache queue report metric account
       profile search index config logger router parser render stream buffer socket)
for ((i = 0; i < n; i++)); do
  a=${words[$((i % ${#words[@]}))]}; b=${words[$(((i / ${#words[@]}) % ${#words[@]}))]}
  sub="module$((i / 100))"
  mkdir -p "$dir/src/$sub"
  A="${a^}"; B="${b^}"
  cat > "$dir/src/$sub/file$i.js" <<JS
// Generated file $i: $a $b helpers.
const ${a^^}_${b^^}_LIMIT_$i = $((i * 7 % 1000));

/**
 * Computes the $a score for a $b.
 */
function compute${A}${B}Score$i(input, weight) {
  let total = 0;
  for (const item of input) {
    total += item.value * weight;
  }
  return total > ${a^^}_${b^^}_LIMIT_$i ? ${a^^}_${b^^}_LIMIT_$i : total;
}

class ${A}${B}Service$i {
  constructor(store) {
    this.store = store;
    this.name = '$a-$b-$i';
  }

  find${A}By${B}(id) {
    const record = this.store.get(id);
    if (!record) {
      return null;
    }
    return compute${A}${B}Score$i(record.items, 2);
  }
}

module.exports = { compute${A}${B}Score$i, ${A}${B}Service$i };
JS
done
