#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../common/crashhook.h"
#include "../common/err.h"
#include "../common/escape.h"
#include "../common/xalloc.h"

/* Widest text drawn in one call, in columns. */
#define UI_MAX_DRAW_COLS 2048

/*
 * The restore run from a signal handler (crashhook): only write(2) and
 * tcsetattr(2), both async-signal-safe, on data prepared at open.
 */
static char ui_term_restore_seq[256];
static volatile sig_atomic_t ui_term_restore_len;
static struct termios ui_term_saved_tio;
static volatile sig_atomic_t ui_term_have_tio;

static void
ui_term_crash_restore(void)
{
    ssize_t n;
    size_t off = 0, len = (size_t)ui_term_restore_len;

    while (off < len) {
        n = write(STDOUT_FILENO, ui_term_restore_seq + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (ui_term_have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &ui_term_saved_tio);
}

/* Append terminfo capability `cap` to the restore sequence, if the terminal has it. */
static void
ui_term_restore_add(const char *cap)
{
    char *s = tigetstr(cap);
    size_t n, len = (size_t)ui_term_restore_len;

    if (!s || s == (char *)-1)
        return;
    n = strlen(s);
    if (len + n >= sizeof(ui_term_restore_seq))
        return;
    memcpy(ui_term_restore_seq + len, s, n);
    ui_term_restore_len = (sig_atomic_t)(len + n);
}

static void
ui_term_colors(struct ui_term *T)
{
    static const struct {
        enum ui_color c;
        unsigned long mono;
    } mono[] = {
        { UI_C_DIM, A_DIM }, { UI_C_BOLD, A_BOLD }, { UI_C_HDR_LABEL, A_BOLD },
        { UI_C_HDR_VALUE, A_BOLD }, { UI_C_COLHDR, A_REVERSE },
        { UI_C_SELECT, A_REVERSE | A_BOLD }, { UI_C_RUNNING, A_BOLD },
        { UI_C_CANCEL, A_BOLD | A_UNDERLINE }, { UI_C_DONE, A_DIM }, { UI_C_FUNC, A_BOLD },
        { UI_C_GROUP, A_BOLD }, { UI_C_LINK, A_UNDERLINE }, { UI_C_WARN, A_BOLD },
        { UI_C_FKEY, A_BOLD }, { UI_C_FLABEL, A_REVERSE }, { UI_C_MATCH, A_UNDERLINE | A_BOLD },
    };
    const char *nc = getenv("NO_COLOR");
    short bg = -1, fg = -1;
    size_t i;

    memset(T->attr, 0, sizeof(T->attr));
    for (i = 0; i < sizeof(mono) / sizeof(mono[0]); i++)
        T->attr[mono[i].c] = mono[i].mono;
    /* https://no-color.org: set and not empty disables colour */
    T->color = has_colors() && !(nc && *nc);
    if (!T->color)
        return;
    start_color();
    if (use_default_colors() != OK) {
        bg = COLOR_BLACK;
        fg = COLOR_WHITE;
    }
    init_pair(1, COLOR_CYAN, bg);
    init_pair(2, COLOR_BLACK, COLOR_GREEN);
    init_pair(3, COLOR_BLACK, COLOR_CYAN);
    init_pair(4, COLOR_GREEN, bg);
    init_pair(5, COLOR_RED, bg);
    init_pair(6, COLOR_YELLOW, bg);
    init_pair(7, COLOR_MAGENTA, bg);
    init_pair(8, COLOR_BLACK, COLOR_YELLOW);
    init_pair(9, fg, bg);
    T->attr[UI_C_HDR_LABEL] = COLOR_PAIR(1);
    T->attr[UI_C_HDR_VALUE] = A_BOLD;
    T->attr[UI_C_COLHDR] = COLOR_PAIR(2);
    T->attr[UI_C_SELECT] = COLOR_PAIR(3);
    T->attr[UI_C_RUNNING] = COLOR_PAIR(4) | A_BOLD;
    T->attr[UI_C_CANCEL] = COLOR_PAIR(5) | A_BOLD;
    T->attr[UI_C_FILE] = COLOR_PAIR(4);
    T->attr[UI_C_SOURCE] = COLOR_PAIR(6);
    T->attr[UI_C_NATIVE] = COLOR_PAIR(7);
    T->attr[UI_C_GROUP] = COLOR_PAIR(6) | A_BOLD;
    T->attr[UI_C_LINK] = COLOR_PAIR(1) | A_BOLD;
    T->attr[UI_C_WARN] = COLOR_PAIR(5);
    T->attr[UI_C_FKEY] = COLOR_PAIR(9);
    T->attr[UI_C_FLABEL] = COLOR_PAIR(3);
    T->attr[UI_C_TREE] = COLOR_PAIR(1);
    T->attr[UI_C_MATCH] = COLOR_PAIR(8);
}

int
ui_term_open(struct ui_term *T)
{
    const char *cur = setlocale(LC_CTYPE, NULL);
    const char *cs;
    SCREEN *scr;

    memset(T, 0, sizeof(*T));
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return err_set(AIO_E_IO, "the live view needs a terminal on stdin and stdout "
                       "(use --dump for a one-shot text or JSON snapshot)");
    T->old_ctype = xstrdup(cur ? cur : "C");
    setlocale(LC_CTYPE, "");
    cs = nl_langinfo(CODESET);
    T->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    T->g = ui_glyphs_get(T->utf8);
    ui_term_have_tio = tcgetattr(STDIN_FILENO, &ui_term_saved_tio) == 0;
    scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        const char *term = getenv("TERM");

        setlocale(LC_CTYPE, T->old_ctype);
        free(T->old_ctype);
        T->old_ctype = NULL;
        return err_set(AIO_E_IO, "cannot start the terminal view: unknown terminal type '%s'",
                       term ? term : "(TERM unset)");
    }
    set_term(scr);
    T->open = true;
    ui_term_restore_len = 0;
    ui_term_restore_add("sgr0");
    ui_term_restore_add("cnorm");
    ui_term_restore_add("rmkx");
    ui_term_restore_add("rmcup");
    crashhook_set(ui_term_crash_restore);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    ui_term_colors(T);
    ui_term_size(T);
    return 0;
}

void
ui_term_close(struct ui_term *T)
{
    if (T->open) {
        crashhook_set(NULL);
        curs_set(1);
        endwin();
        delscreen(set_term(NULL));
        T->open = false;
    }
    if (T->old_ctype) {
        setlocale(LC_CTYPE, T->old_ctype);
        free(T->old_ctype);
        T->old_ctype = NULL;
    }
    free(T->esc);
    T->esc = NULL;
    T->esc_cap = 0;
}

void
ui_term_size(struct ui_term *T)
{
    getmaxyx(stdscr, T->lines, T->cols);
}

void
ui_term_fill(struct ui_term *T, int y, int x, int w, enum ui_color c)
{
    if (w <= 0 || y < 0 || y >= T->lines || x < 0 || x >= T->cols)
        return;
    if (x + w > T->cols)
        w = T->cols - x;
    attrset((attr_t)T->attr[c]);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

int
ui_term_text(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s, size_t len)
{
    wchar_t buf[UI_MAX_DRAW_COLS + 2];
    int used;

    if (w <= 0 || !s || y < 0 || y >= T->lines || x < 0 || x >= T->cols)
        return 0;
    if (x + w > T->cols)
        w = T->cols - x;
    if (w > UI_MAX_DRAW_COLS)
        w = UI_MAX_DRAW_COLS;
    used = ui_text_fit(buf, sizeof(buf) / sizeof(buf[0]), s, len, w, T->utf8,
                       T->utf8 ? L'\x2026' : L'~');
    if (used <= 0)
        return 0;
    attrset((attr_t)T->attr[c]);
    mvaddnwstr(y, x, buf, -1);
    attrset(A_NORMAL);
    return used;
}

int
ui_term_puts(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s)
{
    return ui_term_text(T, y, x, w, c, s, strlen(s));
}

int
ui_term_raw(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s, size_t len)
{
    size_t cap, need, n;

    if (w <= 0 || !s || len == 0)
        return 0;
    if (w > UI_MAX_DRAW_COLS)
        w = UI_MAX_DRAW_COLS;
    /* a column shows at least one input byte: more than 4 per column is never seen */
    cap = (size_t)w * 4 + 4;
    if (cap > len)
        cap = len;
    need = cap * 4 + 8;
    if (need > T->esc_cap) {
        T->esc = xreallocarray(T->esc, need, 1);
        T->esc_cap = need;
    }
    n = escape_text_buf(T->esc, need, s, len, cap);
    return ui_term_text(T, y, x, w, c, T->esc, n);
}

void
ui_term_line(struct ui_term *T, int y, int x, int w, const struct ui_lines *L, size_t k,
             enum ui_color over)
{
    const struct ui_line *ln;
    size_t i;
    int used = 0;
    enum ui_color fill = over != UI_C__COUNT ? over : UI_C_NORMAL;

    if (k < L->nlines) {
        ln = &L->lines[k];
        for (i = 0; i < ln->nseg && used < w; i++) {
            const struct ui_seg *sg = &L->segs[ln->seg + i];

            used += ui_term_text(T, y, x + used, w - used, over != UI_C__COUNT ? over : sg->color,
                                 L->text + sg->off, sg->len);
        }
    }
    ui_term_fill(T, y, x + used, w - used, fill);
}
