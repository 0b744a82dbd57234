#!/usr/bin/env bash
# scripts/commit-msg accepts 'area: summary' subjects of at most 72 characters followed by a
# blank line, and rejects the rest with a message saying why.
#   tests/scripts/commit_msg_checks_style.sh HOOK
set -uo pipefail
hook=$1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
fails=0
check() {   # check EXPECT(pass|fail) WHY MESSAGE...
    local expect=$1 why=$2
    shift 2
    printf '%s\n' "$@" > "$tmp"
    if bash "$hook" "$tmp" 2>/dev/null; then got=pass; else got=fail; fi
    if [ "$got" = "$expect" ]; then echo "ok   $why"; else echo "FAIL $why: $got"; fails=$((fails + 1)); fi
}
long=$(printf 'x%.0s' $(seq 1 69))
check pass "area and summary" "mm: flush the victim TLB too" "" "Why, and the figures."
check pass "several areas" "cpu, accel: reach the board through hooks" "" "body"
check pass "subject only" "docs: fix a typo"
check pass "72 characters" "mm: ${long:0:68}"
check fail "73 characters" "mm: ${long:0:69}"
check fail "no area" "Fix the victim TLB" "" "body"
check fail "capitalised area" "MM: flush" "" "body"
check fail "no space after the colon" "mm:flush" "" "body"
check fail "full stop" "mm: flush the victim TLB." "" "body"
check fail "body right after the subject" "mm: flush" "the reason" ""
check pass "git's comment lines ignored" "# Please enter the commit message" "mm: flush" "" "body"
check pass "merge" "Merge branch 'x'"
check pass "fixup" "fixup! mm: flush"
exit $((fails != 0))
