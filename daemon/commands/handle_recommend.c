/* The bureau's recommendations of a sub-base (policy 六(三): a sub-base that
 * meets the conditions may be recommended first for certification as a
 * designated training institution, 定点培训机构; 六(四): one that meets the
 * conditions may apply to the selection of social training-evaluation
 * organisations, 社会培训评价组织). skillbase records that the bureau did so,
 * when and why; the certification itself is another procedure
 * (docs/activity.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_private.h"
#include "sb_error.h"
#include "store_activity.h"
#include "subsidy_private.h"

static const char *kind_name(Skillbase__RecommendationKind k)
{
    switch (k) {
    case SKILLBASE__RECOMMENDATION_KIND__DESIGNATED_TRAINING:
        return "designated_training";
    case SKILLBASE__RECOMMENDATION_KIND__TRAINING_EVALUATION:
        return "training_evaluation";
    default:
        return NULL;
    }
}

/* 'r' kind digit, then on NUL base_id */
static size_t rec_key(uint8_t *buf, Skillbase__RecommendationKind kind, const char *on,
                      const char *base_id)
{
    char head[16];
    snprintf(head, sizeof head, "%d%s", (int)kind, on ? on : "");
    return sb_store_activity_key(buf, 'r', head, base_id);
}

static void fill_rec(Skillbase__Event *ev, void *arg)
{
    ev->recommendation = arg;
}

int sb_handler_recommend(sb_call *call)
{
    const Skillbase__Recommend *c = call->req->recommend;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, true, "recommend", &base);
    if (rc)
        return rc;
    if ((rc = sb_call_check_reason(call, c->reason, true, "recommend")))
        return rc;
    sb_problems p = {0};
    if (!kind_name(c->kind))
        sb_problems_add(
            &p, "kind: must be designated_training (六(三)) or training_evaluation (六(四))");
    sb_date on;
    sb_handler_activity_check_date(call, &p, "on", c->on, true, &on);
    if (p.count)
        return sb_call_fail_problems(call, SB_INVALID, &p, "recommendation refused");
    const Skillbase__Base *b = base->sub_base;
    sb_date cert;
    if (b->certified_on && sb_date_parse(b->certified_on, &cert) == 0 && sb_date_cmp(on, cert) < 0)
        return sb_call_fail(call, SB_INVALID, "on: %s is before %s was certified (%s)", c->on,
                            b->id, b->certified_on);
    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = rec_key(key, c->kind, c->on, b->id);
    if (!klen)
        return sb_call_fail(call, SB_INVALID, "id: too long");
    ProtobufCMessage *m = NULL;
    rc = sb_store_activity_get(call->txn, key, klen, &skillbase__recommendation__descriptor,
                               &call->arena->pb, &m);
    if (rc == 0)
        return sb_call_fail(call, SB_CONFLICT,
                            "%s was recommended as %s on %s already (by %s); nothing was changed",
                            b->id, kind_name(c->kind), c->on,
                            ((Skillbase__Recommendation *)m)->recorded_by);
    if (rc != SB_E(SB_NOT_FOUND))
        return rc;
    Skillbase__Recommendation *r = sb_arena_alloc(call->arena, sizeof *r);
    if (!r)
        return SB_E(SB_INTERNAL);
    skillbase__recommendation__init(r);
    r->base_id = b->id;
    r->kind = c->kind;
    r->on = c->on;
    r->reason = c->reason;
    r->base_name = b->name;
    r->recorded_by = (char *)call->actor;
    r->recorded_ms = call->now_ms;
    if ((rc = sb_store_activity_put(call->txn, key, klen, &r->base)))
        return rc;
    const char *reason = sb_arena_printf(call->arena, "recommended as %s on %s: %s",
                                         kind_name(c->kind), c->on, c->reason);
    if (!reason)
        return SB_E(SB_INTERNAL);
    if ((rc = sb_handler_activity_event(call, base, "recommended", "recommend", reason, true,
                                        fill_rec, r)))
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_RECOMMENDATION;
    call->reply->recommendation = r;
    return 0;
}

typedef struct {
    Skillbase__Recommendation **items;
    size_t n, cap;
    sb_call *call;
} rec_list;

static int collect(ProtobufCMessage *m, void *arg)
{
    rec_list *l = arg;
    Skillbase__Recommendation **a =
        sb_arena_grow(l->call->arena, l->items, l->n, &l->cap, sizeof *a, 32);
    if (!a)
        return SB_E(SB_INTERNAL);
    l->items = a;
    l->items[l->n++] = (Skillbase__Recommendation *)m;
    return 0;
}

int sb_handler_list_recommendations(sb_call *call)
{
    const Skillbase__ListRecommendations *c = call->req->list_recommendations;
    if (c->kind && !kind_name(c->kind))
        return sb_call_fail(call, SB_INVALID,
                            "kind: designated_training, training_evaluation or none for both");
    rec_list l = {.call = call};
    for (int k = 1; k <= 2; k++) {
        if (c->kind && (int)c->kind != k)
            continue;
        uint8_t prefix[4] = {'r', (uint8_t)('0' + k)};
        int rc =
            sb_store_activity_each(call->txn, prefix, 2, &skillbase__recommendation__descriptor,
                                   &call->arena->pb, collect, &l);
        if (rc)
            return rc;
    }
    Skillbase__RecommendationPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__recommendation_page__init(page);
    page->recommendations = l.items;
    page->n_recommendations = l.n;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_RECOMMENDATIONS;
    call->reply->recommendations = page;
    return 0;
}
