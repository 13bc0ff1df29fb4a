/*
 * json.c - JSON string and number writing into a tw_buf_t (see json.h).
 */
#include "base/json.h"

#include <math.h>

tw_err_t json_str(tw_buf_t *b, const char *s, size_t len)
{
    size_t i;
    tw_err_t err = buf_addc(b, '"');
    for (i = 0; i < len && !err; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            err = buf_add(b, esc, 2);
        } else if (ch == '\n' || ch == '\r' || ch == '\t') {
            char esc[2] = {'\\', ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't'};
            err = buf_add(b, esc, 2);
        } else if (ch < 0x20) {
            err = buf_printf(b, "\\u%04x", ch);
        } else {
            err = buf_addc(b, (char)ch);
        }
    }
    return err ? err : buf_addc(b, '"');
}

tw_err_t json_num(tw_buf_t *b, double v)
{
    if (!isfinite(v))
        return buf_adds(b, "null");
    return buf_printf(b, "%.6g", v);
}
