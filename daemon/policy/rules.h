/* sb_rules: the policy's checks and formulas, pure (no I/O, no clock).
 *
 * Each function implements a clause of 杭州市高技能人才公共实训基地体系建设实施办法
 * (docs/policy-map.md maps clause to code): eligibility of an application
 * (二(二), 二(三)1), the unified social credit code (GB 32100-2015, GB
 * 11714-1997) and the units 杭州市内 (二(一)), the districts of Hangzhou, the
 * assessment rubric (五(一); its split per item, 附件3, is not in the policy
 * text) and grades (五(二)), and the naming of a certified sub-base (二(三)2).
 * This is the file a policy change touches.
 */
#ifndef SB_RULES_H
#define SB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_date.h"
#include "skillbase.pb-c.h"

/* ------------------------------------------------------------ problems */

#define SB_PROBLEMS_MAX 32
#define SB_PROBLEM_LEN 200

/* Every problem found in one input, each a short sentence naming the field
 * ("unit.credit_code: check character is 3, expected Y"). Fixed size:
 * problems past SB_PROBLEMS_MAX are counted in `dropped`, not stored. */
typedef struct {
    size_t count;
    size_t dropped;
    char text[SB_PROBLEMS_MAX][SB_PROBLEM_LEN];
} sb_problems;

/* Append one problem (printf-style). */
void sb_problems_add(sb_problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ identity */

/* Check a 统一社会信用代码 in every part: 18 characters from the GB
 * 32100-2015 alphabet (digits and upper-case letters without I, O, S, V, Z)
 * with a correct check character; a valid registration-authority pair
 * (characters 1-2); a six-digit administrative-division code (3-8); an
 * organisation code (9-17) whose last character is its GB 11714-1997 check
 * digit. Returns true when valid; otherwise false and, when `problems` is
 * non-NULL, one problem naming the part that is wrong. Anywhere in China:
 * the applying unit is checked for Hangzhou besides. */
bool sb_rules_credit_code_valid(const char *code, sb_problems *problems);

/* The GB 11714-1997 check digit ('0'-'9' or 'X') of the first eight
 * characters of an organisation code. */
char sb_rules_gb11714_check(const char *body8);

/* 二(一) 杭州市内, for the applying unit of a valid code: its division code
 * is a Hangzhou division (3301xx, codes of districts since merged
 * included) or the provincial or national registry (330000, 100000).
 * Otherwise false and one problem naming the division code. */
bool sb_rules_credit_code_in_hangzhou(const char *code, sb_problems *problems);

/* True, with a warning sentence in buf, when the code's division is a
 * district-level one and `district` (a canonical name) is not a district a
 * unit registered there may now belong to. A warning, not a refusal. */
bool sb_rules_district_disagrees(const char *code, const char *district, char *buf, size_t len);

/* The canonical Chinese name of a Hangzhou district, county or county-level
 * city, given its Chinese name (e.g. "西湖区") or pinyin ("xihu",
 * case-insensitive). Returns NULL when outside Hangzhou or unknown. */
const char *sb_rules_district(const char *name);

/* True when s is acceptable text (sb_text.h: well-formed UTF-8 without
 * NUL, C0 controls but tab, DEL, C1 controls, bidirectional controls or
 * line separators). */
bool sb_rules_text_ok(const char *s);

/* The districts (canonical name and pinyin) into ret_names/ret_pinyin, at
 * most max; returns how many there are. */
size_t sb_rules_districts(const char **ret_names, const char **ret_pinyin, size_t max);

/* ------------------------------------------------------------ eligibility */

/* A bound sb_rules_check_form applies to one form field. */
typedef struct {
    const char *field; /* "unit.name", "materials.*", ... */
    size_t max;
    const char *unit; /* "bytes", "projects" */
} sb_rules_limit;

/* The form's bounds, *ret_n of them (the rules command lists them). */
const sb_rules_limit *sb_rules_form_limits(size_t *ret_n);

/* Check an application form against 二(二) and 二(三)1 (a contact e-mail
 * required), adding one problem
 * per failed condition to `problems` (all of them, not the first): unit name,
 * credit code, unit type, district, independent legal person, owned site,
 * site area, owned equipment (value > 0), owned office, full-time managers,
 * teachers, at least one project, each of the four materials, contact name,
 * phone and e-mail, base name, and well-formed text in every string.
 * A NULL sub-message counts as every field in it missing. */
void sb_rules_check_form(const Skillbase__ApplicationForm *form, sb_problems *problems);

/* 二(二) "一般应具备": a condition an application may be excused from. */
typedef struct {
    const char *name;    /* "site_owned" */
    const char *clause;  /* "二(二)2" */
    const char *meaning; /* one line for people */
} sb_rules_condition;

/* The waivable conditions, *ret_n of them; condition i is bit i of a mask. */
const sb_rules_condition *sb_rules_conditions(size_t *ret_n);

/* The index of the condition named `name`, or -1 when there is none. */
int sb_rules_condition_find(const char *name);

/* sb_rules_check_form with the conditions in mask `waived` excused: an
 * unmet waived condition adds no problem; with !email_required (the
 * bureau's choice) a missing contact e-mail is no problem either (one
 * given must still be an address). Every unmet condition, waived or
 * not, is set in *ret_unmet (when non-NULL), so a waiver of a condition
 * that is met can be refused. */
void sb_rules_check_form_waived(const Skillbase__ApplicationForm *form, uint32_t waived,
                                bool email_required, sb_problems *problems, uint32_t *ret_unmet);

/* The unit part of sb_rules_check_form alone (an imported sub-base's unit,
 * 七(一)): name, credit code, type, district, legal person. */
void sb_rules_check_unit(const Skillbase__Unit *unit, sb_problems *problems);

/* ------------------------------------------------------------ assessment */

/* Number of rubric items, in the order of the fields of Skillbase__Scores:
 * four base items then two bonus items. */
#define SB_RUBRIC_ITEMS 6
#define SB_RUBRIC_BASE_ITEMS 4
#define SB_RUBRIC_BASE_POINTS 100
#define SB_RUBRIC_BONUS_POINTS 20

/* Maximum points per rubric item (configuration; the bureau sets them). */
typedef struct {
    uint32_t max[SB_RUBRIC_ITEMS];
    /* the bureau's reading of 五(二): the grade bands apply to the base
     * part (true) or to the total, base plus bonus (false, the default) */
    bool grade_on_base;
} sb_rubric;

/* The shipped default split: 25, 20, 25, 30 (=100) and 10, 10 (=20). */
void sb_rubric_default(sb_rubric *ret);

/* Config-file key of item i ("basic_construction", ...); NULL if out of range. */
const char *sb_rubric_item_name(int i);

/* Check that the base maxima sum to exactly 100 and the bonus maxima to
 * exactly 20. Returns true or false with problems added. */
bool sb_rubric_valid(const sb_rubric *r, sb_problems *problems);

/* The result of scoring one assessment. */
typedef struct {
    uint32_t base_total; /* whole points, rounded down (the tenths are exact) */
    uint32_t bonus_total;
    uint32_t total;
    uint32_t base_tenths; /* in tenths of a point */
    uint32_t bonus_tenths;
    uint32_t total_tenths;
    Skillbase__Grade grade; /* of total_tenths: exact */
} sb_score;

/* Score `scores` against rubric `r`. Returns 0 and fills *ret, or
 * SB_E(SB_INVALID) with one problem per item above its maximum (NULL scores
 * counts as all zero; values are unsigned, so "below zero" is refused where
 * the input is parsed). */
int sb_rules_score(const sb_rubric *r, const Skillbase__Scores *scores, sb_problems *problems,
                   sb_score *ret);

/* The same for item scores in tenths of a point (22.5 is 225): one decimal,
 * exact integer arithmetic, the maxima compared at ten times. */
int sb_rules_score_tenths(const sb_rubric *r, const Skillbase__Scores *tenths,
                          sb_problems *problems, sb_score *ret);

/* An assess request's scores: `scores_tenths` when given, else `scores`
 * (whole points); both at once is refused. */
int sb_rules_score_assess(const sb_rubric *r, const Skillbase__Assess *c, sb_problems *problems,
                          sb_score *ret);

/* Grade of a total: >= 90 excellent, 80-89 good, 60-79 pass, < 60 fail. */
Skillbase__Grade sb_rules_grade(uint32_t total);

/* 二(三)2, 五(一) 组织专家进行现场考察和评估: at least `min` experts, each a
 * name (1-64 bytes of text, no two the same), the site visit's date
 * (YYYY-MM-DD, not after `today`) and optionally the report's reference (at
 * most 200 bytes). Adds one problem per fault; returns true when none. */
bool sb_rules_review_ok(char *const *experts, size_t n, const char *visited_on, const char *report,
                        uint32_t min, sb_date today, sb_problems *problems);

/* Grade of a total in tenths (五(二), exact: 599 fails, 600 passes). */
Skillbase__Grade sb_rules_grade_tenths(uint32_t total_tenths);

/* True when a grade keeps the sub-base (anything but FAIL). */
bool sb_rules_grade_passes(Skillbase__Grade g);

/* ------------------------------------------------------------ naming */

/* The plaque text, "杭州市高技能人才公共实训基地". */
const char *sb_rules_plaque(void);

/* Official name "杭州市公共实训基地{base_name}分基地" into buf. Returns 0, or
 * SB_E(SB_INVALID) when it does not fit in len bytes. */
int sb_rules_official_name(const char *base_name, char *buf, size_t len);

/* 二(三)2: a name part (名称或区域) the official name can take: one that
 * does not already end in 分基地 (which would read …分基地分基地). Returns
 * true, or false with one problem naming base_name. */
bool sb_rules_base_name_ok(const char *base_name, sb_problems *problems);

/* The longest name part (base_name, close_publicity's name), in bytes. */
size_t sb_rules_base_name_max(void);

/* Certificate number "HZPTB-YYYY-NNN" (serial at least 3 digits) into buf. */
void sb_rules_certificate_no(int year, uint64_t serial, char *buf, size_t len);

/* The certificate number in the bureau's format: `fmt` with {year} and
 * {serial} or {serial:N} (N 1-9: at least N digits) replaced. Returns 0,
 * or SB_E(SB_INVALID) when it does not fit in len. */
int sb_rules_certificate_format(const char *fmt, int year, uint64_t serial, char *buf, size_t len);

/* A usable format: {year} and one {serial} (numbers restart each year),
 * no other {…}, printable ASCII. True, or false with one problem. */
bool sb_rules_certificate_format_ok(const char *fmt, sb_problems *problems);

/* Assessment due date: two years after `from` (29 Feb -> 28 Feb). */
sb_date sb_rules_next_assessment(sb_date from);

/* 五(一) 每两年: assessment cycle N of a sub-base covers the two years from
 * certified_on + 2(N-1) years up to (not including) certified_on + 2N
 * years (29 Feb -> 28 Feb). The cycle `on` falls in (1 before or on the
 * day of certification), and the day cycle N ends — the day its
 * assessment is due. */
uint32_t sb_rules_cycle(sb_date certified_on, sb_date on);
sb_date sb_rules_cycle_end(sb_date certified_on, uint32_t cycle);

/* True when an operator may revoke with this cause (五(三) causes);
 * ASSESSMENT_FAILED is the daemon's own and UNSPECIFIED is refused. */
bool sb_rules_revoke_cause_ok(Skillbase__Cause cause);

#endif
