#!/usr/bin/env bash
# Every subset of the passes in every order (rnnc --passes), on a tiny model of
# each layer kind: an order the passes' preconditions allow builds, and its
# probs match the plain reference's (--no-fuse) within a relative 1e-4 on
# scrambled weights (batch norm statistics too); a refused order fails in one
# line naming the order and why, before anything is built. --dump-ir prints
# the IR after lowering and after each pass. Programs build two at a time.
source "$(dirname "$0")/lib.sh"
corpus 200 text.txt

layer() {  # layer KIND: one tiny section
  case $1 in
    rnn) printf '[rnn]\noutput=12\nbatch_normalize=1\nactivation=leaky\n' ;;
    lstm) printf '[lstm]\noutput=8\n' ;;
    gru) printf '[gru]\noutput=8\ntanh=1\n' ;;
    connected) printf '[connected]\noutput=16\nactivation=leaky\nbatch_normalize=1\n' ;;
    dropout) printf '[dropout]\nprobability=0.3\n' ;;
  esac
}
# Each kind first (the layer that reads the character) + [connected] + [softmax];
# the [connected]-first model lets one-hot-gather run before fuse-recurrent-step.
# A [dropout] cannot be first (it reads the layer before it): its model is
# [rnn] + [dropout] + [connected] + [softmax].
models="rnn lstm gru connected dropout"
for k in $models; do
  {
    printf '[net]\ninputs=256\nbatch=4\ntime_steps=2\n'
    [ "$k" = dropout ] && layer rnn
    layer "$k"
    [ "$k" = connected ] && layer rnn
    printf '[connected]\noutput=256\nactivation=linear\n[softmax]\n'
  } > "$k.cfg"
done

# Every sequence of distinct passes: 1 + 3 + 6 + 6 = 16.
P=(fold-batch-norm fuse-recurrent-step one-hot-gather)
orders=("none")
for a in "${P[@]}"; do
  orders+=("$a")
  for b in "${P[@]}"; do
    [ "$b" = "$a" ] && continue
    orders+=("$a,$b")
    for c in "${P[@]}"; do
      [ "$c" = "$a" ] || [ "$c" = "$b" ] || orders+=("$a,$b,$c")
    done
  done
done
[ "${#orders[@]}" = 16 ] || fail "expected 16 orders, made ${#orders[@]}"

# Which orders each model allows, asked of --dump-ir (no build); a refusal is one line.
: > allowed.txt
for k in $models; do
  n=0
  for o in "${orders[@]}"; do
    if "$RNNC" "$k.cfg" --passes "$o" --dump-ir > ir.txt 2> err.txt; then
      echo "$k $o" >> allowed.txt
      n=$((n + 1))
      # The IR after lowering and after each pass, in order.
      stages=$(grep '^== IR after ' ir.txt | sed 's/^== IR after //' | paste -sd, -)
      want=$([ "$o" = none ] && echo lowering || echo "lowering,$o")
      [ "$stages" = "$want" ] || fail "$k --passes $o --dump-ir: stages '$stages', expected '$want'"
    else
      [ "$(wc -l < err.txt)" = 1 ] || { cat err.txt >&2; fail "$k --passes $o: a refusal should be one line"; }
      grep -q "^rnnc: error: the passes cannot run in the order $o: [a-z-]* refuses: .* before " err.txt ||
        { cat err.txt >&2; fail "$k --passes $o: refused without the clear message"; }
    fi
  done
  # A recurrent first layer gathers only from its fused step: none, fold, fold+fuse, fold+fuse+gather.
  expect=$([ "$k" = connected ] && echo 6 || echo 4)
  [ "$n" = "$expect" ] || { cat allowed.txt >&2; fail "$k: $n orders allowed, expected $expect"; }
done
grep -q "^rnn fold-batch-norm,fuse-recurrent-step,one-hot-gather$" allowed.txt || fail "the standard order is refused"
grep -q "^connected fold-batch-norm,one-hot-gather,fuse-recurrent-step$" allowed.txt || fail "a [connected] first layer gathers after folding"
echo "ok   $(wc -l < allowed.txt) allowed orders, $(($(echo $models | wc -w) * 16 - $(wc -l < allowed.txt))) refused with the message"
"$RNNC" rnn.cfg --passes fuse-recurrent-step --dump-ir > /dev/null 2> err.txt || true
echo "     e.g. $(cat err.txt)"
"$RNNC" rnn.cfg --dump-ir --passes none | grep -q "^  one_hot " || fail "--dump-ir: no one_hot op after lowering"
# A [dropout] is one identity op, after lowering and after every pass.
[ "$("$RNNC" dropout.cfg --dump-ir | grep -c "^  identity ")" = 4 ] || fail "--dump-ir: [dropout] is not one identity op at every stage"
"$RNNC" --help > rnnc-help.txt  # to a file: grep -q leaving early would cut the writer's pipe
grep -q -- "--dump-ir" rnnc-help.txt || fail "rnnc --help does not name --dump-ir"
grep -q -- "--passes LIST" rnnc-help.txt || fail "rnnc --help does not name --passes"
expect_error "no pass named 'fold'" "$RNNC" rnn.cfg --passes fold --dump-ir
expect_error "given twice" "$RNNC" rnn.cfg --passes fold-batch-norm,fold-batch-norm --dump-ir
expect_error "both choose the passes" "$RNNC" rnn.cfg --passes none --no-fuse --dump-ir

# Build every allowed order, two at a time (rnnc caches the programs).
i=0
while read -r k o; do
  i=$((i + 1))
  echo "$k $o p$i" >> builds.txt
  ( "$RNNC" "$k.cfg" -o "p$i" --passes "$o" < /dev/null 2> "p$i.log" || echo "rnnc $k.cfg --passes $o failed" >> failed.txt ) &
  if [ $((i % 2)) = 0 ]; then wait; fi
done < allowed.txt
wait
[ ! -s failed.txt ] || { cat failed.txt p*.log >&2; fail "allowed orders that do not build"; }

for k in $models; do
  base=$(awk -v k="$k" '$1 == k && $2 == "none" { print $3 }' builds.txt)
  ./"$base" init "$k.weights" -srand 5 -scramble 2> /dev/null
  ./"$base" probs "$k.weights" < text.txt 2> /dev/null > "$k.plain.txt"
  while read -r kk o p; do
    [ "$kk" = "$k" ] && [ "$o" != none ] || continue
    ./"$p" probs "$k.weights" < text.txt 2> /dev/null > out.txt
    echo -n "$k --passes $o: "
    numbers_close out.txt "$k.plain.txt" 1e-4 || fail "$k --passes $o: probs differ from --no-fuse"
    # generate -n: batch kernels exist only for the folded, fused and gathered forms (all
    # three passes), and for [rnn], [connected], [dropout] and [softmax] only.
    if ! ./"$p" generate "$k.weights" -n 3 -len 10 -srand 1 > /dev/null 2> gen.txt; then
      grep -q "no batch kernels" gen.txt || { cat gen.txt >&2; fail "$k --passes $o: generate -n 3 failed"; }
      [ "$k" = lstm ] || [ "$k" = gru ] || [ "$(echo "$o" | tr , '\n' | wc -l)" != 3 ] || fail "$k --passes $o: all three passes, yet no batch kernels"
    fi
  done < builds.txt
done
echo "ok   every allowed order builds and matches the plain reference"
