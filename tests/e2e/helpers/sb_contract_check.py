#!/usr/bin/env python3
"""Checks of the wire contract against a running skillbased, from Python.

Python's protobuf is the strict reader the contract must satisfy: it refuses
a whole message whose string field holds bytes that are not UTF-8. Each
subcommand sends hand-made frames on a DEALER and checks the replies; it
prints one line per case and exits 1 on the first failure.

    sb_contract_check.py ENDPOINT replies      # every reply parses; MALFORMED ids
    sb_contract_check.py ENDPOINT commands     # unknown vs missing command
    sb_contract_check.py ENDPOINT text CC      # NUL, C1, DEL, bidi, separators refused
    sb_contract_check.py ENDPOINT paging APP   # next passes unchanged; limit applied
    sb_contract_check.py ENDPOINT rules        # the rules in force (prints JSON)
    sb_contract_check.py - names               # no field is a keyword of a major language

Needs skillbase_pb2 (protoc --python_out) on PYTHONPATH.
"""

import json
import sys

import zmq
from google.protobuf import json_format
from google.protobuf.message import DecodeError

import skillbase_pb2 as pb

TIMEOUT_MS = 5000


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def ok(name, what=""):
    print(f"case {name:<34} ok {what}")


class Conn:
    def __init__(self, endpoint):
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)

    def raw(self, frame):
        """Send one request frame; return the Reply, parsed strictly."""
        self.sock.send_multipart([b"", frame])
        if not self.sock.poll(TIMEOUT_MS):
            fail(f"no reply within {TIMEOUT_MS} ms to {frame[:40]!r}")
        frames = self.sock.recv_multipart()
        if len(frames) != 2 or frames[0] != b"":
            fail(f"reply of unexpected shape: {frames!r}")
        reply = pb.Reply()
        try:
            reply.ParseFromString(frames[1])
        except DecodeError as e:
            fail(f"the reply to {frame[:40]!r} does not parse in Python: {e}")
        return reply

    def call(self, req):
        req.protocol = req.protocol or 1
        return self.raw(req.SerializeToString())


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, payload):
    """A length-delimited field."""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def expect(reply, code, name, request_id=None, contains=()):
    got = pb.ErrorCode.Name(reply.code)
    if got != code:
        fail(f"{name}: expected {code}, got {got}: {reply.message}")
    if request_id is not None and reply.request_id != request_id:
        fail(f"{name}: expected request_id {request_id!r}, got {reply.request_id!r}")
    for c in contains:
        if c not in reply.message:
            fail(f"{name}: message {reply.message!r} lacks {c!r}")
    ok(name, f"-> {got}: {reply.message}")


PROTOCOL_1 = b"\x08\x01"
STATUS = field(43, b"")


def check_replies(conn):
    # a request id that is not UTF-8: the reply still parses; the id comes
    # back as bytes, the text field stays empty
    bad_id = b"\xc0\xaf-not-utf8"
    r = conn.raw(PROTOCOL_1 + field(2, bad_id) + STATUS)
    expect(r, "INVALID", "request-id-not-utf8", "", ["request_id"])
    if r.raw_request_id != bad_id:
        fail(f"raw_request_id {r.raw_request_id!r}, expected {bad_id!r}")
    # the same with a protocol the daemon does not serve (refused earlier)
    r = conn.raw(b"\x08\x02" + field(2, bad_id) + STATUS)
    expect(r, "UNSUPPORTED_PROTOCOL", "request-id-not-utf8-protocol-2", "")
    # an actor, and a string deep inside a command
    r = conn.raw(PROTOCOL_1 + field(2, b"a1") + field(4, b"op\xff") + STATUS)
    expect(r, "INVALID", "actor-not-utf8", "a1", ["actor"])
    unit = field(1, b"\xe4\xb8") + field(2, b"91330100MA00000010")
    form = field(1, unit)
    r = conn.raw(PROTOCOL_1 + field(2, b"a2") + field(10, field(1, form)))
    expect(r, "INVALID", "nested-string-not-utf8", "a2", ["apply.form.unit.name"])
    # a refusal quoting the request's text cut short (a date of 20 Chinese
    # characters, quoted to 40 bytes) still parses
    long_date = "二〇二六年三月十日星期二上午九时整北京时间".encode()
    ingest = (field(1, b"market-registry") + field(2, b"MR-9") + field(3, b"complaint.verified")
              + field(4, b"base-000001") + field(5, long_date))
    r = conn.raw(PROTOCOL_1 + field(2, b"a3") + field(80, ingest))
    expect(r, "INVALID", "message-quoting-cut-text", "a3", ["occurred_on"])
    # MALFORMED: empty frame; garbage; a frame cut off after its id
    expect(conn.raw(b""), "MALFORMED", "empty-frame", "", ["empty"])
    expect(conn.raw(b"\xff\xff\xff\xff\x0f"), "MALFORMED", "garbage", "")
    whole = PROTOCOL_1 + field(2, b"cut-7") + field(40, field(1, b"app-000001"))
    expect(conn.raw(whole[:-4]), "MALFORMED", "cut-off-frame", "cut-7")


def check_commands(conn, version):
    r = conn.raw(PROTOCOL_1 + field(2, b"c1") + field(1001, b"\x08\x01"))
    expect(r, "UNKNOWN_COMMAND", "unknown-command-1001", "c1",
           ["1001", f"skillbase {version}", "protocol 1"])
    r = conn.raw(PROTOCOL_1 + field(2, b"c2"))
    expect(r, "INVALID", "no-command", "c2", ["no command"])
    # a known command with an unknown field inside: proto3 ignores it
    r = conn.raw(PROTOCOL_1 + field(2, b"c3") + field(43, field(99, b"x")))
    expect(r, "OK", "known-command-unknown-inner-field", "c3")


def check_text(conn, cc):
    def ingest(event_id, rid):
        return conn.raw(PROTOCOL_1 + field(2, rid.encode()) + field(4, b"service:market-registry")
                        + field(80, field(1, b"market-registry") + field(2, event_id)
                                + field(3, b"complaint.verified") + field(4, cc.encode())
                                + field(6, b"x")))
    for eid, rid in ((b"MR-1\x00a", "n1"), (b"MR-1\x00b", "n2")):
        r = ingest(eid, rid)
        expect(r, "INVALID", f"nul-in-event-id-{rid}", rid, ["ingest.event_id", "NUL"])
    cases = [
        ("c1-nel-in-actor", field(4, "op\u0085x".encode()) + STATUS, "actor", "U+0085"),
        ("del-in-show-id", field(40, field(1, b"app-00\x7f001")), "show.id", "U+007F"),
        ("bidi-override-in-actor", field(4, "op\u202ex".encode()) + STATUS, "actor", "U+202E"),
        ("isolate-in-reason", field(11, field(1, b"app-000001") + field(2, "a\u2066b".encode())),
         "review.reason", "U+2066"),
        ("line-separator-in-reason",
         field(11, field(1, b"app-000001") + field(2, "a\u2028b".encode())),
         "review.reason", "U+2028"),
        ("paragraph-separator-in-id", field(40, field(1, "app\u2029".encode())), "show.id",
         "U+2029"),
        ("newline-in-request-id", None, "request_id", "U+000A"),
    ]
    for name, body, path, what in cases:
        if body is None:
            r = conn.raw(PROTOCOL_1 + field(2, b"x\ny") + STATUS)
            expect(r, "INVALID", name, "", [path, what])
            if r.raw_request_id != b"x\ny":
                fail(f"{name}: raw_request_id {r.raw_request_id!r}")
            continue
        r = conn.raw(PROTOCOL_1 + field(2, name.encode()) + body)
        expect(r, "INVALID", name, name, [path, what])
    # several bad strings: every one listed
    body = field(4, b"a\x01") + field(11, field(1, b"app\x00") + field(2, b"r\x7f"))
    r = conn.raw(PROTOCOL_1 + field(2, b"many") + body)
    expect(r, "INVALID", "every-bad-string-listed", "many")
    if len(r.details) != 3:
        fail(f"expected 3 details, got {list(r.details)}")


def page_through(conn, make, get_items, get_next, set_next, limit):
    """Collect every item by following each page's next unchanged."""
    items, cursor, pages = [], None, 0
    while True:
        req = make()
        if cursor is not None:
            set_next(req, cursor)
        r = conn.call(req)
        if r.code != pb.OK:
            fail(f"paging refused: {r.message}")
        if r.page_limit != limit:
            fail(f"page_limit {r.page_limit}, expected {limit}")
        items += get_items(r)
        cursor = get_next(r)
        pages += 1
        if not cursor or pages > 1000:
            return items, pages


def check_paging(conn, app):
    def hist(limit):
        req = pb.Request(request_id="h")
        req.history.id = app
        req.history.limit = limit
        return req
    full = conn.call(hist(1000))
    want = [e.seq for e in full.events.events]
    if len(want) < 3:
        fail(f"history of {app} has {len(want)} events; the test needs 3 or more")
    got, pages = page_through(conn, lambda: hist(2), lambda r: [e.seq for e in r.events.events],
                              lambda r: r.events.next_seq,
                              lambda q, c: setattr(q.history, "from_seq", c), 2)
    if got != want:
        fail(f"history by pages of 2 via from_seq: {got}, expected {want}")
    ok("history-next-seq-as-from-seq", f"{len(got)} events in {pages} pages")

    def events(limit):
        req = pb.Request(request_id="e")
        req.read_events.limit = limit
        return req
    last = conn.call(events(1)).events.last_seq
    got, pages = page_through(conn, lambda: events(3), lambda r: [e.seq for e in r.events.events],
                              lambda r: r.events.next_seq,
                              lambda q, c: setattr(q.read_events, "from_seq", c), 3)
    if got != list(range(1, last + 1)):
        fail(f"read_events by pages of 3: {got}, expected 1..{last}")
    ok("read-events-next-seq-as-from-seq", f"{len(got)} events in {pages} pages")

    def lst(limit):
        req = pb.Request(request_id="l")
        req.list.limit = limit
        return req
    want = [json_format.MessageToDict(x) for x in conn.call(lst(1000)).page.records]
    got, pages = page_through(conn, lambda: lst(1),
                              lambda r: [json_format.MessageToDict(x) for x in r.page.records],
                              lambda r: r.page.next, lambda q, c: setattr(q.list, "after", c), 1)
    if got != want or len(got) < 2:
        fail(f"list by pages of 1: {len(got)} records, expected {len(want)} (2 or more)")
    ok("list-next-as-after", f"{len(got)} records in {pages} pages")

    def jobs(limit):
        req = pb.Request(request_id="j")
        req.list_jobs.limit = limit
        return req
    want = [j.id for j in conn.call(jobs(1000)).jobs.jobs]
    got, pages = page_through(conn, lambda: jobs(2), lambda r: [j.id for j in r.jobs.jobs],
                              lambda r: r.jobs.next, lambda q, c: setattr(q.list_jobs, "after", c),
                              2)
    if got != want or len(got) < 3:
        fail(f"list_jobs by pages of 2: {got}, expected {want} (3 or more)")
    ok("list-jobs-next-as-after", f"{len(got)} jobs in {pages} pages")

    # the limit applied, for each paged read
    for name, make in (("list", lst), ("history", hist), ("read_events", events),
                       ("list_jobs", jobs)):
        for asked, applied in ((0, 100), (7, 7), (1000, 1000), (5000, 1000), (2**32 - 1, 1000)):
            r = conn.call(make(asked))
            if r.code != pb.OK or r.page_limit != applied:
                fail(f"{name} limit {asked}: code {r.code} page_limit {r.page_limit}, "
                     f"expected {applied}")
        ok(f"{name}-limit-applied", "0->100, 7->7, 5000->1000")
    # after_seq and from_seq together are refused
    req = hist(2)
    req.history.after_seq = 1
    req.history.from_seq = 2
    r = conn.call(req)
    expect(r, "INVALID", "history-after-and-from", "h", ["from_seq"])


def check_rules(conn):
    req = pb.Request(request_id="rules")
    req.rules.SetInParent()
    r = conn.call(req)
    expect(r, "OK", "rules", "rules")
    print(json.dumps(json_format.MessageToDict(r.rules, preserving_proto_field_name=True),
                     ensure_ascii=False), file=sys.stderr)


# Keywords and reserved words of languages people generate clients in. A
# field named after one is renamed or unusable in that language's code.
KEYWORDS = {
    "python": """False None True and as assert async await break class continue def del
        elif else except finally for from global if import in is lambda nonlocal not or pass
        raise return try while with yield""",
    "javascript": """break case catch class const continue debugger default delete do else
        enum export extends false finally for function if import in instanceof new null return
        super switch this throw true try typeof var void while with yield let static
        implements interface package private protected public await""",
    "go": """break case chan const continue default defer else fallthrough for func go goto
        if import interface map package range return select struct switch type var""",
    "c": """auto break case char const continue default do double else enum extern float for
        goto if inline int long register restrict return short signed sizeof static struct
        switch typedef union unsigned void volatile while _Bool _Complex _Imaginary""",
    "c++": """alignas alignof and and_eq asm bitand bitor bool catch char16_t char32_t class
        compl concept constexpr const_cast co_await co_return co_yield decltype delete
        dynamic_cast explicit export false friend mutable namespace new noexcept not not_eq
        nullptr operator or or_eq private protected public reinterpret_cast requires
        static_assert static_cast template this thread_local throw true try typeid typename
        using virtual wchar_t xor xor_eq""",
    "java": """abstract assert boolean break byte case catch char class const continue default
        do double else enum extends final finally float for goto if implements import
        instanceof int interface long native new package private protected public return
        short static strictfp super switch synchronized this throw throws transient try void
        volatile while true false null""",
    "c#": """abstract as base bool break byte case catch char checked class const continue
        decimal default delegate do double else enum event explicit extern false finally
        fixed float for foreach goto if implicit in int interface internal is lock long
        namespace new null object operator out override params private protected public
        readonly ref return sbyte sealed short sizeof stackalloc static string struct switch
        this throw true try typeof uint ulong unchecked unsafe ushort using virtual void
        volatile while""",
}


def camel(name, upper):
    parts = name.split("_")
    head = parts[0].capitalize() if upper else parts[0]
    return head + "".join(p.capitalize() for p in parts[1:])


# The identifier each language's protobuf code generator makes of a field
# name: Python, C (protobuf-c) and C++ use it as it is; JavaScript turns it
# lowerCamelCase, Java too (getters and builder fields add more), Go and C#
# UpperCamelCase (which no keyword of theirs can be).
IDENTIFIER = {
    "python": lambda n: n,
    "c": lambda n: n,
    "c++": lambda n: n,
    "javascript": lambda n: camel(n, False),
    "java": lambda n: camel(n, False),
    "go": lambda n: camel(n, True),
    "c#": lambda n: camel(n, True),
}


def check_names():
    words = {lang: set(text.split()) for lang, text in KEYWORDS.items()}
    bad = []
    fields = 0

    def check(what, name):
        langs = [lang for lang in words if IDENTIFIER[lang](name) in words[lang]]
        if langs:
            bad.append(f"{what} ({', '.join(langs)})")

    def walk(msg):
        nonlocal fields
        for f in msg.fields:
            fields += 1
            check(f"{msg.name}.{f.name}", f.name)
        for o in msg.oneofs:
            check(f"{msg.name} oneof {o.name}", o.name)
        for n in msg.nested_types:
            walk(n)
    for m in pb.DESCRIPTOR.message_types_by_name.values():
        walk(m)
    if bad:
        fail("fields named after a keyword: " + "; ".join(bad))
    if pb.Evaluate.DESCRIPTOR.fields_by_name["passed"].number != 3:
        fail("Evaluate.passed is not field 3")
    ok("no-keyword-field-names", f"{fields} fields, keywords of {len(words)} languages")


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    endpoint, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "names":
        return check_names()
    conn = Conn(endpoint)
    if what == "replies":
        check_replies(conn)
    elif what == "commands":
        check_commands(conn, args[0])
    elif what == "text":
        check_text(conn, args[0])
    elif what == "paging":
        check_paging(conn, args[0])
    elif what == "rules":
        check_rules(conn)
    else:
        fail(f"unknown check {what}")


if __name__ == "__main__":
    main()
