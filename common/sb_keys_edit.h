/* sb_keys_edit: changing the keys file (sb_keys.h) from skillbasectl keys
 * add|remove: line by line, keeping comments, checked by loading the result
 * before it atomically replaces the file (a temporary file renamed over
 * it). Returns 0 or -1 with a one-line reason in err. */
#ifndef SB_KEYS_EDIT_H
#define SB_KEYS_EDIT_H

#include "sb_keys.h"

/* Append a key to the keys file (created with mode 0640 if missing), after
 * checking the result loads: the name and public key must be new. `types`
 * may be NULL or "" (spaces or commas separate types). The file is
 * replaced atomically (a temporary file renamed over it), keeping its
 * comments. */
int sb_keys_file_add(const char *path, const char *name, sb_key_role role, const char *public_z85,
                     const char *types, char *err, size_t err_len);

/* sb_keys_file_add with `district = D` too when `district` is neither NULL
 * nor "" (a key scoped to a district, sb_keys.h). */
int sb_keys_file_add_scoped(const char *path, const char *name, sb_key_role role,
                            const char *public_z85, const char *types, const char *district,
                            char *err, size_t err_len);

/* Remove the section of key `name` (and the comment lines right above it)
 * from the keys file, atomically. Fails when there is no such key. */
int sb_keys_file_remove(const char *path, const char *name, char *err, size_t err_len);

#endif
