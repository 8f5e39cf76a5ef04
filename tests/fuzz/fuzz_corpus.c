/* fuzz_corpus: writes the seed corpus of the fuzzers (tests/fuzz/corpus/).
 *
 *   fuzz_corpus CORPUS_DIR APPLICATION.json
 *
 * dispatch/: one input per command (an empty command of each kind), the
 * whole procedure in one batch (apply, review, evaluate, certification
 * under four eyes with its confirmation, assessment, revocation proposal
 * and confirmation, ingest, and every read), and a few hostile frames.
 * zap/: a CURVE request with a listed key, one with an unknown key, NULL,
 * a wrong version. The committed corpus was made with this; run it again
 * after changing the commands. Test code; not part of skillbase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_frames.h"
#include "pbjson.h"
#include "skillbase.pb-c.h"

#define CAP (1 << 20)

static const char *out_dir;

static void write_file(const char *sub, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

static uint8_t batch[CAP];
static size_t batch_len;
static int counter;

static void add(uint8_t caller, Skillbase__Request *req)
{
    char id[32];
    snprintf(id, sizeof id, "r%d", ++counter);
    req->protocol = 1;
    req->request_id = id;
    uint8_t buf[65536];
    size_t n = skillbase__request__pack(req, buf);
    if (fuzz_frame_put(batch, CAP, &batch_len, caller, buf, n))
        exit(1);
}

static void start(uint8_t config)
{
    batch[0] = config;
    batch_len = 1;
}

/* One input per command: the command set to its empty message. */
static void every_command(void)
{
    const ProtobufCMessageDescriptor *d = &skillbase__request__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        const ProtobufCMessageDescriptor *sd = f->descriptor;
        ProtobufCMessage *sub = calloc(1, sd->sizeof_message);
        protobuf_c_message_init(sd, sub);
        /* a plausible id where the command has one */
        const ProtobufCFieldDescriptor *idf =
            protobuf_c_message_descriptor_get_field_by_name(sd, "id");
        if (idf && idf->type == PROTOBUF_C_TYPE_STRING)
            *(const char **)((char *)sub + idf->offset) = "app-000001";
        *(uint32_t *)((char *)&req + f->quantifier_offset) = f->id;
        *(ProtobufCMessage **)((char *)&req + f->offset) = sub;
        start(0);
        add(0, &req);
        char name[96];
        snprintf(name, sizeof name, "cmd-%s", f->name);
        write_file("dispatch", name, batch, batch_len);
        free(sub);
    }
}

#define REQ(var) Skillbase__Request var = SKILLBASE__REQUEST__INIT

static void transition(uint8_t caller, Skillbase__Request__CommandCase cc, const char *id,
                       const char *reason)
{
    REQ(req);
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = (char *)id;
    t.reason = (char *)reason;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, cc);
    req.command_case = cc;
    *(Skillbase__Transition **)((char *)&req + f->offset) = &t;
    add(caller, &req);
}

static void procedure(const char *form_path)
{
    json_error_t jerr;
    char err[256];
    json_t *j = json_load_file(form_path, 0, &jerr);
    if (!j) {
        fprintf(stderr, "%s: %s\n", form_path, jerr.text);
        exit(1);
    }
    Skillbase__ApplicationForm *form = (Skillbase__ApplicationForm *)pbjson_to_message(
        &skillbase__application_form__descriptor, j, err, sizeof err);
    json_decref(j);
    if (!form) {
        fprintf(stderr, "%s: %s\n", form_path, err);
        exit(1);
    }
    const uint8_t op = 1 | FUZZ_AUTH, op2 = 1 | FUZZ_AUTH | FUZZ_SECOND, rev = 2 | FUZZ_AUTH,
                  svc = 3 | FUZZ_AUTH, rdr = 5 | FUZZ_AUTH;
    start(FUZZ_CERTIFY | FUZZ_REVOKE);
    REQ(apply);
    Skillbase__Apply ap = SKILLBASE__APPLY__INIT;
    ap.form = form;
    apply.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    apply.apply = &ap;
    apply.idempotency_key = (char *)"k-apply";
    add(op, &apply);
    transition(rev, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "site visit");
    REQ(evaluate);
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    ev.id = (char *)"app-000001";
    ev.reason = (char *)"meets the conditions";
    ev.passed = 1;
    evaluate.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
    evaluate.evaluate = &ev;
    add(rev, &evaluate);
    transition(op, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", "");
    REQ(confirm);
    Skillbase__ProposalRef ref = SKILLBASE__PROPOSAL_REF__INIT;
    ref.id = (char *)"prop-000001";
    confirm.command_case = SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL;
    confirm.confirm_proposal = &ref;
    add(op, &confirm);  /* refused: the proposer */
    add(op2, &confirm); /* confirmed */
    REQ(assess);
    Skillbase__Assess as = SKILLBASE__ASSESS__INIT;
    Skillbase__Scores sc = SKILLBASE__SCORES__INIT;
    sc.basic_construction = 30, sc.system_construction = 20, sc.training_management = 25;
    sc.public_service = 15, sc.competition_hosting = 5;
    as.id = (char *)"base-000001";
    as.scores = &sc;
    assess.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
    assess.assess = &as;
    add(rev, &assess);
    REQ(revoke);
    Skillbase__Revoke rv = SKILLBASE__REVOKE__INIT;
    rv.id = (char *)"base-000001";
    rv.reason = (char *)"violation";
    rv.cause = SKILLBASE__CAUSE__VIOLATION;
    revoke.command_case = SKILLBASE__REQUEST__COMMAND_REVOKE;
    revoke.revoke = &rv;
    add(op2, &revoke);
    ref.id = (char *)"prop-000002";
    add(op, &confirm);
    REQ(ingest);
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = (char *)"market-registry";
    in.event_id = (char *)"e-1";
    in.type = (char *)"unit.deregistered";
    in.entity = (char *)"app-000001";
    ingest.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    ingest.ingest = &in;
    add(svc, &ingest);
    REQ(show);
    Skillbase__Get get = SKILLBASE__GET__INIT;
    get.id = (char *)"base-000001";
    show.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    show.show = &get;
    add(rdr, &show);
    REQ(list);
    Skillbase__ListProposals lp = SKILLBASE__LIST_PROPOSALS__INIT;
    list.command_case = SKILLBASE__REQUEST__COMMAND_LIST_PROPOSALS;
    list.list_proposals = &lp;
    add(rdr, &list);
    REQ(verify);
    Skillbase__AuditVerify av = SKILLBASE__AUDIT_VERIFY__INIT;
    verify.command_case = SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY;
    verify.audit_verify = &av;
    add(rdr, &verify);
    REQ(events);
    Skillbase__ReadEvents re = SKILLBASE__READ_EVENTS__INIT;
    events.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    events.read_events = &re;
    add(rdr, &events);
    write_file("dispatch", "procedure", batch, batch_len);
    protobuf_c_message_free_unpacked(&form->base, NULL);
}

static void hostile(void)
{
    static const uint8_t garbage[] = {0xff, 0xfe, 0x00, 0x13, 0x88, 0x7f};
    static const uint8_t no_protocol[] = {0x12, 0x01, 'x', 0xda, 0x02, 0x00};
    static const uint8_t unknown_command[] = {0x08, 0x01, 0xda, 0x08, 0x00};
    /* a request id that is not UTF-8; a NUL inside a string; no command */
    static const uint8_t bad_id[] = {0x08, 0x01, 0x12, 0x02, 0xc0, 0xaf, 0xda, 0x02, 0x00};
    static const uint8_t nul[] = {0x08, 0x01, 0xc2, 0x02, 0x05, 0x0a, 0x03, 'a', 0x00, 'b'};
    static const uint8_t no_command[] = {0x08, 0x01, 0x12, 0x01, 'n'};
    start(0);
    fuzz_frame_put(batch, CAP, &batch_len, 1, bad_id, sizeof bad_id);
    fuzz_frame_put(batch, CAP, &batch_len, 1, nul, sizeof nul);
    fuzz_frame_put(batch, CAP, &batch_len, 1, no_command, sizeof no_command);
    fuzz_frame_put(batch, CAP, &batch_len, 0, garbage, sizeof garbage);
    fuzz_frame_put(batch, CAP, &batch_len, 1, no_protocol, sizeof no_protocol);
    fuzz_frame_put(batch, CAP, &batch_len, 6 | FUZZ_AUTH, unknown_command, sizeof unknown_command);
    write_file("dispatch", "hostile", batch, batch_len);
}

static void zap_seeds(void)
{
    /* alice's key in the fuzzer's registry (fuzz_zap.c), as 32 bytes */
    static const uint8_t alice[32] = {0x54, 0xFC, 0xBA, 0x24, 0xE9, 0x32, 0x49, 0x96,
                                      0x93, 0x16, 0xFB, 0x61, 0x7C, 0x87, 0x2B, 0xB0,
                                      0xC1, 0xD1, 0xFF, 0x14, 0x80, 0x04, 0x27, 0xC5,
                                      0x94, 0xCB, 0xFA, 0xCF, 0x1B, 0xC2, 0xD6, 0x52};
    const char *frames[] = {"1.0", "1", "skillbase.command", "127.0.0.1", "", "CURVE"};
    uint8_t buf[512];
    size_t n = 0;
    for (size_t i = 0; i < 6; i++) {
        buf[n++] = (uint8_t)strlen(frames[i]);
        memcpy(buf + n, frames[i], strlen(frames[i]));
        n += strlen(frames[i]);
    }
    buf[n++] = 32;
    memcpy(buf + n, alice, 32);
    write_file("zap", "curve-listed", buf, n + 32);
    buf[n + 5] ^= 0x55;
    write_file("zap", "curve-unknown", buf, n + 32);
    write_file("zap", "null-mechanism",
               (const uint8_t *)"\x03"
                                "1.0\x01"
                                "1\x11skillbase.command"
                                "\x09"
                                "127.0.0.1\x00\x04NULL",
               3 + 1 + 1 + 1 + 1 + 17 + 1 + 9 + 1 + 1 + 4);
    write_file("zap", "wrong-version",
               (const uint8_t *)"\x03"
                                "9.9\x01"
                                "1",
               7);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_corpus CORPUS_DIR APPLICATION.json\n");
        return 2;
    }
    out_dir = argv[1];
    every_command();
    procedure(argv[2]);
    hostile();
    zap_seeds();
    return 0;
}
