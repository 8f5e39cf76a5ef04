/* sb_log: one logging function with levels, for every skillbase program.
 *
 * Lines go to stderr as "LEVEL message" (journald adds the time when run
 * under systemd, and a "<N>" prefix gives it the line's priority); with a
 * terminal or SB_LOG_TIME=1 a UTC timestamp leads.
 * The level is process-global, set once from the command line.
 */
#ifndef SB_LOG_H
#define SB_LOG_H

typedef enum {
    SB_LOG_ERROR = 0,
    SB_LOG_WARN = 1,
    SB_LOG_INFO = 2,
    SB_LOG_DEBUG = 3,
} sb_log_level;

/* Set the lowest level printed (default SB_LOG_INFO). */
void sb_log_set_level(sb_log_level level);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 if unknown
 * (ret_level untouched). */
int sb_log_parse_level(const char *name, sb_log_level *ret_level);

/* Print one line at `level` if enabled. */
void sb_log(sb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
