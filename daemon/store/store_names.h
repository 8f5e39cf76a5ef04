/* sb_store names: the index of the names granted to sub-bases (二(三)2
 * "杭州市公共实训基地+名称或区域+分基地"), in the database "base_names":
 * key official name NUL base id, empty value. Every sub-base ever named
 * is in it, live or not; whether a holder is live is the machine's
 * question (sb_machine_is_live), asked by the caller. Written once, when
 * the sub-base is created; schema step 4 -> 5 fills it for older stores.
 * Same contract as store.h: 0 or a negated sb_error. */
#ifndef SB_STORE_NAMES_H
#define SB_STORE_NAMES_H

#include "store.h"

/* Record that sub-base `base_id` was granted the official name `name`. */
int sb_store_name_add(sb_txn *t, const char *name, const char *base_id);

/* Call fn for each sub-base ever granted `name`, in id order, with the
 * record unpacked with alloc (freed after fn returns). fn returns 0 to go
 * on; anything else stops the walk and is returned. */
int sb_store_name_each(sb_txn *t, const char *name, ProtobufCAllocator *alloc,
                       int (*fn)(const Skillbase__Record *rec, void *arg), void *arg);

/* For store_migrate.c: schema step 4 -> 5, index the names of the
 * sub-bases. */
int sb_store__names_migrate(sb_txn *t);

#endif
