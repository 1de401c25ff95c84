/* The scrub's hot loops in C: one pass over a chunk's bytes per job, the GIL released throughout.
 *
 * Why C and not numpy: numpy needs a dozen whole-array passes (and temporaries) per chunk to split lines, find a
 * column, check a number's shape, look it up and format the outputs; one byte loop does it with each line's bytes in
 * the L1 cache, 10-20x less work. The Python side (engine.py) keeps the rules readable and handles the rare lines a
 * byte loop should not judge (non-ASCII digits, CSV fields holding doubled quotes or line breaks, lines with too few
 * columns): they come back with status PYTHON, and engine.py reads them a chunk at a time.
 *
 * Every function takes numpy arrays through the buffer protocol and checks their sizes; none keeps a reference.
 * The number rules mirror core/phone.py exactly (tests/senders/scrub/test_numbers.py checks it with hypothesis):
 * blanks around the field ignored; 8 digits, optionally grouped by single spaces or hyphens between digits;
 * optionally after "852" or "+852" (then 11 digits, the "852" one unbroken group); the number is the last 8 digits.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { VALID = 0, INVALID = 1, PYTHON = 2 };
enum { REJECTED_INVALID = 0, DUPLICATE = 1, BLOCKED_UNSUBSCRIBED = 2, ALLOWED_CONSENT = 3, BLOCKED_DNC = 4,
       NOT_YET = 5, ALLOWED = 6, N_DECISIONS = 7 };
static const int KEPT[N_DECISIONS] = {0, 0, 0, 1, 0, 1, 1};

/* Functions counting bits are compiled twice, with and without the POPCNT instruction, and the loader picks the one
 * the CPU runs (an ifunc): the baseline x86-64 build counts bits in a libgcc loop, 1.6% of a large scrub. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define COUNTS_BITS __attribute__((target_clones("popcnt", "default")))
#else
#define COUNTS_BITS
#endif

#define MAX_FIELD 64
#define SPACE_WORDS (100000000 / 64 + 1)
#define SIEVE_BITS (1u << 20)

static uint8_t BLANK[256]; /* what str.strip() removes, among ASCII bytes */

#include "_csvline.h"
#include "_isotime.h"

/* -- buffers ------------------------------------------------------------------------------------------------------ */

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int get_buf(PyObject *obj, Buf *b, int writable, Py_ssize_t itemsize, Py_ssize_t need, const char *name) {
    b->held = 0;
    if (PyObject_GetBuffer(obj, &b->view, writable ? PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS : PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    b->held = 1;
    if (b->view.len % itemsize != 0 || b->view.len / itemsize < need) {
        PyErr_Format(PyExc_ValueError, "%s: needs %zd items of %zd bytes, has %zd bytes", name, need, itemsize,
                     b->view.len);
        return -1;
    }
    return 0;
}

static void release(Buf *bufs, int n) {
    for (int i = 0; i < n; i++)
        if (bufs[i].held) PyBuffer_Release(&bufs[i].view);
}

#define BUF(b, T) ((T *)(b).view.buf)

/* -- numbers ------------------------------------------------------------------------------------------------------ */

static inline int is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }

/* Eight ASCII digits at p (read as one little-endian word): their value in *number, or 0 when a byte is not a digit.
 * The digit test and the multiply-and-shift conversion are simdjson's (is_made_of_eight_digits_fast,
 * parse_eight_digits_unrolled): three multiplies instead of eight dependent multiply-adds and eight branches. */
static inline int eight_digits(const uint8_t *p, uint32_t *number) {
    uint64_t x;
    memcpy(&x, p, 8);
    if (((x & 0xF0F0F0F0F0F0F0F0ull) | (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) !=
        0x3333333333333333ull)
        return 0;
    x = ((x & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
    x = ((x & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
    *number = (uint32_t)(((x & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32);
    return 1;
}

/* Parse one field; VALID with *number set, INVALID, or PYTHON (non-ASCII: core/phone.py folds full-width digits). */
static inline int parse_number(const uint8_t *p, Py_ssize_t len, uint32_t *number) {
    if (len == 8 && eight_digits(p, number)) return VALID; /* the common clean line */
    if (len <= 0 || len > MAX_FIELD) return INVALID;
    for (Py_ssize_t i = 0; i < len; i++)
        if (p[i] >= 0x80) return PYTHON;
    Py_ssize_t first = 0, last = len - 1;
    while (first <= last && BLANK[p[first]]) first++;
    while (last >= first && BLANK[p[last]]) last--;
    if (first > last) return INVALID;
    Py_ssize_t i = first;
    int plus = p[i] == '+';
    i += plus;
    Py_ssize_t opened = i;
    int digits = 0, group = 0, in_group = 1, prev_digit = 0;
    uint32_t v = 0;
    for (; i <= last; i++) {
        uint8_t c = p[i];
        if (is_digit(c)) {
            digits++;
            group += in_group;
            v = (v * 10 + (uint32_t)(c - '0')) % 100000000u;
            prev_digit = 1;
        } else if (c == ' ' || c == '-') {
            if (!prev_digit || i == last || !is_digit(p[i + 1])) return INVALID;
            in_group = 0;
            prev_digit = 0;
        } else {
            return INVALID;
        }
    }
    int is_852 = group >= 3 && p[opened] == '8' && p[opened + 1] == '5' && p[opened + 2] == '2';
    if ((digits == 8 && !plus) || (digits == 11 && is_852)) {
        *number = v;
        return VALID;
    }
    return INVALID;
}

/* The column-th field of a line holding a quote, as the csv module reads it (see _csvline.h), in *f0 and *f1 (offsets
 * in buf); 0 when Python must read the line: its value is not one slice of it (doubled quotes), the line has too few
 * columns (Python words the reason), a quote is left open (a field holding a line break) or the line is not UTF-8 (the
 * csv module reads decoded text). */
#define MAX_COLUMN 256
static inline int quoted_field(const uint8_t *buf, Py_ssize_t at, Py_ssize_t end, int column, int delimiter,
                               Py_ssize_t *f0, Py_ssize_t *f1) {
    Py_ssize_t s[MAX_COLUMN], e[MAX_COLUMN];
    const uint8_t *line = buf + at;
    Py_ssize_t len = end - at;
    if (column >= MAX_COLUMN) return 0;
    for (Py_ssize_t k = 0; k < len; k++)
        if (line[k] >= 0x80) {
            if (!utf8_valid(line, len)) return 0;
            break;
        }
    Py_ssize_t n = csv_split(line, len, (uint8_t)delimiter, s, e, column + 1, 0);
    if (n <= column || s[column] == CSV_PIECES) return 0;
    *f0 = at + s[column];
    *f1 = at + e[column];
    return 1;
}

/* One line of a chunk starting at `at`: where its text ends (before CR LF), where the next line starts, the field
 * decided on (the column-th between delimiters, or the whole line) and the number read in it. With a column, a line
 * holding a quote is split as CSV (quoted_field); too few columns, or a line quoted_field leaves alone, is PYTHON. */
typedef struct {
    Py_ssize_t end, next, f0, f1;
    uint32_t number;
    uint8_t status;
} Line;

static inline Line read_line(const uint8_t *buf, Py_ssize_t at, Py_ssize_t size, int column, int delimiter) {
    Line line;
    /* The common line of a plain list, "NNNNNNNN" and LF or CR LF, without a memchr call (a call per 9-byte line
     * cost as much as the rest of the line's work). */
    if (column < 0 && size - at >= 9) {
        int crlf = buf[at + 8] == '\r' && size - at >= 10 && buf[at + 9] == '\n';
        if ((buf[at + 8] == '\n' || crlf) && eight_digits(buf + at, &line.number)) {
            line.f0 = at;
            line.f1 = line.end = at + 8;
            line.next = at + 9 + crlf;
            line.status = VALID;
            return line;
        }
    }
    line.number = 0;
    line.status = VALID;
    if (column >= 0) {
        /* One pass over the line up to the end of the chosen field, counting delimiters and watching for a quote (a
         * quote after the field changes nothing before it, as for the csv module); then the rest of the line with
         * memchr. Searching the whole line for a quote, then for each delimiter, was four calls a line. */
        Py_ssize_t q = at, f0 = at;
        int k = 0, stop = 0; /* stop: 1 a quote, 2 the field's closing delimiter, 0 the line's end */
        for (; q < size; q++) {
            uint8_t c = buf[q];
            if (c == (uint8_t)delimiter) {
                if (k == column) {
                    stop = 2;
                    break;
                }
                k++;
                f0 = q + 1;
            } else if (c == '\n') {
                break;
            } else if (c == '"') {
                stop = 1;
                break;
            }
        }
        const uint8_t *feed = stop ? memchr(buf + q, '\n', (size_t)(size - q)) : (q < size ? buf + q : NULL);
        line.end = feed ? feed - buf : size;
        line.next = feed ? line.end + 1 : size;
        if (feed && line.end > at && buf[line.end - 1] == '\r') line.end--;
        if (stop == 1) { /* real CSV: split as the csv module does */
            if (!quoted_field(buf, at, line.end, column, delimiter, &line.f0, &line.f1)) {
                line.f0 = at;
                line.f1 = line.end;
                line.status = PYTHON;
                return line;
            }
        } else if (stop == 2) {
            line.f0 = f0;
            line.f1 = q;
        } else if (k < column) { /* too few columns: Python words the reason */
            line.f0 = at;
            line.f1 = line.end;
            line.status = PYTHON;
            return line;
        } else {
            line.f0 = f0 < line.end ? f0 : line.end;
            line.f1 = line.end;
        }
        line.status = (uint8_t)parse_number(buf + line.f0, line.f1 - line.f0, &line.number);
        return line;
    }
    const uint8_t *feed = memchr(buf + at, '\n', (size_t)(size - at));
    line.end = feed ? feed - buf : size;
    line.next = feed ? line.end + 1 : size;
    if (feed && line.end > at && buf[line.end - 1] == '\r') line.end--;
    line.f0 = at;
    line.f1 = line.end;
    line.status = (uint8_t)parse_number(buf + line.f0, line.f1 - line.f0, &line.number);
    return line;
}

/* -- scan: lines, fields, numbers --------------------------------------------------------------------------------- */

/* scan(buf, size, column, delimiter, starts, ends, nexts, fs, fe, numbers, status) -> lines. fs and fe are written
 * only with a column: without one the field is the line, its starts and ends. */
static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *o[8];
    Py_ssize_t size;
    int column, delimiter;
    if (!PyArg_ParseTuple(args, "OniiOOOOOOO", &o[0], &size, &column, &delimiter, &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7]))
        return NULL;
    /* o: buf, starts, ends, nexts, fs, fe, numbers, status */
    Buf b[8] = {0};
    Py_ssize_t cap = 0;
    if (get_buf(o[0], &b[0], 0, 1, size, "buf") < 0) goto fail;
    if (size > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "a chunk must be under 4 GB");
        goto fail;
    }
    if (get_buf(o[1], &b[1], 1, 4, 0, "starts") < 0) goto fail;
    cap = b[1].view.len / 4;
    const char *names[] = {"", "starts", "ends", "nexts", "fs", "fe", "numbers"};
    for (int k = 2; k <= 6; k++)
        if (get_buf(o[k], &b[k], 1, 4, cap, names[k]) < 0) goto fail;
    if (get_buf(o[7], &b[7], 1, 1, cap, "status") < 0) goto fail;

    const uint8_t *buf = BUF(b[0], uint8_t);
    uint32_t *starts = BUF(b[1], uint32_t), *ends = BUF(b[2], uint32_t), *nexts = BUF(b[3], uint32_t);
    uint32_t *fs = BUF(b[4], uint32_t), *fe = BUF(b[5], uint32_t), *numbers = BUF(b[6], uint32_t);
    uint8_t *status = BUF(b[7], uint8_t);
    Py_ssize_t n = 0;
    int overflow = 0;

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = 0;
    while (at < size) {
        if (n >= cap) {
            overflow = 1;
            break;
        }
        Line line = read_line(buf, at, size, column, delimiter);
        Py_ssize_t end = line.end, next = line.next, f0 = line.f0, f1 = line.f1;
        uint8_t st = line.status;
        uint32_t number = line.number;
        starts[n] = (uint32_t)at;
        ends[n] = (uint32_t)end;
        nexts[n] = (uint32_t)next;
        if (column >= 0) { /* without a column the field is the line: fs and fe would repeat starts and ends */
            fs[n] = (uint32_t)f0;
            fe[n] = (uint32_t)f1;
        }
        numbers[n] = number;
        status[n] = st;
        n++;
        at = next;
    }
    Py_END_ALLOW_THREADS

    release(b, 8);
    if (overflow) {
        PyErr_SetString(PyExc_ValueError, "scan: more lines than the arrays hold");
        return NULL;
    }
    return PyLong_FromSsize_t(n);
fail:
    release(b, 8);
    return NULL;
}

#define AHEAD 64

/* Pass 1 notes each number in its thread's pair array: for word w of the number space, pairs[2w] holds the "seen"
 * bits and pairs[2w + 1] the "repeated" ones (set for a number seen before). The two words of a number share a
 * cache line: a repeat (a fifth of a list's lines) costs no second miss. The arrays belong to the calling thread
 * (dedup.py merges them after pass 1): plain stores let the CPU keep many misses in flight, where atomic ones (a full
 * barrier each) made these loops 5x slower. 25 MB per thread, far beyond the L2 cache: the words of a number a few
 * lines ahead are fetched early. */
#define PAIR_WORDS (2 * SPACE_WORDS)

static inline void note(uint64_t *pairs, uint32_t x) {
    uint64_t bit = 1ull << (x & 63), *pair = &pairs[2 * (size_t)(x >> 6)];
    if (pair[0] & bit) pair[1] |= bit;
    pair[0] |= bit;
}

/* observe(numbers u32, status u8, pairs u64 [PAIR_WORDS]): note the valid numbers. */
static PyObject *observe(PyObject *self, PyObject *args) {
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    Buf b[3] = {0};
    Py_ssize_t n = 0;
    if (get_buf(o[0], &b[0], 0, 4, 0, "numbers") < 0) goto fail;
    n = b[0].view.len / 4;
    if (get_buf(o[1], &b[1], 0, 1, n, "status") < 0 || get_buf(o[2], &b[2], 1, 8, PAIR_WORDS, "pairs") < 0)
        goto fail;
    const uint32_t *numbers = BUF(b[0], uint32_t);
    const uint8_t *status = BUF(b[1], uint8_t);
    uint64_t *pairs = BUF(b[2], uint64_t);
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] == VALID && numbers[i] >= 100000000u) {
            PyErr_SetString(PyExc_ValueError, "observe: a number has more than 8 digits");
            goto fail;
        }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(&pairs[2 * (size_t)(numbers[i + AHEAD] >> 6)], 1);
        if (status[i] == VALID) note(pairs, numbers[i]);
    }
    Py_END_ALLOW_THREADS
    release(b, 3);
    Py_RETURN_NONE;
fail:
    release(b, 3);
    return NULL;
}

/* observe_lines(buf, size, column, delimiter, pairs u64 [PAIR_WORDS]) -> (lines, stop): pass 1 of a chunk in one
 * loop from its bytes, without scan()'s per-line arrays: each line's number is read and noted as observe() does.
 * Stops at the first line the byte loop leaves to Python (status PYTHON) and returns its offset as ``stop`` (``size``
 * when there is none) with the lines before it: the caller reads the rest of the chunk the general way. Numbers wait
 * in a small ring while their words are fetched, so the cache misses overlap. */
#define RING 64
static PyObject *observe_lines(PyObject *self, PyObject *args) {
    PyObject *o[2];
    Py_ssize_t size;
    int column, delimiter;
    if (!PyArg_ParseTuple(args, "OniiO", &o[0], &size, &column, &delimiter, &o[1])) return NULL;
    Buf b[2] = {0};
    if (get_buf(o[0], &b[0], 0, 1, size, "buf") < 0 || get_buf(o[1], &b[1], 1, 8, PAIR_WORDS, "pairs") < 0) {
        release(b, 2);
        return NULL;
    }
    const uint8_t *buf = BUF(b[0], uint8_t);
    uint64_t *pairs = BUF(b[1], uint64_t);
    Py_ssize_t at = 0, lines = 0;
    Py_BEGIN_ALLOW_THREADS
    uint32_t ring[RING];
    size_t head = 0, tail = 0;
    while (at < size) {
        Line line = read_line(buf, at, size, column, delimiter);
        if (line.status == PYTHON) break;
        lines++;
        at = line.next;
        if (line.status != VALID) continue;
        __builtin_prefetch(&pairs[2 * (size_t)(line.number >> 6)], 1);
        ring[head++ % RING] = line.number;
        if (head - tail == RING) note(pairs, ring[tail++ % RING]);
    }
    while (tail < head) note(pairs, ring[tail++ % RING]);
    Py_END_ALLOW_THREADS
    release(b, 2);
    return Py_BuildValue("(nn)", lines, at);
}

/* merge_pairs(pairs u64 [threads][PAIR_WORDS] inout, threads) -> None: after pass 1, the numbers any thread saw
 * twice or two threads saw, as one bitset of SPACE_WORDS words written over the start of the first thread's array
 * (word w is written after pair w of every thread has been read: the output never overtakes the input). */
static PyObject *merge_pairs(PyObject *self, PyObject *args) {
    PyObject *o;
    int threads;
    if (!PyArg_ParseTuple(args, "Oi", &o, &threads)) return NULL;
    Buf b = {0};
    if (threads < 1 || get_buf(o, &b, 1, 8, (Py_ssize_t)threads * PAIR_WORDS, "pairs") < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "merge_pairs: at least one thread");
        release(&b, 1);
        return NULL;
    }
    uint64_t *pairs = BUF(b, uint64_t);
    Py_BEGIN_ALLOW_THREADS
    for (size_t w = 0; w < SPACE_WORDS; w++) {
        uint64_t seen = 0, repeated = 0;
        for (int k = 0; k < threads; k++) {
            const uint64_t *pair = &pairs[(size_t)k * PAIR_WORDS + 2 * w];
            repeated |= pair[1] | (seen & pair[0]);
            seen |= pair[0];
        }
        pairs[w] = repeated;
    }
    Py_END_ALLOW_THREADS
    release(&b, 1);
    Py_RETURN_NONE;
}

/* parse_dated(data, members u16 out, listed u64 inout, previous, slot_of i32 [DATE_CODES] inout,
 *             code_of u32 [65536] inout, state i64 [1] inout) -> (problem, line, last)
 * (0, -1, last) when every line is "NNNNNNNN,YYYYMMDD\r\n" with a plausible date and the numbers ascend strictly,
 * starting above ``previous`` (-1 for none; a publication is read piece by piece); (1, i, _) when line i (from 0) is
 * not in that form; (2, i, _) when line i's number is not above the one before it; (3, i, _) when line i brings a
 * 65,537th distinct date. ``last`` is the last number read, for the next piece. Each number is added to the
 * ``listed`` bitset; the numbers themselves are not kept. Each date gets a slot the first time it is met (its code,
 * (year - 1900) << 9 | month << 5 | day, in code_of[slot]; slot_of[code] is slot + 1; state[0] counts the slots)
 * and members[i] is line i's slot: two bytes per number, where date codes and a table look-up in numpy made 48 MB
 * of temporaries for 3 million numbers. remap() turns the slots into the dates' order afterwards. */
#define DATE_CODES (512 << 9)
static PyObject *parse_dated(PyObject *self, PyObject *args) {
    PyObject *o[6];
    long long previous;
    if (!PyArg_ParseTuple(args, "OOOLOOO", &o[0], &o[1], &o[2], &previous, &o[3], &o[4], &o[5])) return NULL;
    Buf b[6] = {0};
    Py_ssize_t n = 0, at = -1;
    int problem = 0;
    if (get_buf(o[0], &b[0], 0, 1, 0, "data") < 0) goto fail;
    n = b[0].view.len / 19;
    if (get_buf(o[1], &b[1], 1, 2, n, "members") < 0 || get_buf(o[2], &b[2], 1, 8, SPACE_WORDS, "listed") < 0 ||
        get_buf(o[3], &b[3], 1, 4, DATE_CODES, "slot_of") < 0 || get_buf(o[4], &b[4], 1, 4, 65536, "code_of") < 0 ||
        get_buf(o[5], &b[5], 1, 8, 1, "state") < 0)
        goto fail;
    const uint8_t *data = BUF(b[0], uint8_t);
    uint16_t *members = BUF(b[1], uint16_t);
    uint64_t *listed = BUF(b[2], uint64_t);
    int32_t *slot_of = BUF(b[3], int32_t);
    uint32_t *code_of = BUF(b[4], uint32_t);
    int64_t *state = BUF(b[5], int64_t);
    if (state[0] < 0 || state[0] > 65536) {
        PyErr_SetString(PyExc_ValueError, "parse_dated: a slot count outside 0..65536");
        goto fail;
    }
    int64_t last = previous, slots = state[0];
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint8_t *p = data + 19 * i;
        int ok = p[8] == ',' && p[17] == '\r' && p[18] == '\n';
        int64_t v = 0;
        int32_t year = 0, month = 0, day = 0;
        for (int k = 0; k < 8; k++) {
            ok &= is_digit(p[k]) & is_digit(p[9 + k]);
            v = v * 10 + (p[k] - '0');
        }
        for (int k = 9; k < 13; k++) year = year * 10 + (p[k] - '0');
        month = (p[13] - '0') * 10 + (p[14] - '0');
        day = (p[15] - '0') * 10 + (p[16] - '0');
        ok &= year >= 1900 && year < 1900 + 512 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
        if (!ok || v <= last) {
            problem = ok ? 2 : 1;
            at = i;
            break;
        }
        int32_t code = ((year - 1900) << 9) | (month << 5) | day;
        if (!slot_of[code]) {
            if (slots == 65536) {
                problem = 3;
                at = i;
                break;
            }
            code_of[slots] = (uint32_t)code;
            slot_of[code] = (int32_t)++slots;
        }
        last = v;
        members[i] = (uint16_t)(slot_of[code] - 1);
        listed[v >> 6] |= 1ull << (v & 63);
    }
    Py_END_ALLOW_THREADS
    state[0] = slots;
    release(b, 6);
    return Py_BuildValue("(inL)", problem, at, (long long)last);
fail:
    release(b, 6);
    return NULL;
}

/* remap(values u16 inout, table u16): values[i] = table[values[i]], in place (numpy's fancy indexing would first
 * widen the 3 million indices to 64 bits: 24 MB of fresh memory). */
static PyObject *remap(PyObject *self, PyObject *args) {
    PyObject *o[2];
    if (!PyArg_ParseTuple(args, "OO", &o[0], &o[1])) return NULL;
    Buf b[2] = {0};
    if (get_buf(o[0], &b[0], 1, 2, 0, "values") < 0 || get_buf(o[1], &b[1], 0, 2, 0, "table") < 0) goto fail;
    uint16_t *values = BUF(b[0], uint16_t);
    const uint16_t *table = BUF(b[1], uint16_t);
    Py_ssize_t n = b[0].view.len / 2, size = b[1].view.len / 2;
    for (Py_ssize_t i = 0; i < n; i++)
        if (values[i] >= size) {
            PyErr_SetString(PyExc_ValueError, "remap: a value outside the table");
            goto fail;
        }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) values[i] = table[values[i]];
    Py_END_ALLOW_THREADS
    release(b, 2);
    Py_RETURN_NONE;
fail:
    release(b, 2);
    return NULL;
}

/* The first three arguments of the functions that take fields: a buffer and the start and end offsets (i64) of n
 * fields in it, each checked to lie inside it. b must hold 3 Bufs. */
static int get_fields(PyObject **o, Buf *b, Py_ssize_t *n, const char *who) {
    if (get_buf(o[0], &b[0], 0, 1, 0, "buf") < 0 || get_buf(o[1], &b[1], 0, 8, 0, "fs") < 0) return -1;
    *n = b[1].view.len / 8;
    if (get_buf(o[2], &b[2], 0, 8, *n, "fe") < 0) return -1;
    const int64_t *fs = BUF(b[1], int64_t), *fe = BUF(b[2], int64_t);
    for (Py_ssize_t i = 0; i < *n; i++)
        if (fs[i] < 0 || fe[i] < fs[i] || fe[i] > b[0].view.len) {
            PyErr_Format(PyExc_ValueError, "%s: a field lies outside the buffer", who);
            return -1;
        }
    return 0;
}

/* parse_many(buf, fs i64, fe i64, numbers i64 out, valid u8 out): the number rules on given fields (no lines). */
static PyObject *parse_many(PyObject *self, PyObject *args) {
    PyObject *o[5];
    if (!PyArg_ParseTuple(args, "OOOOO", &o[0], &o[1], &o[2], &o[3], &o[4])) return NULL;
    Buf b[5] = {0};
    Py_ssize_t n = 0;
    if (get_fields(o, b, &n, "parse_many") < 0 || get_buf(o[3], &b[3], 1, 8, n, "numbers") < 0 ||
        get_buf(o[4], &b[4], 1, 1, n, "status") < 0)
        goto fail;
    const uint8_t *buf = BUF(b[0], uint8_t);
    const int64_t *fs = BUF(b[1], int64_t), *fe = BUF(b[2], int64_t);
    int64_t *numbers = BUF(b[3], int64_t);
    uint8_t *status = BUF(b[4], uint8_t);
    /* The GIL is let go only for long work: an online check's 100 fields take microseconds, and letting go then
     * handed the GIL to the process's other threads (the group-commit writer) for up to the switch interval. */
    PyThreadState *released = n > 100000 ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t v = 0;
        status[i] = (uint8_t)parse_number(buf + fs[i], fe[i] - fs[i], &v);
        numbers[i] = status[i] == VALID ? (int64_t)v : 0;
    }
    if (released != NULL) PyEval_RestoreThread(released);
    release(b, 5);
    Py_RETURN_NONE;
fail:
    release(b, 5);
    return NULL;
}

#include "_instructions.h" /* instructions files: parse_instructions */
#include "_reasons.h"      /* refused fields grouped by reason: group_fields */
#include "_answer.h"       /* the online check's entries, answer and look-ups: parse_texts, render_entries,
                              lookup_codes */
#include "_registers.h"    /* two states of a published register compared: diff_sorted */

/* -- decide: register, instructions and protection date, per line ------------------------------------------------ */

/* The look-up table a scrub's decisions use, built once after pass 1: per block of 192 numbers, one 64-byte cache
 * line holding the block's 3 words of the register's bitset, its 3 words of the list's repeated numbers, and the
 * members of each bitset before the block. One cache miss per line of the list answers "listed?" and "repeated?" and
 * gives each one's rank (the index into per-member data). A separate rank table was a second miss per line: perf
 * showed half of decide()'s time waiting on it. */
#define BLOCK_NUMBERS 192
#define BLOCKS ((100000000 + BLOCK_NUMBERS - 1) / BLOCK_NUMBERS)

/* build_lookup(listed u64, repeated u64, table u64 out [BLOCKS * 8]) */
COUNTS_BITS static PyObject *build_lookup(PyObject *self, PyObject *args) {
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    Buf b[3] = {0};
    if (get_buf(o[0], &b[0], 0, 8, SPACE_WORDS, "listed") < 0 ||
        get_buf(o[1], &b[1], 0, 8, SPACE_WORDS, "repeated") < 0 ||
        get_buf(o[2], &b[2], 1, 64, BLOCKS, "table") < 0)
        goto fail;
    if (((uintptr_t)b[2].view.buf) % 64) {
        PyErr_SetString(PyExc_ValueError, "build_lookup: the table must start on a 64-byte boundary");
        goto fail;
    }
    const uint64_t *listed = BUF(b[0], uint64_t), *repeated = BUF(b[1], uint64_t);
    uint64_t *table = BUF(b[2], uint64_t);
    Py_BEGIN_ALLOW_THREADS
    uint32_t before_listed = 0, before_repeated = 0;
    for (Py_ssize_t k = 0; k < BLOCKS; k++) {
        uint64_t *line = &table[8 * k];
        line[6] = (uint64_t)before_listed | ((uint64_t)before_repeated << 32);
        line[7] = 0;
        for (int w = 0; w < 3; w++) {
            Py_ssize_t word = 3 * k + w;
            uint64_t l = word < SPACE_WORDS ? listed[word] : 0, r = word < SPACE_WORDS ? repeated[word] : 0;
            line[w] = l;
            line[3 + w] = r;
            before_listed += (uint32_t)__builtin_popcountll(l);
            before_repeated += (uint32_t)__builtin_popcountll(r);
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 3);
    Py_RETURN_NONE;
fail:
    release(b, 3);
    return NULL;
}


/* The rank of x among the members of bitset `half` (0: listed, 1: repeated) in its block's line, or -1. */
static inline int64_t block_rank(const uint64_t *line, uint32_t x, int half) {
    const uint64_t *words = line + 3 * half;
    uint32_t within = x % BLOCK_NUMBERS;
    int w = (int)(within >> 6);
    uint64_t bit = 1ull << (within & 63);
    if (!(words[w] & bit)) return -1;
    int64_t r = (int64_t)(uint32_t)(line[6] >> (32 * half));
    for (int k = 0; k < w; k++) r += __builtin_popcountll(words[k]);
    return r + __builtin_popcountll(words[w] & (bit - 1));
}

/* decide(n, numbers u32, status u8, table u64, date_of_member u16, in_force u8, sieve u8,
 *        instr_numbers i64, instr_kinds i8, decision i8 out, date_index i32 out, again i64 out [2n]) -> pairs
 *
 * Every decision but duplicates; ``again`` receives (line, place among the repeated numbers) for every line whose
 * number repeats in the list, for mark(); the count of pairs is returned. The table line of a number a few lines
 * ahead is fetched while this one is decided; the registration dates (6 MB) are looked up in a second loop over the
 * listed lines only, fetched ahead the same way. */
COUNTS_BITS static PyObject *decide(PyObject *self, PyObject *args) {
    PyObject *o[11];
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "nOOOOOOOOOOO", &n, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7],
                          &o[8], &o[9], &o[10]))
        return NULL;
    Buf b[11] = {0};
    if (get_buf(o[0], &b[0], 0, 4, n, "numbers") < 0 || get_buf(o[1], &b[1], 0, 1, n, "status") < 0 ||
        get_buf(o[2], &b[2], 0, 64, BLOCKS, "table") < 0 ||
        get_buf(o[3], &b[3], 0, 2, 0, "date_of_member") < 0 || get_buf(o[4], &b[4], 0, 1, 0, "in_force") < 0 ||
        get_buf(o[5], &b[5], 0, 1, SIEVE_BITS / 8, "sieve") < 0 ||
        get_buf(o[6], &b[6], 0, 8, 0, "instr_numbers") < 0 ||
        get_buf(o[7], &b[7], 0, 1, b[6].view.len / 8, "instr_kinds") < 0 ||
        get_buf(o[8], &b[8], 1, 1, n, "decision") < 0 || get_buf(o[9], &b[9], 1, 4, n, "date_index") < 0 ||
        get_buf(o[10], &b[10], 1, 16, n, "again") < 0)
        goto fail;
    const uint32_t *numbers = BUF(b[0], uint32_t);
    const uint8_t *status = BUF(b[1], uint8_t), *in_force = BUF(b[4], uint8_t), *sieve = BUF(b[5], uint8_t);
    if (b[5].view.len & (b[5].view.len - 1) || b[5].view.len > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "decide: the sieve's size must be a power of two, at most 2^27 bits");
        goto fail;
    }
    const uint32_t sieve_mask = (uint32_t)(b[5].view.len * 8 - 1);
    const uint64_t *table = BUF(b[2], uint64_t);
    const int64_t *instr = BUF(b[6], int64_t);
    const uint16_t *date_of_member = BUF(b[3], uint16_t);
    const int8_t *kinds = BUF(b[7], int8_t);
    int8_t *decision = BUF(b[8], int8_t);
    int32_t *date_index = BUF(b[9], int32_t);
    int64_t *again = BUF(b[10], int64_t);
    Py_ssize_t members = b[3].view.len / 2, dates = b[4].view.len, n_instr = b[6].view.len / 8;
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] == VALID && numbers[i] >= 100000000u) {
            PyErr_SetString(PyExc_ValueError, "decide: a number has more than 8 digits");
            goto fail;
        }
    int bad = 0, nomem = 0;
    Py_ssize_t n_again = 0;

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t *on_list = malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    int64_t *rank = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    Py_ssize_t n_listed = 0;
    if (!on_list || !rank) {
        nomem = 1;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i + AHEAD < n) {
                __builtin_prefetch(&table[8 * (numbers[i + AHEAD] / BLOCK_NUMBERS)]);
                /* a large list's filter (up to 16 MB) outgrows the cache: its byte is fetched ahead too */
                if (n_instr) __builtin_prefetch(&sieve[(numbers[i + AHEAD] & sieve_mask) >> 3]);
            }
            date_index[i] = -1;
            if (status[i] != VALID) {
                decision[i] = REJECTED_INVALID;
                continue;
            }
            uint32_t x = numbers[i];
            const uint64_t *line = &table[8 * (x / BLOCK_NUMBERS)];
            int8_t d = ALLOWED;
            uint32_t low = x & sieve_mask;
            if (n_instr && ((sieve[low >> 3] >> (low & 7)) & 1)) { /* the sieve is small: it stays in the cache */
                Py_ssize_t lo = 0, hi = n_instr;
                while (lo < hi) {
                    Py_ssize_t mid = (lo + hi) / 2;
                    if (instr[mid] < (int64_t)x) lo = mid + 1;
                    else hi = mid;
                }
                if (lo < n_instr && instr[lo] == (int64_t)x) {
                    if (kinds[lo] == 1) d = ALLOWED_CONSENT;
                    else if (kinds[lo] == 2) d = BLOCKED_UNSUBSCRIBED;
                }
            }
            decision[i] = d;
            int64_t listed_rank = block_rank(line, x, 0);
            if (listed_rank >= 0) {
                on_list[n_listed] = i;
                rank[n_listed++] = listed_rank;
            }
            int64_t repeated_rank = block_rank(line, x, 1);
            if (repeated_rank >= 0) {
                again[2 * n_again] = i;
                again[2 * n_again++ + 1] = repeated_rank;
            }
        }
        for (Py_ssize_t j = 0; j < n_listed; j++) {
            if (j + AHEAD < n_listed && rank[j + AHEAD] < members)
                __builtin_prefetch(&date_of_member[rank[j + AHEAD]]);
            Py_ssize_t i = on_list[j];
            int32_t which = rank[j] < members ? date_of_member[rank[j]] : -1;
            if (which < 0 || which >= dates) {
                bad = 1;
                break;
            }
            date_index[i] = which;
            if (decision[i] == ALLOWED) decision[i] = in_force[which] ? BLOCKED_DNC : NOT_YET;
        }
    }
    free(on_list);
    free(rank);
    Py_END_ALLOW_THREADS

    release(b, 11);
    if (nomem) return PyErr_NoMemory();
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "decide: the publication's rank and date tables disagree");
        return NULL;
    }
    return PyLong_FromSsize_t(n_again);
fail:
    release(b, 11);
    return NULL;
}

/* -- duplicates, in line order ------------------------------------------------------------------------------------ */

/* mark(pairs, first_line, decision i8 inout, again i64 [2 * pairs], first_lines i64 inout, duplicate_of i64 out)
 * -> lines marked. The first line with a repeated number keeps its decision; every later one becomes DUPLICATE and
 * gets the first line's number in duplicate_of (left untouched for other lines). Called for chunks in line order:
 * the one serial step of a scrub, so it walks only the (line, place) pairs decide() gathered. */
static PyObject *mark(PyObject *self, PyObject *args) {
    PyObject *o[4];
    Py_ssize_t pairs;
    long long first_line;
    if (!PyArg_ParseTuple(args, "nLOOOO", &pairs, &first_line, &o[0], &o[1], &o[2], &o[3])) return NULL;
    Buf b[4] = {0};
    if (get_buf(o[0], &b[0], 1, 1, 0, "decision") < 0 || get_buf(o[1], &b[1], 0, 16, pairs, "again") < 0 ||
        get_buf(o[2], &b[2], 1, 8, 0, "first_lines") < 0 ||
        get_buf(o[3], &b[3], 1, 8, b[0].view.len, "duplicate_of") < 0)
        goto fail;
    int8_t *decision = BUF(b[0], int8_t);
    const int64_t *again = BUF(b[1], int64_t);
    int64_t *first_lines = BUF(b[2], int64_t), *dup = BUF(b[3], int64_t);
    Py_ssize_t slots = b[2].view.len / 8, lines = b[0].view.len, marked = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < pairs; k++) {
        /* first_lines is 8 bytes per repeated number (27 MB at 50 million lines), read at random: fetched ahead, as
         * in decide(), or this step, which runs one chunk at a time in line order, waits on every miss. */
        if (k + AHEAD < pairs) {
            int64_t ahead = again[2 * (k + AHEAD) + 1];
            if (ahead >= 0 && ahead < slots) __builtin_prefetch(&first_lines[ahead], 1);
        }
        int64_t i = again[2 * k], r = again[2 * k + 1];
        if (i < 0 || i >= lines || r < 0 || r >= slots) {
            bad = 1;
            break;
        }
        if (first_lines[r] == 0) {
            first_lines[r] = first_line + i;
        } else {
            decision[i] = DUPLICATE;
            dup[i] = first_lines[r];
            marked++;
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 4);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "mark: a line or a repeated number is out of range");
        return NULL;
    }
    return PyLong_FromSsize_t(marked);
fail:
    release(b, 4);
    return NULL;
}

/* count_lines(buf, size) -> lines: line feeds, plus one for a last line without one. A plain comparison loop, which
 * the compiler vectorises: a memchr call per 9-byte line cost 4x more. */
static PyObject *count_lines(PyObject *self, PyObject *args) {
    PyObject *o;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "On", &o, &size)) return NULL;
    Buf b = {0};
    if (get_buf(o, &b, 0, 1, size, "buf") < 0) {
        release(&b, 1);
        return NULL;
    }
    const uint8_t *buf = BUF(b, uint8_t);
    Py_ssize_t feeds = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < size; i++) feeds += buf[i] == '\n';
    Py_END_ALLOW_THREADS
    release(&b, 1);
    return PyLong_FromSsize_t(feeds + (size > 0 && buf[size - 1] != '\n'));
}

/* select_rows(n, decision i8, counts i64 out [7], invalid i64 out, unsubscribed i64 out, not_yet i64 out)
 * -> (invalid, unsubscribed, not_yet) counts: the decisions counted, and the lines of the three decisions the
 * Python side looks at one by one, in one pass. */
static PyObject *select_rows(PyObject *self, PyObject *args) {
    PyObject *o[5];
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "nOOOOO", &n, &o[0], &o[1], &o[2], &o[3], &o[4])) return NULL;
    Buf b[5] = {0};
    if (get_buf(o[0], &b[0], 0, 1, n, "decision") < 0 || get_buf(o[1], &b[1], 1, 8, N_DECISIONS, "counts") < 0 ||
        get_buf(o[2], &b[2], 1, 8, n, "invalid") < 0 || get_buf(o[3], &b[3], 1, 8, n, "unsubscribed") < 0 ||
        get_buf(o[4], &b[4], 1, 8, n, "not_yet") < 0)
        goto fail;
    const int8_t *decision = BUF(b[0], int8_t);
    int64_t *counts = BUF(b[1], int64_t), *invalid = BUF(b[2], int64_t), *unsub = BUF(b[3], int64_t);
    int64_t *not_yet = BUF(b[4], int64_t);
    Py_ssize_t k0 = 0, k1 = 0, k2 = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (int d = 0; d < N_DECISIONS; d++) counts[d] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int d = decision[i];
        if (d < 0 || d >= N_DECISIONS) {
            bad = 1;
            break;
        }
        counts[d]++;
        if (d == REJECTED_INVALID) invalid[k0++] = i;
        else if (d == BLOCKED_UNSUBSCRIBED) unsub[k1++] = i;
        else if (d == NOT_YET) not_yet[k2++] = i;
    }
    Py_END_ALLOW_THREADS
    release(b, 5);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "select_rows: a decision is out of range");
        return NULL;
    }
    return Py_BuildValue("nnn", k0, k1, k2);
fail:
    release(b, 5);
    return NULL;
}

/* -- outputs ------------------------------------------------------------------------------------------------------ */

/* gather_kept(buf, n, starts u32, nexts u32, decision i8, out u8) -> bytes written: the kept lines, byte for byte. */
static PyObject *gather_kept(PyObject *self, PyObject *args) {
    PyObject *o[5];
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OnOOOO", &o[0], &n, &o[1], &o[2], &o[3], &o[4])) return NULL;
    Buf b[5] = {0};
    if (get_buf(o[0], &b[0], 0, 1, 0, "buf") < 0 || get_buf(o[1], &b[1], 0, 4, n, "starts") < 0 ||
        get_buf(o[2], &b[2], 0, 4, n, "nexts") < 0 || get_buf(o[3], &b[3], 0, 1, n, "decision") < 0 ||
        get_buf(o[4], &b[4], 1, 1, 0, "out") < 0)
        goto fail;
    const uint8_t *buf = BUF(b[0], uint8_t);
    const uint32_t *starts = BUF(b[1], uint32_t), *nexts = BUF(b[2], uint32_t);
    const int8_t *decision = BUF(b[3], int8_t);
    uint8_t *out = BUF(b[4], uint8_t);
    Py_ssize_t cap = b[4].view.len, len = b[0].view.len, w = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    /* Most lines are kept, and consecutive lines lie end to end in the chunk: copy each run of kept lines with one
     * memcpy (about four lines each on a typical list) instead of one call per line. */
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint8_t)decision[i] >= N_DECISIONS || !KEPT[(int)decision[i]]) continue;
        Py_ssize_t j = i;
        while (j + 1 < n && (uint8_t)decision[j + 1] < N_DECISIONS && KEPT[(int)decision[j + 1]] &&
               starts[j + 1] == nexts[j])
            j++;
        Py_ssize_t width = (Py_ssize_t)nexts[j] - starts[i];
        if (nexts[j] > len || width < 0 || w + width > cap) {
            bad = 1;
            break;
        }
        if (width <= 64 && w + 64 <= cap && starts[i] + 64 <= len) /* short runs: one fixed-size copy, inlined */
            memcpy(out + w, buf + starts[i], 64);
        else
            memcpy(out + w, buf + starts[i], (size_t)width);
        w += width;
        i = j;
    }
    Py_END_ALLOW_THREADS
    release(b, 5);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "gather_kept: the output buffer is too small");
        return NULL;
    }
    return PyLong_FromSsize_t(w);
fail:
    release(b, 5);
    return NULL;
}

static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static const uint64_t POW10[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
    10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
    1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull};

/* Decimal digits of x: log10 from the bit length (x 1233 / 4096 ~ log10(2)), corrected by one comparison. A loop
 * dividing by 10 was a chain of eight dependent multiplies per number, a fifth of format_rejected's time. */
static inline int decimal_digits(uint64_t x) {
    int t = ((64 - __builtin_clzll(x | 1)) * 1233) >> 12;
    return t + (x >= POW10[t]) + (x == 0);
}

/* Write v >= 0 in decimal; return the digits written. Two digits per step from a table: line numbers are the most
 * frequent text in rejected.csv. */
static inline Py_ssize_t put_int(uint8_t *out, int64_t v) {
    uint64_t x = (uint64_t)v;
    int k = decimal_digits(x);
    uint8_t *p = out + k;
    while (x >= 100) {
        unsigned pair = (unsigned)(x % 100) * 2;
        x /= 100;
        *--p = (uint8_t)DIGIT_PAIRS[pair + 1];
        *--p = (uint8_t)DIGIT_PAIRS[pair];
    }
    if (x >= 10) {
        *--p = (uint8_t)DIGIT_PAIRS[x * 2 + 1];
        *--p = (uint8_t)DIGIT_PAIRS[x * 2];
    } else {
        *--p = (uint8_t)('0' + x);
    }
    return k;
}

/* format_rejected(buf, n, first_line, quote_all, starts u32, ends u32, fs u32, fe u32, decision i8, date_index i32,
 *                 duplicate_of i64, special i32, tails u8, tail_at i64, tail_len i64, extra u8, extra_at i64,
 *                 extra_len i64, extra_split i64, out u8) -> bytes written
 *
 * A rejected.csv row is: line number, comma, the original line (quoted, with quotes doubled, unless it is a bare
 * 8-byte number), then a tail from a table: tails[2*kind + quoted] where kind 0 is "duplicate of line " (the line
 * number follows, then CRLF) and kind 1+d the blocked_dnc text of registration date d. special[i] >= 0 takes the
 * tail extra[special[i]] instead (a refused field's reason), with the line's field (buf[fs:fe] without its blanks,
 * quotes doubled) put in at offset extra_split[special[i]] of it when that is >= 0 (a reason quoting the field as
 * typed: one text serves every field of a shape, see reason_key); special[i] <= -2 takes the whole row from
 * extra[-2 - special[i]] (rows Python formats). Unsubscribes must be special. */
static PyObject *format_rejected(PyObject *self, PyObject *args) {
    PyObject *o[17];
    Py_ssize_t n;
    long long first_line;
    int quote_all;
    if (!PyArg_ParseTuple(args, "OnLiOOOOOOOOOOOOOOOO", &o[0], &n, &first_line, &quote_all, &o[1], &o[2], &o[14],
                          &o[15], &o[3], &o[4], &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[16],
                          &o[13]))
        return NULL;
    Buf b[17] = {0};
    if (get_buf(o[0], &b[0], 0, 1, 0, "buf") < 0 || get_buf(o[1], &b[1], 0, 4, n, "starts") < 0 ||
        get_buf(o[2], &b[2], 0, 4, n, "ends") < 0 || get_buf(o[3], &b[3], 0, 1, n, "decision") < 0 ||
        get_buf(o[4], &b[4], 0, 4, n, "date_index") < 0 || get_buf(o[5], &b[5], 0, 8, n, "duplicate_of") < 0 ||
        get_buf(o[6], &b[6], 0, 4, n, "special") < 0 || get_buf(o[7], &b[7], 0, 1, 0, "tails") < 0 ||
        get_buf(o[8], &b[8], 0, 8, 0, "tail_at") < 0 ||
        get_buf(o[9], &b[9], 0, 8, b[8].view.len / 8, "tail_len") < 0 ||
        get_buf(o[10], &b[10], 0, 1, 0, "extra") < 0 || get_buf(o[11], &b[11], 0, 8, 0, "extra_at") < 0 ||
        get_buf(o[12], &b[12], 0, 8, b[11].view.len / 8, "extra_len") < 0 ||
        get_buf(o[13], &b[13], 1, 1, 0, "out") < 0 || get_buf(o[14], &b[14], 0, 4, n, "fs") < 0 ||
        get_buf(o[15], &b[15], 0, 4, n, "fe") < 0 ||
        get_buf(o[16], &b[16], 0, 8, b[11].view.len / 8, "extra_split") < 0)
        goto fail;
    const uint32_t *fs = BUF(b[14], uint32_t), *fe = BUF(b[15], uint32_t);
    const int64_t *extra_split = BUF(b[16], int64_t);
    const uint8_t *buf = BUF(b[0], uint8_t), *tails = BUF(b[7], uint8_t), *extra = BUF(b[10], uint8_t);
    const uint32_t *starts = BUF(b[1], uint32_t), *ends = BUF(b[2], uint32_t);
    const int8_t *decision = BUF(b[3], int8_t);
    const int32_t *date_index = BUF(b[4], int32_t), *special = BUF(b[6], int32_t);
    const int64_t *dup = BUF(b[5], int64_t), *tail_at = BUF(b[8], int64_t), *tail_len = BUF(b[9], int64_t);
    const int64_t *extra_at = BUF(b[11], int64_t), *extra_len = BUF(b[12], int64_t);
    uint8_t *out = BUF(b[13], uint8_t);
    Py_ssize_t cap = b[13].view.len, n_tails = b[8].view.len / 8, n_extra = b[11].view.len / 8;
    Py_ssize_t tails_size = b[7].view.len, extra_size = b[10].view.len, len = b[0].view.len, w = 0;
    const char *problem = NULL;

    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && !problem; i++) {
        int d = decision[i];
        if (d < 0 || d >= N_DECISIONS) { problem = "a decision is out of range"; break; }
        if (KEPT[d]) continue;
        int32_t s = special[i];
        if (s <= -2) { /* a whole row formatted in Python */
            Py_ssize_t k = -2 - (Py_ssize_t)s;
            if (k >= n_extra || extra_at[k] < 0 || extra_at[k] + extra_len[k] > extra_size) {
                problem = "a special row lies outside the extra table";
                break;
            }
            if (w + extra_len[k] > cap) { problem = "the output buffer is too small"; break; }
            memcpy(out + w, extra + extra_at[k], (size_t)extra_len[k]);
            w += extra_len[k];
            continue;
        }
        Py_ssize_t width = (Py_ssize_t)ends[i] - starts[i];
        if (ends[i] > len || width < 0) { problem = "a line lies outside the buffer"; break; }
        int quoted = quote_all || d == REJECTED_INVALID || width != 8;
        const uint8_t *tail, *tails_end, *field = NULL;
        Py_ssize_t tlen, split = -1, field_len = 0;
        if (s >= 0) {
            if (s >= n_extra || extra_at[s] + extra_len[s] > extra_size || extra_split[s] > extra_len[s]) {
                problem = "a reason is out of range";
                break;
            }
            tail = extra + extra_at[s];
            tlen = extra_len[s];
            tails_end = extra + extra_size;
            split = extra_split[s];
            if (split >= 0) {
                if (fe[i] > len || fs[i] > fe[i]) { problem = "a field lies outside the buffer"; break; }
                field = buf + fs[i];
                field_len = (Py_ssize_t)fe[i] - fs[i];
                while (field_len > 0 && BLANK[field[0]]) field++, field_len--;
                while (field_len > 0 && BLANK[field[field_len - 1]]) field_len--;
            }
        } else {
            Py_ssize_t t;
            if (d == DUPLICATE) t = quoted;
            else if (d == BLOCKED_DNC && date_index[i] >= 0) t = 2 * (1 + (Py_ssize_t)date_index[i]) + quoted;
            else { problem = "a rejected line has no reason"; break; }
            if (t >= n_tails || tail_at[t] + tail_len[t] > tails_size) { problem = "a tail is out of range"; break; }
            tail = tails + tail_at[t];
            tlen = tail_len[t];
            tails_end = tails + tails_size;
        }
        /* worst case: digits, comma, quote, every byte doubled, the tail, digits, CRLF */
        if (w + 24 + 2 + 2 * width + tlen + 2 * field_len + 24 + 64 > cap) {
            problem = "the output buffer is too small";
            break;
        }
        w += put_int(out + w, first_line + i);
        out[w++] = ',';
        const uint8_t *line = buf + starts[i];
        if (quoted) {
            out[w++] = '"';
            for (Py_ssize_t k = 0; k < width; k++) {
                out[w++] = line[k];
                if (line[k] == '"') out[w++] = '"';
            }
        } else {
            if (width == 8) memcpy(out + w, line, 8); /* the usual line: a fixed-size copy, inlined */
            else memcpy(out + w, line, (size_t)width);
            w += width;
        }
        /* Tails are short and their table is padded (outputs.py): a fixed 64-byte copy, inlined, then the length
         * kept; a memcpy call per row of a varying length cost more than the rest of the row. */
        if (split >= 0) { /* the reason's text, the field as typed, the rest of the text */
            memcpy(out + w, tail, (size_t)split);
            w += split;
            for (Py_ssize_t k = 0; k < field_len; k++) {
                out[w++] = field[k];
                if (field[k] == '"') out[w++] = '"';
            }
            memcpy(out + w, tail + split, (size_t)(tlen - split));
            w += tlen - split;
        } else {
            if (tlen <= 64 && tail + 64 <= tails_end) memcpy(out + w, tail, 64);
            else memcpy(out + w, tail, (size_t)tlen);
            w += tlen;
        }
        if (d == DUPLICATE && s < 0) {
            w += put_int(out + w, dup[i]);
            out[w++] = '\r';
            out[w++] = '\n';
        }
    }
    Py_END_ALLOW_THREADS

    release(b, 17);
    if (problem) {
        PyErr_Format(PyExc_ValueError, "format_rejected: %s", problem);
        return NULL;
    }
    return PyLong_FromSsize_t(w);
fail:
    release(b, 17);
    return NULL;
}

static PyMethodDef METHODS[] = {
    {"scan", scan, METH_VARARGS, "Split a chunk into lines, locate the field, parse the number."},
    {"observe", observe, METH_VARARGS, "Note numbers in a thread's seen/repeated pairs."},
    {"observe_lines", observe_lines, METH_VARARGS, "Pass 1 of a chunk: read its numbers and note them."},
    {"merge_pairs", merge_pairs, METH_VARARGS, "Merge the threads' pairs into the repeated numbers' bitset."},
    {"parse_dated", parse_dated, METH_VARARGS, "Read a dated publication's fixed-width lines."},
    {"remap", remap, METH_VARARGS, "Replace uint16 values through a table, in place."},
    {"group_fields", group_fields, METH_VARARGS, "Group fields by their bytes."},
    {"parse_instructions", parse_instructions, METH_VARARGS, "Read an instructions file's lines."},
    {"parse_many", parse_many, METH_VARARGS, "Parse given fields with the number rules."},
    {"parse_texts", parse_texts, METH_VARARGS, "Parse a list of str entries with the number rules."},
    {"render_entries", render_entries, METH_VARARGS, "Render an online check's entries as JSON."},
    {"diff_sorted", diff_sorted, METH_VARARGS, "The changes between two sorted states of a register."},
    {"lookup_codes", lookup_codes, METH_VARARGS, "Look keys up in a sorted array, giving the value beside each."},
    {"build_lookup", build_lookup, METH_VARARGS, "Build the decisions' look-up table."},
    {"decide", decide, METH_VARARGS, "Decide valid lines against the register and the instructions."},
    {"count_lines", count_lines, METH_VARARGS, "Count the lines in a buffer."},
    {"select_rows", select_rows, METH_VARARGS, "Count decisions and list the lines of three of them."},
    {"mark", mark, METH_VARARGS, "Mark duplicate lines, chunks in line order."},
    {"gather_kept", gather_kept, METH_VARARGS, "Copy the kept lines."},
    {"format_rejected", format_rejected, METH_VARARGS, "Format rejected.csv rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_kernels", "The scrub's hot loops.", -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    const uint8_t blanks[] = {9, 10, 11, 12, 13, 28, 29, 30, 31, 32};
    for (size_t i = 0; i < sizeof blanks; i++) BLANK[blanks[i]] = 1;
    init_verbatim();
    return PyModule_Create(&MODULE);
}
