#!/usr/bin/env bash
# darknet's own generate and valid outputs for golden/tiny, reproduced exactly.
source "$(dirname "$0")/lib.sh"
need_shared
G=$SHARED/golden/tiny
compile "$G/tiny.cfg" tiny
out=$("$SHARED/golden/check-generate.sh" ./tiny)
echo "$out"
echo "$out" | tail -1 | grep -qx "5 passed, 0 failed" || fail "golden generate"
./tiny valid "$G/tiny.weights" < "$G/heldout.txt" 2>/dev/null > valid.out
ours=$(tail -1 valid.out | awk '{ print $3 }')
theirs=$(tail -1 "$G/valid.out" | awk '{ print $3 }')
echo "final BPC: rnnc $ours, darknet $theirs"
[ "$ours" = "$theirs" ] || fail "valid BPC $ours != darknet's $theirs"
[ "$(wc -l < valid.out)" = "$(wc -l < "$G/valid.out")" ] || fail "valid line count"
# -precision bf16 keeps the held-out BPC within .01 of fp32
bf=$(./tiny valid "$G/tiny.weights" -precision bf16 < "$G/heldout.txt" 2>/dev/null | tail -1 | awk '{ print $3 }')
echo "bf16 BPC: $bf"
awk -v a="$bf" -v b="$ours" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= .01) }' || fail "bf16 BPC $bf too far from $ours"
# -n 1 stays darknet-exact; -n 4 prints 4 samples, the first on darknet's stream
./tiny generate "$G/tiny.weights" -srand 0 -seed JON -len 500 -n 1 2>/dev/null | cmp -s - "$G/g1.out" || fail "-n 1"
./tiny generate "$G/tiny.weights" -srand 0 -seed JON -len 100 -n 4 2>/dev/null > n4.out
[ "$(grep -c '^JON' n4.out)" -ge 4 ] || fail "-n 4 should print 4 samples"
echo "golden tiny: ok"
