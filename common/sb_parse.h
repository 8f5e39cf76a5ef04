/* sb_parse: the strict reading of what people write in flags, environment
 * variables and configuration files, shared by every skillbase program.
 */
#ifndef SB_PARSE_H
#define SB_PARSE_H

#include <ini.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal whole number from min to max: digits only (no sign, no space,
 * not empty), without overflow. Returns 0 and *ret, or -1 (ret untouched)
 * for anything else, NULL included. */
int sb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Read the INI file `path` (inih), calling handler(user, section, key,
 * value) for each entry; a handler that refuses an entry returns 0 and
 * leaves the reason in `why` (a buffer the caller shares with it). The
 * whole file is checked for syntax errors before the first entry is handed
 * over, so a broken file changes nothing. Returns 0, or -1 with err set:
 * "PATH: cannot read: REASON", "PATH: out of memory", "PATH:LINE: syntax
 * error (...)", or "PATH:LINE: WHY" for the first entry refused. */
int sb_ini_load(const char *path, ini_handler handler, void *user, const char *why, char *err,
                size_t err_len);

#endif
