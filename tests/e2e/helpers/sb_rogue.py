"""sb_rogue: hostile peers for the end-to-end trust tests (docs/security.md,
"Threats and what stops them"). Test-only; never installed.

A key holder that behaves badly on purpose, over tcp:// with CURVE:

  worker    a worker connection: says Hello, takes jobs, and reports jobs
            done with any command (Worker)
  client    a command connection that sends requests and may leave the
            replies unread (client)

Keys are skillbasectl keygen files ([curve] public_key, secret_key); the
daemon's public key is <state>/server.pub. Needs python3-zmq and the
protobuf module protoc generates from proto/skillbase.proto (python_lib.sh).
"""

import configparser
import time

import zmq

import skillbase_pb2 as pb

PROTOCOL = 1


def read_key(path):
    """(public, secret) Z85 bytes of a key file; secret is None for a .pub."""
    cp = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="utf-8") as f:
        cp.read_string(f.read())
    sec = cp["curve"]
    secret = sec.get("secret_key")
    return sec["public_key"].encode(), secret.encode() if secret else None


def curve_socket(ctx, kind, endpoint, key_file, server_pub):
    pub, sec = read_key(key_file)
    server, _ = read_key(server_pub)
    s = ctx.socket(kind)
    s.curve_publickey = pub
    s.curve_secretkey = sec
    s.curve_serverkey = server
    s.linger = 0
    s.connect(endpoint)
    return s


class Worker:
    """A worker connection that does as it is told."""

    def __init__(self, ctx, endpoint, key_file, server_pub):
        self.s = curve_socket(ctx, zmq.DEALER, endpoint, key_file, server_pub)
        self.jobs = {}      # id -> Job delivered to this connection
        self.acks = []      # JobAck job ids
        self.refusals = []  # WorkerRefusal messages

    def send(self, **body):
        m = pb.WorkerMessage(protocol=PROTOCOL, **body)
        self.s.send(m.SerializeToString())

    def hello(self, name, types, jobs_in_hand=(), capacity=8):
        self.send(hello=pb.WorkerHello(name=name, types=list(types), capacity=capacity,
                                       jobs_in_hand=list(jobs_in_hand)))
        return self.wait(lambda m: m.WhichOneof("body") in ("welcome", "refusal"), 5)

    def heartbeat(self):
        self.send(heartbeat=pb.WorkerHeartbeat())

    def poll(self, timeout_ms):
        """Receive what is there (heartbeats answered); the last message."""
        last = None
        while self.s.poll(timeout_ms):
            timeout_ms = 0
            m = pb.DaemonMessage()
            m.ParseFromString(self.s.recv())
            kind = m.WhichOneof("body")
            if kind == "job":
                self.jobs[m.job.id] = m.job
            elif kind == "ack":
                self.acks.append(m.ack.job_id)
            elif kind == "refusal":
                self.refusals.append(m.refusal.message)
            elif kind == "heartbeat":
                self.heartbeat()
            last = m
        return last

    def wait(self, pred, seconds):
        """Until a message satisfies pred (heartbeating meanwhile)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.s.poll(100):
                m = pb.DaemonMessage()
                m.ParseFromString(self.s.recv())
                kind = m.WhichOneof("body")
                if kind == "job":
                    self.jobs[m.job.id] = m.job
                elif kind == "ack":
                    self.acks.append(m.ack.job_id)
                elif kind == "refusal":
                    self.refusals.append(m.refusal.message)
                elif kind == "heartbeat":
                    self.heartbeat()
                if pred(m):
                    return m
            else:
                self.heartbeat()
        return None

    def wait_job(self, job_type, seconds=10):
        for j in self.jobs.values():
            if j.type == job_type:
                return j
        m = self.wait(lambda m: m.WhichOneof("body") == "job" and m.job.type == job_type,
                      seconds)
        return m.job if m else None

    def done(self, job_id, attempt, command=None, summary="done"):
        res = pb.JobResult(summary=summary)
        if command is not None:
            res.command.CopyFrom(command)
        self.send(done=pb.JobDone(job_id=job_id, attempt=attempt, result=res))
        return self.wait(lambda m: m.WhichOneof("body") in ("ack", "refusal"), 5)

    def close(self):
        self.s.close()


def request(**command):
    return pb.Request(protocol=PROTOCOL, **command)
