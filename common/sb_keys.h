/* sb_keys: CURVE keys — the keys file that says who may talk to the daemon
 * and in which role, and the key-pair files of the daemon and its callers.
 *
 * The keys file (daemon config [security] keys, docs/security.md) is INI:
 * one section per key, named for its owner, e.g.
 *
 *     [alice]
 *     role = operator
 *     public_key = <40 Z85 characters>
 *
 *     [market-registry]
 *     role = service
 *     public_key = ...
 *     types = unit.deregistered complaint.verified
 *
 * `district` (an operator, reviewer or reader key; optional) scopes the
 * key to one district, county or county-level city (六(五)), e.g.
 * `district = 萧山区`: its holder sees and acts on that district's
 * district-level applications and sub-bases only (docs/security.md,
 * "District-scoped keys"). The daemon checks the name against its list of
 * districts and keeps the canonical one.
 *
 * `types` (separated by spaces or commas) is what a service may report
 * (Ingest.type) or a worker may take (job types); "*" allows all. A service
 * or worker without `types` may report or take nothing. Names and public
 * keys are unique in a file.
 *
 * A key-pair file (skillbasectl keygen, the daemon's <state_dir>/server.key)
 * is INI too, section [curve] with public_key and secret_key (Z85), mode
 * 0600; a public-key file (server.pub) has only public_key.
 *
 * Everything here is plain data and files: no sockets. Functions return 0
 * or -1 with a one-line reason in `err` (naming the file and line where
 * there is one).
 */
#ifndef SB_KEYS_H
#define SB_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_KEY_BYTES 32        /* a CURVE key, raw */
#define SB_KEY_Z85_LEN 40      /* a CURVE key in Z85 */
#define SB_KEY_NAME_MAX 64     /* longest key name */
#define SB_KEY_TYPES_MAX 64    /* most types per key */
#define SB_KEY_TYPE_MAX 64     /* longest type */
#define SB_KEY_DISTRICT_MAX 64 /* longest district name, in bytes */

/* What a key may do (docs/security.md, "Roles"). */
typedef enum {
    SB_KEY_ROLE_INVALID = -1,
    SB_KEY_ROLE_OPERATOR = 0, /* bureau staff: everything */
    SB_KEY_ROLE_REVIEWER,     /* experts: review, evaluate, assess, reads */
    SB_KEY_ROLE_SERVICE,      /* other services: ingest of their listed types */
    SB_KEY_ROLE_WORKER,       /* skillbase workers: the worker endpoint, their job types */
    SB_KEY_ROLE_READER,       /* reads and the event stream only */
    _SB_KEY_ROLE_MAX,
} sb_key_role;

/* "operator", "reviewer", ...; "invalid" for anything else. Never NULL. */
const char *sb_key_role_name(sb_key_role role);

/* Parse a role name. Returns the role or SB_KEY_ROLE_INVALID. */
sb_key_role sb_key_role_parse(const char *name);

/* One key of the keys file. */
typedef struct {
    char name[SB_KEY_NAME_MAX + 1];
    sb_key_role role;
    char public_z85[SB_KEY_Z85_LEN + 1];
    uint8_t public_key[SB_KEY_BYTES];
    char *types[SB_KEY_TYPES_MAX]; /* owned by the sb_keys */
    size_t n_types;
    int line; /* where its section starts */
    /* The district the key is scoped to, as written ("" : not scoped). */
    char district[SB_KEY_DISTRICT_MAX + 1];
} sb_key_entry;

typedef struct sb_keys sb_keys;

/* Read and check a keys file. Returns 0 and *ret (free with sb_keys_free),
 * or -1 with every problem's file:line in err (unknown role or setting, a
 * malformed key or name, a duplicate, a missing role or public_key). */
int sb_keys_load(const char *path, sb_keys **ret, char *err, size_t err_len);

/* An empty registry (nobody may connect over CURVE). NULL if out of memory. */
sb_keys *sb_keys_new_empty(void);

/* Free and set *k to NULL. NULL is ignored. */
void sb_keys_free(sb_keys **k);

size_t sb_keys_count(const sb_keys *k);
const sb_key_entry *sb_keys_at(const sb_keys *k, size_t i);

/* The entry with this 32-byte public key, or NULL. */
const sb_key_entry *sb_keys_find_key(const sb_keys *k, const uint8_t key[SB_KEY_BYTES]);

/* The entry with this name, ignoring case (names are unique so), or NULL. */
const sb_key_entry *sb_keys_find_name(const sb_keys *k, const char *name);

/* True when the entry lists `type` (or "*"). */
bool sb_key_allows_type(const sb_key_entry *e, const char *type);

/* True for 1-64 characters from A-Z a-z 0-9 . _ - (a key name, which is
 * also the actor recorded in the audit trail). */
bool sb_key_name_valid(const char *name);

/* True for a 40-character Z85 text that decodes to 32 bytes (into out32
 * when not NULL). */
bool sb_key_z85_decode(const char *z85, uint8_t *out32);

/* ------------------------------------------------------------ key pairs */

typedef struct {
    char public_z85[SB_KEY_Z85_LEN + 1];
    char secret_z85[SB_KEY_Z85_LEN + 1]; /* "" in a public-key file */
} sb_keypair;

/* A fresh CURVE key pair (zmq_curve_keypair). */
int sb_keypair_generate(sb_keypair *ret, char *err, size_t err_len);

/* Write a key-pair file: mode 0600, created exclusively (an existing file
 * is never overwritten), whole and synced before it gets its name (a power
 * cut leaves it complete or absent). `comment` (may be NULL) goes on top as
 * "# " lines.
 * With an empty secret key only the public key is written, mode 0644. */
int sb_keypair_write(const char *path, const sb_keypair *kp, const char *comment, char *err,
                     size_t err_len);

/* Read a key-pair or public-key file. The secret key, when present, must
 * belong to the public key; a secret-key file must not be readable by
 * group or others (checked when `need_secret`). With need_secret, a file
 * without secret_key is an error. */
int sb_keypair_read(const char *path, bool need_secret, sb_keypair *ret, char *err, size_t err_len);

/* A public key given on a command line: 40 Z85 characters, or the name of
 * a file holding public_key (a .pub or key-pair file). */
int sb_key_public_from_arg(const char *arg, char out_z85[SB_KEY_Z85_LEN + 1], char *err,
                           size_t err_len);

#endif
