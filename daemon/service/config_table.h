/* sb_config_table: every key of skillbased's configuration file, as one
 * table (the rows: config_keys.c; what walks them: config_table.c).
 *
 * A row says where a key lives ([section] key), its type and range, its
 * default, whether a reload applies it or it is read at start only, and
 * its documentation. From the rows come the parser (sb_config_set walks
 * them), the embedded defaults (sb_config_defaults applies each row's
 * default through the same parser), what a reload keeps until restart,
 * `skillbased --print-config` (the commented config/skillbase.ini; a test
 * fails when the checked-in file differs) and the key list of
 * `skillbased --help`.
 *
 * A key with a plain type (switch, number, text, one of a few words) is
 * parsed by the table's walker into its field (offsetof); a key that needs
 * more (a list of days, a date, an address checked by its module) names a
 * setter of its own in its row.
 */
#ifndef SB_CONFIG_TABLE_H
#define SB_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

typedef enum {
    SB_CONFIG_SWITCH,  /* on/off (also true/false, yes/no, 1/0) into a bool */
    SB_CONFIG_UINT,    /* a whole number in [min, max], times scale, into a
                        * uint32_t, uint64_t or size_t */
    SB_CONFIG_TEXT,    /* a string of fewer than the field's size bytes */
    SB_CONFIG_CHOICE,  /* one of the words in choices; its index into a bool
                        * or an int field */
    SB_CONFIG_SPECIAL, /* the row's setter parses it */
    SB_CONFIG_FOREIGN, /* another program's key (skillbase-notify): the daemon
                        * accepts and ignores it */
} sb_config_type;

enum {
    SB_CONFIG_START_ONLY = 1 << 0, /* read at start; a reload keeps the old value */
    SB_CONFIG_NONEMPTY = 1 << 1,   /* TEXT: "" is refused */
    SB_CONFIG_SET = 1 << 2,        /* written uncommented in the commented file */
    SB_CONFIG_TIGHT = 1 << 3,      /* no blank line before it in that file */
    SB_CONFIG_BUREAU = 1 << 4,     /* the bureau's choice where the policy sets
                                    * nothing (bureau.h), not a daemon limit */
};

typedef int (*sb_config_setter)(sb_config *c, const char *value, char *err, size_t err_len);

typedef struct {
    const char *section, *key;
    sb_config_type type;
    size_t offset, size;        /* the field in sb_config; size 0: none */
    uint64_t min, max, scale;   /* UINT */
    const char *const *choices; /* CHOICE: NULL-terminated */
    sb_config_setter set;       /* SPECIAL */
    const char *what;           /* SPECIAL: the type in words; a TEXT without
                                 * def: what finish derives */
    const char *def;            /* the default as written in the file; NULL:
                                 * derived at finish or none (see doc) */
    const char *shown;          /* the value the commented file shows when
                                 * not def (an example); NULL: def */
    unsigned flags;
    const char *doc;  /* lines, '\n'-separated; NULL: none */
    const char *tail; /* a comment after the value on its line */
    const char *line; /* what it is, in one line (--help); NULL for FOREIGN */
} sb_config_key;

typedef struct {
    const char *name;
    const char *intro; /* a paragraph before [name], or NULL */
} sb_config_section;

/* The rows, in file order, and their count. */
extern const sb_config_key sb_config_keys[];
extern const size_t sb_config_n_keys;
/* The sections, in file order, and their count. */
extern const sb_config_section sb_config_sections[];
extern const size_t sb_config_n_sections;
/* The commented file's first lines (before [daemon]). */
extern const char *const sb_config_header;

/* The row of [section] key, or NULL. */
const sb_config_key *sb_config_key_find(const char *section, const char *key);

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
