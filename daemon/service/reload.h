/* sb_reload: re-reading the configuration while the daemon serves (SIGHUP).
 *
 * A reload builds a complete new configuration the way the daemon did at
 * start (embedded defaults, the --config file, the command-line flags) and
 * validates it. If anything is wrong — the file is unreadable, a key is
 * unknown, a number out of range, the rubric does not sum — the reload is
 * refused with the file, line and reason in the log, and the configuration
 * in force stays as it was, whole.
 *
 * Otherwise every registered module is asked first (check: it may refuse,
 * or put back keys that only take effect at start), and only when all
 * agree is the new configuration copied over the live one and each module
 * told (apply), in the order they registered. Keys read per request (the
 * rubric maxima, the publicity length, the log level) take effect at once;
 * the daemon's own start-only keys (state directory, command endpoint, map
 * size, frame limit, batch size) keep their value, with a warning that a
 * restart is needed. Connections are not touched.
 *
 * sb_config is copied by value, so it must stay a flat struct (no pointers
 * it owns). Everything runs on the loop thread, between batches.
 */
#ifndef SB_RELOAD_H
#define SB_RELOAD_H

#include <stddef.h>

#include "config.h"

typedef struct sb_reload sb_reload;

/* Build the configuration from scratch into *ret (defaults, file, flags,
 * sb_config_finish). Returns 0, or -1 with the reason in err, naming the
 * file and line where there is one. */
typedef int (*sb_reload_build_fn)(void *arg, sb_config *ret, char *err, size_t err_len);

/* Look at the candidate `next` beside the `live` configuration. Return 0 to
 * agree (after putting back in `next` any key that cannot change without a
 * restart), or -1 with the reason in err to refuse the whole reload. */
typedef int (*sb_reload_check_fn)(void *arg, const sb_config *live, sb_config *next, char *err,
                                  size_t err_len);

/* The live configuration has been replaced: pick up what changed (reopen a
 * keys file, rebuild channels). Cannot fail: anything that can fail belongs
 * in check. */
typedef void (*sb_reload_apply_fn)(void *arg, const sb_config *live);

/* A registry over the daemon's live configuration `live`, rebuilt by
 * `build`. Returns NULL when out of memory. */
sb_reload *sb_reload_new(sb_config *live, sb_reload_build_fn build, void *build_arg);

/* Free the registry; *r = NULL. */
void sb_reload_free(sb_reload **r);

/* Register a module (at most 16); `name` is used in log lines, `check` or
 * `apply` may be NULL. Returns 0, or -1 when the registry is full. */
int sb_reload_register(sb_reload *r, const char *name, sb_reload_check_fn check,
                       sb_reload_apply_fn apply, void *arg);

/* Reload now. Returns 0 when the new configuration is in force, -1 when
 * it was refused (the reason logged at error level). */
int sb_reload_run(sb_reload *r);

/* Reloads done and refused since start (for metrics). */
void sb_reload_counts(const sb_reload *r, unsigned long *ret_done, unsigned long *ret_refused);

#endif
