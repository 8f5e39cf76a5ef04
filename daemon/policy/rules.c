/* sb_rules: the policy's checks and formulas as tables and pure functions.
 * Clause numbers refer to 杭州市高技能人才公共实训基地体系建设实施办法
 * (policy/000_ee7bdd15c54335b4.txt). */
#include "rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sb_cycle.h"
#include "sb_error.h"
#include "sb_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ problems */

/* Length of the UTF-8 sequence a lead byte starts (1 for anything else). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* Problems quote user text and end up in Reply.details, a proto string that
 * must stay valid UTF-8: a truncated sequence at the end is cut off whole. */
static void trim_partial_utf8(char *s)
{
    size_t len = strlen(s), j = len;
    while (j > 0 && len - j < 3 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0 && len - (j - 1) < utf8_seq_len((unsigned char)s[j - 1]))
        s[j - 1] = '\0';
}

void sb_problems_add(sb_problems *p, const char *fmt, ...)
{
    if (!p)
        return;
    if (p->count >= SB_PROBLEMS_MAX) {
        p->dropped++;
        return;
    }
    char *slot = p->text[p->count++];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(slot, SB_PROBLEM_LEN, fmt, ap);
    va_end(ap);
    if (n >= SB_PROBLEM_LEN)
        trim_partial_utf8(slot);
}

/* What text may hold is sb_text's rule (sb_text.h): well-formed UTF-8
 * without NUL, C0 controls other than tab, DEL, C1 controls, bidirectional
 * controls or line separators, because every string here ends up in
 * records, notices and terminals. */
bool sb_rules_text_ok(const char *s)
{
    return sb_text_ok(s);
}

/* ------------------------------------------------------------ identity */

/* GB 32100-2015 §4: the code alphabet (value = index) and the weights of
 * positions 1-17 (3^(i-1) mod 31) for the check character at position 18. */
#define CREDIT_CODE_LEN 18
static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned credit_weights[CREDIT_CODE_LEN - 1] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                             29, 25, 13, 8,  24, 10, 30, 28};

static int credit_value(char c)
{
    const char *hit = c ? strchr(credit_alphabet, c) : NULL;
    return hit ? (int)(hit - credit_alphabet) : -1;
}

/* GB 32100-2015 表1: the registration authority (character 1) and the
 * kinds of body it registers (character 2). */
static bool registration_pair_ok(char authority, char kind)
{
    static const struct {
        char authority;
        const char *kinds;
    } pairs[] = {
        {'1', "1239"},   /* 机构编制: 机关, 事业单位, 群众团体, 其他 */
        {'2', "19"},     /* 外交 */
        {'3', "123459"}, /* 司法行政: 律师事务所 … 仲裁委员会, 其他 */
        {'4', "19"},     /* 文化 */
        {'5', "1239"},   /* 民政: 社会团体, 民办非企业单位, 基金会, 其他 */
        {'6', "129"},    /* 旅游 */
        {'7', "129"},    /* 宗教 */
        {'8', "19"},     /* 工会 */
        {'9', "123"},    /* 市场监管 (工商): 企业, 个体工商户, 农民专业合作社 */
        {'A', "19"},     /* 中央军委改革和编制办公室 */
        {'N', "1239"},   /* 农业农村: 集体经济组织 */
        {'Y', "1"},      /* 其他 */
    };
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
        if (pairs[i].authority == authority)
            return kind && strchr(pairs[i].kinds, kind) != NULL;
    return false;
}

/* GB 11714-1997: an organisation code is eight characters and a check digit. */
#define ORG_CODE_BODY_LEN 8

/* GB 11714-1997: the check digit of an organisation code's first eight
 * characters (digits 0-9, letters A-Z as 10-35; weights 3 7 9 10 5 8 4 2;
 * 11 - sum mod 11, where 10 is X and 11 is 0). */
char sb_rules_gb11714_check(const char *body8)
{
    static const unsigned weights[ORG_CODE_BODY_LEN] = {3, 7, 9, 10, 5, 8, 4, 2};
    unsigned sum = 0;
    for (int i = 0; i < ORG_CODE_BODY_LEN; i++) {
        char c = body8[i];
        unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'A' && c <= 'Z' ? (unsigned)(c - 'A' + 10)
                                            : 0;
        sum += v * weights[i];
    }
    unsigned d = 11 - sum % 11;
    return d == 10 ? 'X' : d == 11 ? '0' : (char)('0' + d);
}

/* Characters as a person counts them, so a full-width character in the code
 * does not make "19 characters" out of 18. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

bool sb_rules_credit_code_valid(const char *code, sb_problems *problems)
{
    if (!code || !*code) {
        sb_problems_add(problems, "unit.credit_code: missing");
        return false;
    }
    size_t chars = utf8_chars(code);
    if (chars != CREDIT_CODE_LEN) {
        sb_problems_add(problems, "unit.credit_code: has %zu characters, expected 18", chars);
        return false;
    }
    unsigned sum = 0;
    const char *s = code;
    for (int pos = 1; pos <= CREDIT_CODE_LEN; pos++, s++) {
        char c = *s;
        int v = credit_value(c);
        if (v >= 0) {
            if (pos < CREDIT_CODE_LEN)
                sum += (unsigned)v * credit_weights[pos - 1];
            continue;
        }
        if (c >= 'a' && c <= 'z')
            sb_problems_add(problems,
                            "unit.credit_code: character %d is '%c'; letters must be upper-case",
                            pos, c);
        else if (c > ' ' && c < 0x7F)
            sb_problems_add(problems,
                            "unit.credit_code: character %d ('%c') is not in the GB 32100-2015 "
                            "alphabet (digits and upper-case letters except I, O, S, V, Z)",
                            pos, c);
        else
            sb_problems_add(problems,
                            "unit.credit_code: character %d is not in the GB 32100-2015 "
                            "alphabet (digits and upper-case letters except I, O, S, V, Z)",
                            pos);
        return false;
    }
    char last = code[CREDIT_CODE_LEN - 1];
    unsigned check = (31 - sum % 31) % 31;
    if (last != credit_alphabet[check]) {
        sb_problems_add(problems, "unit.credit_code: check character is %c, expected %c", last,
                        credit_alphabet[check]);
        return false;
    }
    if (!registration_pair_ok(code[0], code[1])) {
        sb_problems_add(problems,
                        "unit.credit_code: registration authority %c%c (characters 1-2) is not a "
                        "valid pair of GB 32100-2015 (e.g. 91 an enterprise registered by market "
                        "regulation, 12 a public institution, 52 a private non-enterprise unit)",
                        code[0], code[1]);
        return false;
    }
    for (int i = 2; i < 8; i++)
        if (code[i] < '0' || code[i] > '9') {
            sb_problems_add(problems,
                            "unit.credit_code: administrative-division code %.6s (characters "
                            "3-8) is not six digits (GB/T 2260)",
                            code + 2);
            return false;
        }
    char org_check = sb_rules_gb11714_check(code + 8);
    if (code[16] != org_check) {
        sb_problems_add(problems,
                        "unit.credit_code: organisation code %.9s (characters 9-17) has check "
                        "digit %c, expected %c (GB 11714-1997)",
                        code + 8, code[16], org_check);
        return false;
    }
    return true;
}

/* 二(一) 杭州市内: the division codes of Hangzhou (GB/T 2260), those of
 * districts since merged or renamed included — a code keeps the division it
 * was issued in — with the districts a unit there may now declare. */
static const struct {
    const char *code;
    const char *districts[3]; /* canonical names; none: not district-level */
} hangzhou_divisions[] = {
    {"330100", {NULL}}, /* 杭州市 (city-level registry) */
    {"330102", {"上城区"}},
    {"330103", {"拱墅区"}},           /* 下城区, merged into 拱墅区 (2021) */
    {"330104", {"上城区", "钱塘区"}}, /* 江干区, divided (2021) */
    {"330105", {"拱墅区"}},
    {"330106", {"西湖区"}},
    {"330108", {"滨江区"}},
    {"330109", {"萧山区", "钱塘区"}}, /* part of it went to 钱塘区 (2021) */
    {"330110", {"余杭区", "临平区"}}, /* 临平区 split from it (2021) */
    {"330111", {"富阳区"}},
    {"330112", {"临安区"}},
    {"330113", {"临平区"}},
    {"330114", {"钱塘区"}},
    {"330122", {"桐庐县"}},
    {"330127", {"淳安县"}},
    {"330182", {"建德市"}},
    {"330183", {"富阳区"}}, /* 富阳市, now 富阳区 (2014) */
    {"330185", {"临安区"}}, /* 临安市, now 临安区 (2017) */
};

static int hangzhou_division(const char *code)
{
    for (size_t i = 0; i < ARRAY_SIZE(hangzhou_divisions); i++)
        if (strncmp(code + 2, hangzhou_divisions[i].code, 6) == 0)
            return (int)i;
    return -1;
}

bool sb_rules_credit_code_in_hangzhou(const char *code, sb_problems *problems)
{
    if (hangzhou_division(code) >= 0 || strncmp(code + 2, "330000", 6) == 0 ||
        strncmp(code + 2, "100000", 6) == 0)
        return true;
    sb_problems_add(problems,
                    "unit.credit_code: administrative-division code %.6s (characters 3-8) is not "
                    "in Hangzhou (3301xx) nor the provincial or national registry (330000, "
                    "100000): units 杭州市内 only (二(一))",
                    code + 2);
    return false;
}

bool sb_rules_district_disagrees(const char *code, const char *district, char *buf, size_t len)
{
    int i = code && strlen(code) == CREDIT_CODE_LEN ? hangzhou_division(code) : -1;
    if (i < 0 || !hangzhou_divisions[i].districts[0] || !district)
        return false;
    for (int k = 0; k < 3 && hangzhou_divisions[i].districts[k]; k++)
        if (strcmp(district, hangzhou_divisions[i].districts[k]) == 0)
            return false;
    snprintf(buf, len,
             "unit.district: %s is declared, but the credit code's division %.6s is %s%s%s",
             district, code + 2, hangzhou_divisions[i].districts[0],
             hangzhou_divisions[i].districts[1] ? " or " : "",
             hangzhou_divisions[i].districts[1] ? hangzhou_divisions[i].districts[1] : "");
    return true;
}

/* 二(一): units "杭州市内". The ten districts, two counties and one
 * county-level city of Hangzhou since the 2021 redistricting. */
static const struct {
    const char *name;
    const char *pinyin;
} districts[] = {
    {"上城区", "shangcheng"}, {"拱墅区", "gongshu"}, {"西湖区", "xihu"},    {"滨江区", "binjiang"},
    {"萧山区", "xiaoshan"},   {"余杭区", "yuhang"},  {"临平区", "linping"}, {"钱塘区", "qiantang"},
    {"富阳区", "fuyang"},     {"临安区", "linan"},   {"桐庐县", "tonglu"},  {"淳安县", "chunan"},
    {"建德市", "jiande"},
};

const char *sb_rules_district(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(districts); i++)
        if (strcmp(name, districts[i].name) == 0 || strcasecmp(name, districts[i].pinyin) == 0)
            return districts[i].name;
    return NULL;
}

size_t sb_rules_districts(const char **ret_names, const char **ret_pinyin, size_t max)
{
    for (size_t i = 0; i < ARRAY_SIZE(districts) && i < max; i++) {
        ret_names[i] = districts[i].name;
        ret_pinyin[i] = districts[i].pinyin;
    }
    return ARRAY_SIZE(districts);
}

/* ------------------------------------------------------------ eligibility */

/* Bounds on free text, in bytes: generous for Chinese names (3 bytes per
 * character) yet small enough that records and problems stay bounded. */
#define MAX_NAME 200
#define MAX_BASE_NAME 100
#define MAX_DISTRICT 64
#define MAX_PHONE 64
#define MAX_EMAIL 254
#define MAX_MATERIAL 200
#define MAX_PROJECT_TEXT 100
#define MAX_PROJECTS 100

static const sb_rules_limit form_limits[] = {
    {"unit.name", MAX_NAME, "bytes"},
    {"unit.district", MAX_DISTRICT, "bytes"},
    {"base_name", MAX_BASE_NAME, "bytes"},
    {"contact.name", MAX_NAME, "bytes"},
    {"contact.phone", MAX_PHONE, "bytes"},
    {"contact.email", MAX_EMAIL, "bytes"},
    {"projects", MAX_PROJECTS, "projects"},
    {"projects.occupation", MAX_PROJECT_TEXT, "bytes"},
    {"projects.level", MAX_PROJECT_TEXT, "bytes"},
    {"materials.*", MAX_MATERIAL, "bytes each"},
};

const sb_rules_limit *sb_rules_form_limits(size_t *ret_n)
{
    *ret_n = ARRAY_SIZE(form_limits);
    return form_limits;
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/* Report a required string that is missing, malformed or too long; true when
 * it is present and usable. An optional blank string is fine. */
static bool check_text(sb_problems *p, const char *field, const char *s, size_t max, bool required)
{
    if (blank(s)) {
        if (required)
            sb_problems_add(p, "%s: missing", field);
        return false;
    }
    char why[64];
    if (sb_text_fault(s, strlen(s), why, sizeof why)) {
        sb_problems_add(p, "%s: %s", field, why);
        return false;
    }
    size_t len = strlen(s);
    if (len > max) {
        sb_problems_add(p, "%s: too long (%zu bytes, at most %zu)", field, len, max);
        return false;
    }
    return true;
}

/* 二(一): 企业、普通高校、职业院校（含技工院校）等单位 — "等" admits other units. */
static bool unit_type_eligible(Skillbase__UnitType t)
{
    switch (t) {
    case SKILLBASE__UNIT_TYPE__ENTERPRISE:
    case SKILLBASE__UNIT_TYPE__UNIVERSITY:
    case SKILLBASE__UNIT_TYPE__VOCATIONAL_COLLEGE:
    case SKILLBASE__UNIT_TYPE__TECHNICAL_SCHOOL:
    case SKILLBASE__UNIT_TYPE__OTHER:
        return true;
    default:
        return false;
    }
}

/* 二(二) "一般应具备": the conditions an application may be excused from, by
 * name and with a reason (Apply.waivers). The order is the bit of each in
 * a waiver mask. Identity (credit code, 杭州市内), the materials of 二(三)1
 * and the form's shape are not conditions of 二(二) and are never waived. */
static const sb_rules_condition conditions[] = {
    {"legal_person", "二(二)1", "the unit is an independent legal person (独立的法人资格)"},
    {"site_owned", "二(二)2", "the training site is owned, not leased (自有实训场地，不含租赁)"},
    {"equipment_owned", "二(二)2", "the unit owns its training equipment (自有设备)"},
    {"office_owned", "二(二)2", "the unit has its own fixed office (自有固定的办公场所)"},
    {"full_time_managers", "二(二)2", "at least one full-time manager (专职的管理人员)"},
    {"teachers", "二(二)2", "at least one teacher (师资力量)"},
};
enum { C_LEGAL_PERSON, C_SITE_OWNED, C_EQUIPMENT, C_OFFICE, C_MANAGERS, C_TEACHERS };

const sb_rules_condition *sb_rules_conditions(size_t *ret_n)
{
    *ret_n = ARRAY_SIZE(conditions);
    return conditions;
}

int sb_rules_condition_find(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(conditions); i++)
        if (strcmp(conditions[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* One check of a form: its problems, the conditions waived and those
 * found unmet. */
typedef struct {
    sb_problems *p;
    uint32_t waived, unmet;
} form_check;

/* Condition c is not met: a problem unless it is waived. */
static void unmet(form_check *fc, int c, const char *what)
{
    fc->unmet |= 1u << c;
    if (!(fc->waived & (1u << c)))
        sb_problems_add(fc->p, "%s (%s; condition %s may be waived with a reason)", what,
                        conditions[c].clause, conditions[c].name);
}

static void check_unit(const Skillbase__Unit *u, form_check *fc)
{
    sb_problems *p = fc->p;
    static const Skillbase__Unit none = SKILLBASE__UNIT__INIT;
    if (!u)
        u = &none;
    check_text(p, "unit.name", u->name, MAX_NAME, true);
    if (sb_rules_credit_code_valid(u->credit_code, p))
        sb_rules_credit_code_in_hangzhou(u->credit_code, p);
    if (!unit_type_eligible(u->type))
        sb_problems_add(p, "unit.type: unknown unit type (expected enterprise, university, "
                           "vocational_college, technical_school or other)");
    if (check_text(p, "unit.district", u->district, MAX_DISTRICT, true) &&
        !sb_rules_district(u->district))
        sb_problems_add(p, "unit.district: \"%s\" is not a district, county or city of Hangzhou",
                        u->district);
    /* 二(二)1: 依法设立，具有独立的法人资格 */
    if (!u->legal_person)
        unmet(fc, C_LEGAL_PERSON,
              "unit.legal_person: the unit must be an independent legal person");
}

/* 二(二)2: 自有实训场地及设备（不含租赁），有自有固定的办公场所 */
static void check_site(const Skillbase__Site *s, form_check *fc)
{
    sb_problems *p = fc->p;
    static const Skillbase__Site none = SKILLBASE__SITE__INIT;
    if (!s)
        s = &none;
    if (!s->owned)
        unmet(fc, C_SITE_OWNED, "site.owned: the training site must be owned, not leased");
    if (!isfinite(s->area_m2))
        sb_problems_add(p, "site.area_m2: must be a finite number greater than 0");
    else if (!(s->area_m2 > 0))
        sb_problems_add(p, "site.area_m2: must be greater than 0");
    if (s->equipment_value_cny == 0)
        unmet(fc, C_EQUIPMENT,
              "site.equipment_value_cny: the unit must own its training equipment (value > 0)");
    if (!s->office_owned)
        unmet(fc, C_OFFICE, "site.office_owned: the unit must have its own office space");
}

/* 二(二)2: 有专职的管理人员和师资力量 */
static void check_staff(const Skillbase__Staff *s, form_check *fc)
{
    static const Skillbase__Staff none = SKILLBASE__STAFF__INIT;
    if (!s)
        s = &none;
    if (s->full_time_managers == 0)
        unmet(fc, C_MANAGERS,
              "staff.full_time_managers: at least one full-time manager is required");
    if (s->teachers == 0)
        unmet(fc, C_TEACHERS, "staff.teachers: at least one teacher is required");
}

/* 二(二)4: the unit applies for training projects (所申报项目). */
static void check_projects(const Skillbase__ApplicationForm *f, sb_problems *p)
{
    if (f->n_projects == 0) {
        sb_problems_add(p, "projects: at least one training project is required");
        return;
    }
    if (f->n_projects > MAX_PROJECTS) {
        sb_problems_add(p, "projects: %zu projects, at most %d", f->n_projects, MAX_PROJECTS);
        return;
    }
    for (size_t i = 0; i < f->n_projects; i++) {
        static const Skillbase__Project none = SKILLBASE__PROJECT__INIT;
        const Skillbase__Project *pr = f->projects[i] ? f->projects[i] : &none;
        char field[48];
        snprintf(field, sizeof field, "projects[%zu].occupation", i);
        check_text(p, field, pr->occupation, MAX_PROJECT_TEXT, true);
        snprintf(field, sizeof field, "projects[%zu].level", i);
        check_text(p, field, pr->level, MAX_PROJECT_TEXT, false);
    }
}

/* 二(三)1 (1)-(4): 申报表, 法人登记证书或营业执照, 师资证明, 内部管理制度
 * (the management rules also answer 二(二)3, 健全的管理制度). */
static void check_materials(const Skillbase__Materials *m, sb_problems *p)
{
    static const Skillbase__Materials none = SKILLBASE__MATERIALS__INIT;
    if (!m)
        m = &none;
    check_text(p, "materials.application_form", m->application_form, MAX_MATERIAL, true);
    check_text(p, "materials.license", m->license, MAX_MATERIAL, true);
    check_text(p, "materials.staff_credentials", m->staff_credentials, MAX_MATERIAL, true);
    check_text(p, "materials.management_rules", m->management_rules, MAX_MATERIAL, true);
}

static bool email_shaped(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@');
}

/* 附件2 asks for a contact; notices of every decision go to them. */
static void check_contact(const Skillbase__Contact *c, bool email_required, sb_problems *p)
{
    static const Skillbase__Contact none = SKILLBASE__CONTACT__INIT;
    if (!c)
        c = &none;
    check_text(p, "contact.name", c->name, MAX_NAME, true);
    check_text(p, "contact.phone", c->phone, MAX_PHONE, true);
    if (check_text(p, "contact.email", c->email, MAX_EMAIL, email_required) &&
        !email_shaped(c->email))
        sb_problems_add(p, "contact.email: not an e-mail address (must contain one @ with text "
                           "both sides)");
}

void sb_rules_check_form(const Skillbase__ApplicationForm *form, sb_problems *problems)
{
    sb_rules_check_form_waived(form, 0, true, problems, NULL);
}

void sb_rules_check_form_waived(const Skillbase__ApplicationForm *form, uint32_t waived,
                                bool email_required, sb_problems *problems, uint32_t *ret_unmet)
{
    static const Skillbase__ApplicationForm none = SKILLBASE__APPLICATION_FORM__INIT;
    form_check fc = {.p = problems, .waived = waived};
    if (!form)
        form = &none;
    check_unit(form->unit, &fc);
    check_site(form->site, &fc);
    check_staff(form->staff, &fc);
    check_projects(form, problems);
    check_materials(form->materials, problems);
    check_contact(form->contact, email_required, problems);
    /* 二(三)2: the 名称或区域 part of "杭州市公共实训基地+名称或区域+分基地" */
    if (check_text(problems, "base_name", form->base_name, MAX_BASE_NAME, true))
        sb_rules_base_name_ok(form->base_name, problems);
    if (ret_unmet)
        *ret_unmet = fc.unmet;
}

/* ------------------------------------------------------------ assessment */

/* 五(一): base part 基本建设, 制度建设, 实训管理, 公共服务 (100 points); bonus
 * part 承办技能大赛, 其他公益性服务 (20 points). The split within each part
 * (附件3, not in the policy text) is the bureau's configuration; these are
 * the shipped defaults. */
static const char *const rubric_items[SB_RUBRIC_ITEMS] = {
    "basic_construction", "system_construction", "training_management",
    "public_service",     "competition_hosting", "other_public_service",
};
static const uint32_t rubric_default_max[SB_RUBRIC_ITEMS] = {25, 20, 25, 30, 10, 10};

void sb_rubric_default(sb_rubric *ret)
{
    memcpy(ret->max, rubric_default_max, sizeof ret->max);
    ret->grade_on_base = false;
}

const char *sb_rubric_item_name(int i)
{
    return i >= 0 && i < SB_RUBRIC_ITEMS ? rubric_items[i] : NULL;
}

bool sb_rubric_valid(const sb_rubric *r, sb_problems *problems)
{
    uint64_t base = 0, bonus = 0;
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++)
        *(i < SB_RUBRIC_BASE_ITEMS ? &base : &bonus) += r->max[i];
    bool ok = true;
    if (base != SB_RUBRIC_BASE_POINTS) {
        sb_problems_add(problems,
                        "rubric: the base items (basic_construction, system_construction, "
                        "training_management, public_service) sum to %llu, must be %d",
                        (unsigned long long)base, SB_RUBRIC_BASE_POINTS);
        ok = false;
    }
    if (bonus != SB_RUBRIC_BONUS_POINTS) {
        sb_problems_add(problems,
                        "rubric: the bonus items (competition_hosting, other_public_service) "
                        "sum to %llu, must be %d",
                        (unsigned long long)bonus, SB_RUBRIC_BONUS_POINTS);
        ok = false;
    }
    return ok;
}

/* Points in tenths as people write them: "22.5", "20". */
static const char *tenths_text(uint64_t t, char buf[32])
{
    if (t % 10)
        snprintf(buf, 32, "%llu.%llu", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
    else
        snprintf(buf, 32, "%llu", (unsigned long long)(t / 10));
    return buf;
}

/* Scores in tenths of a point, exact integer arithmetic throughout. */
static int score_tenths(const sb_rubric *r, const uint64_t got[SB_RUBRIC_ITEMS],
                        sb_problems *problems, sb_score *ret)
{
    /* With a broken rubric the caps would no longer bound the parts. */
    bool ok = sb_rubric_valid(r, problems);
    sb_score s = {0};
    char a[32];
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++) {
        if (got[i] > (uint64_t)r->max[i] * 10) {
            sb_problems_add(problems, "scores.%s: %s is above the maximum of %u", rubric_items[i],
                            tenths_text(got[i], a), (unsigned)r->max[i]);
            ok = false;
            continue;
        }
        *(i < SB_RUBRIC_BASE_ITEMS ? &s.base_tenths : &s.bonus_tenths) += (uint32_t)got[i];
    }
    if (!ok)
        return SB_E(SB_INVALID);
    s.total_tenths = s.base_tenths + s.bonus_tenths;
    s.base_total = s.base_tenths / 10;
    s.bonus_total = s.bonus_tenths / 10;
    s.total = s.total_tenths / 10;
    /* 五(二) does not say which part the bands apply to: the bureau's choice */
    s.grade = sb_rules_grade_tenths(r->grade_on_base ? s.base_tenths : s.total_tenths);
    *ret = s;
    return 0;
}

int sb_rules_score(const sb_rubric *r, const Skillbase__Scores *scores, sb_problems *problems,
                   sb_score *ret)
{
    static const Skillbase__Scores zero = SKILLBASE__SCORES__INIT;
    if (!scores)
        scores = &zero;
    const uint64_t got[SB_RUBRIC_ITEMS] = {
        (uint64_t)scores->basic_construction * 10,  (uint64_t)scores->system_construction * 10,
        (uint64_t)scores->training_management * 10, (uint64_t)scores->public_service * 10,
        (uint64_t)scores->competition_hosting * 10, (uint64_t)scores->other_public_service * 10,
    };
    return score_tenths(r, got, problems, ret);
}

int sb_rules_score_tenths(const sb_rubric *r, const Skillbase__Scores *tenths,
                          sb_problems *problems, sb_score *ret)
{
    static const Skillbase__Scores zero = SKILLBASE__SCORES__INIT;
    if (!tenths)
        tenths = &zero;
    const uint64_t got[SB_RUBRIC_ITEMS] = {
        tenths->basic_construction, tenths->system_construction, tenths->training_management,
        tenths->public_service,     tenths->competition_hosting, tenths->other_public_service,
    };
    return score_tenths(r, got, problems, ret);
}

int sb_rules_score_assess(const sb_rubric *r, const Skillbase__Assess *c, sb_problems *problems,
                          sb_score *ret)
{
    if (c->scores && c->scores_tenths) {
        sb_problems_add(problems, "scores, scores_tenths: give one of them");
        return SB_E(SB_INVALID);
    }
    return c->scores_tenths ? sb_rules_score_tenths(r, c->scores_tenths, problems, ret)
                            : sb_rules_score(r, c->scores, problems, ret);
}

/* 五(二): 90分及以上为优秀，80-89分为良好，60-79分为合格，60分以下为不合格.
 * Bonus points count, so a total can reach 120. */
static const struct {
    uint32_t min;
    Skillbase__Grade grade;
} grade_bands[] = {
    {90, SKILLBASE__GRADE__EXCELLENT},
    {80, SKILLBASE__GRADE__GOOD},
    {60, SKILLBASE__GRADE__PASS},
    {0, SKILLBASE__GRADE__FAIL},
};

Skillbase__Grade sb_rules_grade(uint32_t total)
{
    for (size_t i = 0; i < ARRAY_SIZE(grade_bands); i++)
        if (total >= grade_bands[i].min)
            return grade_bands[i].grade;
    return SKILLBASE__GRADE__FAIL;
}

bool sb_rules_review_ok(char *const *experts, size_t n, const char *visited_on, const char *report,
                        uint32_t min, sb_date today, sb_problems *problems)
{
    bool ok = true;
    if (n < min) {
        sb_problems_add(problems,
                        "experts: %zu named, at least %u are required (二(三)2 组织专家; "
                        "[review] min_experts)",
                        n, (unsigned)min);
        ok = false;
    }
    for (size_t i = 0; i < n; i++) {
        if (blank(experts[i]) || !sb_rules_text_ok(experts[i]) || strlen(experts[i]) > 64) {
            sb_problems_add(problems, "experts: name %zu is empty, not text or over 64 bytes",
                            i + 1);
            ok = false;
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(experts[i], experts[k]) == 0) {
                sb_problems_add(problems, "experts: %s is named twice", experts[i]);
                ok = false;
            }
    }
    sb_date on;
    if (!visited_on || sb_date_parse(visited_on, &on)) {
        sb_problems_add(problems, "visited_on: the site visit's date is required (YYYY-MM-DD)");
        ok = false;
    } else if (sb_date_cmp(on, today) > 0) {
        sb_problems_add(problems, "visited_on: %s is after today", visited_on);
        ok = false;
    }
    if (report && (!sb_rules_text_ok(report) || strlen(report) > 200)) {
        sb_problems_add(problems, "report: not text or over 200 bytes");
        ok = false;
    }
    return ok;
}

/* The same bands in tenths: 59.9 fails, 60.0 passes, 89.9 is good. */
Skillbase__Grade sb_rules_grade_tenths(uint32_t total_tenths)
{
    for (size_t i = 0; i < ARRAY_SIZE(grade_bands); i++)
        if ((uint64_t)total_tenths >= (uint64_t)grade_bands[i].min * 10)
            return grade_bands[i].grade;
    return SKILLBASE__GRADE__FAIL;
}

/* 五(二): 考核结果不合格的分基地予以撤销. An unspecified grade is no
 * assessment result at all, so it keeps nothing either. */
bool sb_rules_grade_passes(Skillbase__Grade g)
{
    return g == SKILLBASE__GRADE__EXCELLENT || g == SKILLBASE__GRADE__GOOD ||
           g == SKILLBASE__GRADE__PASS;
}

/* ------------------------------------------------------------ naming */

/* 二(三)2: 名称由"杭州市公共实训基地+名称或区域+分基地"组成，并统一授予
 * "杭州市高技能人才公共实训基地"铭牌. */
#define NAME_PREFIX "杭州市公共实训基地"
#define NAME_SUFFIX "分基地"
#define PLAQUE "杭州市高技能人才公共实训基地"

const char *sb_rules_plaque(void)
{
    return PLAQUE;
}

int sb_rules_official_name(const char *base_name, char *buf, size_t len)
{
    if (!base_name || !*base_name)
        return SB_E(SB_INVALID);
    size_t need = strlen(NAME_PREFIX) + strlen(base_name) + strlen(NAME_SUFFIX) + 1;
    if (!buf || need > len)
        return SB_E(SB_INVALID);
    snprintf(buf, len, "%s%s%s", NAME_PREFIX, base_name, NAME_SUFFIX);
    return 0;
}

size_t sb_rules_base_name_max(void)
{
    return MAX_BASE_NAME;
}

bool sb_rules_base_name_ok(const char *base_name, sb_problems *problems)
{
    size_t len = base_name ? strlen(base_name) : 0, slen = strlen(NAME_SUFFIX);
    while (len && (base_name[len - 1] == ' ' || base_name[len - 1] == '\t'))
        len--;
    if (len >= slen && memcmp(base_name + len - slen, NAME_SUFFIX, slen) == 0) {
        sb_problems_add(problems,
                        "base_name: \"%.*s\" ends in %s, so the official name would read "
                        "…%s%s; give the name or area only (二(三)2)",
                        (int)len, base_name, NAME_SUFFIX, NAME_SUFFIX, NAME_SUFFIX);
        return false;
    }
    if (strncmp(base_name ? base_name : "", NAME_PREFIX, strlen(NAME_PREFIX)) == 0) {
        sb_problems_add(problems,
                        "base_name: starts with %s, which the official name already has; give "
                        "the name or area only (二(三)2)",
                        NAME_PREFIX);
        return false;
    }
    return true;
}

void sb_rules_certificate_no(int year, uint64_t serial, char *buf, size_t len)
{
    snprintf(buf, len, "HZPTB-%04d-%03llu", year, (unsigned long long)serial);
}

/* 五(一): 每两年组织专家对分基地进行考核评估. */
sb_date sb_rules_next_assessment(sb_date from)
{
    return sb_date_add_years(from, 2);
}

sb_date sb_rules_cycle_end(sb_date certified_on, uint32_t cycle)
{
    return sb_cycle_end(certified_on, cycle);
}

uint32_t sb_rules_cycle(sb_date certified_on, sb_date on)
{
    return sb_cycle_of(certified_on, on);
}

/* 五(三): 1 拒绝接受考核管理; 2 所在单位被注销或撤销; 3 经查属实的投诉、舆情,
 * 重大安全事故, 其他违法违规事件. */
bool sb_rules_revoke_cause_ok(Skillbase__Cause cause)
{
    switch (cause) {
    case SKILLBASE__CAUSE__REFUSED_ASSESSMENT:
    case SKILLBASE__CAUSE__UNIT_DEREGISTERED:
    case SKILLBASE__CAUSE__VERIFIED_COMPLAINT:
    case SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT:
    case SKILLBASE__CAUSE__VIOLATION:
        return true;
    default:
        return false;
    }
}

/* One placeholder of a certificate format at p ("{year}", "{serial}",
 * "{serial:N}"): its kind ('y', 's', 0: none) and length; *ret_width N. */
static char placeholder(const char *p, size_t *ret_len, int *ret_width)
{
    *ret_width = 3;
    if (strncmp(p, "{year}", 6) == 0)
        return *ret_len = 6, 'y';
    if (strncmp(p, "{serial}", 8) == 0)
        return *ret_len = 8, 's';
    if (strncmp(p, "{serial:", 8) == 0 && p[8] >= '1' && p[8] <= '9' && p[9] == '}') {
        *ret_width = p[8] - '0';
        return *ret_len = 10, 's';
    }
    return 0;
}

bool sb_rules_certificate_format_ok(const char *fmt, sb_problems *problems)
{
    int years = 0, serials = 0, width;
    size_t len;
    for (const char *p = fmt; p && *p;) {
        char k = placeholder(p, &len, &width);
        if (k) {
            years += k == 'y';
            serials += k == 's';
            p += len;
            continue;
        }
        if (*p == '{' || *p == '}' || *p < 0x21 || *p > 0x7e) {
            sb_problems_add(problems,
                            "\"%s\": only printable ASCII and the placeholders {year}, "
                            "{serial}, {serial:N}",
                            fmt);
            return false;
        }
        p++;
    }
    if (years != 1 || serials != 1) {
        sb_problems_add(problems,
                        "\"%s\": needs {year} once and {serial} (or {serial:N}) once: the "
                        "serial restarts each year",
                        fmt ? fmt : "");
        return false;
    }
    return true;
}

int sb_rules_certificate_format(const char *fmt, int year, uint64_t serial, char *buf, size_t len)
{
    size_t off = 0, plen;
    int width;
    for (const char *p = fmt; *p && off < len;) {
        char k = placeholder(p, &plen, &width);
        int n = 1;
        if (k == 'y')
            n = snprintf(buf + off, len - off, "%04d", year);
        else if (k == 's')
            n = snprintf(buf + off, len - off, "%0*llu", width, (unsigned long long)serial);
        else
            buf[off] = *p;
        p += k ? plen : 1;
        off += n > 0 ? (size_t)n : 0;
    }
    if (off >= len)
        return SB_E(SB_INVALID);
    buf[off] = 0;
    return 0;
}

void sb_rules_check_unit(const Skillbase__Unit *unit, sb_problems *problems)
{
    form_check fc = {.p = problems}; /* an import waives nothing */
    check_unit(unit, &fc);
}
