/* ISO 8601 date-times as instruction_rows.parse_at reads them (Python 3.11's datetime.fromisoformat, then Hong Kong
 * time for a naive value), for the forms people and programs write: an answer here is always Python's answer, and
 * anything else is left to Python (ISO_ASK), which reads it or words the error. Included by _kernels.c.
 *
 * Read here: blanks around; YYYY-MM-DD, alone or followed by 'T' or ' ' and HH, HH:MM, HH:MM:SS or HH:MM:SS.f
 * (1 to 9 fraction digits after '.' or ',', cut to microseconds as Python does), then optionally 'Z', +HH:MM, +HHMM
 * or +HH (or '-'). Left to Python: years before 1980 (Hong Kong kept summer time until 1979, so a naive value's
 * offset needs the time-zone database), week dates, basic forms, other separators, offsets with seconds, values
 * out of range (24:00, 30 February: Python words the error). tests/senders/scrub/test_instruction_c.py checks with
 * hypothesis that every answer equals parse_at's.
 */
#ifndef TELREG_ISOTIME_H
#define TELREG_ISOTIME_H

#include <stdint.h>

enum { ISO_OK = 0, ISO_ASK = 1 };

static inline int iso_blank(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }

static inline int iso_two(const uint8_t *p, int *v) {
    if ((uint8_t)(p[0] - '0') > 9 || (uint8_t)(p[1] - '0') > 9) return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static inline int64_t iso_days(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The instant p[0:len] names, as microseconds since 1970-01-01 UTC, in *micros: ISO_OK, or ISO_ASK. */
static inline int iso_micros(const uint8_t *p, Py_ssize_t len, int64_t *micros) {
    static const int MONTH_DAYS[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    while (len > 0 && iso_blank(p[0])) p++, len--;
    while (len > 0 && iso_blank(p[len - 1])) len--;
    int c1, c2, month, day, hour = 0, minute = 0, second = 0;
    if (len < 10 || p[4] != '-' || p[7] != '-' || !iso_two(p, &c1) || !iso_two(p + 2, &c2) ||
        !iso_two(p + 5, &month) || !iso_two(p + 8, &day))
        return ISO_ASK;
    int year = 100 * c1 + c2;
    int leap = (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0);
    if (year < 1980 || month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month] + (leap && month == 2))
        return ISO_ASK;
    Py_ssize_t i = 10;
    int64_t fraction = 0, offset = 8 * 3600; /* a naive value is Hong Kong time: +08:00 all year since 1980 */
    if (i < len) {
        if ((p[i] != 'T' && p[i] != ' ') || i + 3 > len || !iso_two(p + i + 1, &hour)) return ISO_ASK;
        i += 3;
        if (i < len && p[i] == ':') {
            if (i + 3 > len || !iso_two(p + i + 1, &minute)) return ISO_ASK;
            i += 3;
            if (i < len && p[i] == ':') {
                if (i + 3 > len || !iso_two(p + i + 1, &second)) return ISO_ASK;
                i += 3;
                if (i < len && (p[i] == '.' || p[i] == ',')) {
                    int k = 0;
                    for (i++; i < len && (uint8_t)(p[i] - '0') <= 9; i++, k++)
                        if (k < 6) fraction = fraction * 10 + (p[i] - '0');
                    if (k == 0 || k > 9) return ISO_ASK;
                    for (; k < 6; k++) fraction *= 10;
                }
            }
        }
        if (i < len) {
            if (p[i] == 'Z' && i + 1 == len) {
                offset = 0;
            } else if (p[i] == '+' || p[i] == '-') {
                int sign = p[i] == '-' ? -1 : 1, oh, om = 0;
                Py_ssize_t rest = len - i - 1;
                if (rest == 2 && iso_two(p + i + 1, &oh)) {
                } else if (rest == 4 && iso_two(p + i + 1, &oh) && iso_two(p + i + 3, &om)) {
                } else if (rest == 5 && p[i + 3] == ':' && iso_two(p + i + 1, &oh) && iso_two(p + i + 4, &om)) {
                } else {
                    return ISO_ASK;
                }
                if (oh > 23 || om > 59) return ISO_ASK;
                offset = sign * (oh * 3600 + om * 60);
            } else {
                return ISO_ASK;
            }
        }
        if (hour > 23 || minute > 59 || second > 59) return ISO_ASK;
    }
    int64_t seconds = iso_days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    *micros = seconds * 1000000 + fraction;
    return ISO_OK;
}

#endif
