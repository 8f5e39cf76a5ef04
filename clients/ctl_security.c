/* skillbasectl's security verbs (docs/cli.md, docs/security.md):
 *
 *   keygen FILE                         a CURVE key pair, mode 0600
 *   keys list | add NAME | remove NAME  edit the daemon's keys file
 *   audit verify [--from N] | head      the event hash chain
 *   proposals [--all]                   four-eyes proposals
 *   confirm PROP [-r TEXT]              the second pair of eyes
 *   discard-proposal PROP -r TEXT
 *   whoami                              who the daemon takes us for
 *
 * keygen and keys work on files only and never talk to the daemon; after
 * editing the keys file the daemon picks it up on SIGHUP.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pbjson.h"
#include "sb_keys.h"
#include "sb_keys_edit.h"

#define AUDIT_HASH_HEX 65

static void hex(const ProtobufCBinaryData *b, char out[AUDIT_HASH_HEX])
{
    static const char digits[] = "0123456789abcdef";
    size_t n = b->len > 32 ? 32 : b->len;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b->data[i] >> 4];
        out[2 * i + 1] = digits[b->data[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ------------------------------------------------------------ keys */

int ctl_verb_keygen(ctl *c, const verb *v, char **args)
{
    sb_keypair kp;
    char err[512];
    (void)v;
    if (sb_keypair_generate(&kp, err, sizeof err))
        return ctl_fail(c, EXIT_REFUSED, "internal", "%s", err);
    if (sb_keypair_write(args[0], &kp,
                         "skillbase CURVE key pair (skillbasectl keygen). The secret key stays\n"
                         "with its owner. The daemon's operator adds the public key:\n"
                         "  skillbasectl keys add NAME --role ROLE --public-key THIS-FILE",
                         err, sizeof err))
        return usage_fail(c, "%s", err);
    if (c->out.json) {
        ctl_print_json(json_pack("{s:s, s:s}", "public_key", kp.public_z85, "file", args[0]));
    } else {
        printf("public key: %s\n", kp.public_z85);
        printf("key pair written to %s (mode 0600; keep it secret)\n", args[0]);
    }
    return EXIT_DONE;
}

static const char *keys_path(ctl *c)
{
    if (c->keys_file && *c->keys_file)
        return c->keys_file;
    const char *env = getenv("SKILLBASE_KEYS");
    return env && *env ? env : NULL;
}

static int keys_list(ctl *c, const char *path)
{
    sb_keys *keys;
    char err[2048];
    if (sb_keys_load(path, &keys, err, sizeof err))
        return usage_fail(c, "%s", err);
    json_t *arr = c->out.json ? json_array() : NULL;
    if (!c->out.json)
        printf("%-24s %-9s %-40s %s\n", "NAME", "ROLE", "PUBLIC KEY", "TYPES / DISTRICT");
    for (size_t i = 0; i < sb_keys_count(keys); i++) {
        const sb_key_entry *e = sb_keys_at(keys, i);
        char types[1024] = "";
        size_t n = 0;
        for (size_t k = 0; k < e->n_types && n < sizeof types; k++)
            n += (size_t)snprintf(types + n, sizeof types - n, "%s%s", k ? " " : "", e->types[k]);
        if (arr)
            json_array_append_new(arr,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", e->name, "role",
                                            sb_key_role_name(e->role), "public_key", e->public_z85,
                                            "types", types, "district", e->district));
        else
            printf("%-24s %-9s %-40s %s%s%s\n", e->name, sb_key_role_name(e->role), e->public_z85,
                   types, e->district[0] ? "district = " : "", e->district);
    }
    if (arr)
        ctl_print_json(arr);
    sb_keys_free(&keys);
    return EXIT_DONE;
}

int ctl_verb_keys(ctl *c, const verb *v, char **args)
{
    char err[2048], key[SB_KEY_Z85_LEN + 1];
    (void)v;
    const char *path = keys_path(c);
    int n = 0;
    while (args[n])
        n++;
    if (n == 0)
        return usage_fail(c, "keys needs list, add NAME or remove NAME");
    if (!path)
        return usage_fail(c, "keys needs the keys file: --keys FILE (or SKILLBASE_KEYS)");
    if (strcmp(args[0], "list") == 0 && n == 1)
        return keys_list(c, path);
    if (strcmp(args[0], "add") == 0 && n == 2) {
        sb_key_role role = sb_key_role_parse(c->role);
        if (role == SB_KEY_ROLE_INVALID)
            return usage_fail(c, "keys add needs --role operator|reviewer|service|worker|reader");
        if (!c->public_key)
            return usage_fail(c, "keys add needs --public-key KEY (40 Z85 characters, or the "
                                 "key file keygen wrote)");
        if (sb_key_public_from_arg(c->public_key, key, err, sizeof err))
            return usage_fail(c, "--public-key: %s", err);
        if (c->types && role != SB_KEY_ROLE_SERVICE && role != SB_KEY_ROLE_WORKER)
            return usage_fail(c, "--types is for a service or a worker");
        if (c->district && (role == SB_KEY_ROLE_SERVICE || role == SB_KEY_ROLE_WORKER))
            return usage_fail(c, "--district is for an operator, reviewer or reader key");
        if (sb_keys_file_add_scoped(path, args[1], role, key, c->types, c->district, err,
                                    sizeof err))
            return ctl_fail(c, EXIT_REFUSED, "invalid", "%s", err);
        if (!c->out.json)
            printf("added %s (%s%s%s) to %s; reload the daemon (SIGHUP) to let it in\n", args[1],
                   sb_key_role_name(role), c->district ? ", scoped to " : "",
                   c->district ? c->district : "", path);
        else
            ctl_print_json(json_pack("{s:s, s:s, s:s}", "added", args[1], "role",
                                     sb_key_role_name(role), "file", path));
        return EXIT_DONE;
    }
    if (strcmp(args[0], "remove") == 0 && n == 2) {
        if (sb_keys_file_remove(path, args[1], err, sizeof err))
            return ctl_fail(c, EXIT_REFUSED, "not_found", "%s", err);
        if (!c->out.json)
            printf("removed %s from %s; reload the daemon (SIGHUP) to shut it out\n", args[1],
                   path);
        else
            ctl_print_json(json_pack("{s:s, s:s}", "removed", args[1], "file", path));
        return EXIT_DONE;
    }
    return usage_fail(c, "usage: skillbasectl keys list | add NAME --role R --public-key K "
                         "[--types T] [--district D] | remove NAME");
}

/* ------------------------------------------------------------ audit */

static int audit_verify(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__AuditVerify q = SKILLBASE__AUDIT_VERIFY__INIT;
    uint64_t checked = 0, first = 0, last = 0;
    req.command_case = SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY;
    req.audit_verify = &q;
    q.from_seq = c->from_seq;
    for (;;) {
        Skillbase__Reply *reply;
        int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_AUDIT, &reply);
        if (r)
            return r;
        const Skillbase__AuditReport *a = reply->audit;
        if (!first)
            first = a->from_seq;
        if (a->to_seq)
            last = a->to_seq;
        checked += a->to_seq >= a->from_seq && a->to_seq ? a->to_seq - a->from_seq + 1 : 0;
        if (!a->ok) {
            int st = ctl_fail(c, EXIT_REFUSED, "audit_mismatch", "event %" PRIu64 ": %s",
                              a->bad_seq, a->problem);
            skillbase__reply__free_unpacked(reply, NULL);
            return st;
        }
        uint64_t next = a->next_seq;
        if (!next || next <= q.from_seq) {
            char h[AUDIT_HASH_HEX];
            hex(&a->head_hash, h);
            if (c->out.json) {
                ctl_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:I}", "ok", 1, "from_seq",
                                         (json_int_t)first, "to_seq", (json_int_t)last, "checked",
                                         (json_int_t)checked, "head_seq", (json_int_t)a->head_seq,
                                         "head_hash", h, "migrated_through",
                                         (json_int_t)a->migrated_through));
            } else if (!checked) {
                printf("audit chain: no events to check (head %" PRIu64 ")\n", a->head_seq);
            } else {
                printf("audit chain: events %" PRIu64 "..%" PRIu64 " match (%" PRIu64
                       " checked)\nhead: %" PRIu64 " %s\n",
                       first, last, checked, a->head_seq, h);
                if (a->migrated_through)
                    printf("note: events 1..%" PRIu64 " were chained when the store was "
                           "upgraded, not when written (docs/audit.md)\n",
                           a->migrated_through);
            }
            skillbase__reply__free_unpacked(reply, NULL);
            return EXIT_DONE;
        }
        q.from_seq = next;
        skillbase__reply__free_unpacked(reply, NULL);
    }
}

static int audit_head(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__AuditHeadQuery q = SKILLBASE__AUDIT_HEAD_QUERY__INIT;
    Skillbase__Reply *reply;
    char h[AUDIT_HASH_HEX];
    req.command_case = SKILLBASE__REQUEST__COMMAND_AUDIT_HEAD;
    req.audit_head = &q;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_AUDIT_HEAD, &reply);
    if (r)
        return r;
    hex(&reply->audit_head->hash, h);
    if (c->out.json)
        ctl_print_json(json_pack("{s:I, s:s, s:I}", "seq", (json_int_t)reply->audit_head->seq,
                                 "hash", h, "time_ms", (json_int_t)reply->audit_head->time_ms));
    else
        printf("%" PRIu64 " %s\n", reply->audit_head->seq, h);
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

int ctl_verb_audit(ctl *c, const verb *v, char **args)
{
    (void)v;
    if (args[0] && !args[1] && strcmp(args[0], "verify") == 0)
        return audit_verify(c);
    if (args[0] && !args[1] && strcmp(args[0], "head") == 0)
        return audit_head(c);
    return usage_fail(c, "usage: skillbasectl audit verify [--from SEQ] | audit head");
}

/* ------------------------------------------------------------ proposals */

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *n = pbjson_enum_name(d, v, buf, len);
    return n ? n : "?";
}

int ctl_verb_proposals(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListProposals q = SKILLBASE__LIST_PROPOSALS__INIT;
    json_t *arr = c->out.json ? json_array() : NULL;
    char *after = NULL;
    (void)v, (void)args;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_PROPOSALS;
    req.list_proposals = &q;
    q.state = c->all ? 0 : SKILLBASE__PROPOSAL_STATE__OPEN;
    for (;;) {
        Skillbase__Reply *reply;
        q.after = after;
        int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_PROPOSALS, &reply);
        if (r) {
            free(after);
            json_decref(arr);
            return r;
        }
        const Skillbase__ProposalPage *page = reply->proposals;
        for (size_t i = 0; i < page->n_proposals; i++) {
            const Skillbase__Proposal *p = page->proposals[i];
            char kind[32], state[32];
            if (arr) {
                json_array_append_new(arr, pbjson_from_message(&p->base));
                continue;
            }
            printf("%s  %-13s %-12s %-9s proposed by %s%s%s\n", p->id,
                   enum_name(&skillbase__proposal_kind__descriptor, p->kind, kind, sizeof kind),
                   p->entity_id,
                   enum_name(&skillbase__proposal_state__descriptor, p->state, state, sizeof state),
                   p->proposed_by[0] ? p->proposed_by : "(nobody yet)",
                   p->decided_by[0] ? ", decided by " : "", p->decided_by);
        }
        char *next =
            page->next[0] && (!after || strcmp(page->next, after)) ? strdup(page->next) : NULL;
        skillbase__reply__free_unpacked(reply, NULL);
        free(after);
        after = next;
        if (!after)
            break;
    }
    if (arr)
        ctl_print_json(arr);
    return EXIT_DONE;
}

static int decide(ctl *c, Skillbase__Request__CommandCase command, const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ProposalRef ref = SKILLBASE__PROPOSAL_REF__INIT;
    Skillbase__Reply *reply;
    ref.id = (char *)id;
    ref.reason = (char *)c->reason;
    req.command_case = command;
    if (command == SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL)
        req.confirm_proposal = &ref;
    else
        req.discard_proposal = &ref;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_PROPOSAL, &reply);
    if (r)
        return r;
    r = ctl_print_proposal(c, reply->proposal);
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_confirm(ctl *c, const verb *v, char **args)
{
    (void)v;
    return decide(c, SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, args[0]);
}

int ctl_verb_discard_proposal(ctl *c, const verb *v, char **args)
{
    (void)v;
    return decide(c, SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL, args[0]);
}

/* ------------------------------------------------------------ whoami */

int ctl_verb_whoami(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__WhoAmI q = SKILLBASE__WHO_AM_I__INIT;
    Skillbase__Reply *reply;
    (void)v, (void)args;
    req.command_case = SKILLBASE__REQUEST__COMMAND_WHOAMI;
    req.whoami = &q;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_IDENTITY, &reply);
    if (r)
        return r;
    const Skillbase__Identity *id = reply->identity;
    if (c->out.json) {
        ctl_print_json(pbjson_from_message(&id->base));
    } else {
        printf("name: %s\nrole: %s\nauthenticated: %s\n", id->name[0] ? id->name : "(none)",
               id->role, id->authenticated ? "yes (CURVE key)" : "no (ipc)");
        for (size_t i = 0; i < id->n_types; i++)
            printf("type: %s\n", id->types[i]);
        if (id->district[0])
            printf("district: %s (scoped: its district-level records only)\n", id->district);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}
