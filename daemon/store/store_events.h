/* store_events.h: the event log's call for the other trees of the store
 * (private to daemon/store; the event API is in store.h). */
#ifndef SB_STORE_EVENTS_H
#define SB_STORE_EVENTS_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "skillbase.pb-c.h"
#include "store.h"

/* Event `seq` from the log, unpacked with alloc (store_events.c); a missing
 * or undecodable event is SB_INTERNAL (whoever names it expects it). */
int sb_store__event_load(sb_txn *t, uint64_t seq, ProtobufCAllocator *alloc,
                         Skillbase__Event **ret);

#endif
