/* store_idem.h: private to daemon/store (the API is sb_store_idem_get /
 * _put in store.h). */
#ifndef SB_STORE_IDEM_H
#define SB_STORE_IDEM_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* An idempotency entry's value (sb_store_idem_put): the command hash, the
 * event whose record the reply left out (0: none) and the packed reply.
 * Returns -1 when the value is too short to be one. */
int sb_store__idem_parse(const MDB_val *v, uint64_t *ret_hash, uint64_t *ret_record_seq,
                         const uint8_t **ret_reply, size_t *ret_len);

#endif
