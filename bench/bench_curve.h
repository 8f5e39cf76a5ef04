/* bench_curve: CURVE for a benchmark over tcp:// (docs/security.md).
 *
 * A tcp:// endpoint of skillbased always authenticates its clients. When
 * the benchmark starts a daemon of its own over tcp, it makes the daemon's
 * key pair (in the state directory, where the daemon finds it), a client
 * key pair and a keys file that names the client an operator, plus a
 * configuration file pointing the daemon at it. Against a daemon already
 * running (--endpoint tcp://...) the keys come from SKILLBASE_SERVER_KEY
 * and SKILLBASE_KEY_FILE, as for skillbasectl.
 */
#ifndef BENCH_CURVE_H
#define BENCH_CURVE_H

#include <stddef.h>

#include "skillbase_client.h"

/* Make the keys and <work>/bench.ini for a daemon on `state_dir`; its path
 * goes into config (len bytes). Returns 0, or -1 (reason on stderr). */
int bench_curve_prepare(const char *state_dir, const char *work, char *config, size_t len);

/* Take the keys from the environment, if set. Returns 0, or -1 (reason on
 * stderr). */
int bench_curve_from_env(void);

/* The CURVE settings every socket of the benchmark uses; NULL: none. */
const sb_client_curve *bench_curve(void);

#endif
