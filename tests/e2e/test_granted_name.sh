#!/usr/bin/env bash
# The granted name (二(三)2 "杭州市公共实训基地+名称或区域+分基地"): the
# bureau grants it at certification. close-publicity takes the proposed
# base_name unless the operator gives another (--name); the deadlines
# worker's close (no name) takes the proposed one. A name a live sub-base
# holds is refused, naming that sub-base; once it is revoked the name is
# free again. A name part ending in 分基地 (…分基地分基地) is refused, at
# apply and at close-publicity. --name on another transition is refused.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_clock_set 2026-03-02T10:00
sb_start_daemon

# ------------------------------------------------------------ 分基地分基地
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 9)" '.base_name = "西湖分基地"')"
sb_err_names "base_name" "…分基地分基地"

# ------------------------------------------------------------ the proposed name
a1=$(sb_apply 1 '.base_name = "西湖"')
sb_drive "$a1" certified
b1=$(sb_field "$a1" .base_id)
assert_json "$(sb_show "$b1")" .name "杭州市公共实训基地西湖分基地" "the proposed name is granted"

# ------------------------------------------------------------ held by a live sub-base
a2=$(sb_apply 2 '.base_name = "西湖"')
sb_drive "$a2" in_publicity
sb_publicity_over
sb_ctl_fails 1 conflict close-publicity "$a2" -r "no objection"
sb_err_names "杭州市公共实训基地西湖分基地 is held by sub-base $b1 (certified)" "--name"
assert_state "$a2" in_publicity
# another name given by the operator, checked the same way
sb_ctl_fails 1 conflict close-publicity "$a2" --name 西湖 -r "no objection"
sb_ctl_fails 1 invalid close-publicity "$a2" --name "西湖区分基地" -r "no objection"
sb_err_names "name" "…分基地分基地"
sb_ctl_fails 1 invalid review "$a2" --name 之江
sb_err_names "only close_publicity grants a name"
out=$(ctl close-publicity "$a2" --name "之江" -r "no objection; 名称由局确定")
assert_contains "$out" "certified" "close-publicity --name"
b2=$(sb_field "$a2" .base_id)
assert_json "$(sb_show "$b2")" .name "杭州市公共实训基地之江分基地" "the operator's name is granted"
assert_json "$(sb_show "$a2")" .form.base_name "西湖" "the application keeps what it proposed"

# ------------------------------------------------------------ free once not live
ctl revoke "$b1" --cause violation -r "violation confirmed" >/dev/null
a3=$(sb_apply 3 '.base_name = "西湖"')
sb_drive "$a3" certified
b3=$(sb_field "$a3" .base_id)
assert_json "$(sb_show "$b3")" .name "杭州市公共实训基地西湖分基地" "a revoked sub-base's name is free"

# ------------------------------------------------------------ a rename moves the name
# b2 becomes 钱塘 by the bureau's decision: 钱塘 is held, 之江 is free again
ctl rename "$b2" --name 钱塘 --decision "杭人社〔2027〕3号" -r "renamed by decision" >/dev/null
a4=$(sb_apply 4 '.base_name = "钱塘"')
sb_drive "$a4" in_publicity
sb_publicity_over
sb_ctl_fails 1 conflict close-publicity "$a4" -r "no objection"
sb_err_names "杭州市公共实训基地钱塘分基地 is held by sub-base $b2 (certified)"
ctl close-publicity "$a4" --name 之江 -r "no objection" >/dev/null
assert_json "$(sb_show "$(sb_field "$a4" .base_id)")" .name "杭州市公共实训基地之江分基地" \
    "the name a rename left is free"
sb_stop_daemon
