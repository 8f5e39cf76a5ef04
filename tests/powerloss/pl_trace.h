/* pl_trace: the record of what a process did to the files of one directory,
 * written by the LD_PRELOAD shim (pl_shim.c) and read by the disk model
 * (pl_disk.h). docs/powerloss.md.
 *
 * The trace is a sequence of records, each a pl_rec header followed by
 * `len` bytes of payload for the kinds that carry one (the data of a
 * write, a file's name, two names for a rename). Records are numbered from
 * 0 in the order the shim wrote them; the shim also keeps the number of
 * records written so far in a small shared counter file (one u64 at offset
 * 0), which the load client reads when an answer arrives: a power cut
 * after record n-1 (a "cut at n") must keep every write acknowledged with a
 * counter value <= n.
 *
 * A record is written after its call returned, so a sync counts only once
 * it is complete.
 */
#ifndef PL_TRACE_H
#define PL_TRACE_H

#include <stdint.h>

/* A trace starts with these 8 bytes: "PLTRACE" and a version byte. */
#define PL_TRACE_MAGIC "PLTRACE\001"

typedef enum {
    PL_NAME = 1,        /* file `file` is the inode named by the payload (relative to the
                         * directory); off: 1 when the open created it */
    PL_WRITE = 2,       /* bytes at off of file, payload the data; not durable until a sync */
    PL_WRITE_SYNC = 3,  /* the same through an O_DSYNC/O_SYNC descriptor: durable on return */
    PL_SYNC = 4,        /* fsync/fdatasync of file: everything written to it is durable */
    PL_SYNC_ALL = 5,    /* sync()/syncfs(): every file durable */
    PL_TRUNCATE = 6,    /* file's size set to off */
    PL_ALLOCATE = 7,    /* fallocate at off; payload its length and mode (u64 each) */
    PL_RENAME = 8,      /* payload "old\0new\0" */
    PL_UNLINK = 9,      /* payload the name */
    PL_NOTE = 10,       /* a call with no durability effect (msync, sync_file_range);
                         * payload the call's name */
    PL_UNMODELLED = 11, /* something the model cannot follow (a writable shared map of a
                         * traced file): payload says what; the images are refused */
} pl_kind;

typedef struct {
    uint32_t kind; /* pl_kind */
    uint32_t file; /* the shim's number for the inode (from 1), 0 when none */
    uint64_t off;
    uint64_t len; /* payload bytes that follow (PL_WRITE: the data written) */
} pl_rec;

#endif
