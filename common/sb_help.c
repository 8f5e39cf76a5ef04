#include "sb_help.h"

#include <string.h>

void sb_help_row(FILE *out, int column, const char *head, const char *help)
{
    if ((int)strlen(head) + 2 <= column)
        fprintf(out, "%-*s", column, head);
    else
        fprintf(out, "%s\n%*s", head, column, "");
    for (const char *p = help;;) {
        const char *nl = strchr(p, '\n');
        fprintf(out, "%.*s\n", (int)(nl ? nl - p : (int)strlen(p)), p);
        if (!nl)
            break;
        p = nl + 1;
        fprintf(out, "%*s", column, "");
    }
}
