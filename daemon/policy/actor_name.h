/* sb_actor_name: whether two actor names are one person's (four eyes,
 * docs/security.md).
 *
 * Names are compared after Unicode NFKC case folding (ICU's
 * NFKC_Casefold): "Alice", "alice", "ALICE" and the full-width "Ａｌｉｃｅ"
 * are one name, so a proposal cannot be confirmed by another spelling of
 * its proposer. A name that is not valid UTF-8 compares byte for byte.
 */
#ifndef SB_ACTOR_NAME_H
#define SB_ACTOR_NAME_H

#include <stdbool.h>

/* True when a and b name the same actor (NULL is ""). */
bool sb_actor_same(const char *a, const char *b);

#endif
