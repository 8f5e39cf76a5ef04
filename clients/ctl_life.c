/* ctl_life: skillbasectl's verbs on a sub-base's life after certification —
 * amend (contact, unit name, projects) and the bureau's decision on a
 * proposed project (--approve N | --refuse N), rename (the official name by
 * the bureau's decision) and plaque-returned. exit is a Transition verb
 * (ctl_records.c). docs/cli.md, "Changes and exit".
 */
#include "ctl.h"
#include "pbjson.h"

#include <string.h>

int ctl_verb_amend(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    int r;

    (void)v;
    if ((c->approve || c->refuse) && c->file)
        return usage_fail(c, "amend: either -f CHANGE.json or --approve/--refuse N, not both");
    if (c->approve && c->refuse)
        return usage_fail(c, "amend: --approve and --refuse exclude each other");
    if (c->approve || c->refuse) {
        Skillbase__ProjectDecision d = SKILLBASE__PROJECT_DECISION__INIT;
        d.id = args[0];
        d.reason = (char *)c->reason;
        d.approve = c->approve != 0;
        d.number = (uint32_t)(c->approve ? c->approve : c->refuse);
        req.command_case = SKILLBASE__REQUEST__COMMAND_DECIDE_PROJECT;
        req.decide_project = &d;
        return ctl_run_write(c, &req);
    }
    if (!c->file)
        return usage_fail(c, "amend needs -f CHANGE.json (contact, unit_name, credit_code, "
                             "add_projects, remove_projects) or --approve/--refuse N");
    ProtobufCMessage *m;
    r = ctl_read_json(c, c->file, &skillbase__amend__descriptor, &m);
    if (r)
        return r;
    Skillbase__Amend *a = (Skillbase__Amend *)m;
    if ((a->id && a->id[0]) || (a->reason && a->reason[0])) {
        r = usage_fail(c,
                       "%s: %s comes from the command line (amend BASE -r REASON), not the "
                       "file",
                       c->file, a->id && a->id[0] ? "id" : "reason");
    } else {
        char *id = a->id, *reason = a->reason;
        a->id = args[0];
        a->reason = (char *)c->reason;
        req.command_case = SKILLBASE__REQUEST__COMMAND_AMEND;
        req.amend = a;
        r = ctl_run_write(c, &req);
        a->id = id;
        a->reason = reason;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return r;
}

int ctl_verb_rename(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Rename rn = SKILLBASE__RENAME__INIT;

    (void)v;
    if (!c->new_name || !*c->new_name)
        return usage_fail(c, "rename needs --name X (the 名称或区域 part of "
                             "杭州市公共实训基地X分基地)");
    if (!c->decision || !*c->decision)
        return usage_fail(c, "rename needs --decision REF (the bureau's decision)");
    rn.id = args[0];
    rn.base_name = (char *)c->new_name;
    rn.decision = (char *)c->decision;
    rn.reason = (char *)c->reason;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RENAME;
    req.rename = &rn;
    return ctl_run_write(c, &req);
}

int ctl_verb_plaque_returned(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__PlaqueReturned p = SKILLBASE__PLAQUE_RETURNED__INIT;

    (void)v;
    if (!c->on || !*c->on)
        return usage_fail(c, "plaque-returned needs --on DATE (YYYY-MM-DD)");
    p.id = args[0];
    p.returned_on = (char *)c->on;
    p.reason = (char *)c->reason;
    req.command_case = SKILLBASE__REQUEST__COMMAND_PLAQUE_RETURNED;
    req.plaque_returned = &p;
    return ctl_run_write(c, &req);
}
