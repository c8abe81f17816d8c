# bench/readpairs.sh: sourced by bench/natsread.sh and bench/redisread.sh
# (after bench/lib.sh): times two commands that read the same stream,
# pair by pair, and prints min / median / max of each and the ratio of
# the medians.

# readpair_time OUT CMD...: runs CMD with stdout to OUT and prints its
# wall time in seconds; dies when it fails.
readpair_time() {
  local out=$1 start end
  shift
  start=$(date +%s%N)
  bench_run "$@" >"$out" || bench_die "failed: $*"
  end=$(date +%s%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}

# readpair_stats NAME FILE: "NAME  min / median / max s" of the times in FILE.
readpair_stats() {
  sort -n "$2" | awk -v name="$1" '{ t[NR] = $1 } END {
    m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    printf "%-34s min %.3f  median %.3f  max %.3f s  (%d runs)\n", name, t[1], m, t[NR], NR }'
}

# readpair_median FILE: the median of the times in FILE.
readpair_median() {
  sort -n "$1" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

# readpairs ROUNDS WANT_A WANT_B NAME_A NAME_B: runs readpair_a and
# readpair_b (the caller's functions, each writing the stream to stdout)
# ROUNDS times, alternating which goes first, checks each wrote its WANT
# lines, and prints the figures and the ratio of the medians (B / A:
# above 1, A is faster).
readpairs() {
  local rounds=$1 want_a=$2 want_b=$3 a=$4 b=$5 r t lines want
  : >"$bench_tmp/a.times"
  : >"$bench_tmp/b.times"
  for r in $(seq 1 "$rounds"); do
    for side in $( ((r % 2)) && echo a b || echo b a); do
      t=$(readpair_time "$bench_tmp/out" "readpair_$side")
      lines=$(wc -l <"$bench_tmp/out")
      want=$want_a
      [ "$side" = a ] || want=$want_b
      [ "$lines" = "$want" ] || bench_die "$( [ "$side" = a ] && echo "$a" || echo "$b"): $lines lines, want $want"
      echo "$t" >>"$bench_tmp/$side.times"
      bench_say "round $r: $( [ "$side" = a ] && echo "$a" || echo "$b") ${t} s"
    done
    rm -f "$bench_tmp/out"
  done
  readpair_stats "$a" "$bench_tmp/a.times"
  readpair_stats "$b" "$bench_tmp/b.times"
  awk -v a="$(readpair_median "$bench_tmp/a.times")" -v b="$(readpair_median "$bench_tmp/b.times")" -v na="$a" -v nb="$b" \
    'BEGIN { printf "ratio of the medians (%s / %s): %.2f (above 1: %s is faster)\n", nb, na, b / a, na }'
}
