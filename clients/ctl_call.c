/* ctl_call: what skillbasectl's verbs share (ctl.h) — talking to the daemon
 * through the client library, reading JSON input files, and reporting a
 * failure in the form docs/cli.md gives.
 */
#include "ctl.h"
#include "pbjson.h"
#include "sb_error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_fail(ctl *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctl_output_discard(&c->out);
    ctl_print_error(&c->out, code, msg, NULL, 0);
    return status;
}

/* ------------------------------------------------------------ talking */

/* Send one request. Returns 0 with the (OK) reply, or prints the failure and
 * returns the exit status. */
int ctl_call(ctl *c, Skillbase__Request *req, Skillbase__Reply **ret)
{
    Skillbase__Reply *reply = NULL;
    int r;

    sb_client_curve curve;
    bool curved = false;
    if (!c->client) {
        char err[512];
        /* CURVE for tcp:// (--server-key, --key-file or the environment) */
        int cr = sb_client_curve_load(c->server_key, c->key_file, &curve, err, sizeof err);
        if (cr < 0)
            return usage_fail(c, "%s", err);
        curved = cr > 0;
        sb_client_options opts = {c->endpoint, (int)c->timeout_ms, TRIES - 1,
                                  curved ? &curve : NULL};
        r = sb_client_new(&opts, &c->client);
        if (r == SB_E(SB_INVALID))
            return usage_fail(c, "bad endpoint \"%s\"", c->endpoint);
        if (r < 0)
            return ctl_fail(c, EXIT_REFUSED, sb_error_name(r), "cannot create a ZeroMQ socket");
    }
    /* over CURVE the daemon records the key's name (docs/security.md) */
    if (!curved && (c->server_key || c->key_file || getenv("SKILLBASE_SERVER_KEY")))
        curved = true;
    if (curved && c->actor_given)
        return usage_fail(c, "--as cannot be used with a key: the daemon records the key's name");
    req->actor = (char *)(curved ? "" : c->actor);
    req->expected_version = c->expect_version;
    if (c->key)
        req->idempotency_key = (char *)c->key;
    r = sb_client_call(c->client, req, &reply);
    if (r == SB_E(SB_UNAVAILABLE))
        return ctl_fail(c, EXIT_NO_ANSWER, "unavailable",
                        "no answer from %s after %d tries (%" PRIu64 " ms each)", c->endpoint,
                        TRIES, c->timeout_ms);
    if (r < 0)
        return ctl_fail(c, EXIT_REFUSED, sb_error_name(r), "the daemon's answer did not decode");
    if (reply->code != SKILLBASE__ERROR_CODE__OK) {
        ctl_output_discard(&c->out);
        ctl_print_error(&c->out, sb_error_name((int)reply->code), reply->message, reply->details,
                        reply->n_details);
        skillbase__reply__free_unpacked(reply, NULL);
        return EXIT_REFUSED;
    }
    *ret = reply;
    return 0;
}

/* Call and check the reply carries the result the command promises. */
int ctl_call_for(ctl *c, Skillbase__Request *req, Skillbase__Reply__ResultCase want,
                 Skillbase__Reply **ret)
{
    int r = ctl_call(c, req, ret);

    if (r == 0 && ((*ret)->result_case != want || !(*ret)->record)) {
        skillbase__reply__free_unpacked(*ret, NULL);
        return ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries no result");
    }
    return r;
}

int ctl_run_write(ctl *c, Skillbase__Request *req)
{
    Skillbase__Reply *reply;
    int r = ctl_call(c, req, &reply);

    if (r)
        return r;
    /* four eyes: the daemon recorded a proposal instead of acting */
    if (reply->result_case == SKILLBASE__REPLY__RESULT_PROPOSAL && reply->proposal) {
        r = ctl_print_proposal(c, reply->proposal);
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    if (reply->result_case != SKILLBASE__REPLY__RESULT_RECORD || !reply->record) {
        skillbase__reply__free_unpacked(reply, NULL);
        return ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries no result");
    }
    if (ctl_print_written(&c->out, reply->record,
                          req->command_case == SKILLBASE__REQUEST__COMMAND_APPLY,
                          req->command_case) < 0)
        r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries an empty record");
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

/* Read FILE (or stdin for "-") as a message of type `desc`. */
int ctl_read_json(ctl *c, const char *path, const ProtobufCMessageDescriptor *desc,
                  ProtobufCMessage **ret)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    char err[512];
    json_error_t jerr;
    json_t *json;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");

    if (!fp)
        return usage_fail(c, "cannot read %s: %s", shown, strerror(errno));
    json = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
    if (!is_stdin)
        fclose(fp);
    if (!json)
        return usage_fail(c, "%s: line %d, column %d: %s", shown, jerr.line, jerr.column,
                          jerr.text);
    *ret = pbjson_to_message(desc, json, err, sizeof err);
    json_decref(json);
    if (!*ret)
        return usage_fail(c, "%s: %s", shown, err);
    return 0;
}

/* ------------------------------------------------------------ proposals */

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *n = pbjson_enum_name(d, v, buf, len);
    return n ? n : "?";
}

/* A write answered with a four-eyes proposal prints the proposal (ctl.h). */
int ctl_print_proposal(ctl *c, const Skillbase__Proposal *p)
{
    char kind[32], state[32];
    if (c->out.json) {
        if (ctl_print_json(pbjson_from_message(&p->base)))
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        return EXIT_DONE;
    }
    enum_name(&skillbase__proposal_kind__descriptor, p->kind, kind, sizeof kind);
    enum_name(&skillbase__proposal_state__descriptor, p->state, state, sizeof state);
    if (p->state == SKILLBASE__PROPOSAL_STATE__OPEN && !p->proposed_by[0])
        printf("%s: %s of %s requested by %s; needs two operators: skillbasectl confirm %s\n",
               p->id, kind, p->entity_id, p->requested_by, p->id);
    else if (p->state == SKILLBASE__PROPOSAL_STATE__OPEN)
        printf("%s: %s of %s proposed by %s; a second operator confirms with: skillbasectl "
               "confirm %s\n",
               p->id, kind, p->entity_id, p->proposed_by, p->id);
    else
        printf("%s: %s of %s %s by %s (proposed by %s)\n", p->id, kind, p->entity_id, state,
               p->decided_by, p->proposed_by[0] ? p->proposed_by : p->requested_by);
    return EXIT_DONE;
}
