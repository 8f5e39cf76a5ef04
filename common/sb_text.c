/* sb_text: acceptable text and escaping (sb_text.h). */
#include "sb_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decode one UTF-8 sequence at s[0..len) (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Returns its length, 0 when it is
 * not well-formed. */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0)
        n = 2, v = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        n = 3, v = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        n = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* What kind of character text may not hold, or NULL. */
static const char *refused(uint32_t cp)
{
    if (cp == 0)
        return "NUL byte";
    if ((cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
        return "control character";
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return "bidirectional control";
    if (cp == 0x2028 || cp == 0x2029)
        return "line or paragraph separator";
    return NULL;
}

const char *sb_text_fault(const char *str, size_t len, char *buf, size_t buf_len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = decode(s + i, len - i, &cp);
        if (!n) {
            snprintf(buf, buf_len, "not valid UTF-8 text (byte %zu)", i + 1);
            return buf;
        }
        const char *what = refused(cp);
        if (what) {
            if (cp == 0)
                snprintf(buf, buf_len, "contains a NUL byte (byte %zu)", i + 1);
            else
                snprintf(buf, buf_len, "contains a %s (U+%04X)", what, (unsigned)cp);
            return buf;
        }
        i += n;
    }
    return NULL;
}

bool sb_text_utf8(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t cp;
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = decode(s + i, len - i, &cp)))
            return false;
    return true;
}

void sb_text_repair(char *str)
{
    unsigned char *s = (unsigned char *)str;
    size_t len = s ? strlen(str) : 0;
    uint32_t cp;
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = decode(s + i, len - i, &cp))) {
            s[i] = '?';
            n = 1;
        }
}

bool sb_text_ok(const char *s)
{
    char buf[64];
    return !s || !sb_text_fault(s, strlen(s), buf, sizeof buf);
}

char *sb_text_escape(const char *str, char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t i = 0, o = 0, slen = strlen((const char *)s);
    if (!len)
        return buf;
    while (i < slen) {
        char piece[16];
        size_t plen;
        uint32_t cp;
        size_t n = decode(s + i, slen - i, &cp);
        if (!n) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", s[i]);
            n = 1;
        } else if (cp == '\\') {
            plen = (size_t)snprintf(piece, sizeof piece, "\\\\");
        } else if (refused(cp)) {
            plen = cp < 0x80 ? (size_t)snprintf(piece, sizeof piece, "\\x%02X", (unsigned)cp)
                             : (size_t)snprintf(piece, sizeof piece, "\\u{%04X}", (unsigned)cp);
        } else {
            memcpy(piece, s + i, n);
            plen = n;
        }
        if (o + plen >= len)
            break;
        memcpy(buf + o, piece, plen);
        o += plen;
        i += n;
    }
    buf[o] = '\0';
    return buf;
}
