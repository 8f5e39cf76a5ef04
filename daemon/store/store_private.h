/* store_private.h: the old name of store_core.h, kept only for
 * store_services.c until it includes store_core.h itself; nothing else
 * may include it. */
#ifndef SB_STORE_PRIVATE_H
#define SB_STORE_PRIVATE_H

#include "store_core.h"

#endif
