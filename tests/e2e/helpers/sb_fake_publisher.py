#!/usr/bin/env python3
"""A misbehaving event stream for test_event_gaps.sh.

Binds a ROUTER socket, as the daemon's stream does, keeps who subscribed
([subscribe][prefix]... answered with a heartbeat) and republishes real events (read from the daemon's log
through the command endpoint) with the faults a subscriber must survive:
a gap, duplicates, an old event after newer ones, and a tail that only a
heartbeat reveals. Plan, with A < B < C sequence numbers given on the
command line:

  1. wait until the daemon's log reaches B; publish A, A+2, A+2, A+1 and
     nothing else: only the gap tells that A+1 .. B exist;
  2. wait until the log reaches C; publish nothing but heartbeats
     announcing C (every 0.2 s), until the file --stop exists (or 60 s
     pass): only the heartbeat tells that B+1 .. C exist.

usage: sb_fake_publisher.py --endpoint CMD_EP --bind EP --ready FILE --stop FILE A B C
"""
import argparse
import os
import sys
import time

import zmq

import skillbase_pb2 as pb
from skillbase_client import Client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("a", type=int)
    ap.add_argument("b", type=int)
    ap.add_argument("c", type=int)
    args = ap.parse_args()

    client = Client(args.endpoint)
    pub = client.context.socket(zmq.ROUTER)
    pub.setsockopt(zmq.LINGER, 0)
    pub.bind(args.bind)
    open(args.ready, "w").close()
    deadline = time.monotonic() + 60
    followers = set()

    def pump():
        """Take the followers' requests: who subscribed."""
        while pub.poll(0):
            frames = pub.recv_multipart()
            if len(frames) >= 2 and frames[1] == b"subscribe":
                if frames[0] not in followers:
                    followers.add(frames[0])
                    heartbeat(0, [frames[0]])

    def send(frames, to=None):
        for f in list(to or followers):
            pub.send_multipart([f] + frames)

    def last_seq():
        pump()
        return client.read_events(1, 1).last_seq

    def event(seq):
        page = client.read_events(seq, 1)
        assert page.events and page.events[0].seq == seq, f"no event {seq} in the log"
        return page.events[0]

    def heartbeat(last, to=None):
        hb = pb.StreamHeartbeat(last_seq=last, time_ms=int(time.time() * 1000), protocol=1)
        send([b"heartbeat", hb.SerializeToString()], to)

    def wait_for(seq):
        while last_seq() < seq:
            if time.monotonic() > deadline:
                sys.exit(f"the log never reached {seq}")
            time.sleep(0.1)

    wait_for(args.b)
    for seq in (args.a, args.a + 2, args.a + 2, args.a + 1):
        ev = event(seq)
        send([ev.topic.encode(), ev.SerializeToString()])
    wait_for(args.c)
    while not os.path.exists(args.stop) and time.monotonic() < deadline:
        pump()
        heartbeat(args.c)
        time.sleep(0.2)
    pub.close(0)
    client.close()


if __name__ == "__main__":
    main()
