#!/usr/bin/env bash
# Kiosk: start to first screen (budget 300 ms) and keystroke to redraw in the
# 100k-row diff (budget 20 ms), on the release binary in tmux at 80x24. The
# issue names budgets, not a baseline tool: printed as ratios to the budget
# (< 1.00 is within budget). Per-key time comes from --timing-log (key read
# to screen update done); start time is wall clock until capture-pane shows
# the login screen, tmux start included.
set -euo pipefail
kiosk="${QOIMA_BUILD:-build/release}/kiosk/qoima-kiosk"
work=$(mktemp -d)
sock="$work/tmux.sock"
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }
wait_for() {  # text, timeout ms
  local deadline=$(( $(now_ms) + $2 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    tmux -S "$sock" capture-pane -p -t k 2>/dev/null | grep -qF -- "$1" && return 0
  done
  echo "kiosk bench: '$1' did not appear" >&2; return 1
}

best=999999
own_best=999999
for _ in 1 2 3 4 5; do
  t0=$(now_ms)
  tmux -u -S "$sock" -f /dev/null new-session -d -s k -x 80 -y 24 \
    "exec env LANG=C.UTF-8 QOIMA_STATE=$work QOIMA_TCTI=swtpm:path=$work/none $kiosk --timing-log $work/start.log"
  wait_for "Құпиясөз:" 5000
  t=$(( $(now_ms) - t0 ))
  [ "$t" -lt "$best" ] && best=$t
  own=$(awk '/^start_ms/ { print $2 }' "$work/start.log")
  [ -n "$own" ] && [ "$own" -lt "$own_best" ] && own_best=$own
  tmux -S "$sock" kill-server
done
printf 'kiosk start to first screen: best of 5, process start %d ms (ratio to 300 ms budget %.2f); tmux start included %d ms\n' \
  "$own_best" "$(echo "$own_best/300" | bc -l)" "$best"

log="$work/timing.log"
tmux -u -S "$sock" -f /dev/null new-session -d -s k -x 80 -y 24 \
  "exec env LANG=C.UTF-8 QOIMA_STATE=$work $kiosk --bench-rows 100000 --timing-log $log"
wait_for "100000" 60000
for k in NPage NPage End Home F4 F4 / 9 9 9 9 BSpace BSpace BSpace BSpace Enter Down Down Up; do
  before=$(wc -l < "$log")
  tmux -S "$sock" send-keys -t k "$k"
  deadline=$(( $(now_ms) + 5000 ))
  while [ "$(wc -l < "$log")" -le "$before" ] && [ "$(now_ms)" -lt "$deadline" ]; do :; done
done
grep -v start_ms "$log" | sort -n | awk '{ a[NR] = $1 } END {
  p50 = a[int((NR - 1) * 0.5) + 1] / 1000; p95 = a[int((NR - 1) * 0.95) + 1] / 1000; mx = a[NR] / 1000;
  printf "kiosk 100k rows keystroke to redraw: %d keys, median %.2f ms, p95 %.2f ms, max %.2f ms; p95 ratio to 20 ms budget %.2f\n", NR, p50, p95, mx, p95 / 20 }'
