/* sb_help: one row of a program's --help, as every skillbase program
 * prints its flags: the flag at the left, its text from a column on.
 */
#ifndef SB_HELP_H
#define SB_HELP_H

#include <stdio.h>

/* Print `head` (e.g. "  -c, --config FILE") padded to `column`, then
 * `help` with each of its lines ('\n'-separated) on a line of its own,
 * indented to `column`. A head too long to leave two spaces before the
 * column gets a line of its own. */
void sb_help_row(FILE *out, int column, const char *head, const char *help);

#endif
