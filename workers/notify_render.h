/* notify_render: fill a notice template from a JSON context.
 *
 * Deliberately tiny, not a template engine: text is copied as is except
 *   {a.b.c}            the value at that path in the context
 *   {a.b.c|fallback}   the same, or the fallback text when the path is absent
 *   {{                 a literal "{"
 * A path is object keys separated by dots; a segment of digits (or "-1",
 * "-2", ... counting from the end) indexes an array. Strings are inserted
 * as they are, integers in decimal, true/false as "true"/"false", other
 * values as compact JSON. An absent path without a fallback renders as ""
 * and is counted as missing (the worker logs it: usually a template typo).
 * A "{" that does not open a well-formed placeholder is an error, so a typo
 * is caught when templates are loaded, not when a notice is due.
 */
#ifndef SB_NOTIFY_RENDER_H
#define SB_NOTIFY_RENDER_H

#include <jansson.h>
#include <stddef.h>

/* The value at `path` ("base.name", "base.assessments.-1.total") in `ctx`,
 * borrowed from ctx; NULL when absent (JSON null counts as absent). */
json_t *sb_render_lookup(const json_t *ctx, const char *path);

/* Render `tmpl` with `ctx`. Returns 0 and *ret (a NUL-terminated string the
 * caller frees with free()) and, when ret_missing is not NULL, the number
 * of placeholders whose path was absent and had no fallback (the first one
 * is named in err). Returns -1 with a one-line reason in err (the offset of
 * a malformed placeholder) or on out of memory; *ret is then untouched. */
int sb_render(const char *tmpl, const json_t *ctx, char **ret, size_t *ret_missing, char *err,
              size_t err_len);

/* Check a template's syntax only (no context). Returns 0, or -1 with the
 * reason in err. */
int sb_render_check(const char *tmpl, char *err, size_t err_len);

#endif
