"""A mail sink for the skillbase end-to-end tests: an aiosmtpd handler.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c sb_smtp_sink.Sink OUTDIR

(with this directory on PYTHONPATH). Every accepted message is stored as
OUTDIR/mail-NNN.eml (as received) and OUTDIR/mail-NNN.json, the decoded
parts a test checks: mail_from, rcpt_tos, to, subject, message_id, topic,
body. Both files appear atomically (written aside, then renamed).

A test makes the server fail for a while by writing an SMTP reply into
OUTDIR/fail (e.g. "451 4.3.0 try again later"): while that file exists
every message is refused at DATA with that reply. Every DATA attempt is
logged as one line "<code> <message-id>" in OUTDIR/attempts.
"""
import email
import email.policy
import json
import os


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        os.makedirs(outdir, exist_ok=True)
        # a restarted sink goes on numbering after the mails already stored
        self.count = len([n for n in os.listdir(outdir) if n.startswith("mail-") and n.endswith(".json")])

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("sb_smtp_sink.Sink takes one argument: the output directory")
        return cls(args[0])

    def _put(self, name, data):
        tmp = os.path.join(self.outdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.outdir, name))

    def _log(self, code, message_id):
        with open(os.path.join(self.outdir, "attempts"), "a", encoding="utf-8") as f:
            f.write(f"{code} {message_id}\n")

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = str(msg.get("Message-ID", "-"))
        fail = os.path.join(self.outdir, "fail")
        if os.path.exists(fail):
            with open(fail, encoding="utf-8") as f:
                reply = f.read().strip() or "451 4.3.0 try again later"
            self._log(reply.split()[0], message_id)
            return reply
        self.count += 1
        base = f"mail-{self.count:03d}"
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        doc = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "to": [str(a) for a in msg.get_all("To", [])],
            "subject": str(msg.get("Subject", "")),
            "message_id": message_id,
            "topic": str(msg.get("X-Skillbase-Topic", "")),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": text.replace("\r\n", "\n"),
        }
        self._put(base + ".eml", envelope.original_content or envelope.content)
        self._put(base + ".json", json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        self._log("250", message_id)
        return "250 2.0.0 message accepted"
