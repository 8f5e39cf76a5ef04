/* sb_text: what text may hold, and how to show text that may hold anything.
 *
 * Every string a client sends is data that ends up in records, audit
 * events, notices, log lines and terminals, so it must be what it looks
 * like (docs/protocol.md, "Text"): well-formed UTF-8 without a NUL byte,
 * without C0 controls other than tab, without DEL or C1 controls (U+0080 to
 * U+009F, which include NEL U+0085), without the bidirectional embeddings,
 * overrides and isolates (U+202A to U+202E, U+2066 to U+2069) that make
 * text display in an order other than its bytes, and without the line and
 * paragraph separators U+2028 and U+2029.
 *
 * Text that did not pass through that check (stored before it existed,
 * read from a file, a peer's name) is escaped before it is printed to a
 * terminal or written into a line-oriented file: sb_text_escape.
 */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* NULL when s[0..len) is acceptable text, else why not, one phrase naming
 * the first offending character, e.g. "contains a NUL byte", "not valid UTF-8
 * text (byte 3)", "contains a control character (U+0085)", "contains a
 * bidirectional control (U+202E)" (in buf, of buf_len bytes: at least 64). */
const char *sb_text_fault(const char *s, size_t len, char *buf, size_t buf_len);

/* sb_text_fault on a NUL-terminated string; NULL counts as empty. */
bool sb_text_ok(const char *s);

/* Copy s into buf (of len bytes, always terminated, cut at a character
 * boundary) with every character sb_text_fault refuses written as \xHH
 * (bytes that are not UTF-8, C0, DEL) or \u{HHHH} (C1, bidirectional
 * controls, separators), and a backslash as \\. Returns buf. */
char *sb_text_escape(const char *s, char *buf, size_t len);

/* True when s[0..len) is well-formed UTF-8 (whatever characters it holds). */
bool sb_text_utf8(const char *s, size_t len);

/* Make s well-formed UTF-8 in place: each byte that does not belong to a
 * well-formed sequence (e.g. a character cut in half by "%.40s") becomes
 * '?'. For text put together from pieces before it goes into a message. */
void sb_text_repair(char *s);

#endif
