#!/usr/bin/env bash
# Documents over tcp:// with CURVE keys of the real roles (docs/security.md,
# "Documents"): an operator files a document from the Python client and the
# audit trail names the key; a reviewer reads it back byte for byte; a
# reader is refused both filing and reading (personal data), and a
# reviewer cannot write into the operator's upload.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/python_lib.sh"
sb_python_setup

keys=$SB_WORK/keys.ini
for k in op rev rdr; do ctl keygen "$SB_WORK/$k.key" >/dev/null; done
ctl --keys "$keys" keys add op --role operator --public-key "$SB_WORK/op.key" >/dev/null
ctl --keys "$keys" keys add rev --role reviewer --public-key "$SB_WORK/rev.key" >/dev/null
ctl --keys "$keys" keys add rdr --role reader --public-key "$SB_WORK/rdr.key" >/dev/null
printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/curve.ini"
sb_start_daemon_tcp "$SB_WORK/op.key" --config "$SB_WORK/curve.ini" --log-level warn
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/op.key
unset SKILLBASE_ACTOR

id=$(sb_apply 1)
head -c 1500000 /dev/urandom >"$SB_WORK/staff.pdf"
sha=$(sha256sum "$SB_WORK/staff.pdf" | cut -d' ' -f1)
out=$("$PY" "$SB_PY_CLIENT" document-add "$id" "$SB_WORK/staff.pdf" --kind staff_credentials)
assert_json "$out" .sha256 "$sha" "filed over CURVE"
assert_json "$out" .added_by op "the key's name is who added it"
assert_json "$(ctl --json history "$id")" '.[1].actor' op "the event's actor"

# a reviewer reads it
SKILLBASE_KEY_FILE=$SB_WORK/rev.key "$PY" "$SB_PY_CLIENT" document-get "$id" 1 "$SB_WORK/rev.pdf" >/dev/null
cmp "$SB_WORK/staff.pdf" "$SB_WORK/rev.pdf" || sb_fail "the reviewer read other bytes"
# a reader may neither file nor read
SKILLBASE_KEY_FILE=$SB_WORK/rdr.key sb_run "$PY" "$SB_PY_CLIENT" document-add "$id" "$SB_WORK/staff.pdf" --kind other
assert_eq 1 "$SB_RC" "a reader's upload"
assert_contains "$SB_ERR" "forbidden" "a reader's upload"
SKILLBASE_KEY_FILE=$SB_WORK/rdr.key sb_run "$PY" "$SB_PY_CLIENT" document-get "$id" 1 "$SB_WORK/rdr.pdf"
assert_eq 1 "$SB_RC" "a reader's download"
assert_contains "$SB_ERR" "forbidden" "a reader's download"
[ ! -e "$SB_WORK/rdr.pdf" ] || sb_fail "a refused download left a file"
SKILLBASE_KEY_FILE=$SB_WORK/rdr.key sb_run "$SKILLBASECTL" --json documents list "$id"
assert_eq 0 "$SB_RC" "a reader lists the documents"
# the reviewer cannot write into the operator's upload
"$PY" - "$id" "$SB_WORK/rev.key" <<'PY' || sb_fail "another key's chunk was not refused"
import hashlib, os, sys
import skillbase_client as sc
import skillbase_pb2 as pb
op = sc.Client(os.environ["SKILLBASE_ENDPOINT"], curve=sc.Curve.from_args(None, None))
rev = sc.Client(os.environ["SKILLBASE_ENDPOINT"], curve=sc.Curve.from_args(None, sys.argv[2]))
r = pb.Request()
b = r.document_begin
b.id, b.kind, b.name, b.size, b.sha256 = sys.argv[1], "other", "x.bin", 10, hashlib.sha256(b"0123456789").hexdigest()
up = op.call(r).upload
r = pb.Request()
r.document_chunk.upload_id, r.document_chunk.offset, r.document_chunk.data = up.upload_id, 0, b"0123456789"
try:
    rev.call(r)
    raise SystemExit("accepted")
except sc.Refused as e:
    assert e.reply.code == pb.FORBIDDEN and "another caller" in e.reply.message, e.reply.message
PY
sb_note "documents over CURVE: operator files, reviewer reads, reader refused"
