/* The equipment register of a sub-base (policy 四(二): the sub-base
 * maintains its training equipment with its own staff; 四(三): it manages
 * its own equipment itself, and the equipment bought with public money on
 * the government's behalf). Adding, changing and retiring an item are
 * events on the sub-base that keep the item before and after
 * (docs/activity.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_private.h"
#include "sb_error.h"
#include "sb_subsidy.h"
#include "store_activity.h"
#include "subsidy_private.h"

#define ITEM_ID_MAX 32

static const char *funding_name(Skillbase__Funding f)
{
    return f == SKILLBASE__FUNDING__GOVERNMENT ? "government"
           : f == SKILLBASE__FUNDING__OWN      ? "own"
                                               : NULL;
}

/* Every problem of an item's facts as sent. */
static void check_item(sb_call *call, const Skillbase__EquipmentItem *it, const char *item_id,
                       sb_problems *p)
{
    if (it->id && it->id[0] && (!item_id || strcmp(it->id, item_id) != 0))
        sb_problems_add(p, "item.id: assigned by the daemon; leave it out");
    if (it->base_id && it->base_id[0])
        sb_problems_add(p, "item.base_id: the command's id names the sub-base; leave it out");
    if (it->retired || (it->retired_on && it->retired_on[0]))
        sb_problems_add(p, "item.retired: an item is retired with equipment_retire");
    if (it->version || it->updated_ms)
        sb_problems_add(p, "item.version, item.updated_ms: set by the daemon; leave them out");
    sb_handler_subsidy_check_text(p, "item.item", it->item, SB_EQUIPMENT_TEXT_MAX, true);
    if (it->value_fen < 1 || it->value_fen > SB_EQUIPMENT_VALUE_MAX)
        sb_problems_add(p, "item.value_fen: the value in fen (1 yuan = 100 fen), 1 to %llu",
                        (unsigned long long)SB_EQUIPMENT_VALUE_MAX);
    sb_date d;
    sb_handler_activity_check_date(call, p, "item.acquired_on", it->acquired_on, true, &d);
    if (!funding_name(it->funding))
        sb_problems_add(p, "item.funding: must be own or government (四(三))");
    sb_handler_subsidy_check_text(p, "item.custodian", it->custodian, SB_EQUIPMENT_TEXT_MAX, true);
    sb_handler_subsidy_check_text(p, "item.maintained_by", it->maintained_by, SB_EQUIPMENT_TEXT_MAX,
                                  true);
    sb_handler_subsidy_check_text(p, "item.note", it->note, SB_EQUIPMENT_NOTE_MAX, false);
}

typedef struct {
    Skillbase__EquipmentItem *before, *after;
} item_pair;

static void fill_pair(Skillbase__Event *ev, void *arg)
{
    item_pair *pr = arg;
    ev->equipment_before = pr->before;
    ev->equipment_after = pr->after;
}

static int item_key(sb_call *call, const char *base_id, const char *item_id, uint8_t *buf,
                    size_t *ret_len)
{
    size_t n = sb_store_activity_key(buf, 'e', base_id, item_id);
    if (!n)
        return sb_call_fail(call, SB_INVALID, "item_id: missing or too long");
    *ret_len = n;
    return 0;
}

/* Count the items of a register (an sb_store_activity_each callback). */
static int count_one(ProtobufCMessage *m, void *arg)
{
    (void)m;
    (*(size_t *)arg)++;
    return 0;
}

/* Store `after` and append its event; reply with it. */
static int commit_item(sb_call *call, Skillbase__Record *base, Skillbase__EquipmentItem *before,
                       Skillbase__EquipmentItem *after, const char *what, const char *action,
                       const char *reason)
{
    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = 0;
    int rc = item_key(call, after->base_id, after->id, key, &klen);
    if (rc)
        return rc;
    rc = sb_store_activity_put(call->txn, key, klen, &after->base);
    if (rc)
        return rc;
    item_pair pr = {before, after};
    rc = sb_handler_activity_event(call, base, what, action, reason, false, fill_pair, &pr);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_EQUIPMENT;
    call->reply->equipment = after;
    return 0;
}

int sb_handler_equipment_add(sb_call *call)
{
    const Skillbase__EquipmentAdd *c = call->req->equipment_add;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, true, "equipment_add", &base);
    if (rc)
        return rc;
    if ((rc = sb_call_check_reason(call, c->reason, true, "equipment_add")))
        return rc;
    if (!c->item)
        return sb_call_fail(call, SB_INVALID, "item: missing");
    sb_problems p = {0};
    check_item(call, c->item, NULL, &p);
    if (p.count)
        return sb_call_fail_problems(call, SB_INVALID, &p, "equipment item refused");
    uint8_t prefix[SB_ACTIVITY_KEY_MAX];
    /* 'e' base_id NUL: the register's range */
    size_t plen = sb_store_activity_key(prefix, 'e', base->sub_base->id, NULL);
    prefix[plen++] = 0;
    size_t n = 0;
    rc = sb_store_activity_each(call->txn, prefix, plen, &skillbase__equipment_item__descriptor,
                                &call->arena->pb, count_one, &n);
    if (rc)
        return rc;
    if (n >= SB_EQUIPMENT_PER_BASE)
        return sb_call_fail(call, SB_INVALID,
                            "the register of %s holds %zu items, the most one register keeps",
                            base->sub_base->id, n);
    uint64_t serial;
    if ((rc = sb_store_next_serial(call->txn, "equipment", &serial)))
        return rc;
    Skillbase__EquipmentItem *it = sb_arena_alloc(call->arena, sizeof *it);
    char *id = sb_arena_printf(call->arena, "eq-%06llu", (unsigned long long)serial);
    if (!it || !id)
        return SB_E(SB_INTERNAL);
    *it = *c->item;
    it->id = id;
    it->base_id = base->sub_base->id;
    it->version = 1;
    it->updated_ms = call->now_ms;
    it->retired = false;
    it->retired_on = (char *)"";
    const char *reason = sb_arena_printf(call->arena, "%s (%s, %s funding): %s", it->id, it->item,
                                         funding_name(it->funding), c->reason);
    if (!reason)
        return SB_E(SB_INTERNAL);
    return commit_item(call, base, NULL, it, "equipment_added", "equipment_add", reason);
}

/* Load item `item_id` of the sub-base's register into *ret. */
static int load_item(sb_call *call, const char *base_id, const char *item_id,
                     Skillbase__EquipmentItem **ret)
{
    if (!item_id || !item_id[0])
        return sb_call_fail(call, SB_INVALID, "item_id: missing");
    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = 0;
    int rc = item_key(call, base_id, item_id, key, &klen);
    if (rc)
        return rc;
    ProtobufCMessage *m = NULL;
    rc = sb_store_activity_get(call->txn, key, klen, &skillbase__equipment_item__descriptor,
                               &call->arena->pb, &m);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND, "no equipment item %s in the register of %s",
                            item_id, base_id);
    if (rc)
        return rc;
    *ret = (Skillbase__EquipmentItem *)m;
    return 0;
}

/* "custodian A → B; value 1.00 → 2.00 yuan" for the history's reason
 * (the event keeps both items whole). NULL when out of memory. */
static const char *what_changed(sb_call *call, const Skillbase__EquipmentItem *a,
                                const Skillbase__EquipmentItem *b)
{
    const struct {
        const char *name, *was, *now;
    } texts[] = {
        {"item", a->item, b->item},
        {"acquired_on", a->acquired_on, b->acquired_on},
        {"custodian", a->custodian, b->custodian},
        {"maintained_by", a->maintained_by, b->maintained_by},
        {"note", a->note, b->note},
    };
    const char *out = "";
    for (size_t i = 0; out && i < sizeof texts / sizeof texts[0]; i++)
        if (!sb_handler_subsidy_str_eq(texts[i].was, texts[i].now))
            out =
                sb_arena_printf(call->arena, "%s%s%s %s → %s", out, *out ? "; " : "", texts[i].name,
                                texts[i].was ? texts[i].was : "", texts[i].now ? texts[i].now : "");
    if (out && a->value_fen != b->value_fen) {
        char x[SB_YUAN_STRLEN], y[SB_YUAN_STRLEN];
        out = sb_arena_printf(call->arena, "%s%svalue %s → %s yuan", out, *out ? "; " : "",
                              sb_subsidy_yuan(a->value_fen, x), sb_subsidy_yuan(b->value_fen, y));
    }
    if (out && a->funding != b->funding)
        out = sb_arena_printf(call->arena, "%s%sfunding %s → %s", out, *out ? "; " : "",
                              funding_name(a->funding), funding_name(b->funding));
    return out;
}

int sb_handler_equipment_change(sb_call *call)
{
    const Skillbase__EquipmentChange *c = call->req->equipment_change;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, true, "equipment_change", &base);
    if (rc)
        return rc;
    if ((rc = sb_call_check_reason(call, c->reason, true, "equipment_change")))
        return rc;
    Skillbase__EquipmentItem *old = NULL;
    if ((rc = load_item(call, base->sub_base->id, c->item_id, &old)))
        return rc;
    if (old->retired)
        return sb_call_fail(call, SB_WRONG_STATE, "equipment item %s was retired on %s", old->id,
                            old->retired_on);
    if (!c->item)
        return sb_call_fail(call, SB_INVALID, "item: missing");
    sb_problems p = {0};
    check_item(call, c->item, c->item_id, &p);
    if (p.count)
        return sb_call_fail_problems(call, SB_INVALID, &p, "equipment item refused");
    Skillbase__EquipmentItem *it = sb_arena_alloc(call->arena, sizeof *it);
    if (!it)
        return SB_E(SB_INTERNAL);
    *it = *c->item;
    it->id = old->id;
    it->base_id = old->base_id;
    it->version = old->version + 1;
    it->updated_ms = call->now_ms;
    it->retired = false;
    it->retired_on = (char *)"";
    if (it->value_fen == old->value_fen && it->funding == old->funding &&
        sb_handler_subsidy_str_eq(it->item, old->item) &&
        sb_handler_subsidy_str_eq(it->acquired_on, old->acquired_on) &&
        sb_handler_subsidy_str_eq(it->custodian, old->custodian) &&
        sb_handler_subsidy_str_eq(it->maintained_by, old->maintained_by) &&
        sb_handler_subsidy_str_eq(it->note, old->note))
        return sb_call_fail(call, SB_INVALID, "item: the same as item %s holds; nothing to change",
                            old->id);
    const char *changes = what_changed(call, old, it);
    const char *reason =
        changes ? sb_arena_printf(call->arena, "%s: %s: %s", it->id, changes, c->reason) : NULL;
    if (!reason)
        return SB_E(SB_INTERNAL);
    return commit_item(call, base, old, it, "equipment_changed", "equipment_change", reason);
}

int sb_handler_equipment_retire(sb_call *call)
{
    const Skillbase__EquipmentRetire *c = call->req->equipment_retire;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, true, "equipment_retire", &base);
    if (rc)
        return rc;
    if ((rc = sb_call_check_reason(call, c->reason, true, "equipment_retire")))
        return rc;
    Skillbase__EquipmentItem *old = NULL;
    if ((rc = load_item(call, base->sub_base->id, c->item_id, &old)))
        return rc;
    if (old->retired)
        return sb_call_fail(call, SB_WRONG_STATE, "equipment item %s was retired on %s already",
                            old->id, old->retired_on);
    sb_problems p = {0};
    sb_date on = call->today, acquired;
    sb_handler_activity_check_date(call, &p, "on", c->on, false, &on);
    if (!p.count && sb_date_parse(old->acquired_on, &acquired) == 0 &&
        sb_date_cmp(on, acquired) < 0)
        sb_problems_add(&p, "on: before the item was acquired (%s)", old->acquired_on);
    if (p.count)
        return sb_call_fail_problems(call, SB_INVALID, &p, "retirement refused");
    Skillbase__EquipmentItem *it = sb_arena_alloc(call->arena, sizeof *it);
    char *on_s = sb_arena_alloc(call->arena, SB_DATE_STRLEN);
    if (!it || !on_s)
        return SB_E(SB_INTERNAL);
    *it = *old;
    it->retired = true;
    it->retired_on = sb_date_format(on, on_s);
    it->version = old->version + 1;
    it->updated_ms = call->now_ms;
    const char *reason =
        sb_arena_printf(call->arena, "%s retired on %s: %s", it->id, it->retired_on, c->reason);
    if (!reason)
        return SB_E(SB_INTERNAL);
    return commit_item(call, base, old, it, "equipment_retired", "equipment_retire", reason);
}

/* ------------------------------------------------------------ equipment_list */

typedef struct {
    Skillbase__EquipmentItem **items;
    size_t n, cap;
    sb_call *call;
} item_list;

static int collect(ProtobufCMessage *m, void *arg)
{
    item_list *l = arg;
    Skillbase__EquipmentItem **a =
        sb_arena_grow(l->call->arena, l->items, l->n, &l->cap, sizeof *a, 64);
    if (!a)
        return SB_E(SB_INTERNAL);
    l->items = a;
    l->items[l->n++] = (Skillbase__EquipmentItem *)m;
    return 0;
}

/* Government-funded first (listed apart, 四(三)), then own; by id. */
static int cmp_items(const void *a, const void *b)
{
    const Skillbase__EquipmentItem *x = *(Skillbase__EquipmentItem *const *)a;
    const Skillbase__EquipmentItem *y = *(Skillbase__EquipmentItem *const *)b;
    int fx = x->funding == SKILLBASE__FUNDING__GOVERNMENT ? 0 : 1;
    int fy = y->funding == SKILLBASE__FUNDING__GOVERNMENT ? 0 : 1;
    if (fx != fy)
        return fx - fy;
    return strcmp(x->id, y->id);
}

int sb_handler_equipment_list(sb_call *call)
{
    const Skillbase__EquipmentList *c = call->req->equipment_list;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, false, "equipment_list", &base);
    if (rc)
        return rc;
    uint8_t prefix[SB_ACTIVITY_KEY_MAX];
    size_t plen = sb_store_activity_key(prefix, 'e', base->sub_base->id, NULL);
    prefix[plen++] = 0;
    item_list l = {.call = call};
    rc = sb_store_activity_each(call->txn, prefix, plen, &skillbase__equipment_item__descriptor,
                                &call->arena->pb, collect, &l);
    if (rc)
        return rc;
    if (l.n > 1)
        qsort(l.items, l.n, sizeof l.items[0], cmp_items);

    Skillbase__EquipmentRegister *reg = sb_arena_alloc(call->arena, sizeof *reg);
    Skillbase__FundingTotal *tot = sb_arena_alloc(call->arena, 2 * sizeof *tot);
    Skillbase__FundingTotal **totp = sb_arena_alloc(call->arena, 2 * sizeof *totp);
    Skillbase__EquipmentItem **shown = sb_arena_alloc(call->arena, (l.n ? l.n : 1) * sizeof *shown);
    if (!reg || !tot || !totp || !shown)
        return SB_E(SB_INTERNAL);
    skillbase__equipment_register__init(reg);
    for (int i = 0; i < 2; i++) {
        skillbase__funding_total__init(&tot[i]);
        tot[i].funding = i == 0 ? SKILLBASE__FUNDING__GOVERNMENT : SKILLBASE__FUNDING__OWN;
        totp[i] = &tot[i];
    }
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        Skillbase__EquipmentItem *it = l.items[i];
        if (!it->retired) {
            Skillbase__FundingTotal *t =
                &tot[it->funding == SKILLBASE__FUNDING__GOVERNMENT ? 0 : 1];
            t->items++;
            t->value_fen += it->value_fen;
            reg->value_fen += it->value_fen;
        }
        if (it->retired && !c->include_retired)
            continue;
        if (c->funding && it->funding != c->funding)
            continue;
        shown[n++] = it;
    }
    reg->base_id = base->sub_base->id;
    reg->items = shown;
    reg->n_items = n;
    reg->totals = totp;
    reg->n_totals = 2;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_EQUIPMENT_REGISTER;
    call->reply->equipment_register = reg;
    return 0;
}
