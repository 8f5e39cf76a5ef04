/* sb_config_keys: every key of skillbased's configuration file, as one
 * table of data (the rows: config_keys.c).
 *
 * A row says where a key lives ([section] key), its type and range, its
 * default, whether a reload applies it or it is read at start only, its
 * documentation, and where its value is in sb_config (offsetof). The rows
 * are pure data and stand at the bottom, beside config.h, so that every
 * layer can walk them: the service layer parses the file and prints the
 * commented file and --help from them (service/config_table.h), and
 * `status` and `rules` report the bureau's choices from them (bureau.h).
 *
 * A key with a plain type (switch, number, text, one of a few words, a
 * list of days, a listen address) is parsed by the service's walker into
 * its field; a key that needs more (a date, a role) names a setter of its
 * own in its row, and a function that shows its value.
 */
#ifndef SB_CONFIG_KEYS_H
#define SB_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef enum {
    SB_CONFIG_SWITCH,  /* on/off (also true/false, yes/no, 1/0) into a bool */
    SB_CONFIG_UINT,    /* a whole number in [min, max], times scale, into a
                        * uint32_t, uint64_t or size_t */
    SB_CONFIG_TEXT,    /* a string of fewer than the field's size bytes */
    SB_CONFIG_CHOICE,  /* one of the words in choices; its index into a bool
                        * or an int field */
    SB_CONFIG_DAYS,    /* a comma-separated list of days before a due date
                        * (1-365 each, at most SB_REMIND_MAX) into a
                        * uint32_t array, its count at count_offset */
    SB_CONFIG_LISTEN,  /* HOST:PORT with a numeric address, or "" (off) */
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
                                    * nothing (bureau.h), not a daemon limit:
                                    * `status` reports it */
};

typedef int (*sb_config_setter)(sb_config *c, const char *value, char *err, size_t err_len);
typedef void (*sb_config_shower)(const sb_config *c, char *buf, size_t len);

typedef struct {
    const char *section, *key;
    sb_config_type type;
    size_t offset, size;        /* the field in sb_config; size 0: none */
    size_t count_offset;        /* DAYS: the uint32_t count of the list */
    uint64_t min, max, scale;   /* UINT */
    const char *const *choices; /* CHOICE: NULL-terminated */
    sb_config_setter set;       /* SPECIAL */
    sb_config_shower show;      /* SPECIAL: its value as the file writes it */
    const char *what;           /* SPECIAL, DAYS, LISTEN: the type in words; a
                                 * TEXT without def: what finish derives */
    const char *def;            /* the default as written in the file; NULL:
                                 * derived at finish or none (see doc) */
    const char *shown;          /* the value the commented file shows when
                                 * not def (an example); NULL: def */
    unsigned flags;
    const char *doc;    /* lines, '\n'-separated; NULL: none */
    const char *tail;   /* a comment after the value on its line */
    const char *line;   /* what it is, in one line (--help); NULL for FOREIGN */
    const char *report; /* the name `status` and `rules` report it under;
                         * NULL: "<section>_<key>" */
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

/* Row k's value in c as the file writes it ("on", "25", "60,30,7", a
 * word, a text; a number in the key's unit, e.g. MiB) into buf, cut to
 * len. A FOREIGN row has none: "". */
void sb_config_key_value(const sb_config_key *k, const sb_config *c, char *buf, size_t len);

/* The name `status` and `rules` report row k under (its report, or
 * "<section>_<key>") into buf, cut to len. */
void sb_config_key_report_name(const sb_config_key *k, char *buf, size_t len);

#endif
