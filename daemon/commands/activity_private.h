/* Private to handle_equipment.c, handle_activity.c and handle_recommend.c:
 * what they share. Not part of any API. */
#ifndef SB_ACTIVITY_PRIVATE_H
#define SB_ACTIVITY_PRIVATE_H

#include "handlers_private.h"

/* Limits (listed by the rules command). */
#define SB_EQUIPMENT_TEXT_MAX 200                 /* EquipmentItem.item, custodian, maintained_by */
#define SB_EQUIPMENT_NOTE_MAX 1000                /* EquipmentItem.note, ActivityFiling.note */
#define SB_EQUIPMENT_PER_BASE 2000                /* items in one register, retired ones included */
#define SB_EQUIPMENT_VALUE_MAX 100000000000000ull /* fen: one thousand billion yuan */
#define SB_ACTIVITY_COUNT_MAX 10000000u           /* any figure of a filing */

/* Load sub-base `id` (the command's `id` field); with `live` refuse one
 * that is no longer certified or assessed (WRONG_STATE naming `what`). */
int sb_handler_activity_load_base(sb_call *call, const char *id, bool live, const char *what,
                                  Skillbase__Record **ret);

/* Check a date field: required (or, when !required, empty allowed), a
 * valid YYYY-MM-DD, not after today. Adds a problem naming `field`. *ret
 * is the date when it is one. */
void sb_handler_activity_check_date(sb_call *call, sb_problems *p, const char *field, const char *s,
                                    bool required, sb_date *ret);

/* Append the non-transition event "base.<what>" on sub-base `base`, with
 * the caller filling the extra fields through `ev` before it is stored
 * (fill may be NULL); with `jobs` the outbox rules apply (sb_call_append_event). */
int sb_handler_activity_event(sb_call *call, Skillbase__Record *base, const char *what,
                              const char *action, const char *reason, bool jobs,
                              void (*fill)(Skillbase__Event *ev, void *arg), void *arg);

/* Schedule the reminders of `year`'s filing for sub-base `b` (0: the year
 * sb_activity_next_year gives), unless they are already scheduled: one
 * "activity.reminder" job per [activity] remind_days offset whose day is
 * not over, and the overdue one at the end of the due date. */
int sb_handler_activity_schedule(sb_call *call, const Skillbase__Base *b, int year);

#endif
