/* sb_config_table: what the service layer derives from the configuration
 * table (the rows: policy/config_keys.h and config_keys.c; what walks them
 * here: config_table.c).
 *
 * A row says where a key lives ([section] key), its type and range, its
 * default, whether a reload applies it or it is read at start only, and
 * its documentation. From the rows come the parser (sb_config_set walks
 * them), the embedded defaults (sb_config_defaults applies each row's
 * default through the same parser), what a reload keeps until restart,
 * `skillbased --print-config` (the commented config/skillbase.ini; a test
 * fails when the checked-in file differs) and the key list of
 * `skillbased --help`; the bureau's choices `status` reports come from the
 * same rows (policy/bureau.h).
 *
 * A key with a plain type (switch, number, text, one of a few words, a list
 * of days, a listen address checked by the metrics module) is parsed by
 * the walker into its field (offsetof); a key that needs more (a date, a
 * role) names a setter of its own in its row.
 */
#ifndef SB_CONFIG_TABLE_H
#define SB_CONFIG_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "config_keys.h"

/* Parse value into c as row k says. Returns 0 or -1 with the reason,
 * naming [section] key, in err. */
int sb_config_key_set(const sb_config_key *k, sb_config *c, const char *value, char *err,
                      size_t err_len);

/* Print the commented configuration file: every key with its default
 * (config/skillbase.ini is this output). */
void sb_config_print_ini(FILE *out);

/* Print each key: [section] key and its line, then its type and range,
 * default, and whether it is read at start only. */
void sb_config_print_keys(FILE *out);

#endif
