/* sb_machine: the application and sub-base state machines as one table.
 * Clause numbers refer to 杭州市高技能人才公共实训基地体系建设实施办法
 * (policy/000_ee7bdd15c54335b4.txt). */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define APP SKILLBASE__KIND__APPLICATION
#define BASE SKILLBASE__KIND__BASE
#define NEW SKILLBASE__STATE__STATE_UNSPECIFIED
#define APPLIED SKILLBASE__STATE__APPLIED
#define UNDER_REVIEW SKILLBASE__STATE__UNDER_REVIEW
#define IN_PUBLICITY SKILLBASE__STATE__IN_PUBLICITY
#define CERTIFIED SKILLBASE__STATE__CERTIFIED
#define REJECTED SKILLBASE__STATE__REJECTED
#define WITHDRAWN SKILLBASE__STATE__WITHDRAWN
#define ASSESSED SKILLBASE__STATE__ASSESSED
#define REVOKED SKILLBASE__STATE__REVOKED
#define EXITED SKILLBASE__STATE__EXITED

/* Row order matters to operators: refusals list the allowed actions in
 * table order, so the usual next step comes first. */
static const sb_transition table[] = {
    /* 二(三)1 申报受理: the unit submits its materials. */
    {APP, SB_ACT_APPLY, NEW, APPLIED, SB_GUARD_NONE, 0},
    /* 二(三)2 组织专家进行现场考察和评估. */
    {APP, SB_ACT_REVIEW, APPLIED, UNDER_REVIEW, SB_GUARD_NONE, 0},
    /* 二(三)2 拟定名单 … 经公示: a pass puts the unit on the publicised list.
     * While an objection is open only its outcome may end the review. */
    {APP, SB_ACT_EVALUATE_PASS, UNDER_REVIEW, IN_PUBLICITY, SB_GUARD_NO_OPEN_OBJECTION,
     SB_FX_START_PUBLICITY},
    {APP, SB_ACT_EVALUATE_FAIL, UNDER_REVIEW, REJECTED, SB_GUARD_NO_OPEN_OBJECTION, SB_FX_DECIDED},
    /* 二(三)2 经公示无异议后: an objection sends the case back to the experts. */
    {APP, SB_ACT_FILE_OBJECTION, IN_PUBLICITY, UNDER_REVIEW, SB_GUARD_NONE, SB_FX_OPEN_OBJECTION},
    /* An objection not upheld: publicity resumes with the working days that
     * remain (the clock is kept by handle_deadlines.c). */
    {APP, SB_ACT_DISMISS_OBJECTION, UNDER_REVIEW, IN_PUBLICITY, SB_GUARD_OPEN_OBJECTION,
     SB_FX_CLOSE_OBJECTION | SB_FX_START_PUBLICITY},
    {APP, SB_ACT_UPHOLD_OBJECTION, UNDER_REVIEW, REJECTED, SB_GUARD_OPEN_OBJECTION,
     SB_FX_CLOSE_OBJECTION | SB_FX_DECIDED},
    /* 二(三)2 经公示无异议后，授予名称和铭牌: certification creates the sub-base. */
    {APP, SB_ACT_CLOSE_PUBLICITY, IN_PUBLICITY, CERTIFIED, SB_GUARD_NO_OPEN_OBJECTION,
     SB_FX_CREATE_BASE | SB_FX_DECIDED},
    /* 二(二) "一般应具备以下条件": the bureau may refuse an open application at
     * any stage, and the unit may withdraw it; either ends any objection. */
    {APP, SB_ACT_REJECT, APPLIED, REJECTED, SB_GUARD_NONE, SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},
    {APP, SB_ACT_REJECT, UNDER_REVIEW, REJECTED, SB_GUARD_NONE,
     SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},
    {APP, SB_ACT_REJECT, IN_PUBLICITY, REJECTED, SB_GUARD_NONE,
     SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},
    {APP, SB_ACT_WITHDRAW, APPLIED, WITHDRAWN, SB_GUARD_NONE,
     SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},
    {APP, SB_ACT_WITHDRAW, UNDER_REVIEW, WITHDRAWN, SB_GUARD_NONE,
     SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},
    {APP, SB_ACT_WITHDRAW, IN_PUBLICITY, WITHDRAWN, SB_GUARD_NONE,
     SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION},

    /* 二(三)2: the named sub-base, created by close_publicity. */
    {BASE, SB_ACT_CERTIFY_BASE, NEW, CERTIFIED, SB_GUARD_NONE, 0},
    /* 五(一) 每两年组织专家进行考核评估; 五(二) 60 分及以上 keeps the base. */
    {BASE, SB_ACT_ASSESS_PASS, CERTIFIED, ASSESSED, SB_GUARD_NONE, SB_FX_RECORD_ASSESSMENT},
    {BASE, SB_ACT_ASSESS_PASS, ASSESSED, ASSESSED, SB_GUARD_NONE, SB_FX_RECORD_ASSESSMENT},
    /* 五(二) 考核结果不合格的分基地予以撤销，并作摘牌处理. */
    {BASE, SB_ACT_ASSESS_FAIL, CERTIFIED, REVOKED, SB_GUARD_NONE,
     SB_FX_RECORD_ASSESSMENT | SB_FX_WITHDRAW_PLAQUE},
    {BASE, SB_ACT_ASSESS_FAIL, ASSESSED, REVOKED, SB_GUARD_NONE,
     SB_FX_RECORD_ASSESSMENT | SB_FX_WITHDRAW_PLAQUE},
    /* 五(三) 直接认定为不合格: revoked at once, with its cause. */
    {BASE, SB_ACT_REVOKE, CERTIFIED, REVOKED, SB_GUARD_NONE, SB_FX_WITHDRAW_PLAQUE},
    {BASE, SB_ACT_REVOKE, ASSESSED, REVOKED, SB_GUARD_NONE, SB_FX_WITHDRAW_PLAQUE},
    /* A sub-base may leave of its own accord: not a revocation (no result,
     * no cause); the plaque goes back too (handle_life.c). */
    {BASE, SB_ACT_EXIT, CERTIFIED, EXITED, SB_GUARD_NONE, 0},
    {BASE, SB_ACT_EXIT, ASSESSED, EXITED, SB_GUARD_NONE, 0},
};

/* The verbs operators type (docs/cli.md); both outcomes of evaluate and of
 * assess are one verb whose flag or score picks the row. */
static const char *const action_names[SB_ACT_MAX_] = {
    [SB_ACT_APPLY] = "apply",
    [SB_ACT_REVIEW] = "review",
    [SB_ACT_EVALUATE_PASS] = "evaluate",
    [SB_ACT_EVALUATE_FAIL] = "evaluate",
    [SB_ACT_FILE_OBJECTION] = "object",
    [SB_ACT_DISMISS_OBJECTION] = "dismiss-objection",
    [SB_ACT_UPHOLD_OBJECTION] = "uphold-objection",
    [SB_ACT_CLOSE_PUBLICITY] = "close-publicity",
    [SB_ACT_REJECT] = "reject",
    [SB_ACT_WITHDRAW] = "withdraw",
    [SB_ACT_CERTIFY_BASE] = "certify",
    [SB_ACT_ASSESS_PASS] = "assess",
    [SB_ACT_ASSESS_FAIL] = "assess",
    [SB_ACT_REVOKE] = "revoke",
    [SB_ACT_EXIT] = "exit",
};

/* The proto's value names in lower case, the wire's JSON spelling. */
static const char *const state_names[] = {
    [NEW] = "state_unspecified",     [APPLIED] = "applied",
    [UNDER_REVIEW] = "under_review", [IN_PUBLICITY] = "in_publicity",
    [CERTIFIED] = "certified",       [REJECTED] = "rejected",
    [WITHDRAWN] = "withdrawn",       [ASSESSED] = "assessed",
    [REVOKED] = "revoked",           [EXITED] = "exited",
};

static const char *const kind_names[] = {
    [SKILLBASE__KIND__KIND_UNSPECIFIED] = "kind_unspecified",
    [APP] = "application",
    [BASE] = "base",
};

const sb_transition *sb_machine_table(size_t *ret_count)
{
    if (ret_count)
        *ret_count = ARRAY_SIZE(table);
    return table;
}

const char *sb_action_name(sb_action action)
{
    if ((unsigned)action >= SB_ACT_MAX_)
        return "unknown";
    return action_names[action];
}

const char *sb_state_name(Skillbase__State state)
{
    if ((unsigned)state >= ARRAY_SIZE(state_names))
        return "unknown";
    return state_names[state];
}

const char *sb_kind_name(Skillbase__Kind kind)
{
    if ((unsigned)kind >= ARRAY_SIZE(kind_names))
        return "unknown";
    return kind_names[kind];
}

static bool guard_passes(sb_guard g, bool objection_open)
{
    switch (g) {
    case SB_GUARD_NONE:
        return true;
    case SB_GUARD_NO_OPEN_OBJECTION:
        return !objection_open;
    case SB_GUARD_OPEN_OBJECTION:
        return objection_open;
    }
    return false;
}

static bool is_creation(const sb_transition *t)
{
    return t->from == NEW;
}

/* Append to a message buffer, never past its end. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

/* True when an earlier row of the allowed list already named this verb. */
static bool named_before(size_t row, Skillbase__Kind kind, Skillbase__State from,
                         bool objection_open)
{
    const char *name = sb_action_name(table[row].action);
    for (size_t i = 0; i < row; i++) {
        const sb_transition *t = &table[i];
        if (t->kind == kind && t->from == from && !is_creation(t) &&
            guard_passes(t->guard, objection_open) && strcmp(sb_action_name(t->action), name) == 0)
            return true;
    }
    return false;
}

/* "application app-000001 is applied; allowed: review, reject, withdraw",
 * saying "with (no) objection open" when only a guard stood in the way. */
static void explain(Skillbase__Kind kind, const char *id, Skillbase__State from,
                    bool objection_open, bool guard_failed, char *why, size_t why_len)
{
    size_t used = 0;
    put(why, why_len, &used, "%s %s is %s", sb_kind_name(kind), id ? id : "(new)",
        sb_state_name(from));
    if (guard_failed)
        put(why, why_len, &used,
            objection_open ? " with an objection open" : " with no objection open");
    bool any = false;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        const sb_transition *t = &table[i];
        if (t->kind != kind || t->from != from || is_creation(t) ||
            !guard_passes(t->guard, objection_open) || named_before(i, kind, from, objection_open))
            continue;
        put(why, why_len, &used, "%s%s", any ? ", " : "; allowed: ", sb_action_name(t->action));
        any = true;
    }
    if (!any)
        put(why, why_len, &used, "; no further action is allowed");
}

const sb_transition *sb_machine_find(Skillbase__Kind kind, const char *id, Skillbase__State from,
                                     bool objection_open, sb_action action, char *why,
                                     size_t why_len)
{
    bool guard_failed = false;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        const sb_transition *t = &table[i];
        if (t->kind != kind || t->action != action || t->from != from)
            continue;
        if (guard_passes(t->guard, objection_open))
            return t;
        guard_failed = true;
    }
    if (why && why_len > 0)
        explain(kind, id, from, objection_open, guard_failed, why, why_len);
    return NULL;
}

/* Creations count as leaving "no state yet", so only real end states are
 * terminal: rejected, withdrawn, revoked, exited, and a certified application,
 * whose life goes on in its sub-base. */
bool sb_machine_is_terminal(Skillbase__Kind kind, Skillbase__State state)
{
    for (size_t i = 0; i < ARRAY_SIZE(table); i++)
        if (table[i].kind == kind && table[i].from == state)
            return false;
    return true;
}

bool sb_machine_is_live(Skillbase__Kind kind, Skillbase__State state)
{
    return state != SKILLBASE__STATE__STATE_UNSPECIFIED && !sb_machine_is_terminal(kind, state);
}
