/* The online check's answer (senders/check_answer.py), entry by entry: the API's hot path (issue 18 §2).
 *
 * render_entries(inputs list, values i64, ids i32, fragments list[bytes], other callable) -> bytes
 *
 * The results of a check joined by commas, each entry
 *     {"input":"<as typed>","number":"<8 digits>","valid":true,"reason":null,"registers":{<fragments[ids[i]]>
 * where the fragment (made once per distinct verdicts by Python) closes both objects. An entry whose value is
 * negative (not a registrable number), or whose input is not a str that json.dumps(ensure_ascii=False) leaves as it
 * is ([0-9A-Za-z +\-().]: check_answer._VERBATIM), is rendered by other(i), which returns its bytes: the rare cases
 * (escapes, reasons) stay in Python, with json.dumps. A test holds the bytes to json.dumps of the page's document. */

static uint8_t VERBATIM[256];

static void init_verbatim(void) {
    for (int c = '0'; c <= '9'; c++) VERBATIM[c] = 1;
    for (int c = 'A'; c <= 'Z'; c++) VERBATIM[c] = 1;
    for (int c = 'a'; c <= 'z'; c++) VERBATIM[c] = 1;
    const char *more = " +-().";
    for (const char *p = more; *p; p++) VERBATIM[(uint8_t)*p] = 1;
}

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Out;

static int out_put(Out *out, const char *data, Py_ssize_t size) {
    if (out->size + size > out->capacity) {
        Py_ssize_t capacity = out->capacity * 2 > out->size + size ? out->capacity * 2 : out->size + size;
        char *grown = PyMem_Realloc(out->data, (size_t)capacity);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        out->capacity = capacity;
        out->data = grown;
    }
    memcpy(out->data + out->size, data, (size_t)size);
    out->size += size;
    return 0;
}

#define OUT_LITERAL(out, text) out_put((out), (text), (Py_ssize_t)(sizeof(text) - 1))

/* The input's UTF-8 bytes when it is a str json.dumps leaves as it is, else NULL. */
static const char *verbatim_text(PyObject *input, Py_ssize_t *size) {
    if (!PyUnicode_Check(input) || !PyUnicode_IS_ASCII(input)) return NULL;
    const uint8_t *text = PyUnicode_1BYTE_DATA(input);
    Py_ssize_t n = PyUnicode_GET_LENGTH(input);
    for (Py_ssize_t k = 0; k < n; k++)
        if (!VERBATIM[text[k]]) return NULL;
    *size = n;
    return (const char *)text;
}

static PyObject *render_entries(PyObject *self, PyObject *args) {
    PyObject *inputs, *fragments, *other, *o[2];
    if (!PyArg_ParseTuple(args, "O!OOO!O", &PyList_Type, &inputs, &o[0], &o[1], &PyList_Type, &fragments, &other))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(inputs), kinds = PyList_GET_SIZE(fragments);
    Buf b[2] = {0};
    Out out = {NULL, 0, 0};
    if (get_buf(o[0], &b[0], 0, 8, n, "values") < 0 || get_buf(o[1], &b[1], 0, 4, n, "ids") < 0) goto fail;
    for (Py_ssize_t k = 0; k < kinds; k++)
        if (!PyBytes_Check(PyList_GET_ITEM(fragments, k))) {
            PyErr_SetString(PyExc_TypeError, "render_entries: the fragments must be bytes");
            goto fail;
        }
    const int64_t *values = BUF(b[0], int64_t);
    const int32_t *ids = BUF(b[1], int32_t);
    out.capacity = 256 * (n + 1);
    out.data = PyMem_Malloc((size_t)out.capacity);
    if (out.data == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i && OUT_LITERAL(&out, ",") < 0) goto fail;
        Py_ssize_t size = 0;
        const char *text = values[i] >= 0 && values[i] < 100000000 && ids[i] >= 0 && ids[i] < kinds
                               ? verbatim_text(PyList_GET_ITEM(inputs, i), &size) : NULL;
        if (text == NULL) {
            PyObject *rendered = PyObject_CallFunction(other, "n", i);
            if (rendered == NULL) goto fail;
            if (!PyBytes_Check(rendered)) {
                Py_DECREF(rendered);
                PyErr_SetString(PyExc_TypeError, "render_entries: other(i) must return bytes");
                goto fail;
            }
            int failed = out_put(&out, PyBytes_AS_STRING(rendered), PyBytes_GET_SIZE(rendered));
            Py_DECREF(rendered);
            if (failed < 0) goto fail;
            continue;
        }
        char number[8];
        int64_t v = values[i];
        for (int d = 7; d >= 0; d--, v /= 10) number[d] = (char)('0' + v % 10);
        PyObject *fragment = PyList_GET_ITEM(fragments, ids[i]);
        if (OUT_LITERAL(&out, "{\"input\":\"") < 0 || out_put(&out, text, size) < 0 ||
            OUT_LITERAL(&out, "\",\"number\":\"") < 0 || out_put(&out, number, 8) < 0 ||
            OUT_LITERAL(&out, "\",\"valid\":true,\"reason\":null,\"registers\":{") < 0 ||
            out_put(&out, PyBytes_AS_STRING(fragment), PyBytes_GET_SIZE(fragment)) < 0)
            goto fail;
    }
    release(b, 2);
    PyObject *result = PyBytes_FromStringAndSize(out.data, out.size);
    PyMem_Free(out.data);
    return result;
fail:
    release(b, 2);
    PyMem_Free(out.data);
    return NULL;
}

/* lookup_codes(numbers u32 sorted, dates u32, keys i64, out u32): per key, the date beside it in NUMBERS, or 0 when it
 * is not there (dnc/listing_index.py: a register's arrays). A binary search per key, holding the GIL: NumPy's
 * searchsorted let it go for a hundred keys, and the event loop then waited for it behind the process's other
 * threads (up to the 5 ms switch interval). */
static PyObject *lookup_codes(PyObject *self, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) return NULL;
    Buf b[4] = {0};
    Py_ssize_t size = 0, n = 0;
    if (get_buf(o[0], &b[0], 0, 4, 0, "numbers") < 0) goto fail;
    size = b[0].view.len / 4;
    if (get_buf(o[1], &b[1], 0, 4, size, "dates") < 0 || get_buf(o[2], &b[2], 0, 8, 0, "keys") < 0) goto fail;
    n = b[2].view.len / 8;
    if (get_buf(o[3], &b[3], 1, 4, n, "out") < 0) goto fail;
    const uint32_t *numbers = BUF(b[0], uint32_t), *dates = BUF(b[1], uint32_t);
    const int64_t *keys = BUF(b[2], int64_t);
    uint32_t *out = BUF(b[3], uint32_t);
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t key = keys[i];
        Py_ssize_t lo = 0, hi = size;
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if ((int64_t)numbers[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        out[i] = lo < size && (int64_t)numbers[lo] == key ? dates[lo] : 0;
    }
    release(b, 4);
    Py_RETURN_NONE;
fail:
    release(b, 4);
    return NULL;
}

/* parse_texts(entries list, numbers i64 out, status u8 out): parse_many's number rules on an online check's entries
 * as they came, read in place: an ASCII str is parsed (VALID with its number, or INVALID), anything else (None, a
 * number, non-ASCII text, a str subclass) gets PYTHON and is left to core/phone.py. Joining the entries into one
 * buffer with their offsets in Python took more than the parsing (senders/online_check.py parse_values).
 * parse_number reads no byte past a field's length but for an 8-byte field, which it reads whole. */
static PyObject *parse_texts(PyObject *self, PyObject *args) {
    PyObject *list, *o[2];
    if (!PyArg_ParseTuple(args, "O!OO", &PyList_Type, &list, &o[0], &o[1])) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(list);
    Buf b[2] = {0};
    if (get_buf(o[0], &b[0], 1, 8, n, "numbers") < 0 || get_buf(o[1], &b[1], 1, 1, n, "status") < 0) goto fail;
    int64_t *numbers = BUF(b[0], int64_t);
    uint8_t *status = BUF(b[1], uint8_t);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        numbers[i] = 0;
        if (!PyUnicode_CheckExact(item) || !PyUnicode_IS_ASCII(item)) {
            status[i] = PYTHON;
            continue;
        }
        uint32_t v = 0;
        status[i] = (uint8_t)parse_number(PyUnicode_1BYTE_DATA(item), PyUnicode_GET_LENGTH(item), &v);
        if (status[i] == VALID) numbers[i] = (int64_t)v;
    }
    release(b, 2);
    Py_RETURN_NONE;
fail:
    release(b, 2);
    return NULL;
}
