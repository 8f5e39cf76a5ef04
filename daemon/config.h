/* sb_config: skillbased's settings, in one struct.
 *
 * Precedence: embedded defaults < the INI file (--config) < command-line
 * flags. The file is read by libinih; config/skillbase.ini documents every
 * key. sb_config_finish derives what was left unset (endpoints beside the
 * state directory) and validates the whole (e.g. the rubric sums).
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "sb_log.h"

#define SB_ENDPOINT_MAX 256

typedef struct {
    char state_dir[PATH_MAX];               /* LMDB environment and ipc sockets */
    char command_endpoint[SB_ENDPOINT_MAX]; /* "" until finish: ipc://<state_dir>/command.sock */
    size_t map_size;                        /* initial LMDB map, bytes */
    size_t map_max;                         /* largest map, bytes */
    size_t max_request_bytes;               /* larger frames are refused */
    uint32_t batch_max;                     /* requests per group commit */
    sb_log_level log_level;
    sb_rubric rubric;                       /* assessment item maxima */
    uint32_t publicity_working_days;        /* length of 公示 */
} sb_config;

/* Fill in the embedded defaults (state directory: the build's default). */
void sb_config_defaults(sb_config *c);

/* Read an INI file over *c. Returns 0, or -1 with a one-line reason naming
 * the file, line and key in err (unknown section or key, bad number,
 * unreadable file). */
int sb_config_load(sb_config *c, const char *path, char *err, size_t err_len);

/* Set one "section.key" from a string as the file would (used for the
 * command-line overrides). Returns 0 or -1 with the reason in err. */
int sb_config_set(sb_config *c, const char *section, const char *key, const char *value,
                  char *err, size_t err_len);

/* Derive unset endpoints and validate. Returns 0 or -1 with every problem
 * in err ("; "-separated). */
int sb_config_finish(sb_config *c, char *err, size_t err_len);

#endif
