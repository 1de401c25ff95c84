/* A register's states compared (dnc/publish/build.py diff_states: the change file between two dated files). */

/* diff_sorted(previous numbers u32, previous dates u32, current numbers u32, current dates u32,
 *             removed u32 out, added u32 out, added dates u32 out) -> (removed, added) counts, or None when a side's
 * numbers are not strictly increasing (the caller refuses such a state). One merge of the two sorted sides: a number on both
 * with the same date is unchanged; with another date it is removed and added again (the change file's "-N" then
 * "+N,date"); on one side only, removed or added. Both outputs come out in number order. Linear, where a sort of both
 * sides' keys (what numpy offers) took ~0.1 s per register of 3,000,000 numbers; the GIL is let go, since the
 * registers are built on threads side by side. */
static PyObject *diff_sorted(PyObject *self, PyObject *args) {
    PyObject *o[7];
    if (!PyArg_ParseTuple(args, "OOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6])) return NULL;
    Buf b[7] = {0};
    Py_ssize_t np_ = 0, nc = 0, r = 0, a = 0;
    int sorted = 1;
    if (get_buf(o[0], &b[0], 0, 4, 0, "previous numbers") < 0) goto fail;
    np_ = b[0].view.len / 4;
    if (get_buf(o[1], &b[1], 0, 4, np_, "previous dates") < 0 || get_buf(o[2], &b[2], 0, 4, 0, "current numbers") < 0)
        goto fail;
    nc = b[2].view.len / 4;
    if (get_buf(o[3], &b[3], 0, 4, nc, "current dates") < 0 || get_buf(o[4], &b[4], 1, 4, np_, "removed") < 0 ||
        get_buf(o[5], &b[5], 1, 4, nc, "added") < 0 || get_buf(o[6], &b[6], 1, 4, nc, "added dates") < 0)
        goto fail;
    const uint32_t *pn = BUF(b[0], uint32_t), *pd = BUF(b[1], uint32_t);
    const uint32_t *cn = BUF(b[2], uint32_t), *cd = BUF(b[3], uint32_t);
    uint32_t *removed = BUF(b[4], uint32_t), *added = BUF(b[5], uint32_t), *added_dates = BUF(b[6], uint32_t);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 1; i < np_ && sorted; i++) sorted = pn[i - 1] < pn[i];
    for (Py_ssize_t j = 1; j < nc && sorted; j++) sorted = cn[j - 1] < cn[j];
    if (sorted) {
        Py_ssize_t i = 0, j = 0;
        while (i < np_ && j < nc) {
            uint32_t p = pn[i], c = cn[j];
            if (p < c) {
                removed[r++] = p;
                i++;
            } else if (p > c) {
                added[a] = c;
                added_dates[a++] = cd[j++];
            } else {
                if (pd[i] != cd[j]) {
                    removed[r++] = p;
                    added[a] = c;
                    added_dates[a++] = cd[j];
                }
                i++;
                j++;
            }
        }
        for (; i < np_; i++) removed[r++] = pn[i];
        for (; j < nc; j++) {
            added[a] = cn[j];
            added_dates[a++] = cd[j];
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 7);
    if (!sorted) Py_RETURN_NONE;
    return Py_BuildValue("nn", r, a);
fail:
    release(b, 7);
    return NULL;
}
