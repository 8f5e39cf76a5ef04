#!/usr/bin/env bash
# The unified social credit code (统一社会信用代码, GB 32100-2015) of an
# application: refused when malformed or when any part is wrong (the check
# character, the alphabet, the length, the organisation code's GB 11714-1997
# check digit, the registration authority, a division outside Hangzhou,
# 二(一)), each refusal naming unit.credit_code; one open application per
# code (a second refused as a conflict until the first is rejected or
# withdrawn); an old Hangzhou division accepted, and a declared district the
# division disagrees with accepted with a warning.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# ------------------------------------------------------------ credit code
good=$(sb_cc 1)
check=${good:17:1}
other=0
[ "$check" != 0 ] || other=1
sb_refused_form unit.credit_code ".unit.credit_code = \"${good:0:17}$other\""   # wrong check character
sb_refused_form unit.credit_code '.unit.credit_code = "91330100MI0000001X"'      # I is not in the alphabet
sb_refused_form unit.credit_code '.unit.credit_code = "91330100MO0000001X"'      # nor O
sb_refused_form unit.credit_code '.unit.credit_code = "91330100MS0000001X"'      # nor S
sb_refused_form unit.credit_code ".unit.credit_code = \"${good:0:17}\""         # 17 characters
sb_refused_form unit.credit_code ".unit.credit_code = \"${good}0\""              # 19 characters
sb_refused_form unit.credit_code '.unit.credit_code = ""'                        # missing
sb_refused_form unit.credit_code 'del(.unit.credit_code)'

# ------------------------------------------------------------ credit code: every part (GB 32100-2015, GB 11714-1997, 二(一))
# a valid code from Fuzhou (350100): not a unit 杭州市内
sb_refused_form unit.credit_code '.unit.credit_code = "91350100MA27XK9W0W"'
sb_err_names "administrative-division code 350100" "二(一)"
# the organisation code's GB 11714 check digit is wrong (1, expected 0)
sb_refused_form unit.credit_code '.unit.credit_code = "91330100MA27XK9W1P"'
sb_err_names "organisation code MA27XK9W1" "GB 11714"
# 9 (market regulation) registers 1-3, not 4
sb_refused_form unit.credit_code '.unit.credit_code = "94330100MA27XK9W0B"'
sb_err_names "registration authority 94"

# ------------------------------------------------------------ credit-code conflicts
sb_next_cc
cc=$SB_CC
a1=$(ctl apply "$(sb_form "$cc")")
sb_ctl_fails 1 conflict apply "$(sb_form "$cc")"
sb_drive "$a1" in_publicity
sb_ctl_fails 1 conflict apply "$(sb_form "$cc")"
ctl reject "$a1" -r "materials forged" >/dev/null
a2=$(ctl apply "$(sb_form "$cc")")
assert_ne "$a1" "$a2" "a new application after the first was rejected"
assert_state "$a2" applied
ctl withdraw "$a2" -r "unit withdraws" >/dev/null
a3=$(ctl apply "$(sb_form "$cc")")
assert_state "$a3" applied

# ------------------------------------------------------------ credit code: accepted, with a warning
# the old code of 下城区 (330103, merged into 拱墅区 in 2021) is accepted;
# a declared district the division disagrees with is a warning, no refusal
m=$(ctl apply "$(sb_form "91330103MA27XK9W00" '.unit.district = "拱墅区"')")
assert_json "$(sb_show "$m")" '.warnings // [] | length' 0 "no warning for 拱墅区 with 330103"
ctl withdraw "$m" -r "test" >/dev/null
w=$(ctl apply "$(sb_form "91330104MA2H4G7KX6" '.unit.district = "西湖区"')")
assert_json "$(sb_show "$w")" '.warnings[0]' "unit.district: 西湖区 is declared, but the credit code's division 330104 is 上城区 or 钱塘区" "district warning"
ctl withdraw "$w" -r "test" >/dev/null
