#include "access.h"

#include <string.h>

static const struct {
    unsigned bit;
    const char *name;
} roles[] = {
    {SB_ROLE_OPERATOR, "operator"}, {SB_ROLE_REVIEWER, "reviewer"}, {SB_ROLE_SERVICE, "service"},
    {SB_ROLE_WORKER, "worker"},     {SB_ROLE_READER, "reader"},
};

const char *sb_access_role_name(unsigned role)
{
    if (!role)
        return "none";
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (role == roles[i].bit)
            return roles[i].name;
    return "trusted";
}

/* A refusal message; never NULL (NULL would mean "allowed"). */
static const char *or_forbidden(const char *msg)
{
    return msg ? msg : "forbidden (no memory for the reason)";
}

static bool lists_type(const sb_caller *c, const char *type)
{
    for (size_t i = 0; i < c->n_types; i++)
        if (strcmp(c->types[i], "*") == 0 || strcmp(c->types[i], type) == 0)
            return true;
    return false;
}

const char *sb_access_check(sb_arena *arena, const sb_caller *caller, const sb_command *cmd,
                            const Skillbase__Request *req)
{
    if (!caller->role) {
        const char *why = caller->refusal ? caller->refusal : "the caller may do nothing";
        return or_forbidden(
            caller->name ? sb_arena_printf(arena, "%s: %s (key %s)", cmd->name, why, caller->name)
                         : sb_arena_printf(arena, "%s: %s", cmd->name, why));
    }
    if (!(cmd->roles & caller->role))
        return or_forbidden(sb_arena_printf(arena, "%s is not allowed for the role %s%s%s",
                                            cmd->name, sb_access_role_name(caller->role),
                                            caller->name ? " of key " : "",
                                            caller->name ? caller->name : ""));
    if (cmd->write && caller->role == SB_ROLE_READER)
        return or_forbidden(sb_arena_printf(arena, "%s: a reader may not write", cmd->name));
    /* A service reports only its listed types, under its own name (over
     * ipc, where no key names it, any type). */
    if (caller->role == SB_ROLE_SERVICE && caller->name &&
        req->command_case == SKILLBASE__REQUEST__COMMAND_INGEST && req->ingest) {
        const char *type = req->ingest->type ? req->ingest->type : "";
        if (!lists_type(caller, type))
            return or_forbidden(
                sb_arena_printf(arena,
                                "ingest: type \"%s\" is not among the types of key %s "
                                "in the keys file",
                                type, caller->name));
    }
    return NULL;
}

/* "" or the key's name: an authenticated caller speaks only for itself. */
static const char *own_source(sb_arena *arena, const sb_caller *caller, const char *what,
                              char **source)
{
    if (!*source || !(*source)[0]) {
        *source = (char *)caller->name;
        return NULL;
    }
    if (strcmp(*source, caller->name) == 0)
        return NULL;
    return or_forbidden(sb_arena_printf(arena,
                                        "%s: source must be \"%s\", the name of the caller's key "
                                        "(a %s reports only under its own name)",
                                        what, caller->name, sb_access_role_name(caller->role)));
}

const char *sb_access_bind_source(sb_arena *arena, const sb_caller *caller, Skillbase__Request *req)
{
    if (!caller->name)
        return NULL; /* ipc: the source is what the caller says */
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_INGEST && req->ingest)
        return own_source(arena, caller, "ingest", &req->ingest->source);
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_RECORD_SERVICE && req->record_service &&
        req->record_service->service)
        return own_source(arena, caller, "record_service", &req->record_service->service->source);
    return NULL;
}

const char *sb_access_actor(sb_arena *arena, const sb_caller *caller, const Skillbase__Request *req,
                            const char **ret_refusal)
{
    (void)arena;
    *ret_refusal = NULL;
    /* authenticated: the key's name, whatever the request says */
    if (caller->name)
        return caller->name;
    return req->actor && req->actor[0] ? req->actor : "anonymous";
}

const char *sb_access_scope_key(sb_arena *arena, const sb_caller *caller, const char *key)
{
    if (!caller->name || !key || !key[0])
        return key;
    return sb_arena_printf(arena, "%s/%s", caller->name, key);
}
