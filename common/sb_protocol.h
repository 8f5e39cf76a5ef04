/* sb_protocol: the version of the wire contract (proto/skillbase.proto)
 * this build speaks, shared by the daemon, the client library and the CLI.
 *
 * Request.protocol carries the sender's version. The version changes only
 * when the meaning of existing messages changes incompatibly; additions
 * (new commands, new fields, new enum values) keep it, and a daemon that
 * does not know a newer command answers UNKNOWN_COMMAND. The daemon serves
 * requests whose version lies in [SB_PROTOCOL_MIN, SB_PROTOCOL_VERSION] and
 * refuses others, and a request without one (0), with UNSUPPORTED_PROTOCOL
 * naming both versions. docs/protocol.md, "Versioning".
 */
#ifndef SB_PROTOCOL_H
#define SB_PROTOCOL_H

/* The version this build speaks and writes into every message it sends. */
#define SB_PROTOCOL_VERSION 1

/* The oldest version the daemon still serves. */
#define SB_PROTOCOL_MIN 1

#endif
