/* One CSV line split into fields as Python's csv module (the excel dialect, any one-byte delimiter) splits it, for
 * the lines the C loops read: the line's text without its ending. Included by _kernels.c.
 *
 * A field is handed back as the slice of the line holding its value: the bytes between its quotes for a quoted
 * field ("2123 4567" -> 2123 4567), the field itself otherwise (a quote inside an unquoted field is a character, as
 * for the csv module). A value that is not one slice of the line (a doubled quote inside quotes, text after the
 * closing quote) comes back as CSV_PIECES: the caller leaves it to Python. A line the csv module would read
 * differently from a single line (a quote still open at its end: a field holding a line break; a CR or NUL inside)
 * is refused whole (-1). An empty line has no fields, as for the csv module.
 */
#ifndef TELREG_CSVLINE_H
#define TELREG_CSVLINE_H

#include <stdint.h>
#include <string.h>

#define CSV_PIECES (-1)

/* Split line[0:len]; store the first `cap` fields' slices in f0/f1 (f0 = CSV_PIECES when not one slice); return the
 * number of fields, or -1 for a line left to Python whole. `plain`: the caller knows the line holds no CR or NUL. */
static inline Py_ssize_t csv_split(const uint8_t *line, Py_ssize_t len, uint8_t delimiter, Py_ssize_t *f0,
                                   Py_ssize_t *f1, Py_ssize_t cap, int plain) {
    if (len == 0) return 0;
    if (!plain)
        for (Py_ssize_t k = 0; k < len; k++)
            if (line[k] == '\r' || line[k] == 0) return -1;
    Py_ssize_t i = 0, n = 0;
    for (;;) {
        Py_ssize_t start, end;
        int pieces = 0;
        if (i < len && line[i] == '"') {
            start = i + 1;
            Py_ssize_t j = start;
            for (;;) {
                const uint8_t *q = memchr(line + j, '"', (size_t)(len - j));
                if (!q) return -1; /* still open at the end of the line */
                j = q - line;
                if (j + 1 < len && line[j + 1] == '"') { /* a doubled quote: one quote in the value */
                    pieces = 1;
                    j += 2;
                    continue;
                }
                break;
            }
            end = j;
            i = j + 1;
            if (i < len && line[i] != delimiter) { /* text after the closing quote joins the value */
                pieces = 1;
                const uint8_t *d = memchr(line + i, delimiter, (size_t)(len - i));
                i = d ? d - line : len;
            }
        } else {
            start = i;
            const uint8_t *d = memchr(line + i, delimiter, (size_t)(len - i));
            i = end = d ? d - line : len;
        }
        if (n < cap) {
            f0[n] = pieces ? CSV_PIECES : start;
            f1[n] = end;
        }
        n++;
        if (i >= len) break;
        i++; /* past the delimiter; a delimiter ending the line opens one more, empty, field */
        if (i == len) {
            if (n < cap) f0[n] = f1[n] = len;
            n++;
            break;
        }
    }
    return n;
}

/* Whether s[0:len] is UTF-8 as Python's decoder accepts it (no overlong forms, no surrogates, up to U+10FFFF). */
static inline int utf8_valid(const uint8_t *s, Py_ssize_t len) {
    Py_ssize_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int more;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) more = 1;
        else if (c == 0xE0) more = 2, lo = 0xA0;
        else if (c == 0xED) more = 2, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF) more = 2;
        else if (c == 0xF0) more = 3, lo = 0x90;
        else if (c == 0xF4) more = 3, hi = 0x8F;
        else if (c >= 0xF1 && c <= 0xF3) more = 3;
        else return 0;
        if (i + more >= len) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (int k = 2; k <= more; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        i += more + 1;
    }
    return 1;
}

#endif
