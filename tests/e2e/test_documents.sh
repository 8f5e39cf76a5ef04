#!/usr/bin/env bash
# Documents (issue point "documents"; docs/protocol.md "Documents"): files
# of any bytes are filed on an application and a sub-base with
# `skillbasectl documents add`, listed with kind, name, size, SHA-256, who
# and when, and read back byte for byte with `documents get` (also by a
# prefix of the hash); the event that files one carries its SHA-256 and
# the audit chain verifies; `show` lists them; a newer document supersedes
# an older one only with a reason and nothing is ever deleted; a file larger
# than [documents] max_mb is refused before anything is stored; a reader
# lists them but neither files nor reads one; the Python client adds and gets one, and the protocol
# refuses what the CLI would never send (a directory in the name, a hash
# that does not match, a chunk out of order, someone else's upload); the
# documents survive a restart, go into `backup`, and `--restore-check`
# verifies every file against its hash, reports a damaged copy, and
# accounts for files no record names (removed at the next start).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/python_lib.sh"
sb_python_setup

printf '[documents]\nmax_mb = 4\n' >"$SB_WORK/docs.ini"
sb_start_daemon --config "$SB_WORK/docs.ini"

id=$(sb_apply 1)
# any bytes: random binary (NULs, invalid UTF-8) and a Chinese file name
head -c 2500000 /dev/urandom >"$SB_WORK/营业执照.pdf"
printf '%%PDF-1.4 form\n' >"$SB_WORK/form.pdf"
sha=$(sha256sum "$SB_WORK/营业执照.pdf" | cut -d' ' -f1)

out=$(ctl documents add "$id" "$SB_WORK/营业执照.pdf" --kind license --original-sighted \
    -r "营业执照副本原件已核验" --media-type application/pdf)
assert_eq "$id: document 1, license, 2500000 bytes, sha256 $sha" "$out" "add's answer"
ctl documents add "$id" "$SB_WORK/form.pdf" --kind application_form >/dev/null

# list: kind, name, size, SHA-256, who, when
list=$(ctl --json documents list "$id")
assert_json "$list" 'length' 2 "two documents"
assert_json "$list" '.[0].kind' license "kind"
assert_json "$list" '.[0].name' 营业执照.pdf "name without its directory"
assert_json "$list" '.[0].size' 2500000 "size"
assert_json "$list" '.[0].sha256' "$sha" "sha256"
assert_json "$list" '.[0].added_by' e2e "who added it"
assert_json "$list" '.[0].original_sighted' true "original sighted"
assert_json "$list" '.[0].media_type' application/pdf "media type"
[ "$(jget "$list" '.[0].added_ms')" -gt 0 ] || sb_fail "no time added"
text=$(ctl documents list "$id")
assert_contains "$text" "license" "text list"
assert_contains "$text" "original sighted" "text list marks the sighted original"
# show lists them too (point 5)
assert_contains "$(ctl show "$id")" "sha256: $sha" "show lists the documents"

# get: the exact bytes, by number and by a prefix of the hash; to stdout too
ctl documents get "$id" 1 "$SB_WORK/back.pdf" >/dev/null 2>&1
cmp "$SB_WORK/营业执照.pdf" "$SB_WORK/back.pdf" || sb_fail "get returned other bytes"
ctl documents get "$id" "${sha:0:12}" "$SB_WORK/back2.pdf" >/dev/null 2>&1
cmp "$SB_WORK/营业执照.pdf" "$SB_WORK/back2.pdf" || sb_fail "get by hash prefix returned other bytes"
"$SKILLBASECTL" documents get "$id" 2 >"$SB_WORK/form.out"
cmp "$SB_WORK/form.pdf" "$SB_WORK/form.out" || sb_fail "get to stdout returned other bytes"
sb_ctl_fails 1 not_found documents get "$id" 9
sb_ctl_fails 1 not_found documents get "$id" 00000000

# the event carries the SHA-256; the hash chain covers it
hist=$(ctl --json history "$id")
assert_json "$hist" '.[1].topic' application.document_added "event topic"
assert_json "$hist" '.[1].record.application.documents[0].sha256' "$sha" "sha256 in the event"
assert_contains "$(ctl audit verify)" "match" "audit chain"

# supersede: needs a reason; the older one stays, marked
printf '%%PDF-1.4 form v2\n' >"$SB_WORK/form2.pdf"
sb_ctl_fails 1 invalid documents add "$id" "$SB_WORK/form2.pdf" --kind application_form --supersedes 2
sb_err_names "reason"
sb_ctl_fails 1 invalid documents add "$id" "$SB_WORK/form2.pdf" --kind application_form \
    --supersedes 7 -r "corrected form"
ctl documents add "$id" "$SB_WORK/form2.pdf" --kind application_form --supersedes 2 \
    -r "corrected form" >/dev/null
list=$(ctl --json documents list "$id")
assert_json "$list" 'length' 3 "nothing deleted"
assert_json "$list" '.[1].superseded_by' 3 "older one marked"
assert_json "$list" '.[2].supersedes' 2 "newer one names it"
sb_ctl_fails 1 conflict documents add "$id" "$SB_WORK/form2.pdf" --kind application_form \
    --supersedes 2 -r "again"

# refused before anything is stored: too large, unknown kind, sighted non-licence
head -c $((4 * 1048576 + 1)) /dev/zero >"$SB_WORK/big.bin"
before=$(jget "$(ctl --json status)" .last_seq)
sb_ctl_fails 1 invalid documents add "$id" "$SB_WORK/big.bin" --kind other
sb_err_names "4194305 bytes" "4194304" "[documents] max_mb" "nothing was stored"
[ -z "$(ls -A "$SB_STATE/documents/tmp")" ] || sb_fail "an oversized upload left a file"
sb_ctl_fails 1 invalid documents add "$id" "$SB_WORK/form.pdf" --kind passport
sb_err_names "kind" "passport"
sb_ctl_fails 1 invalid documents add "$id" "$SB_WORK/form.pdf" --kind other --original-sighted
sb_ctl_fails 2 invalid documents add "$id" "$SB_WORK/form.pdf"
sb_ctl_fails 1 not_found documents add app-000099 "$SB_WORK/form.pdf" --kind other
assert_eq "$before" "$(jget "$(ctl --json status)" .last_seq)" "no event for a refused upload"
# the daemon's rules list the kinds and the limit
rules=$(ctl --json rules)
assert_json "$rules" '.document_kinds | length' 11 "document kinds"
assert_json "$rules" '.document_kinds | index("payment_voucher") != null' true "the subsidy voucher kind"
assert_json "$rules" '[.settings[] | select(.name == "document_max_bytes")][0].value' 4194304 "limit"

# a sub-base has documents of its own
base=$(sb_new_base 2)
ctl documents add "$base" "$SB_WORK/form.pdf" --kind score_sheet -r "2026 score sheet" >/dev/null
assert_json "$(ctl --json documents list "$base")" '.[0].kind' score_sheet "sub-base document"
# show of a sub-base at a glance: its result per cycle and its documents (point 5)
ctl assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "2026 assessment" >/dev/null
glance=$(ctl show "$base")
assert_contains "$glance" "results per cycle" "show: results"
assert_match "$glance" "  cycle 1 \([0-9-]+ to [0-9-]+\): $(sb_today)  total [0-9.]+ \(base [0-9.]+, bonus [0-9.]+\)  (excellent|good|pass)  by e2e" "show: the cycle's result"
assert_match "$glance" "^1 +score_sheet +form.pdf" "show: the documents table"

# materials may name documents by SHA-256 (the reference strings stay accepted)
app2=$(sb_apply 3 ".materials.license = \"$sha\"")
assert_contains "$(ctl documents list "$app2")" "license            sha256 ${sha:0:16}..., not on file yet" "material named, not on file"
ctl documents add "$app2" "$SB_WORK/营业执照.pdf" --kind license >/dev/null
text=$(ctl documents list "$app2")
assert_contains "$text" "license            on file: document 1" "material on file"
assert_contains "$text" "application_form   reference DOC-" "reference material"

# ------------------------------------------------------------ the protocol, from Python
export SKILLBASE_ENDPOINT
pyout=$("$PY" "$SB_PY_CLIENT" document-add "$base" "$SB_WORK/营业执照.pdf" --kind license \
    --reason "from Python")
assert_json "$pyout" .sha256 "$sha" "Python add"
pyout=$("$PY" "$SB_PY_CLIENT" document-get "$base" 2 "$SB_WORK/py.pdf")
cmp "$SB_WORK/营业执照.pdf" "$SB_WORK/py.pdf" || sb_fail "Python get returned other bytes"
# the same bytes twice are stored once
[ "$(find "$SB_STATE/documents" -name "$sha" | wc -l)" -eq 1 ] || sb_fail "file stored twice"

"$PY" - "$id" <<'EOF' || sb_fail "hostile uploads were not refused as expected"
import hashlib, os, sys
import skillbase_client as sc
import skillbase_pb2 as pb
c = sc.Client(os.environ["SKILLBASE_ENDPOINT"], timeout_ms=5000)
entity = sys.argv[1]
def begin(name, data, sha=None, actor="e2e"):
    r = pb.Request(actor=actor)
    b = r.document_begin
    b.id, b.kind, b.name, b.size = entity, "other", name, len(data)
    b.sha256 = sha or hashlib.sha256(data).hexdigest()
    return c.call(r).upload
def chunk(up, off, data, actor="e2e"):
    r = pb.Request(actor=actor)
    r.document_chunk.upload_id, r.document_chunk.offset, r.document_chunk.data = up.upload_id, off, data
    return c.call(r).upload
def commit(up, actor="e2e"):
    r = pb.Request(actor=actor)
    r.document_commit.upload_id = up.upload_id
    return c.call(r)
def refused(code, text, fn, *a):
    try:
        fn(*a)
    except sc.Refused as e:
        assert e.reply.code == code, (e.reply.code, e.reply.message)
        assert text in e.reply.message, e.reply.message
        return
    raise AssertionError(f"not refused: {text}")
data = b"x" * 1000
for bad in ("../../etc/passwd", "a/b.pdf", "c:\\x.pdf", "..", "a\x01b"):
    refused(pb.INVALID, "name", begin, bad, data)
# a hash that does not match: refused at commit, the upload discarded
up = begin("x.bin", data, sha="0" * 64)
chunk(up, 0, data)
refused(pb.INVALID, "not the announced", commit, up)
refused(pb.NOT_FOUND, "no upload", commit, up)
# out of order, past the end, someone else's upload, an unknown one
up = begin("y.bin", data)
refused(pb.INVALID, "expected offset 0", chunk, up, 10, b"x")
refused(pb.INVALID, "past the announced size", chunk, up, 0, data + b"x")
refused(pb.FORBIDDEN, "another caller", chunk, up, 0, data, "mallory")
refused(pb.INVALID, "has 0 of its 1000 bytes", commit, up)
chunk(up, 0, data[:500])
chunk(up, 0, data[:500])          # sent again: accepted, ignored
assert chunk(up, 500, data[500:]).received == 1000
rec = commit(up).record
assert rec.application.documents[-1].name == "y.bin"
again = commit(up).record           # a commit sent again files nothing new
assert len(again.application.documents) == len(rec.application.documents)
fake = pb.UploadState(upload_id="f" * 32)
refused(pb.NOT_FOUND, "no upload", chunk, fake, 0, b"x")
# uploads left open: at most [documents] max_uploads (8), then busy
opened = 0
try:
    for _ in range(50):
        begin("open.bin", data)
        opened += 1
    raise AssertionError("no limit on open uploads")
except sc.Refused as e:
    assert e.reply.code == pb.BUSY, (e.reply.code, e.reply.message)
    assert "max_uploads" in e.reply.message, e.reply.message
assert 1 <= opened <= 8, opened
print("hostile uploads refused")
EOF

# ------------------------------------------------------------ a reader sees the list, not the bytes
sb_stop_daemon
printf '[documents]\nmax_mb = 4\n[security]\nipc_role = reader\n' >"$SB_WORK/reader.ini"
sb_start_daemon --config "$SB_WORK/reader.ini"
sb_ctl_fails 1 forbidden documents add "$id" "$SB_WORK/form.pdf" --kind other
sb_err_names "document_begin" "reader"
sb_ctl_fails 1 forbidden documents get "$id" 1 "$SB_WORK/reader.pdf"
sb_err_names "document_get" "reader"
[ ! -e "$SB_WORK/reader.pdf" ] || sb_fail "a refused get left its output"
assert_json "$(ctl --json documents list "$id")" 'length' 4 "a reader lists the documents"
sb_stop_daemon

# ------------------------------------------------------------ restart, backup, restore-check
sb_start_daemon --config "$SB_WORK/docs.ini"
assert_json "$(ctl --json documents list "$id")" 'length' 4 "documents after a restart"
out=$(ctl backup "$SB_TMP/backup")
assert_contains "$out" "verified" "backup"
n=$(find "$SB_TMP/backup/documents" -type f | wc -l)
assert_eq 4 "$n" "distinct files in the backup"
sb_run "$SKILLBASED" --restore-check "$SB_TMP/backup"
[ "$SB_RC" -eq 0 ] || sb_fail "restore-check of the backup: $SB_OUT $SB_ERR"
assert_contains "$SB_OUT" "7 documents, 4 files" "restore-check counts documents"
# a daemon on the backup serves the same bytes
sb_stop_daemon
cp -a "$SB_STATE" "$SB_TMP/live"
rm -rf "$SB_STATE"
cp -a "$SB_TMP/backup" "$SB_STATE"
sb_start_daemon
ctl documents get "$id" 1 "$SB_WORK/restored.pdf" >/dev/null 2>&1
cmp "$SB_WORK/营业执照.pdf" "$SB_WORK/restored.pdf" || sb_fail "restored bytes differ"
sb_stop_daemon

# a damaged file is found, named, and fails the check
f=$(find "$SB_TMP/backup/documents" -name "$sha")
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
sb_run "$SKILLBASED" --restore-check "$SB_TMP/backup"
[ "$SB_RC" -eq 1 ] || sb_fail "restore-check passed a damaged document"
assert_contains "$SB_ERR" "does not hash to its name" "damaged file named"
rm "$f"
sb_run "$SKILLBASED" --restore-check "$SB_TMP/backup"
[ "$SB_RC" -eq 1 ] || sb_fail "restore-check passed a missing document"
assert_contains "$SB_ERR" "missing" "missing file named"

# files no record names (an upload whose commit never happened) and a
# temporary file: accounted for, not problems, gone after the next start
orphan=$(printf 'never committed' | sha256sum | cut -d' ' -f1)
mkdir -p "$SB_STATE/documents/${orphan:0:2}" "$SB_STATE/documents/tmp"
printf 'never committed' >"$SB_STATE/documents/${orphan:0:2}/$orphan"
printf 'half' >"$SB_STATE/documents/tmp/0123.part"
sb_run "$SKILLBASED" --restore-check "$SB_STATE"
[ "$SB_RC" -eq 0 ] || sb_fail "restore-check failed on an unreferenced file: $SB_OUT $SB_ERR"
assert_contains "$SB_OUT" "1 unreferenced file(s)" "unreferenced file counted"
assert_contains "$SB_OUT" "1 file(s) of unfinished uploads" "temporary file counted"
sb_start_daemon
sb_stop_daemon
[ ! -e "$SB_STATE/documents/${orphan:0:2}/$orphan" ] || sb_fail "unreferenced file not removed at start"
[ -z "$(ls -A "$SB_STATE/documents/tmp")" ] || sb_fail "temporary file not removed at start"
sb_run "$SKILLBASED" --restore-check "$SB_STATE"
assert_contains "$SB_OUT" "0 unreferenced file(s)" "after the start"
sb_note "documents: add, list, get, supersede, limits, roles, Python, backup and restore-check"
