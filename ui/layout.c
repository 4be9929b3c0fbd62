#include "layout.h"

#include <string.h>

#include "../common/escape.h"

static void
ui_rect_set(struct ui_rect *r, int y, int x, int h, int w)
{
    r->y = y;
    r->x = x;
    r->h = h > 0 ? h : 0;
    r->w = w > 0 ? w : 0;
    if (r->h == 0 || r->w == 0)
        r->h = r->w = 0;
}

void
ui_layout_compute(struct ui_layout *l, int lines, int cols)
{
    int body, tree_block, det_block, dw, tw, top = UI_HEADER_LINES;

    memset(l, 0, sizeof(*l));
    if (lines < 0)
        lines = 0;
    if (cols < 0)
        cols = 0;
    if (cols < UI_MIN_COLS || lines < UI_MIN_LINES) {
        l->too_small = true;
        ui_rect_set(&l->full, 0, 0, lines, cols);
        return;
    }
    body = lines - top - 1;
    ui_rect_set(&l->header, 0, 0, top, cols);
    ui_rect_set(&l->footer, lines - 1, 0, 1, cols);
    ui_rect_set(&l->full, top, 0, body, cols);
    if (cols >= UI_SIDE_COLS && body >= 8) {
        l->side = true;
        dw = UI_SIDE_DETAIL_MIN + (cols - UI_SIDE_COLS) / UI_SIDE_DETAIL_SHARE;
        tw = cols - dw - 1;             /* one column for the separator */
        ui_rect_set(&l->colhdr, top, 0, 1, tw);
        ui_rect_set(&l->tree, top + 1, 0, body - 1, tw);
        ui_rect_set(&l->dtitle, top, tw + 1, 1, dw);
        ui_rect_set(&l->detail, top + 1, tw + 1, body - 1, dw);
        return;
    }
    tree_block = body * 55 / 100;
    det_block = body - tree_block;
    if (det_block < 4) {
        det_block = 4;
        tree_block = body - det_block;
    }
    ui_rect_set(&l->colhdr, top, 0, 1, cols);
    ui_rect_set(&l->tree, top + 1, 0, tree_block - 1, cols);
    ui_rect_set(&l->dtitle, top + tree_block, 0, 1, cols);
    ui_rect_set(&l->detail, top + tree_block + 1, 0, det_block - 1, cols);
}

/* The next character of s as a wide character for the terminal, and its width. */
static int
ui_char_next(const char *s, size_t len, size_t *i, bool utf8, wchar_t *wc)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    size_t n = escape_utf8_seq(u, len - *i);
    unsigned cp;
    int w;

    if (n == 0) {
        (*i)++;
        *wc = L'?';
        return 1;
    }
    *i += n;
    switch (n) {
    case 1: cp = u[0]; break;
    case 2: cp = (u[0] & 0x1fu) << 6 | (u[1] & 0x3fu); break;
    case 3: cp = (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 | (u[2] & 0x3fu); break;
    default:
        cp = (u[0] & 0x07u) << 18 | (u[1] & 0x3fu) << 12 | (u[2] & 0x3fu) << 6 | (u[3] & 0x3fu);
        break;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
        *wc = L'?';
        return 1;
    }
    if (cp < 0x80) {
        *wc = (wchar_t)cp;
        return 1;
    }
    if (!utf8) {
        *wc = L'?';
        return 1;
    }
    w = wcwidth((wchar_t)cp);
    if (w <= 0) {
        *wc = L'?';
        return 1;
    }
    *wc = (wchar_t)cp;
    return w;
}

int
ui_text_fit(wchar_t *dst, size_t dstlen, const char *s, size_t len, int cols, bool utf8,
            wchar_t ellipsis)
{
    size_t i = 0, o = 0, nchars = 0;
    int used = 0, w, limit;
    bool cut = false;
    wchar_t wc;

    if (dstlen == 0)
        return 0;
    dst[0] = L'\0';
    if (cols <= 0 || !s)
        return 0;
    /* pass 1: does the whole text fit (in columns and in dst)? */
    while (i < len) {
        w = ui_char_next(s, len, &i, utf8, &wc);
        if (used + w > cols || nchars + 1 >= dstlen) {
            cut = true;
            break;
        }
        used += w;
        nchars++;
    }
    /* pass 2: copy, leaving the last column (and one slot) for the ellipsis when cut */
    limit = cut ? cols - 1 : cols;
    i = 0;
    used = 0;
    while (i < len && o + 1 + (cut ? 1 : 0) < dstlen) {
        w = ui_char_next(s, len, &i, utf8, &wc);
        if (used + w > limit)
            break;
        dst[o++] = wc;
        used += w;
    }
    if (cut && used < cols && o + 1 < dstlen) {
        dst[o++] = ellipsis;
        used++;
    }
    dst[o] = L'\0';
    return used;
}

size_t
ui_funcbar_fit(const struct ui_fkey *keys, size_t n, int width, int minlabel)
{
    size_t i;
    int x = 0, lw;

    for (i = 0; i < n; i++) {
        lw = (int)strlen(keys[i].label);
        if (lw < minlabel)
            lw = minlabel;
        x += (int)strlen(keys[i].key) + lw;
        if (x > width)
            break;
    }
    return i;
}
