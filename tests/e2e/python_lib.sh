# shellcheck shell=bash
# Python for the end-to-end tests of the event stream and the Python client:
# Debian's interpreter with python3-zmq and python3-protobuf, and the
# protobuf module generated here by protoc from proto/skillbase.proto (never
# committed). Source after lib.sh and sb_setup; then sb_python_setup sets
# PY (the interpreter), PYTHONPATH and SB_PY_CLIENT (the example client).

sb_python_setup() {
    # Debian's interpreter, which python3-zmq and python3-protobuf belong to
    PY=python3
    [ ! -x /usr/bin/python3 ] || PY=/usr/bin/python3
    command -v protoc >/dev/null || sb_fail "protoc is required (Debian package protobuf-compiler)"
    "$PY" -c 'import zmq, google.protobuf' 2>/dev/null ||
        sb_fail "$PY cannot import zmq and google.protobuf (Debian packages python3-zmq, python3-protobuf)"
    mkdir -p "$SB_WORK/py"
    protoc --python_out="$SB_WORK/py" -I "$SB_REPO_DIR/proto" "$SB_REPO_DIR/proto/skillbase.proto" ||
        sb_fail "protoc could not generate the Python module"
    export PYTHONPATH="$SB_WORK/py:$SB_REPO_DIR/clients/python"
    SB_PY_CLIENT=$SB_REPO_DIR/clients/python/skillbase_client.py
}
