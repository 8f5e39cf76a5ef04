/* notify_templates: the notice templates, one file per notice, and which
 * template an event selects.
 *
 * A template file is "<name>.txt" in the templates directory (shipped as
 * data/notices/), UTF-8, in two parts separated by the first empty line:
 *
 *     # comment lines start with '#'
 *     topic: application.under_review          (required)
 *     action: review                           (optional; several: "a, b")
 *     subject: 进入评审 Review started: {application.form.unit.name}
 *     to: applicant, operators                 (optional; the default)
 *
 *     尊敬的{application.form.contact.name}：...   (the body, verbatim)
 *
 * Placeholders are those of notify_render.h. An event selects the template
 * whose topic equals the event's topic and whose action list names the
 * event's action; failing that, the one with that topic and no action
 * list; failing that, none (no notice). The table of what is sent is thus
 * the directory listing: adding a notice is adding a file.
 */
#ifndef SB_NOTIFY_TEMPLATES_H
#define SB_NOTIFY_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *name;     /* file name without ".txt" */
    char *topic;    /* e.g. "base.certified" */
    char **actions; /* empty: any action */
    size_t action_count;
    bool to_applicant; /* the application's or sub-base's contact */
    bool to_operators; /* the configured operator addresses */
    char *subject;     /* one line, with placeholders */
    char *body;        /* ends with exactly one '\n' */
} sb_notice_template;

typedef struct sb_templates sb_templates;

/* Load every "*.txt" in `dir` (other files are ignored). Returns 0 and *ret
 * (free with sb_templates_free), or -1 with a one-line reason naming the
 * file and line in err: unreadable directory or file, no templates at all,
 * invalid UTF-8, a missing or unknown header key, a malformed placeholder,
 * an empty body, or two templates claiming the same topic and action. */
int sb_templates_load(const char *dir, sb_templates **ret, char *err, size_t err_len);

/* Free the set and set *t to NULL; NULL is ignored. */
void sb_templates_free(sb_templates **t);

/* The template for an event (see above), or NULL for no notice. `action`
 * may be NULL or "". */
const sb_notice_template *sb_templates_select(const sb_templates *t, const char *topic,
                                              const char *action);

/* Number of templates, and the i-th in file-name order (NULL past the end). */
size_t sb_templates_count(const sb_templates *t);
const sb_notice_template *sb_templates_get(const sb_templates *t, size_t i);

#endif
