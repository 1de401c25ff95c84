/* The scrub's hot loops in C: one pass over a chunk's bytes per job, the GIL released throughout.
 *
 * Why C and not numpy: numpy needs a dozen whole-array passes (and temporaries) per chunk to split lines, find a
 * column, check a number's shape, look it up and format the outputs; one byte loop does it with each line's bytes in
 * the L1 cache, 10-20x less work. The Python side (kernels.py) keeps the rules readable and handles the rare lines a
 * byte loop should not judge (non-ASCII text, quoted CSV fields): they come back with status PYTHON.
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

#define MAX_FIELD 64
#define SPACE_WORDS (100000000 / 64 + 1)
#define SIEVE_BITS (1u << 20)

static uint8_t BLANK[256]; /* what str.strip() removes, among ASCII bytes */

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

/* Parse one field; VALID with *number set, INVALID, or PYTHON (non-ASCII: core/phone.py folds full-width digits). */
static inline int parse_number(const uint8_t *p, Py_ssize_t len, uint32_t *number) {
    if (len == 8) { /* the common clean line: 8 digits */
        uint32_t v = 0;
        int ok = 1;
        for (int i = 0; i < 8; i++) {
            ok &= is_digit(p[i]);
            v = v * 10 + (uint32_t)(p[i] - '0');
        }
        if (ok) {
            *number = v;
            return VALID;
        }
    }
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

/* -- scan: lines, fields, numbers --------------------------------------------------------------------------------- */

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
        const uint8_t *feed = memchr(buf + at, '\n', (size_t)(size - at));
        Py_ssize_t end = feed ? feed - buf : size, next = feed ? end + 1 : size;
        if (feed && end > at && buf[end - 1] == '\r') end--;
        Py_ssize_t f0 = at, f1 = end;
        uint8_t st = VALID;
        if (column >= 0) {
            /* The column-th field between delimiters; a line with a quote is CSV the csv module must read. */
            if (memchr(buf + at, '"', (size_t)(end - at))) {
                st = PYTHON;
            } else {
                int k = 0;
                Py_ssize_t q = at;
                while (k < column) {
                    const uint8_t *d = memchr(buf + q, delimiter, (size_t)(end - q));
                    if (!d) break;
                    q = d - buf + 1;
                    k++;
                }
                if (k < column) {
                    st = PYTHON; /* too few columns: Python words the reason */
                } else {
                    f0 = q;
                    const uint8_t *d = memchr(buf + q, delimiter, (size_t)(end - q));
                    f1 = d ? d - buf : end;
                }
            }
        }
        uint32_t number = 0;
        if (st == VALID) st = (uint8_t)parse_number(buf + f0, f1 - f0, &number);
        starts[n] = (uint32_t)at;
        ends[n] = (uint32_t)end;
        nexts[n] = (uint32_t)next;
        fs[n] = (uint32_t)f0;
        fe[n] = (uint32_t)f1;
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

/* observe(numbers u32, status u8, seen u64, repeated u64): note valid numbers in the seen bitset, and those already
 * there in the repeated one. The bitsets belong to the calling thread (service.py merges them after pass 1): plain
 * stores let the CPU keep many cache misses in flight, where atomic ones (a full barrier each) made this loop 5x
 * slower. The bitsets are 12.5 MB, bigger than the L2 cache, so the word for a number a few lines ahead is fetched
 * early. */
#define AHEAD 16
static PyObject *observe(PyObject *self, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) return NULL;
    Buf b[4] = {0};
    Py_ssize_t n = 0;
    if (get_buf(o[0], &b[0], 0, 4, 0, "numbers") < 0) goto fail;
    n = b[0].view.len / 4;
    if (get_buf(o[1], &b[1], 0, 1, n, "status") < 0 || get_buf(o[2], &b[2], 1, 8, SPACE_WORDS, "seen") < 0 ||
        get_buf(o[3], &b[3], 1, 8, SPACE_WORDS, "repeated") < 0)
        goto fail;
    const uint32_t *numbers = BUF(b[0], uint32_t);
    const uint8_t *status = BUF(b[1], uint8_t);
    uint64_t *seen = BUF(b[2], uint64_t), *repeated = BUF(b[3], uint64_t);
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] == VALID && numbers[i] >= 100000000u) {
            PyErr_SetString(PyExc_ValueError, "observe: a number has more than 8 digits");
            goto fail;
        }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(&seen[numbers[i + AHEAD] >> 6], 1);
        if (status[i] != VALID) continue;
        uint32_t x = numbers[i];
        uint64_t bit = 1ull << (x & 63), *word = &seen[x >> 6];
        if (*word & bit) repeated[x >> 6] |= bit;
        *word |= bit;
    }
    Py_END_ALLOW_THREADS
    release(b, 4);
    Py_RETURN_NONE;
fail:
    release(b, 4);
    return NULL;
}

/* parse_dated(data, numbers i64 out, codes i64 out) -> -1, or the index of the first line that is not
 * "NNNNNNNN,YYYYMMDD\r\n" (the dated publication's fixed-width lines). */
static PyObject *parse_dated(PyObject *self, PyObject *args) {
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    Buf b[3] = {0};
    Py_ssize_t n = 0, bad = -1;
    if (get_buf(o[0], &b[0], 0, 1, 0, "data") < 0) goto fail;
    n = b[0].view.len / 19;
    if (get_buf(o[1], &b[1], 1, 8, n, "numbers") < 0 || get_buf(o[2], &b[2], 1, 8, n, "codes") < 0) goto fail;
    const uint8_t *data = BUF(b[0], uint8_t);
    int64_t *numbers = BUF(b[1], int64_t), *codes = BUF(b[2], int64_t);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint8_t *p = data + 19 * i;
        int ok = p[8] == ',' && p[17] == '\r' && p[18] == '\n';
        int64_t v = 0, c = 0;
        for (int k = 0; k < 8; k++) {
            ok &= is_digit(p[k]) & is_digit(p[9 + k]);
            v = v * 10 + (p[k] - '0');
            c = c * 10 + (p[9 + k] - '0');
        }
        if (!ok) {
            bad = i;
            break;
        }
        numbers[i] = v;
        codes[i] = c;
    }
    Py_END_ALLOW_THREADS
    release(b, 3);
    return PyLong_FromSsize_t(bad);
fail:
    release(b, 3);
    return NULL;
}

/* parse_many(buf, fs i64, fe i64, numbers i64 out, valid u8 out): the number rules on given fields (no lines). */
static PyObject *parse_many(PyObject *self, PyObject *args) {
    PyObject *o[5];
    if (!PyArg_ParseTuple(args, "OOOOO", &o[0], &o[1], &o[2], &o[3], &o[4])) return NULL;
    Buf b[5] = {0};
    Py_ssize_t n = 0;
    if (get_buf(o[0], &b[0], 0, 1, 0, "buf") < 0 || get_buf(o[1], &b[1], 0, 8, 0, "fs") < 0) goto fail;
    n = b[1].view.len / 8;
    if (get_buf(o[2], &b[2], 0, 8, n, "fe") < 0 || get_buf(o[3], &b[3], 1, 8, n, "numbers") < 0 ||
        get_buf(o[4], &b[4], 1, 1, n, "status") < 0)
        goto fail;
    const uint8_t *buf = BUF(b[0], uint8_t);
    const int64_t *fs = BUF(b[1], int64_t), *fe = BUF(b[2], int64_t);
    int64_t *numbers = BUF(b[3], int64_t);
    uint8_t *status = BUF(b[4], uint8_t);
    Py_ssize_t len = b[0].view.len;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (fs[i] < 0 || fe[i] < fs[i] || fe[i] > len) {
            PyErr_SetString(PyExc_ValueError, "parse_many: a field lies outside the buffer");
            goto fail;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t v = 0;
        status[i] = (uint8_t)parse_number(buf + fs[i], fe[i] - fs[i], &v);
        numbers[i] = status[i] == VALID ? (int64_t)v : 0;
    }
    Py_END_ALLOW_THREADS
    release(b, 5);
    Py_RETURN_NONE;
fail:
    release(b, 5);
    return NULL;
}

/* -- decide: register, instructions and protection date, per line ------------------------------------------------ */

static inline int64_t rank_of(const uint64_t *words, const int64_t *rank, uint32_t x) {
    uint64_t below = words[x >> 6] & ((1ull << (x & 63)) - 1);
    return rank[x >> 6] + __builtin_popcountll(below);
}

/* decide(n, numbers u32, status u8, listed u64, listed_rank i64, date_of_member i32, in_force u8, sieve u8,
 *        instr_numbers i64, instr_kinds i8, repeated u64, repeated_rank i64,
 *        decision i8 out, date_index i32 out, repeated_at i64 out)
 *
 * Every decision but duplicates; repeated_at[i] is the number's place among the repeated numbers (-1 if it does not
 * repeat), for mark(). The tables are megabytes and the numbers random, so each look-up is a cache miss: the loops
 * are split by table (bitsets, then ranks, then dates) so that each can fetch the entry for a line a few lines
 * ahead while it works on this one. */
static PyObject *decide(PyObject *self, PyObject *args) {
    PyObject *o[14];
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n" "OOOOOOOOOOOOOO", &n, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7],
                          &o[8], &o[9], &o[10], &o[11], &o[12], &o[13]))
        return NULL;
    Buf b[14] = {0};
    if (get_buf(o[0], &b[0], 0, 4, n, "numbers") < 0 || get_buf(o[1], &b[1], 0, 1, n, "status") < 0 ||
        get_buf(o[2], &b[2], 0, 8, SPACE_WORDS, "listed") < 0 ||
        get_buf(o[3], &b[3], 0, 8, SPACE_WORDS, "listed_rank") < 0 ||
        get_buf(o[4], &b[4], 0, 4, 0, "date_of_member") < 0 || get_buf(o[5], &b[5], 0, 1, 0, "in_force") < 0 ||
        get_buf(o[6], &b[6], 0, 1, SIEVE_BITS / 8, "sieve") < 0 ||
        get_buf(o[7], &b[7], 0, 8, 0, "instr_numbers") < 0 ||
        get_buf(o[8], &b[8], 0, 1, b[7].view.len / 8, "instr_kinds") < 0 ||
        get_buf(o[9], &b[9], 0, 8, SPACE_WORDS, "repeated") < 0 ||
        get_buf(o[10], &b[10], 0, 8, SPACE_WORDS, "repeated_rank") < 0 ||
        get_buf(o[11], &b[11], 1, 1, n, "decision") < 0 || get_buf(o[12], &b[12], 1, 4, n, "date_index") < 0 ||
        get_buf(o[13], &b[13], 1, 8, n, "repeated_at") < 0)
        goto fail;
    const uint32_t *numbers = BUF(b[0], uint32_t);
    const uint8_t *status = BUF(b[1], uint8_t), *in_force = BUF(b[5], uint8_t), *sieve = BUF(b[6], uint8_t);
    const uint64_t *listed = BUF(b[2], uint64_t), *repeated = BUF(b[9], uint64_t);
    const int64_t *listed_rank = BUF(b[3], int64_t), *instr = BUF(b[7], int64_t);
    const int64_t *repeated_rank = BUF(b[10], int64_t);
    const int32_t *date_of_member = BUF(b[4], int32_t);
    const int8_t *kinds = BUF(b[8], int8_t);
    int8_t *decision = BUF(b[11], int8_t);
    int32_t *date_index = BUF(b[12], int32_t);
    int64_t *repeated_at = BUF(b[13], int64_t);
    Py_ssize_t members = b[4].view.len / 4, dates = b[5].view.len, n_instr = b[7].view.len / 8;
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] == VALID && numbers[i] >= 100000000u) {
            PyErr_SetString(PyExc_ValueError, "decide: a number has more than 8 digits");
            goto fail;
        }
    int bad = 0, nomem = 0;

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t *on_list = malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    Py_ssize_t *again = malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    int64_t *rank = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    Py_ssize_t n_listed = 0, n_again = 0;
    if (!on_list || !again || !rank) {
        nomem = 1;
    } else {
        /* the bitsets and the instructions (their sieve is 128 KB: it stays in the cache) */
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i + AHEAD < n) {
                uint32_t ahead = numbers[i + AHEAD];
                __builtin_prefetch(&listed[ahead >> 6]);
                __builtin_prefetch(&repeated[ahead >> 6]);
            }
            date_index[i] = -1;
            repeated_at[i] = -1;
            if (status[i] != VALID) {
                decision[i] = REJECTED_INVALID;
                continue;
            }
            uint32_t x = numbers[i];
            int8_t d = ALLOWED;
            uint32_t low = x & (SIEVE_BITS - 1);
            if (n_instr && ((sieve[low >> 3] >> (low & 7)) & 1)) {
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
            if ((listed[x >> 6] >> (x & 63)) & 1) on_list[n_listed++] = i;
            if ((repeated[x >> 6] >> (x & 63)) & 1) again[n_again++] = i;
        }
        /* listed numbers: their rank, then their registration date */
        for (Py_ssize_t j = 0; j < n_listed; j++) {
            if (j + AHEAD < n_listed) __builtin_prefetch(&listed_rank[numbers[on_list[j + AHEAD]] >> 6]);
            rank[j] = rank_of(listed, listed_rank, numbers[on_list[j]]);
        }
        for (Py_ssize_t j = 0; j < n_listed; j++) {
            if (j + AHEAD < n_listed && rank[j + AHEAD] < members) __builtin_prefetch(&date_of_member[rank[j + AHEAD]]);
            Py_ssize_t i = on_list[j];
            int32_t which = rank[j] < members ? date_of_member[rank[j]] : -1;
            if (which < 0 || which >= dates) {
                bad = 1;
                break;
            }
            date_index[i] = which;
            if (decision[i] == ALLOWED) decision[i] = in_force[which] ? BLOCKED_DNC : NOT_YET;
        }
        /* repeated numbers: their place among the repeated ones */
        for (Py_ssize_t j = 0; j < n_again; j++) {
            if (j + AHEAD < n_again) __builtin_prefetch(&repeated_rank[numbers[again[j + AHEAD]] >> 6]);
            repeated_at[again[j]] = rank_of(repeated, repeated_rank, numbers[again[j]]);
        }
    }
    free(on_list);
    free(again);
    free(rank);
    Py_END_ALLOW_THREADS

    release(b, 14);
    if (nomem) return PyErr_NoMemory();
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "decide: the publication's rank and date tables disagree");
        return NULL;
    }
    Py_RETURN_NONE;
fail:
    release(b, 14);
    return NULL;
}

/* -- duplicates, in line order ------------------------------------------------------------------------------------ */

/* mark(n, first_line, decision i8 inout, repeated_at i64, first_lines i64 inout, duplicate_of i64 out) -> marked.
 * The first line with a repeated number keeps its decision; every later one becomes DUPLICATE with the first line's
 * number. Called for chunks in line order: the one serial step of a scrub, so it only walks arrays in order and
 * touches the small table of repeated numbers. */
static PyObject *mark(PyObject *self, PyObject *args) {
    PyObject *o[4];
    Py_ssize_t n;
    long long first_line;
    if (!PyArg_ParseTuple(args, "nLOOOO", &n, &first_line, &o[0], &o[1], &o[2], &o[3])) return NULL;
    Buf b[4] = {0};
    if (get_buf(o[0], &b[0], 1, 1, n, "decision") < 0 || get_buf(o[1], &b[1], 0, 8, n, "repeated_at") < 0 ||
        get_buf(o[2], &b[2], 1, 8, 0, "first_lines") < 0 || get_buf(o[3], &b[3], 1, 8, n, "duplicate_of") < 0)
        goto fail;
    int8_t *decision = BUF(b[0], int8_t);
    const int64_t *at = BUF(b[1], int64_t);
    int64_t *first_lines = BUF(b[2], int64_t), *dup = BUF(b[3], int64_t);
    Py_ssize_t slots = b[2].view.len / 8, marked = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        dup[i] = 0;
        int64_t r = at[i];
        if (r < 0) continue;
        if (r >= slots) {
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
        PyErr_SetString(PyExc_ValueError, "mark: the repeated numbers' table is too small");
        return NULL;
    }
    return PyLong_FromSsize_t(marked);
fail:
    release(b, 4);
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
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint8_t)decision[i] >= N_DECISIONS || !KEPT[(int)decision[i]]) continue;
        Py_ssize_t width = (Py_ssize_t)nexts[i] - starts[i];
        if (nexts[i] > len || width < 0 || w + width > cap) {
            bad = 1;
            break;
        }
        memcpy(out + w, buf + starts[i], (size_t)width);
        w += width;
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

static inline Py_ssize_t put_int(uint8_t *out, int64_t v) {
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++) out[i] = (uint8_t)tmp[k - 1 - i];
    return k;
}

/* format_rejected(buf, n, first_line, quote_all, starts u32, ends u32, decision i8, date_index i32,
 *                 duplicate_of i64, special i32, tails u8, tail_at i64, tail_len i64, extra u8, extra_at i64,
 *                 extra_len i64, out u8) -> bytes written
 *
 * A rejected.csv row is: line number, comma, the original line (quoted, with quotes doubled, unless it is a bare
 * 8-byte number), then a tail from a table: tails[2*kind + quoted] where kind 0 is "duplicate of line " (the line
 * number follows, then CRLF) and kind 1+d the blocked_dnc text of registration date d. special[i] >= 0 takes the
 * tail extra[special[i]] instead (a refused field's reason); special[i] <= -2 takes the whole row from
 * extra[-2 - special[i]] (rows Python formats). Unsubscribes must be special. */
static PyObject *format_rejected(PyObject *self, PyObject *args) {
    PyObject *o[14];
    Py_ssize_t n;
    long long first_line;
    int quote_all;
    if (!PyArg_ParseTuple(args, "OnLiOOOOOOOOOOOOO", &o[0], &n, &first_line, &quote_all, &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13]))
        return NULL;
    Buf b[14] = {0};
    if (get_buf(o[0], &b[0], 0, 1, 0, "buf") < 0 || get_buf(o[1], &b[1], 0, 4, n, "starts") < 0 ||
        get_buf(o[2], &b[2], 0, 4, n, "ends") < 0 || get_buf(o[3], &b[3], 0, 1, n, "decision") < 0 ||
        get_buf(o[4], &b[4], 0, 4, n, "date_index") < 0 || get_buf(o[5], &b[5], 0, 8, n, "duplicate_of") < 0 ||
        get_buf(o[6], &b[6], 0, 4, n, "special") < 0 || get_buf(o[7], &b[7], 0, 1, 0, "tails") < 0 ||
        get_buf(o[8], &b[8], 0, 8, 0, "tail_at") < 0 ||
        get_buf(o[9], &b[9], 0, 8, b[8].view.len / 8, "tail_len") < 0 ||
        get_buf(o[10], &b[10], 0, 1, 0, "extra") < 0 || get_buf(o[11], &b[11], 0, 8, 0, "extra_at") < 0 ||
        get_buf(o[12], &b[12], 0, 8, b[11].view.len / 8, "extra_len") < 0 ||
        get_buf(o[13], &b[13], 1, 1, 0, "out") < 0)
        goto fail;
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
        const uint8_t *tail;
        Py_ssize_t tlen;
        if (s >= 0) {
            if (s >= n_extra || extra_at[s] + extra_len[s] > extra_size) { problem = "a reason is out of range"; break; }
            tail = extra + extra_at[s];
            tlen = extra_len[s];
        } else {
            Py_ssize_t t;
            if (d == DUPLICATE) t = quoted;
            else if (d == BLOCKED_DNC && date_index[i] >= 0) t = 2 * (1 + (Py_ssize_t)date_index[i]) + quoted;
            else { problem = "a rejected line has no reason"; break; }
            if (t >= n_tails || tail_at[t] + tail_len[t] > tails_size) { problem = "a tail is out of range"; break; }
            tail = tails + tail_at[t];
            tlen = tail_len[t];
        }
        /* worst case: digits, comma, quote, every byte doubled, the tail, digits, CRLF */
        if (w + 24 + 2 + 2 * width + tlen + 24 > cap) { problem = "the output buffer is too small"; break; }
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
            memcpy(out + w, line, (size_t)width);
            w += width;
        }
        memcpy(out + w, tail, (size_t)tlen);
        w += tlen;
        if (d == DUPLICATE && s < 0) {
            w += put_int(out + w, dup[i]);
            out[w++] = '\r';
            out[w++] = '\n';
        }
    }
    Py_END_ALLOW_THREADS

    release(b, 14);
    if (problem) {
        PyErr_Format(PyExc_ValueError, "format_rejected: %s", problem);
        return NULL;
    }
    return PyLong_FromSsize_t(w);
fail:
    release(b, 14);
    return NULL;
}

static PyMethodDef METHODS[] = {
    {"scan", scan, METH_VARARGS, "Split a chunk into lines, locate the field, parse the number."},
    {"observe", observe, METH_VARARGS, "Note numbers in the seen and repeated bitsets."},
    {"parse_dated", parse_dated, METH_VARARGS, "Read a dated publication's fixed-width lines."},
    {"parse_many", parse_many, METH_VARARGS, "Parse given fields with the number rules."},
    {"decide", decide, METH_VARARGS, "Decide valid lines against the register and the instructions."},
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
    return PyModule_Create(&MODULE);
}
