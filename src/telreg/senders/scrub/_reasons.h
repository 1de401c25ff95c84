/* Refused fields grouped so that each reason is worded once: phone_shape, reason_key, group_fields. Included by
 * _kernels.c, after the helpers it uses (Buf, get_buf, release, is_digit, BLANK, MAX_FIELD). */
#ifndef TELREG_REASONS_H
#define TELREG_REASONS_H

/* Whether a field without its blanks has core/phone.py's shape: an optional '+', then groups of digits parted by
 * single spaces or hyphens. */
static inline int phone_shape(const uint8_t *p, Py_ssize_t len) {
    while (len > 0 && BLANK[p[0]]) p++, len--;
    while (len > 0 && BLANK[p[len - 1]]) len--;
    Py_ssize_t i = len > 0 && p[0] == '+';
    for (;;) {
        if (i >= len || !is_digit(p[i])) return 0;
        while (i < len && is_digit(p[i])) i++;
        if (i == len) return 1;
        if (p[i] != ' ' && p[i] != '-') return 0;
        i++;
    }
}

/* The key a refused field's reason is grouped by (see group_fields), written into out (room for KEY_BYTES bytes):
 * its length, or -1 when the field is its own key (non-ASCII, or too long to be a number). Why fields with one key
 * share their reason but for the field itself, which the rows put back line by line (core/phone.py quotes it as
 * typed, ``entered``):
 * - a field holding an ASCII letter is refused for its letters, whatever else it holds: key "a";
 * - a field without the shape (dots, brackets, slashes, doubled separators...) is worded from where its digits,
 *   blanks, separators and other characters stand, never from which digits they are: every digit reads '0';
 * - a field with the shape is worded from where its digits stand, how many there are, and which digits only through
 *   six questions, answered in one byte after the key (>= 0x80, so no other key ends so): do the digits start with
 *   852 (a country code, when the first group holds it), 00, 00852, 800 (toll-free), have 800 after three (toll-free
 *   after +852), and are they a short code (1 and two to four more, 999, 112)? The one reason naming other digits (a
 *   toll-free number's) is found by numbers.reason_around_field, and those fields are grouped by their bytes.
 * tests/senders/scrub/test_numbers.py checks with hypothesis that every field's reason is its own. */
#define KEY_BYTES (MAX_FIELD + 1)
static inline Py_ssize_t reason_key(const uint8_t *p, Py_ssize_t len, uint8_t *out) {
    if (len > MAX_FIELD) return -1;
    for (Py_ssize_t k = 0; k < len; k++)
        if (p[k] >= 0x80) return -1; /* (before the letters: NFKC and strip() change what such a field quotes) */
    uint8_t d[MAX_FIELD];
    int digits = 0;
    for (Py_ssize_t k = 0; k < len; k++) {
        uint8_t c = p[k];
        if ((uint8_t)((c | 0x20) - 'a') < 26) {
            out[0] = 'a';
            return 1;
        }
        if (is_digit(c)) d[digits++] = c;
        out[k] = is_digit(c) ? '0' : c;
    }
    if (!phone_shape(p, len)) return len;
#define STARTS(at, text) (digits >= (at) + (int)sizeof(text) - 1 && memcmp(d + (at), text, sizeof(text) - 1) == 0)
    int short_code = (digits >= 3 && digits <= 5 && d[0] == '1') || (digits == 3 && (STARTS(0, "999") ||
                                                                                      STARTS(0, "112")));
    out[len] = (uint8_t)(0x80 | STARTS(0, "852") | STARTS(0, "00") << 1 | STARTS(0, "00852") << 2 |
                         STARTS(0, "800") << 3 | STARTS(3, "800") << 4 | short_code << 5);
#undef STARTS
    return len + 1;
}

/* group_fields(buf, fs i64, fe i64, which i64 out, first i64 out[, by_reason]) -> groups: the fields grouped by
 * their bytes, exactly (an open-addressing table keyed by a hash, with a byte comparison on every hit), or with
 * by_reason by reason_key: which[i] is field i's group, groups numbered in order of first appearance, first[g] the
 * first field of group g. Refused fields repeat (the same placeholder or typo on many lines), and each distinct
 * spelling's reason is worded once; numpy grouped them by sorting the padded bytes, 1.7 ms a chunk. */
static PyObject *group_fields(PyObject *self, PyObject *args) {
    PyObject *o[5];
    int by_reason = 0;
    if (!PyArg_ParseTuple(args, "OOOOO|p", &o[0], &o[1], &o[2], &o[3], &o[4], &by_reason)) return NULL;
    Buf b[5] = {0};
    Py_ssize_t n = 0, groups = 0;
    if (get_fields(o, b, &n, "group_fields") < 0 || get_buf(o[3], &b[3], 1, 8, n, "which") < 0 ||
        get_buf(o[4], &b[4], 1, 8, n, "first") < 0)
        goto fail;
    const uint8_t *buf = BUF(b[0], uint8_t);
    const int64_t *at = BUF(b[1], int64_t), *end = BUF(b[2], int64_t);
    int64_t *which = BUF(b[3], int64_t), *first = BUF(b[4], int64_t);
    size_t slots = 16;
    while (slots < 2 * (size_t)n) slots <<= 1;
    int64_t *table = malloc(slots * sizeof(int64_t));
    /* With by_reason, every field's key in one arena: KEY_BYTES bytes each, its length beside it. */
    uint8_t *keys = by_reason ? malloc((size_t)(n ? n : 1) * KEY_BYTES) : NULL;
    Py_ssize_t *key_len = by_reason ? malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t)) : NULL;
    if (!table || (by_reason && (!keys || !key_len))) {
        free(table);
        free(keys);
        free(key_len);
        release(b, 5);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    memset(table, 0xff, slots * sizeof(int64_t));
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint8_t *key = buf + at[i];
        int64_t len = end[i] - at[i];
        if (by_reason) {
            Py_ssize_t k = reason_key(key, len, keys + (size_t)i * KEY_BYTES);
            key_len[i] = k;
            if (k >= 0) {
                key = keys + (size_t)i * KEY_BYTES;
                len = k;
            }
        }
        uint64_t h = 1469598103934665603ull ^ (uint64_t)len; /* FNV-1a over the bytes, seeded by the length */
        for (int64_t k = 0; k < len; k++) h = (h ^ key[k]) * 1099511628211ull;
        if (by_reason && key_len[i] >= 0) h ^= 0x9e3779b97f4a7c15ull; /* keys apart from fields' own bytes */
        size_t slot = (size_t)(h ^ (h >> 29)) & (slots - 1);
        for (;;) {
            int64_t g = table[slot];
            if (g < 0) {
                table[slot] = groups;
                first[groups] = i;
                which[i] = groups++;
                break;
            }
            Py_ssize_t r = first[g];
            const uint8_t *other = buf + at[r];
            int64_t other_len = end[r] - at[r];
            int same_kind = 1;
            if (by_reason) {
                same_kind = (key_len[r] >= 0) == (key_len[i] >= 0);
                if (key_len[r] >= 0) {
                    other = keys + (size_t)r * KEY_BYTES;
                    other_len = key_len[r];
                }
            }
            if (same_kind && other_len == len && memcmp(other, key, (size_t)len) == 0) {
                which[i] = g;
                break;
            }
            slot = (slot + 1) & (slots - 1);
        }
    }
    Py_END_ALLOW_THREADS
    free(table);
    free(keys);
    free(key_len);
    release(b, 5);
    return PyLong_FromSsize_t(groups);
fail:
    release(b, 5);
    return NULL;
}

#endif
