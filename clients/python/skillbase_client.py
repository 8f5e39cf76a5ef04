#!/usr/bin/env python3
"""A small example client of skillbased, in Python.

It speaks the wire contract of proto/skillbase.proto over ZeroMQ, as
docs/protocol.md describes it, using only Debian's python3-zmq and
python3-protobuf and the module protoc generates from the same .proto:

    protoc --python_out=OUT -I proto proto/skillbase.proto
    PYTHONPATH=OUT:clients/python python3 clients/python/skillbase_client.py status

(The generated skillbase_pb2.py is never committed; generate it from the
.proto of the daemon you talk to.)

What it shows:
  * Client: requests on the command endpoint (a DEALER sending
    [empty][Request], receiving [empty][Reply]), with the Lazy Pirate retry:
    the same bytes, the same request id and idempotency key on every try.
  * Follower: the event stream with catch-up from the log and no gap and no
    duplicate, across reconnects and daemon restarts.
  * apply, follow, ingest and status as a command line:

    skillbase_client.py [--endpoint EP] apply FORM.json [--credit-code CC]
    skillbase_client.py [--endpoint EP] follow [--from N] [--topic PREFIX]
                                             [--until-seq N] [--wait S]
    skillbase_client.py [--endpoint EP] ingest --source S --id ID --type T
                        --entity X [--reason TEXT] [--occurred-on DATE]
                        [--competition NAME,LEVEL,DATE]
    skillbase_client.py [--endpoint EP] status
    skillbase_client.py [--endpoint EP] rules      # the rules in force, as JSON
    skillbase_client.py [--endpoint EP] document-add ID FILE --kind KIND [--reason TEXT]
    skillbase_client.py [--endpoint EP] document-get ID DOC OUT

  * CURVE on tcp:// endpoints, as skillbasectl does it: the daemon's public
    key (--server-key KEY|FILE or $SKILLBASE_SERVER_KEY: 40 Z85 characters,
    or a file such as the daemon's server.pub) and this client's key pair
    (--key-file FILE or $SKILLBASE_KEY_FILE, written by `skillbasectl keygen`,
    mode 0600), whose public key the daemon's keys file lists with a role
    (docs/security.md). Over tcp:// the daemon records the key's name as the
    actor, whatever Request.actor says.

Exit status: 0 done, 1 refused by the daemon (code and message on stderr),
2 bad usage, 3 no answer.
"""

import argparse
import configparser
import hashlib
import json
import os
import stat
import secrets
import sys
import time

import zmq
from google.protobuf import json_format

import skillbase_pb2 as pb

PROTOCOL = 1          # the protocol version this client speaks (Request.protocol)
HEARTBEAT_TOPIC = b"heartbeat"
PAGE = 1000           # ReadEvents limit: at most 1000


class Unavailable(Exception):
    """The daemon did not answer after every try."""


class Refused(Exception):
    """The daemon answered with an error code."""

    def __init__(self, reply):
        self.reply = reply
        name = pb.ErrorCode.Name(reply.code).lower()
        text = reply.message
        if reply.details:
            text += ": " + "; ".join(reply.details)
        super().__init__(f"{name}: {text}")


class KeyError_(Exception):
    """A key or key file that cannot be used."""


def _key_from_file(path, need_secret):
    """(public, secret) Z85 keys of a key file: INI, section [curve] with
    public_key and (a key pair) secret_key, as skillbasectl keygen writes it."""
    if need_secret and os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(f"{path}: a secret key file must not be readable by group or others "
                        "(chmod 600)")
    cp = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="ascii") as f:
        cp.read_file(f)
    if not cp.has_option("curve", "public_key"):
        raise KeyError_(f"{path}: no [curve] public_key")
    public = cp.get("curve", "public_key").strip()
    secret = cp.get("curve", "secret_key", fallback="").strip()
    for what, key in (("public_key", public), ("secret_key", secret)):
        if key and len(key) != 40:
            raise KeyError_(f"{path}: {what} is not 40 Z85 characters")
    if need_secret:
        if not secret:
            raise KeyError_(f"{path}: no [curve] secret_key (a key pair is needed)")
        if zmq.curve_public(secret.encode()).decode() != public:
            raise KeyError_(f"{path}: the secret key does not belong to the public key")
    return public, secret


class Curve:
    """What a socket needs for CURVE: the daemon's public key and this
    client's key pair (all Z85)."""

    def __init__(self, server_key, key_file):
        if os.path.exists(server_key):
            server_key = _key_from_file(server_key, False)[0]
        elif len(server_key) != 40:
            raise KeyError_(f"server key {server_key!r}: neither a file nor 40 Z85 characters")
        self.server_public = server_key
        self.public, self.secret = _key_from_file(key_file, True)

    @classmethod
    def from_args(cls, server_key=None, key_file=None):
        """From the options or the environment, as skillbasectl; None when
        neither is given (ipc://), an error when only one is."""
        server_key = server_key or os.environ.get("SKILLBASE_SERVER_KEY")
        key_file = key_file or os.environ.get("SKILLBASE_KEY_FILE")
        if not server_key and not key_file:
            return None
        if not server_key or not key_file:
            raise KeyError_("CURVE needs both the daemon's public key (--server-key, "
                            "SKILLBASE_SERVER_KEY) and a key file (--key-file, SKILLBASE_KEY_FILE)")
        return cls(server_key, key_file)

    def apply(self, sock):
        sock.setsockopt(zmq.CURVE_SERVERKEY, self.server_public.encode())
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self.public.encode())
        sock.setsockopt(zmq.CURVE_SECRETKEY, self.secret.encode())


WRITES = {"apply", "review", "evaluate", "file_objection", "dismiss_objection",
          "uphold_objection", "close_publicity", "reject", "withdraw", "assess",
          "revoke", "ingest", "document_commit",
          "amend", "decide_project", "rename", "exit_base", "plaque_returned"}


class Client:
    """Request/reply on the command endpoint (Lazy Pirate)."""

    def __init__(self, endpoint, timeout_ms=5000, retries=2, context=None,
                 protocol=PROTOCOL, curve=None):
        self.endpoint = endpoint
        self.curve = curve                    # a Curve for tcp://, None for ipc://
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.protocol = protocol
        self.context = context or zmq.Context.instance()
        self.sock = None

    def _open(self):
        self.sock = self.context.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if self.curve is not None:
            self.curve.apply(self.sock)
        self.sock.connect(self.endpoint)

    def close(self):
        if self.sock is not None:
            self.sock.close(0)
            self.sock = None

    def call(self, req):
        """Send a Request and return its Reply (raises Refused, Unavailable).

        Fills in protocol, a fresh request id and, for writes, a fresh
        idempotency key, then sends the same bytes up to 1 + retries times.
        """
        req.protocol = self.protocol
        if not req.request_id:
            req.request_id = secrets.token_hex(8)
        if req.WhichOneof("command") in WRITES and not req.idempotency_key:
            req.idempotency_key = secrets.token_hex(16)
        frame = req.SerializeToString()
        for _ in range(1 + self.retries):
            if self.sock is None:
                self._open()
            self.sock.send_multipart([b"", frame])
            deadline = time.monotonic() + self.timeout_ms / 1000
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not self.sock.poll(int(left * 1000)):
                    break
                frames = self.sock.recv_multipart()
                if len(frames) != 2 or frames[0] != b"":
                    continue                     # not a reply: ignore
                reply = pb.Reply()
                reply.ParseFromString(frames[1])
                if reply.request_id != req.request_id:
                    continue                     # a late answer to an earlier try
                if reply.code != pb.OK:
                    raise Refused(reply)
                return reply
            # no answer: drop the socket and what it queued, try again
            self.close()
        raise Unavailable(f"no answer from {self.endpoint} after {1 + self.retries} tries")

    # -------------------------------------------------------------- commands

    def status(self):
        req = pb.Request(actor="python-example")
        req.status.SetInParent()
        return self.call(req).status

    def apply(self, form, actor="python-example"):
        req = pb.Request(actor=actor)
        req.apply.form.CopyFrom(form)
        return self.call(req)

    def rules(self):
        """The rules in force (RulesInfo): rubric, grades, publicity length,
        districts, unit types, revocation causes, ingest types, limits."""
        req = pb.Request(actor="python-example")
        req.rules.SetInParent()
        return self.call(req).rules

    def document_add(self, entity, path, kind, reason="", media_type="",
                     original_sighted=False, supersedes=0, actor="python-example"):
        """File the document at `path` on record `entity` (docs/protocol.md,
        "Documents"): announce size and SHA-256, send the bytes in chunks of
        the size the daemon names, commit. Returns the Document filed."""
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)
                size += len(block)
        req = pb.Request(actor=actor)
        b = req.document_begin
        b.id, b.kind, b.name, b.size = entity, kind, os.path.basename(path), size
        b.sha256, b.reason, b.media_type = digest.hexdigest(), reason, media_type
        b.original_sighted, b.supersedes = original_sighted, supersedes
        up = self.call(req).upload
        with open(path, "rb") as f:
            offset = 0
            while offset < size:
                data = f.read(up.chunk_max)
                if not data:
                    raise ValueError(f"{path} changed while it was sent")
                req = pb.Request(actor=actor)
                req.document_chunk.upload_id = up.upload_id
                req.document_chunk.offset = offset
                req.document_chunk.data = data
                self.call(req)
                offset += len(data)
        req = pb.Request(actor=actor)
        req.document_commit.upload_id = up.upload_id
        rec = self.call(req).record
        docs = rec.sub_base.documents if rec.HasField("sub_base") else rec.application.documents
        return next(d for d in docs if d.upload_id == up.upload_id)

    def document_get(self, entity, doc, out_path):
        """Write document `doc` (its number or 8+ hex digits of its SHA-256)
        of `entity` to out_path, checked against its SHA-256. Returns it."""
        digest, offset, tmp = hashlib.sha256(), 0, out_path + ".part"
        with open(tmp, "wb") as out:
            while True:
                req = pb.Request(actor="python-example")
                g = req.document_get
                g.id, g.doc, g.offset = entity, str(doc), offset
                part = self.call(req).document
                out.write(part.data)
                digest.update(part.data)
                offset += len(part.data)
                if part.eof:
                    break
                if not part.data:
                    raise ValueError("the daemon sent no bytes before the end")
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != part.document.sha256 or offset != part.document.size:
            os.unlink(tmp)
            raise ValueError(f"the bytes received do not hash to {part.document.sha256}")
        os.rename(tmp, out_path)
        return part.document

    def read_events(self, from_seq, limit=PAGE, topic_prefix=""):
        req = pb.Request(actor="python-example")
        req.read_events.from_seq = from_seq
        req.read_events.limit = limit
        req.read_events.topic_prefix = topic_prefix
        return self.call(req).events

    def ingest(self, source, event_id, type_, entity, reason="", occurred_on="",
               competition=None, service=None):
        """Report a fact; idempotent on (source, event_id)."""
        req = pb.Request(actor="service:" + source)
        ing = req.ingest
        ing.source, ing.event_id, ing.type, ing.entity = source, event_id, type_, entity
        ing.reason, ing.occurred_on = reason, occurred_on
        if competition is not None:
            ing.competition.CopyFrom(competition)
        if service is not None:
            ing.service.CopyFrom(service)
        return self.call(req)


def event_endpoint_of(client):
    """Where the daemon publishes: StatusInfo.event_endpoint, with a wildcard
    host replaced by the host of the command endpoint."""
    ep = client.status().event_endpoint
    for wild in ("tcp://*:", "tcp://0.0.0.0:", "tcp://[::]:"):
        if ep.startswith(wild) and client.endpoint.startswith("tcp://"):
            host = client.endpoint[len("tcp://"):].rsplit(":", 1)[0]
            return f"tcp://{host}:{ep[len(wild):]}"
    return ep


class Follower:
    """Every event from a sequence number on, in order, each exactly once.

    Subscribe first (to every topic: gaps are only visible in the full
    sequence), then read the log until caught up, then take events from the
    stream. A live event below the next sequence owed is a duplicate; one
    above it, or a heartbeat announcing a higher last sequence, means
    something was missed, and the log is read again from the next sequence.
    """

    def __init__(self, client, from_seq=1, topic_prefix="", event_endpoint=None):
        self.client = client
        self.next_seq = max(1, from_seq)
        self.known_last = 0
        self.need_read = True
        self.prefix = topic_prefix
        self.pending = []
        # the daemon keeps each follower's subscription: a DEALER asks for
        # every topic with [subscribe][""] and renews it every RENEW seconds
        # (a daemon that restarted knows none)
        self.sub = client.context.socket(zmq.DEALER)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SNDHWM, 2)
        if client.curve is not None:
            client.curve.apply(self.sub)      # the event endpoint is CURVE too on tcp://
        self.sub.connect(event_endpoint or event_endpoint_of(client))
        self.refusal = None                  # the daemon's reason, if it refused
        self._subscribe()

    RENEW = 2.0

    def _subscribe(self):
        try:
            self.sub.send_multipart([b"subscribe", b""], zmq.DONTWAIT)
        except zmq.Again:
            pass                             # the daemon is away: the next renewal
        self.renewed = time.monotonic()

    def close(self):
        self.sub.close(0)

    def _read_log(self):
        page = self.client.read_events(self.next_seq, PAGE, self.prefix)
        self.known_last = max(self.known_last, page.last_seq)
        for ev in page.events:
            if ev.seq >= self.next_seq:
                self.pending.append(ev)
                self.next_seq = ev.seq + 1
        # a page ending with next_seq 0 covered the log up to last_seq
        covered = page.next_seq or page.last_seq + 1
        self.next_seq = max(self.next_seq, covered)
        self.need_read = page.next_seq != 0

    def _take_live(self, topic, body):
        if topic == b"refused":
            self.refusal = body.decode("utf-8", "replace")
            return
        if topic == HEARTBEAT_TOPIC:
            hb = pb.StreamHeartbeat()
            hb.ParseFromString(body)
            self.known_last = max(self.known_last, hb.last_seq)
            return
        ev = pb.Event()
        ev.ParseFromString(body)
        self.known_last = max(self.known_last, ev.seq)
        if ev.seq == self.next_seq:
            self.next_seq += 1
            if ev.topic.startswith(self.prefix):
                self.pending.append(ev)
        elif ev.seq > self.next_seq:
            self.need_read = True            # a gap: the log has the rest

    def next(self, timeout=None):
        """The next event, or None when none came within timeout seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.pending:
                return self.pending.pop(0)
            if self.need_read or self.next_seq <= self.known_last:
                try:
                    self._read_log()
                    continue
                except Unavailable:
                    pass                     # the daemon is away: wait, retry
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            if time.monotonic() - self.renewed >= self.RENEW:
                self._subscribe()
            wait = 500 if left is None else max(1, min(500, int(left * 1000)))
            if self.sub.poll(wait):
                frames = self.sub.recv_multipart()
                if len(frames) == 2:
                    self._take_live(frames[0], frames[1])


# ------------------------------------------------------------------ JSON

def form_from_json(path, credit_code=None):
    """An ApplicationForm from the CLI's JSON (examples/application.json):
    proto field names, enum values in lower case."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if credit_code:
        data.setdefault("unit", {})["credit_code"] = credit_code

    def upper_enums(obj, desc):
        for name, value in obj.items():
            field = desc.fields_by_name.get(name)
            if field is None:
                continue
            if field.enum_type is not None and isinstance(value, str):
                obj[name] = value.upper()
            elif field.message_type is not None:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        upper_enums(item, field.message_type)
    upper_enums(data, pb.ApplicationForm.DESCRIPTOR)
    return json_format.ParseDict(data, pb.ApplicationForm())


def event_json(ev):
    return json.dumps({
        "seq": ev.seq,
        "topic": ev.topic,
        "entity_id": ev.entity_id,
        "action": ev.action,
        "actor": ev.actor,
        "from": pb.State.Name(ev.from_state).lower(),
        "to": pb.State.Name(ev.to_state).lower(),
    }, ensure_ascii=False)


# ------------------------------------------------------------------ main

def main(argv=None):
    ap = argparse.ArgumentParser(description="Example skillbase client (see docs/protocol.md)")
    ap.add_argument("--endpoint", default=os.environ.get("SKILLBASE_ENDPOINT"),
                    help="command endpoint (default $SKILLBASE_ENDPOINT)")
    ap.add_argument("--event-endpoint", default=os.environ.get("SKILLBASE_EVENT_ENDPOINT"),
                    help="event endpoint (default: ask the daemon)")
    ap.add_argument("--server-key", help="tcp://: the daemon's public key, Z85 or a file "
                    "such as server.pub (default $SKILLBASE_SERVER_KEY)")
    ap.add_argument("--key-file", help="tcp://: this client's key pair, from skillbasectl "
                    "keygen (default $SKILLBASE_KEY_FILE)")
    ap.add_argument("--timeout", type=int, default=5000, help="ms per try (3 tries)")
    ap.add_argument("--protocol", type=int, default=PROTOCOL,
                    help="protocol version to claim (to see the daemon's refusal)")
    sub = ap.add_subparsers(dest="verb", required=True)
    sub.add_parser("status")
    sub.add_parser("rules")
    p = sub.add_parser("apply")
    p.add_argument("form")
    p.add_argument("--credit-code")
    p = sub.add_parser("document-add")
    p.add_argument("id")
    p.add_argument("file")
    p.add_argument("--kind", required=True)
    p.add_argument("--reason", default="")
    p = sub.add_parser("document-get")
    p.add_argument("id")
    p.add_argument("doc")
    p.add_argument("out")
    p = sub.add_parser("follow")
    p.add_argument("--from", dest="from_seq", type=int, default=1)
    p.add_argument("--topic", default="")
    p.add_argument("--until-seq", type=int, default=0, help="stop after this sequence")
    p.add_argument("--wait", type=float, default=None,
                   help="stop when nothing arrives for this many seconds")
    p = sub.add_parser("ingest")
    for opt in ("--source", "--id", "--type", "--entity"):
        p.add_argument(opt, required=True)
    p.add_argument("--reason", default="")
    p.add_argument("--occurred-on", default="")
    p.add_argument("--competition", help="NAME,LEVEL,YYYY-MM-DD (competition.hosted)")
    args = ap.parse_args(argv)
    if not args.endpoint:
        ap.error("no endpoint: give --endpoint or set SKILLBASE_ENDPOINT")

    try:
        curve = Curve.from_args(args.server_key, args.key_file)
    except (KeyError_, OSError, configparser.Error) as e:
        print(f"skillbase_client: invalid: {e}", file=sys.stderr)
        return 2
    client = Client(args.endpoint, timeout_ms=args.timeout, protocol=args.protocol, curve=curve)
    try:
        if args.verb == "status":
            st = client.status()
            print(json.dumps({"version": st.version, "last_seq": st.last_seq,
                              "event_endpoint": st.event_endpoint}))
        elif args.verb == "rules":
            print(json.dumps(json_format.MessageToDict(client.rules(),
                                                       preserving_proto_field_name=True),
                             ensure_ascii=False))
        elif args.verb == "apply":
            reply = client.apply(form_from_json(args.form, args.credit_code))
            print(reply.record.application.id)
        elif args.verb == "ingest":
            comp = None
            if args.competition:
                name, level, held_on = args.competition.split(",")
                comp = pb.CompetitionHosted(name=name, level=level, held_on=held_on)
            reply = client.ingest(args.source, args.id, args.type, args.entity,
                                  args.reason, args.occurred_on, competition=comp)
            rec = reply.ingested.record
            state = rec.sub_base.state if rec.HasField("sub_base") else rec.application.state
            print(json.dumps({"entity_id": reply.ingested.entity_id,
                              "action": reply.ingested.action,
                              "state": pb.State.Name(state).lower(),
                              "seq": reply.seq, "replayed": reply.replayed}))
        elif args.verb in ("document-add", "document-get"):
            doc = (client.document_add(args.id, args.file, args.kind, args.reason)
                   if args.verb == "document-add" else
                   client.document_get(args.id, args.doc, args.out))
            print(json.dumps(json_format.MessageToDict(doc, preserving_proto_field_name=True),
                             ensure_ascii=False))
        elif args.verb == "follow":
            follower = Follower(client, args.from_seq, args.topic, args.event_endpoint)
            try:
                while True:
                    ev = follower.next(args.wait)
                    if ev is None:
                        break
                    print(event_json(ev), flush=True)
                    if args.until_seq and ev.seq >= args.until_seq:
                        break
            finally:
                follower.close()
    except Refused as e:
        print(f"skillbase_client: {e}", file=sys.stderr)
        return 1
    except Unavailable as e:
        print(f"skillbase_client: unavailable: {e}", file=sys.stderr)
        return 3
    except (OSError, ValueError, json_format.ParseError) as e:
        print(f"skillbase_client: invalid: {e}", file=sys.stderr)
        return 2
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
