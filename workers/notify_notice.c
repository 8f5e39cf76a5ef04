/* notify_notice: event -> context -> rendered notice; see notify_notice.h. */
#include "notify_notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify_render.h"
#include "pbjson.h"
#include "sb_date.h"

/* ------------------------------------------------------------ labels */

typedef struct {
    const char *value; /* the enum's JSON spelling */
    const char *zh;
    const char *en;
} enum_word;

/* 五(二): grades of the biennial assessment. */
static const enum_word GRADES[] = {
    {"excellent", "优秀", "excellent"},
    {"good", "良好", "good"},
    {"pass", "合格", "pass"},
    {"fail", "不合格", "fail"},
};

/* 五(二) and 五(三): why a sub-base is revoked. */
static const enum_word CAUSES[] = {
    {"refused_assessment", "拒绝接受市人力社保部门考核管理", "refused the bureau's assessment"},
    {"unit_deregistered", "所在单位被注销或撤销", "the unit was deregistered or dissolved"},
    {"verified_complaint", "经查属实且造成不良社会影响的投诉、舆情",
     "a verified complaint or public-opinion incident with bad social impact"},
    {"major_safety_accident", "发生重大安全事故", "a major safety accident"},
    {"violation", "其他违法违规事件", "another violation of laws or rules"},
    {"assessment_failed", "考核评估结果不合格", "failed the biennial assessment"},
};

static const enum_word STATES[] = {
    {"applied", "已受理", "received"},
    {"under_review", "评审中", "under review"},
    {"in_publicity", "公示中", "in publicity"},
    {"certified", "已认定", "certified"},
    {"rejected", "未通过", "rejected"},
    {"withdrawn", "已撤回", "withdrawn"},
    {"assessed", "已考核", "assessed"},
    {"revoked", "已撤销", "revoked"},
    {"exited", "已退出", "exited"},
};

static const enum_word UNIT_TYPES[] = {
    {"enterprise", "企业", "enterprise"},
    {"university", "普通高校", "university"},
    {"vocational_college", "职业院校", "vocational college"},
    {"technical_school", "技工院校", "technical school"},
    {"other", "其他单位", "other"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const enum_word *find_label(const enum_word *table, size_t n, const json_t *v)
{
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(table[i].value, s) == 0)
            return &table[i];
    return NULL;
}

static void set_label(json_t *out, const char *key, const enum_word *table, size_t n,
                      const json_t *value)
{
    const enum_word *l = find_label(table, n, value);
    char k[64];
    if (!l)
        return;
    snprintf(k, sizeof k, "%s_zh", key);
    json_object_set_new(out, k, json_string(l->zh));
    snprintf(k, sizeof k, "%s_en", key);
    json_object_set_new(out, k, json_string(l->en));
}

/* ------------------------------------------------------------ context */

static const char *str_at(const json_t *ctx, const char *path)
{
    return json_string_value(sb_render_lookup(ctx, path));
}

/* The end of publicity: the deadlines worker adds it to the Application;
 * take the first "publicity_*end*" date field there is. */
static const char *publicity_end(const json_t *app)
{
    const char *key;
    json_t *v;
    sb_date d;
    json_object_foreach((json_t *)app, key, v)
    {
        if (strncmp(key, "publicity_", 10) == 0 && strstr(key + 10, "end") && json_is_string(v) &&
            sb_date_parse(json_string_value(v), &d) == 0)
            return json_string_value(v);
    }
    return NULL;
}

static void add_info(json_t *ctx, const char *today)
{
    json_t *info = json_object(), *labels = json_object();
    const char *s;
    if (!info || !labels) {
        json_decref(info);
        json_decref(labels);
        return;
    }
    if ((s = str_at(ctx, "application.form.unit.name")) || (s = str_at(ctx, "base.unit_name")))
        json_object_set_new(info, "unit_name", json_string(s));
    if ((s = str_at(ctx, "application.form.contact.name")) ||
        (s = str_at(ctx, "base.contact.name")))
        json_object_set_new(info, "contact_name", json_string(s));
    if ((s = str_at(ctx, "application.form.contact.email")) ||
        (s = str_at(ctx, "base.contact.email")))
        json_object_set_new(info, "contact_email", json_string(s));
    /* the level (六(五)): a district-level sub-base is its district's bureau's */
    const char *level = str_at(ctx, "base.base_level");
    if (!level)
        level = str_at(ctx, "application.form.base_level");
    const char *district = str_at(ctx, "base.district");
    if (!district)
        district = str_at(ctx, "application.form.unit.district");
    if (level && strcmp(level, "district") == 0) {
        json_object_set_new(info, "level_zh",
                            json_sprintf("区、县（市）级（%s）", district ? district : ""));
        json_object_set_new(info, "level_en",
                            json_sprintf("district-level (%s)", district ? district : ""));
    } else {
        json_object_set_new(info, "level_zh", json_string("市级"));
        json_object_set_new(info, "level_en", json_string("city-level"));
    }
    json_t *app = json_object_get(ctx, "application");
    if (app && (s = publicity_end(app)))
        json_object_set_new(info, "publicity_ends_on", json_string(s));
    sb_date due, now;
    if ((s = str_at(ctx, "base.next_assessment_due")) && sb_date_parse(s, &due) == 0 &&
        sb_date_parse(today, &now) == 0) {
        json_int_t days = sb_date_to_days(due) - sb_date_to_days(now);
        json_object_set_new(info, "days_to_due", json_integer(days));
        json_object_set_new(info, "days_overdue", json_integer(days < 0 ? -days : 0));
    }
    json_object_set_new(ctx, "info", info);

    set_label(labels, "state", STATES, COUNT(STATES), sb_render_lookup(ctx, "event.to_state"));
    set_label(labels, "grade", GRADES, COUNT(GRADES), sb_render_lookup(ctx, "base.grade"));
    set_label(labels, "cause", CAUSES, COUNT(CAUSES), sb_render_lookup(ctx, "base.revoked_cause"));
    set_label(labels, "unit_type", UNIT_TYPES, COUNT(UNIT_TYPES),
              sb_render_lookup(ctx, "application.form.unit.type"));
    json_object_set_new(ctx, "label", labels);
}

json_t *sb_notice_context(const Skillbase__Event *ev)
{
    json_t *ctx = json_object();
    json_t *event = pbjson_from_message(&ev->base);
    char today[SB_DATE_STRLEN];
    if (!ctx || !event)
        goto oom;
    json_t *rec = json_object_get(event, "record");
    if (rec) {
        json_incref(rec);
        json_object_del(event, "record");
        json_t *app = json_object_get(rec, "application");
        json_t *base = json_object_get(rec, "sub_base");
        if (app) {
            json_object_set(ctx, "application", app);
            json_object_set(ctx, "record", app);
        } else if (base) {
            json_object_set(ctx, "base", base);
            json_object_set(ctx, "record", base);
        }
        json_decref(rec);
    }
    sb_date_format(sb_date_from_ms(ev->time_ms), today);
    json_object_set_new(event, "date", json_string(today));
    if (json_object_set_new(ctx, "event", event) < 0) {
        event = NULL;
        goto oom;
    }
    add_info(ctx, today);
    return ctx;
oom:
    json_decref(event);
    json_decref(ctx);
    return NULL;
}

/* ------------------------------------------------------------ recipients */

bool sb_notice_address_ok(const char *addr)
{
    const char *at = addr ? strchr(addr, '@') : NULL;
    size_t n = addr ? strlen(addr) : 0;
    if (!at || at == addr || !at[1] || strchr(at + 1, '@') || n > 254)
        return false;
    for (const char *p = addr; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return false;
    }
    return at[1] != '.' && addr[n - 1] != '.';
}

static int add_recipient(sb_notice *n, const char *addr)
{
    for (size_t i = 0; i < n->to_count; i++)
        if (strcasecmp(n->to[i], addr) == 0)
            return 0;
    char **grown = realloc(n->to, (n->to_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    n->to = grown;
    if (!(n->to[n->to_count] = strdup(addr)))
        return -1;
    n->to_count++;
    return 0;
}

static int recipients(const sb_notice_settings *s, const sb_notice_template *t, const json_t *ctx,
                      sb_notice *n)
{
    if (t->to_applicant && s->notify_applicant) {
        const char *addr = str_at(ctx, "info.contact_email");
        if (!addr)
            snprintf(n->note, sizeof n->note, "the applicant has no contact e-mail");
        else if (!sb_notice_address_ok(addr))
            snprintf(n->note, sizeof n->note, "the applicant's contact e-mail is malformed");
        else if (add_recipient(n, addr))
            return -1;
    }
    for (size_t i = 0; t->to_operators && i < s->operator_count; i++)
        if (add_recipient(n, s->operators[i]))
            return -1;
    return 0;
}

/* ------------------------------------------------------------ building */

void sb_notice_free(sb_notice **n)
{
    if (!n || !*n)
        return;
    free((*n)->template_name);
    free((*n)->subject);
    free((*n)->body);
    for (size_t i = 0; i < (*n)->to_count; i++)
        free((*n)->to[i]);
    free((*n)->to);
    free((*n)->topic);
    free((*n)->action);
    free((*n)->entity_id);
    free(*n);
    *n = NULL;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int sb_notice_build(const sb_notice_settings *s, const Skillbase__Event *ev, sb_notice **ret,
                    char *err, size_t err_len)
{
    const sb_notice_template *t = sb_templates_select(s->templates, ev->topic, ev->action);
    if (!t)
        return 0;
    int rc = -1;
    size_t missing = 0;
    json_t *ctx = sb_notice_context(ev);
    sb_notice *n = calloc(1, sizeof *n);
    if (!ctx || !n)
        goto oom;
    if (sb_render(t->subject, ctx, &n->subject, &missing, err, err_len))
        goto out;
    if ((n->missing = missing))
        snprintf(n->first_missing, sizeof n->first_missing, "subject: %s", err);
    if (sb_render(t->body, ctx, &n->body, &missing, err, err_len))
        goto out;
    if (missing && !n->missing)
        snprintf(n->first_missing, sizeof n->first_missing, "body: %s", err);
    n->missing += missing;
    for (char *p = n->subject; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
    if (!n->subject[0]) {
        snprintf(err, err_len, "template %s renders an empty subject", t->name);
        goto out;
    }
    n->template_name = strdup(t->name);
    n->topic = dup_or_empty(ev->topic);
    n->action = dup_or_empty(ev->action);
    n->entity_id = dup_or_empty(ev->entity_id);
    n->seq = ev->seq;
    if (!n->template_name || !n->topic || !n->action || !n->entity_id || recipients(s, t, ctx, n))
        goto oom;
    *ret = n;
    n = NULL;
    rc = 1;
    goto out;
oom:
    snprintf(err, err_len, "out of memory");
out:
    sb_notice_free(&n);
    json_decref(ctx);
    return rc;
}
