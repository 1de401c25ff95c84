/* Instructions files (consent/unsubscribe), read a line at a time: parse_instructions. Included by _kernels.c,
 * after the helpers it uses (Buf, get_buf, release, parse_number, BLANK, the CSV line reader, _isotime.h). */
#ifndef TELREG_INSTRUCTIONS_H
#define TELREG_INSTRUCTIONS_H

/* The ASCII value of a field without its blanks equals `word`, letter case aside (str.strip().lower() == word). */
static inline int is_word(const uint8_t *p, Py_ssize_t len, const char *word) {
    while (len > 0 && BLANK[p[0]]) p++, len--;
    while (len > 0 && BLANK[p[len - 1]]) len--;
    Py_ssize_t n = (Py_ssize_t)strlen(word);
    if (len != n) return 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if ((p[k] | 0x20) != (uint8_t)word[k]) return 0;
    return 1;
}

/* parse_instructions(buf, size, first_line, number_at, kind_at, time_at, width, plain, lines i64 out,
 *                    numbers i64 out, kinds i8 out, micros i64 out, ok u8 out, starts i64 out, ends i64 out) -> records
 *
 * The lines of an instructions file after its header (buf[0:size], LF or CR LF), as instruction_rows reads them:
 * blank lines (no field holding more than blanks) are skipped; for every other line, its number (first_line for the
 * first), its text's offsets, and either ok = 1 with the number, the kind (1 consent, 2 unsubscribe) and the instant
 * in microseconds since 1970 UTC, or ok = 0: Python reads that line (a bad line, whose problems it words, or one in
 * a form left to it: non-ASCII values, doubled quotes, times _isotime.h leaves alone). -1 when the file must be read
 * by Python whole: a quote left open at a line's end (a field holding a line break) or a CR or NUL inside a line
 * (`plain`: the caller has found none in the whole buffer, and the lines are not searched for them).
 * The arrays hold one item per line of buf. */
static PyObject *parse_instructions(PyObject *self, PyObject *args) {
    PyObject *o[8];
    Py_ssize_t size, first_line;
    int number_at, kind_at, time_at, width, plain;
    if (!PyArg_ParseTuple(args, "OnniiiipOOOOOOO", &o[0], &size, &first_line, &number_at, &kind_at, &time_at,
                          &width, &plain, &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7]))
        return NULL;
    Buf b[8] = {0};
    Py_ssize_t cap = 0;
    if (get_buf(o[0], &b[0], 0, 1, size, "buf") < 0 || get_buf(o[1], &b[1], 1, 8, 0, "lines") < 0) goto fail;
    cap = b[1].view.len / 8;
    if (get_buf(o[2], &b[2], 1, 8, cap, "numbers") < 0 || get_buf(o[3], &b[3], 1, 1, cap, "kinds") < 0 ||
        get_buf(o[4], &b[4], 1, 8, cap, "micros") < 0 || get_buf(o[5], &b[5], 1, 1, cap, "ok") < 0 ||
        get_buf(o[6], &b[6], 1, 8, cap, "starts") < 0 || get_buf(o[7], &b[7], 1, 8, cap, "ends") < 0)
        goto fail;
    int need = number_at > kind_at ? number_at : kind_at;
    need = (time_at > need ? time_at : need) + 1;
    if (number_at < 0 || kind_at < 0 || time_at < 0 || need > MAX_COLUMN || width < need) {
        PyErr_SetString(PyExc_ValueError, "parse_instructions: the columns do not fit the header");
        goto fail;
    }
    const uint8_t *buf = BUF(b[0], uint8_t);
    int64_t *lines = BUF(b[1], int64_t), *numbers = BUF(b[2], int64_t), *micros = BUF(b[4], int64_t);
    int64_t *starts = BUF(b[6], int64_t), *ends = BUF(b[7], int64_t);
    int8_t *kinds = BUF(b[3], int8_t);
    uint8_t *ok = BUF(b[5], uint8_t);
    Py_ssize_t n = 0, line_no = first_line;
    int whole = 0, overflow = 0;

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t fs[MAX_COLUMN], fe[MAX_COLUMN], at = 0;
    while (at < size) {
        const uint8_t *feed = memchr(buf + at, '\n', (size_t)(size - at));
        Py_ssize_t end = feed ? feed - buf : size, next = feed ? end + 1 : size;
        if (feed && end > at && buf[end - 1] == '\r') end--;
        const uint8_t *line = buf + at;
        Py_ssize_t len = end - at, number = line_no++;
        at = next;
        /* A byte other than blanks and commas: ASCII text, or a quote or non-ASCII (then Python says whether the
         * line is blank). The first such byte is usually the first of the line. */
        int text = 0, other = 0;
        for (Py_ssize_t k = 0; k < len && !text; k++) {
            uint8_t c = line[k];
            if (c >= 0x80 || c == '"') other = 1;
            else if (!BLANK[c] && c != ',') text = 1;
        }
        if (!text && !other) continue; /* blank: the csv module's fields are all blanks */
        if (n >= cap) {
            overflow = 1;
            break;
        }
        Py_ssize_t fields = csv_split(line, len, ',', fs, fe, need, plain);
        if (fields < 0) {
            whole = 1;
            break;
        }
        lines[n] = number;
        starts[n] = end - len;
        ends[n] = end;
        uint8_t good = text && fields >= width && fs[number_at] != CSV_PIECES && fs[kind_at] != CSV_PIECES &&
                       fs[time_at] != CSV_PIECES;
        if (good) {
            uint32_t v = 0;
            int64_t when = 0;
            good = parse_number(line + fs[number_at], fe[number_at] - fs[number_at], &v) == VALID &&
                   iso_micros(line + fs[time_at], fe[time_at] - fs[time_at], &when) == ISO_OK;
            const uint8_t *kind = line + fs[kind_at];
            Py_ssize_t kind_len = fe[kind_at] - fs[kind_at];
            int8_t k = is_word(kind, kind_len, "consent") ? 1 : is_word(kind, kind_len, "unsubscribe") ? 2 : 0;
            good = good && k;
            numbers[n] = v;
            kinds[n] = k;
            micros[n] = when;
        }
        ok[n++] = good;
    }
    Py_END_ALLOW_THREADS

    release(b, 8);
    if (overflow) {
        PyErr_SetString(PyExc_ValueError, "parse_instructions: more lines than the arrays hold");
        return NULL;
    }
    return PyLong_FromSsize_t(whole ? -1 : n);
fail:
    release(b, 8);
    return NULL;
}

#endif
