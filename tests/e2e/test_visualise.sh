#!/usr/bin/env bash
# visualise (issue 14): the HTML pages of a model's hidden units, loaded in a
# real browser. A small model with all three recurrent kinds ([rnn], [lstm]:
# its cell and h, [gru]) and 128 inputs, trained for a moment on the GPL
# (no ../shared needed), then:
#  - the pages: an index ranking all 32 + 2 x 24 + 16 units, the top 20 and
#    the -unit one linked; each unit page loaded by Chromium headless, whose
#    rendered DOM must hold one coloured cell per character shown and five
#    predictions under each (the page's script builds them and writes its
#    counts into #counts), the -chars cap said on the page; a screenshot;
#  - stdin as the default text, the `visualize` spelling, -unit naming an
#    [lstm]'s cell by default, re-running into the same folder;
#  - bad input: one line, exit 1, and nothing foreign overwritten.
# Skips (77) where no Chromium is installed (scripts/setup.sh installs it).
# RNNC_VISUALISE_SCREENSHOT=PATH copies the screenshot there (docs/visualise.png).
source "$(dirname "$0")/lib.sh"
CHROME=
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" > /dev/null; then CHROME=$(command -v "$c"); break; fi
done
[ -n "$CHROME" ] || { echo "SKIP: no chromium on the PATH (bash scripts/setup.sh installs Debian's chromium)"; exit 77; }
text=/usr/share/common-licenses/GPL-3
[ -s "$text" ] || { echo "SKIP: $text (the training text) is absent"; exit 77; }

# chrome ARGS... URL: headless, its profile in $WORK, its chatter on stderr kept aside.
chrome() { timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/profile" "$@" 2>> chrome.log; }

cat > vis.cfg <<CFG
[net]
subdivisions=1
inputs=128
batch=16
time_steps=8
learning_rate=0.1
momentum=0.9
decay=0.001
max_batches=400

[rnn]
output=32
activation=leaky

[lstm]
output=24

[gru]
output=16

[connected]
output=128
activation=linear

[softmax]
CFG
compile vis.cfg vis
head -c 100000 "$text" > gpl.txt
./vis train -file gpl.txt -srand 1 -backup bk < /dev/null > train.log 2>&1 || { tail train.log >&2; fail "train"; }
w=bk/vis_final.weights

# The pages: 1500 of the text's characters, the default 20 top units and lstm1's h unit 3.
head -c 4000 gpl.txt > text.txt
./vis visualise "$w" -file text.txt -chars 1500 -unit lstm1.h:3 -o pages > vis.out 2> vis.err || { cat vis.err >&2; fail "visualise"; }
cat vis.out
[ "$(wc -l < vis.err)" -eq 1 ] || { cat vis.err >&2; fail "visualise's stderr is not the one model line"; }
[ -f pages/index.html ] || fail "no pages/index.html"
grep -q 'data-units="96"' pages/index.html || fail "the index does not rank 32 + 24 + 24 + 16 = 96 units"
links=$(grep -o 'href="unit_[^"]*\.html"' pages/index.html | sort -u | wc -l)
files=$(ls pages/unit_*.html | wc -l)
[ "$files" -ge 20 ] && [ "$files" -le 21 ] || fail "$files unit pages, expected the top 20 and the -unit one"
[ "$links" -eq "$files" ] || fail "the index links $links pages, $files were written"
[ -f pages/unit_lstm1-h_3.html ] || fail "no page for -unit lstm1.h:3"
for s in rnn0 lstm1.cell lstm1.h gru2; do grep -q ">$s:" pages/index.html || fail "the index does not rank $s"; done
grep -q 'only the first 1500 are shown' pages/index.html || fail "the index does not say the text was capped"
grep -q 'only the first 1500 are shown' pages/unit_lstm1-h_3.html || fail "the unit page does not say the text was capped"
if grep -Eiq '(src|href)="(https?:)?//|@import|url\(' pages/*.html; then fail "a page fetches something from outside"; fi
echo "ok   pages: the index ranks 96 units and links $links pages; the cap is said"

# In the browser: every character and prediction the script built, counted in the rendered DOM.
# dom_counts PAGE CHARS: the rendered page has CHARS characters and 5 x CHARS predictions.
dom_counts() {
  chrome --dump-dom "file://$PWD/$1" > dom.html || fail "chromium could not load $1"
  local ch p attr
  ch=$(grep -o 'class="ch"' dom.html | wc -l)
  p=$(grep -o 'class="p"' dom.html | wc -l)
  attr=$(grep -o 'id="counts" data-chars="[0-9]*" data-predictions="[0-9]*"' dom.html || true)
  [ "$ch" -eq "$2" ] || fail "$1 in Chromium: $ch characters rendered, expected $2"
  [ "$p" -eq $((5 * $2)) ] || fail "$1 in Chromium: $p predictions rendered, expected $((5 * $2))"
  [ "$attr" = "id=\"counts\" data-chars=\"$2\" data-predictions=\"$((5 * $2))\"" ] ||
    fail "$1 in Chromium: the page's own counts are '$attr'"
  echo "ok   Chromium renders $1: $ch characters, $p predictions"
}
dom_counts pages/unit_lstm1-h_3.html 1500
first=$(grep -o 'href="unit_[^"]*\.html"' pages/index.html | head -1 | sed 's/href="//; s/"$//')
dom_counts "pages/$first" 1500
chrome --dump-dom "file://$PWD/pages/index.html" > index.dom || fail "chromium could not load the index"
[ "$(grep -o '<tr><td>' index.dom | wc -l)" -eq 96 ] || fail "the rendered index has not 96 rows"
chrome --hide-scrollbars --screenshot="$PWD/shot.png" --window-size=1100,760 "file://$PWD/pages/$first" > /dev/null ||
  fail "chromium could not take a screenshot"
[ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
[ "$(wc -c < shot.png)" -gt 10000 ] || fail "the screenshot is nearly empty"
echo "ok   screenshot of $first ($(wc -c < shot.png) bytes)"
if [ -n "${RNNC_VISUALISE_SCREENSHOT:-}" ]; then cp shot.png "$RNNC_VISUALISE_SCREENSHOT"; fi

# stdin by default, the other spelling, a text under the cap (all shown), -unit LSTM:I is the cell.
head -c 300 gpl.txt | ./vis visualize "$w" -unit lstm1:5 -top 3 -o small > small.out 2> small.err ||
  { cat small.err >&2; fail "visualize from stdin"; }
[ "$(ls small | wc -l)" -eq 5 ] || fail "-top 3 -unit: expected index.html and 4 unit pages, got $(ls small | tr '\n' ' ')"
[ -f small/unit_lstm1-cell_5.html ] || fail "-unit lstm1:5 is not the cell's unit 5"
grep -q 'All 300 characters' small/index.html || fail "a short text is not said to be shown whole"
grep -q 'Text: stdin' small/index.html || fail "the page does not say the text came from stdin"
dom_counts small/unit_lstm1-cell_5.html 300
# Again into the same folder: its own pages are replaced.
head -c 200 gpl.txt | ./vis visualise "$w" -top 3 -o small > /dev/null 2>&1 || fail "a second run into the same folder"
grep -q 'All 200 characters' small/index.html || fail "the second run did not replace its index"
printf 'not a page of ours\n' > small/unit_mine_1.html
head -c 200 gpl.txt | ./vis visualise "$w" -top 2 -o small > /dev/null 2>&1 || fail "a third run into the same folder"
[ "$(ls small/unit_*.html | wc -l)" -eq 3 ] || fail "stale pages left or a foreign one removed: $(ls small | tr '\n' ' ')"
[ "$(grep -o 'href="unit_[^"]*\.html"' small/index.html | wc -l)" -eq 2 ] || fail "the third run's index does not link 2 pages"
[ -f small/unit_mine_1.html ] || fail "a foreign unit_*.html was removed"
echo "ok   stdin, visualize, -unit lstm1:5 (the cell), runs again into the same folder (stale pages of its own removed)"

# Bad input: one clear line, exit 1.
mkdir foreign && printf 'mine\n' > foreign/index.html
expect_error "which weights file" ./vis visualise -file text.txt
expect_error "cannot open" ./vis visualise missing.weights -file text.txt -o e1
expect_error "cannot open text file 'missing.txt'" ./vis visualise "$w" -file missing.txt -o e1
expect_error "is empty" ./vis visualise "$w" -file /dev/null -o e1
expect_error "is empty" ./vis visualise "$w" -o e1
printf 'abc\xc3\xa9' > accent.txt
expect_error "byte 195 at offset 3 is outside the model's 128 inputs" ./vis visualise "$w" -file accent.txt -o e1
[ ! -e e1 ] || fail "a refused run created its -o folder"
expect_error "LAYER:INDEX" ./vis visualise "$w" -file text.txt -unit rnn0 -o e1
expect_error "LAYER:INDEX" ./vis visualise "$w" -file text.txt -unit rnn0:x -o e1
expect_error "LAYER:INDEX" ./vis visualise "$w" -file text.txt -unit rnn0:-1 -o e1
expect_error "no recurrent state 'rnn9'; it has rnn0 (32 units), lstm1.cell (24 units), lstm1.h (24 units), gru2 (16 units)" \
  ./vis visualise "$w" -file text.txt -unit rnn9:1 -o e1
expect_error "rnn0 has units 0..31" ./vis visualise "$w" -file text.txt -unit rnn0:32 -o e1
expect_error "-chars must be between 1 and" ./vis visualise "$w" -file text.txt -chars 0 -o e1
printf 'x' > plainfile
expect_error "'plainfile' is not a folder" ./vis visualise "$w" -file text.txt -o plainfile
expect_error "cannot create the folder 'plainfile/sub'" ./vis visualise "$w" -file text.txt -o plainfile/sub
expect_error "not written by visualise; not replacing it" ./vis visualise "$w" -file text.txt -o foreign
[ "$(cat foreign/index.html)" = mine ] || fail "a foreign index.html was changed"
[ "$(ls foreign)" = index.html ] || fail "visualise wrote into a folder whose index.html is not its own"
echo "ok   bad input refused in one line"
