/*
 * zedxl._scan: zedxl's optional C accelerator. Each function stands in for Python code that stays in the package
 * as the reference (used when this module is not built, and compared with it by tests/test_scan_c.py), and answers
 * NotImplemented for anything outside what it fully knows, so Python decides:
 *
 *   scan_cells   the cells of a fast-scanned worksheet's <sheetData> (intake; described below)
 *   build_cells  the light workbook's cells of one sheet (office_scan._sheet_cells)
 *   render_row   one AO row of the master's XML (master_write._AoRowTemplate.render_py)
 *   master_rows  the master reader's rows (master_read._rows_py)
 *   rows_of      a returned sheet's cells grouped by row (office_read._rows_of_py)
 *   value_rows   the rows of a returned sheet that hold a value (office_read._value_rows_py)
 *   unsettled    the columns of a returned data row not settled by the usual case (office_read._unsettled_py)
 *
 * scan_cells(sd, keep, strict=False) returns exactly what
 *
 *     _cells_one_by_one(_FAST_CELL.findall(sd), name, keep)
 *
 * returns in Python (see intake.py), plus the number of cells, or NotImplemented whenever the part holds anything
 * outside the plain shape handled here; the caller then runs the Python scan, which stays the reference. So this
 * code never decides that a file is bad: it only reads, faster, the files it fully understands.
 *
 * intake passes only parts with no comment, CDATA, processing instruction, DTD or prefixed element. With
 * strict=False the input has also been checked well formed by expat. With strict=True it has not: the scan then
 * answers only for input that is well formed by construction of what it accepts (see "strict mode" below), which
 * lets intake skip expat's pass over the cells. Every index is checked against the end of the buffer, so any byte
 * string is safe to pass (the tests feed it random and damaged sheets and compare with the Python scan and expat).
 *
 * Returned tuple: (facts, formulas, errors, max_row, max_col, ext_row, ext_col, n_cells), where facts are
 * (row_idx, col_idx, style, type, raw, formula) and formulas (letters, row_text, formula_text) as in Python;
 * errors is always empty (an error cell, t="e", sends the sheet back to Python). In strict mode four counts
 * follow, so intake need not pass over the bytes again for them: the <row> tags, those _FAST_ROW reads, the
 * largest row number among those, and the elements inside <sheetData> (what sd.count(b"<") - sd.count(b"</") - 1
 * counts for a part with no comment, CDATA or processing instruction).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <structmember.h>
#include <math.h>

#define MAX_COLS 16384
#define MAX_ROWS 1048576

typedef struct {
    const unsigned char *p;   /* current position */
    const unsigned char *end; /* one past the last byte */
} Cursor;

static int starts(const Cursor *c, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, lit, n) == 0;
}

static int is_space(unsigned char ch) {
    /* Python's \s and bytes.isspace() for bytes patterns: ASCII whitespace */
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

/* _FAST_NUM.fullmatch: -?[0-9]{1,15}(?:\.[0-9]{0,20})?(?:[eE][+-]?[0-9]{1,2})? */
static int plain_number(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i = 0, k;
    if (i < n && s[i] == '-') i++;
    for (k = 0; i < n && is_digit(s[i]); i++, k++) {}
    if (k < 1 || k > 15) return 0;
    if (i < n && s[i] == '.') {
        i++;
        for (k = 0; i < n && is_digit(s[i]); i++, k++) {}
        if (k > 20) return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (k = 0; i < n && is_digit(s[i]); i++, k++) {}
        if (k < 1 || k > 2) return 0;
    }
    return i == n;
}

static int all_space(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++)
        if (!is_space(s[i])) return 0;
    return 1;
}

/* Append the UTF-8 form of code point cp; 0 when it is not a valid code point. */
static int put_utf8(unsigned char *out, Py_ssize_t *o, unsigned long cp) {
    if (cp < 0x80) {
        out[(*o)++] = (unsigned char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (unsigned char)(0xC0 | (cp >> 6));
        out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) return 0; /* a lone surrogate: leave it to Python */
        out[(*o)++] = (unsigned char)(0xE0 | (cp >> 12));
        out[(*o)++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp <= 0x10FFFF) {
        out[(*o)++] = (unsigned char)(0xF0 | (cp >> 18));
        out[(*o)++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        return 0;
    }
    return 1;
}

/* A character reference at s[i] ("&#...;", decimal or hexadecimal with a lowercase x, the only forms of both XML
 * and Python's pattern; at most 8 digits): its length with *cp its code point, or 0 when it is not one. */
static Py_ssize_t char_ref(const unsigned char *s, Py_ssize_t i, Py_ssize_t n, unsigned long *cp) {
    Py_ssize_t j = i + 2;
    int hex = 0, digits = 0;
    *cp = 0;
    if (i + 1 >= n || s[i] != '&' || s[i + 1] != '#') return 0;
    if (j < n && s[j] == 'x') {
        hex = 1;
        j++;
    }
    for (; j < n; j++) {
        unsigned char d = s[j];
        int v;
        if (is_digit(d)) v = d - '0';
        else if (hex && d >= 'a' && d <= 'f') v = d - 'a' + 10;
        else if (hex && d >= 'A' && d <= 'F') v = d - 'A' + 10;
        else break;
        if (++digits > 8) return 0; /* beyond any code point */
        *cp = *cp * (hex ? 16 : 10) + (unsigned long)v;
    }
    if (digits == 0 || j >= n || s[j] != ';') return 0;
    return j + 1 - i;
}

/*
 * intake._xml_text: UTF-8, line ends normalised (\r\n and \r to \n), then the five named references and numeric
 * character references replaced. Returns a new str, or NULL with *unsure set (no Python error) when the text
 * holds something Python would treat differently or not at all; NULL without *unsure means a Python error.
 */
static PyObject *xml_text(const unsigned char *s, Py_ssize_t n, int *unsure) {
    Py_ssize_t i, o = 0;
    int simple = 1;
    unsigned char *buf;
    PyObject *res;
    for (i = 0; i < n; i++) {
        if (s[i] == '&' || s[i] == '\r') {
            simple = 0;
            break;
        }
    }
    if (simple) {
        res = PyUnicode_DecodeUTF8((const char *)s, n, "strict");
        if (res == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();
            *unsure = 1;
        }
        return res;
    }
    /* a reference is at least 4 bytes ("&lt;") and becomes at most 4 UTF-8 bytes: n bytes suffice */
    buf = (unsigned char *)PyMem_Malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL) return PyErr_NoMemory();
    for (i = 0; i < n;) {
        unsigned char ch = s[i];
        if (ch == '\r') {
            buf[o++] = '\n';
            i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        } else if (ch == '&') {
            Py_ssize_t j = i + 1, len;
            unsigned long cp;
            if (j < n && s[j] == '#') {
                len = char_ref(s, i, n, &cp);
                if (len == 0 || !put_utf8(buf, &o, cp)) { /* not one, or no code point: Python decides */
                    PyMem_Free(buf);
                    *unsure = 1;
                    return NULL;
                }
                i += len;
            } else {
                static const char *names[] = {"lt;", "gt;", "amp;", "quot;", "apos;"};
                static const char values[] = {'<', '>', '&', '"', '\''};
                int k, found = 0;
                for (k = 0; k < 5; k++) {
                    size_t name_len = strlen(names[k]);
                    if ((size_t)(n - j) >= name_len && memcmp(s + j, names[k], name_len) == 0) {
                        buf[o++] = (unsigned char)values[k];
                        i = j + (Py_ssize_t)name_len;
                        found = 1;
                        break;
                    }
                }
                if (!found) {
                    PyMem_Free(buf);
                    *unsure = 1;
                    return NULL;
                }
            }
        } else {
            buf[o++] = ch;
            i++;
        }
    }
    res = PyUnicode_DecodeUTF8((const char *)buf, o, "strict");
    PyMem_Free(buf);
    if (res == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        *unsure = 1;
    }
    return res;
}

/* Text up to the next '<' (there must be one): start and length. 0 when the buffer ends first. */
static int text_until_lt(Cursor *c, const unsigned char **t, Py_ssize_t *n) {
    const unsigned char *q = memchr(c->p, '<', (size_t)(c->end - c->p));
    if (q == NULL) return 0;
    *t = c->p;
    *n = q - c->p;
    c->p = q;
    return 1;
}

/* -- strict mode: the part of XML well-formedness that expat would otherwise check --------------------------------
 * In strict mode scan_cells answers only for a <sheetData> that is well formed XML by construction of what it
 * accepts (a subset of what expat accepts: tests/test_scan_c.py checks expat agrees on generated and damaged
 * sheets), so the caller can skip expat's pass over the cells. Anything unusual is declined, never judged. */

static int is_xml_space(unsigned char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* XML 1.0 Char */
static int xml_char(unsigned long cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Length of the valid UTF-8 sequence at s[i] encoding an XML Char, or 0. */
static Py_ssize_t utf8_char(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    unsigned char b = s[i];
    unsigned long cp;
    Py_ssize_t len, k;
    if (b < 0x80) return xml_char(b) ? 1 : 0;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        cp = b & 0x07;
    } else {
        return 0;
    }
    if (i + len > n) return 0;
    for (k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    /* no overlong form, no surrogate, nothing past U+10FFFF, and an XML Char */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF) return 0;
    return xml_char(cp) ? len : 0;
}

/* Length of a well-formed reference at s[i] ('&'): one of the five predefined entities or a character reference to
 * an XML Char; 0 otherwise. */
static Py_ssize_t reference(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    static const char *names[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
    Py_ssize_t j = i + 1;
    int k;
    if (j < n && s[j] == '#') {
        unsigned long cp;
        Py_ssize_t len = char_ref(s, i, n, &cp);
        return len && xml_char(cp) ? len : 0;
    }
    for (k = 0; k < 5; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(names[k]);
        if (n - i >= len && memcmp(s + i, names[k], (size_t)len) == 0) return len;
    }
    return 0;
}

/* Character data (element text, or an attribute value when quote is set): every character an XML Char, every '&'
 * a well-formed reference, no '<', no "]]>" in text, no quote inside an attribute value. */
static int valid_chars(const unsigned char *s, Py_ssize_t n, unsigned char quote) {
    Py_ssize_t i = 0, len;
    while (i < n) {
        unsigned char b = s[i];
        if (b == '<' || (quote && b == quote)) return 0;
        if (b == '&') {
            len = reference(s, i, n);
        } else if (b == ']' && !quote && i + 2 < n && s[i + 1] == ']' && s[i + 2] == '>') {
            return 0;
        } else {
            len = utf8_char(s, i, n);
        }
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

/* The attributes and end of a <row start tag, c->p just after "<row". 1 when well formed (ASCII names, no name
 * twice, values of valid characters), with *empty set for "/>"; 0 to decline. */
static int row_tag(Cursor *c, int *empty) {
    const unsigned char *names[16];
    Py_ssize_t lens[16];
    int n_names = 0, k;
    for (;;) {
        const unsigned char *name, *value;
        Py_ssize_t n_name;
        unsigned char quote;
        int spaced = 0;
        while (c->p < c->end && is_xml_space(*c->p)) {
            c->p++;
            spaced = 1;
        }
        if (starts(c, ">")) {
            c->p++;
            *empty = 0;
            return 1;
        }
        if (starts(c, "/>")) {
            c->p += 2;
            *empty = 1;
            return 1;
        }
        if (!spaced || n_names == 16 || c->p >= c->end) return 0;
        name = c->p;
        if (!((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z') || *c->p == '_' || *c->p == ':'))
            return 0;
        while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z') ||
                                 is_digit(*c->p) || *c->p == '_' || *c->p == ':' || *c->p == '.' || *c->p == '-'))
            c->p++;
        n_name = c->p - name;
        for (k = 0; k < n_names; k++)
            if (lens[k] == n_name && memcmp(names[k], name, (size_t)n_name) == 0) return 0;
        names[n_names] = name;
        lens[n_names++] = n_name;
        while (c->p < c->end && is_xml_space(*c->p)) c->p++;
        if (!starts(c, "=")) return 0;
        c->p++;
        while (c->p < c->end && is_xml_space(*c->p)) c->p++;
        if (c->p >= c->end || (*c->p != '"' && *c->p != '\'')) return 0;
        quote = *c->p++;
        value = c->p;
        while (c->p < c->end && *c->p != quote) c->p++;
        if (c->p >= c->end || !valid_chars(value, c->p - value, quote)) return 0;
        c->p++;
    }
}

/* An optional <x>text</x> or <x/> (x one letter) at c->p: 1 when absent, or read (mark set, text located);
 * 0 for any other element starting with "<x" (attributes included). */
static int simple_element(Cursor *c, char x, int *mark, const unsigned char **text, Py_ssize_t *n) {
    const char open[] = {'<', x, '>', 0}, empty[] = {'<', x, '/', '>', 0}, close[] = {'<', '/', x, '>', 0};
    const char tag[] = {'<', x, 0};
    if (starts(c, open)) {
        c->p += 3;
        *mark = 1;
        if (!text_until_lt(c, text, n) || !starts(c, close)) return 0;
        c->p += 4;
        return 1;
    }
    if (starts(c, empty)) {
        c->p += 4;
        *mark = 1;
        return 1;
    }
    return !starts(c, tag);
}

/* One parsed <c>: positions inside the input, nothing allocated. */
typedef struct {
    const unsigned char *letters, *row_text, *style, *type, *ftext, *vtext, *istext;
    Py_ssize_t n_letters, n_row, n_style, n_type, n_ftext, n_vtext, n_istext;
    int fmark, vmark, ismark;
    long col, row, st;
} Cell;

/* Parse the cell whose "<c " is at c->p. 1 on success (c->p after "</c>" or "/>"), 0 for "not the plain shape". */
static int parse_cell(Cursor *c, Cell *cell, int strict) {
    memset(cell, 0, sizeof(*cell));
    c->p += 3; /* "<c " */
    if (!starts(c, "r=\"")) return 0;
    c->p += 3;
    cell->letters = c->p;
    while (c->p < c->end && *c->p >= 'A' && *c->p <= 'Z' && cell->n_letters < 4) {
        cell->col = cell->col * 26 + (*c->p - 'A' + 1);
        cell->n_letters++;
        c->p++;
    }
    if (cell->n_letters < 1 || cell->n_letters > 3) return 0;
    cell->row_text = c->p;
    if (c->p >= c->end || *c->p < '1' || *c->p > '9') return 0;
    while (c->p < c->end && is_digit(*c->p) && cell->n_row < 8) {
        cell->row = cell->row * 10 + (*c->p - '0');
        cell->n_row++;
        c->p++;
    }
    if (cell->n_row > 7 || c->p >= c->end || *c->p != '"') return 0;
    c->p++;
    if (cell->col > MAX_COLS || cell->row > MAX_ROWS) return 0;
    if (starts(c, " s=\"")) {
        c->p += 4;
        cell->style = c->p;
        while (c->p < c->end && is_digit(*c->p) && cell->n_style < 10) {
            cell->st = cell->st * 10 + (*c->p - '0');
            cell->n_style++;
            c->p++;
        }
        if (cell->n_style < 1 || cell->n_style > 9 || c->p >= c->end || *c->p != '"') return 0;
        c->p++;
    }
    if (starts(c, " t=\"")) {
        c->p += 4;
        cell->type = c->p;
        while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')) &&
               cell->n_type < 13) {
            cell->n_type++;
            c->p++;
        }
        if (cell->n_type < 1 || cell->n_type > 12 || c->p >= c->end || *c->p != '"') return 0;
        c->p++;
    }
    while (c->p < c->end && (strict ? is_xml_space(*c->p) : is_space(*c->p))) c->p++;
    if (starts(c, "/>")) {
        c->p += 2;
        return 1;
    }
    if (!starts(c, ">")) return 0; /* another attribute (cm, vm, ph...) or order: Python decides */
    c->p++;
    /* <f> (a formula with attributes: shared, array, volatile... is declined), then <v> */
    if (!simple_element(c, 'f', &cell->fmark, &cell->ftext, &cell->n_ftext) ||
        !simple_element(c, 'v', &cell->vmark, &cell->vtext, &cell->n_vtext))
        return 0;
    if (starts(c, "<is>")) {
        c->p += 4;
        cell->ismark = 1;
        if (starts(c, "<t>")) {
            c->p += 3;
        } else if (starts(c, "<t xml:space=\"preserve\">")) {
            c->p += 24;
        } else {
            return 0; /* rich text, phonetic guide... */
        }
        if (!text_until_lt(c, &cell->istext, &cell->n_istext) || cell->n_istext == 0 || !starts(c, "</t></is>"))
            return 0;
        c->p += 9;
    }
    if (!starts(c, "</c>")) return 0;
    c->p += 4;
    if (strict && ((cell->ftext && !valid_chars(cell->ftext, cell->n_ftext, 0)) ||
                   (cell->vtext && !valid_chars(cell->vtext, cell->n_vtext, 0)) ||
                   (cell->istext && !valid_chars(cell->istext, cell->n_istext, 0))))
        return 0;
    return 1;
}

/* Small per-call caches: the same types and row texts repeat on every row. */
static PyObject *cached_type(PyObject *types, const unsigned char *s, Py_ssize_t n) {
    PyObject *key, *value;
    if (s == NULL) Py_RETURN_NONE;
    key = PyBytes_FromStringAndSize((const char *)s, n);
    if (key == NULL) return NULL;
    value = PyDict_GetItemWithError(types, key);
    if (value != NULL) {
        Py_DECREF(key);
        Py_INCREF(value);
        return value;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    value = PyUnicode_DecodeASCII((const char *)s, n, "strict");
    if (value == NULL || PyDict_SetItem(types, key, value) < 0) {
        Py_DECREF(key);
        Py_XDECREF(value);
        return NULL;
    }
    Py_DECREF(key);
    return value;
}

static int type_is(const Cell *cell, const char *name) {
    size_t n = strlen(name);
    return cell->type != NULL && (size_t)cell->n_type == n && memcmp(cell->type, name, n) == 0;
}

/* The Python objects of one parsed cell, appended to facts (when keep) and formulas, as _cells_one_by_one makes
 * them. 1 done, 0 "Python must decide" (nothing appended), -1 a Python error. */
static int add_cell(const Cell *cell, int keep, PyObject *types, PyObject *facts, PyObject *formulas) {
    PyObject *t, *raw = NULL, *formula = NULL, *item = NULL;
    int unsure = 0, status = -1;
    if (cell->vmark) {
        if (type_is(cell, "e")) return 0; /* an error cell: Python notes it */
        if ((cell->type == NULL || type_is(cell, "n")) && cell->n_vtext > 0 &&
            !plain_number(cell->vtext, cell->n_vtext) && !all_space(cell->vtext, cell->n_vtext))
            return 0; /* an odd number: the full scan reports it */
    }
    t = cached_type(types, cell->type, cell->n_type);
    if (t == NULL) return -1;
    /* the value, in Python's order: an inline string's text, then <v>'s in its place */
    if (cell->ismark && type_is(cell, "inlineStr")) {
        raw = xml_text(cell->istext, cell->n_istext, &unsure);
        if (raw == NULL) goto done;
    }
    if (cell->vmark) {
        Py_XDECREF(raw);
        raw = xml_text(cell->vtext, cell->n_vtext, &unsure);
        if (raw == NULL) goto done;
    }
    if (cell->fmark) {
        formula = xml_text(cell->ftext, cell->n_ftext, &unsure);
        if (formula == NULL) goto done;
        item = Py_BuildValue("(y#y#O)", (const char *)cell->letters, cell->n_letters, (const char *)cell->row_text,
                             cell->n_row, formula);
        if (item == NULL || PyList_Append(formulas, item) < 0) goto done;
        Py_CLEAR(item);
    }
    if (keep) {
        item = Py_BuildValue("(lllOOO)", cell->row - 1, cell->col - 1, cell->st, t, raw ? raw : Py_None,
                             formula ? formula : Py_None);
        if (item == NULL || PyList_Append(facts, item) < 0) goto done;
    }
    status = 1;
done:
    if (status == -1 && unsure) status = 0;
    Py_XDECREF(item);
    Py_XDECREF(formula);
    Py_XDECREF(raw);
    Py_DECREF(t);
    return status;
}

/* At a "<row" tag: its number when the tag starts as intake's _FAST_ROW reads it, <row r="[1-9][0-9]{0,6}"
 * followed by white space (Python's \s), '>' or '/'; 0 otherwise. Nothing is consumed. */
static long fast_row(const Cursor *c) {
    const unsigned char *p = c->p + 8, *end = c->end;
    long r = 0;
    int n = 0;
    if (!starts(c, "<row r=\"") || p >= end || *p < '1' || *p > '9') return 0;
    while (p < end && is_digit(*p) && n < 8) {
        r = r * 10 + (*p++ - '0');
        n++;
    }
    if (n > 7 || p + 1 >= end || *p != '"') return 0;
    p++;
    return is_space(*p) || *p == '>' || *p == '/' ? r : 0;
}

/* What a scan of <sheetData> counts besides the cells it hands on. */
typedef struct {
    long max_row, max_col, ext_row, ext_col, max_fast_row;
    Py_ssize_t n_cells, n_rows, n_fast_rows, n_elements;
} ScanCount;

/* What is done with each cell: 1 go on, 0 "Python must decide", -1 a Python error. */
typedef int (*CellHandler)(const Cell *cell, void *context);

/* The scan of a <sheetData> shared by scan_cells and master_cells: every <c> parsed and handed to on_cell, in
 * document order. 1 done, 0 not the plain shape (or on_cell declined), -1 a Python error. strict: exactly
 * <sheetData>...</sheetData>, only white space between rows and cells, well-formed text (see scan_cells). */
static int scan_sheet_data(Cursor *c, int strict, ScanCount *count, CellHandler on_cell, void *context) {
    Cell cell;
    int in_row = 0, closed = 0;
    memset(count, 0, sizeof(*count));
    if (strict) {
        /* exactly <sheetData> ... </sheetData>, nothing before or after */
        if (!starts(c, "<sheetData>") || c->end - c->p < 23 || memcmp(c->end - 12, "</sheetData>", 12) != 0)
            return 0;
        c->p += 11;
    }
    while (c->p < c->end) {
        const unsigned char *q = memchr(c->p, '<', (size_t)(c->end - c->p));
        if (q == NULL) break;
        if (strict) {
            if (closed) return 0;
            for (; c->p < q; c->p++)
                if (!is_xml_space(*c->p)) return 0; /* only white space between rows and cells */
        }
        c->p = q;
        /* outside cells only rows and the sheetData tags themselves are expected */
        if (starts(c, "<row") && c->p + 4 < c->end &&
            (is_space(c->p[4]) || c->p[4] == '>' || c->p[4] == '/')) {
            if (strict) {
                int empty;
                long r = fast_row(c);
                count->n_rows++;
                if (r > 0) {
                    count->n_fast_rows++;
                    if (r > count->max_fast_row) count->max_fast_row = r;
                }
                c->p += 4;
                if (in_row || !row_tag(c, &empty)) return 0;
                in_row = !empty;
            } else {
                c->p += 4;
            }
            continue;
        }
        if (strict) {
            if (starts(c, "</row>") && in_row) {
                c->p += 6;
                in_row = 0;
                continue;
            }
            if (c->end - c->p == 12 && !in_row && starts(c, "</sheetData>")) {
                c->p += 12;
                closed = 1;
                continue;
            }
            if (!in_row || !starts(c, "<c ")) return 0;
        } else if (starts(c, "</row>") || starts(c, "<sheetData>") || starts(c, "</sheetData>") ||
                   starts(c, "<sheetData/>")) {
            c->p += 1;
            continue;
        }
        if (!starts(c, "<c ") || !parse_cell(c, &cell, strict)) return 0;
        count->n_cells++;
        count->n_elements += 1 + cell.fmark + cell.vmark + 2 * cell.ismark; /* <c>, <f>, <v>, <is><t> */
        if (cell.row > count->ext_row) count->ext_row = cell.row;
        if (cell.col > count->ext_col) count->ext_col = cell.col;
        if ((cell.fmark || cell.vmark || cell.ismark) && cell.row > count->max_row) count->max_row = cell.row;
        if ((cell.fmark || cell.vmark || cell.ismark) && cell.col > count->max_col) count->max_col = cell.col;
        switch (on_cell(&cell, context)) {
            case 0: return 0;
            case -1: return -1;
            default: break;
        }
    }
    if (strict && !closed) return 0;
    return 1;
}

/* scan_cells' handler: add_cell into its lists */
typedef struct {
    int keep;
    PyObject *types, *facts, *formulas;
} ScanLists;

static int scan_cells_cell(const Cell *cell, void *context) {
    ScanLists *l = (ScanLists *)context;
    return add_cell(cell, l->keep, l->types, l->facts, l->formulas);
}

static PyObject *scan_cells(PyObject *self, PyObject *args) {
    Py_buffer view;
    int keep, strict = 0, status;
    ScanLists l = {0, NULL, NULL, NULL};
    ScanCount n;
    Cursor c;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*p|p", &view, &keep, &strict)) return NULL;
    c.p = (const unsigned char *)view.buf;
    c.end = c.p + view.len;
    l.keep = keep;
    l.facts = PyList_New(0);
    l.formulas = PyList_New(0);
    l.types = PyDict_New();
    if (l.facts == NULL || l.formulas == NULL || l.types == NULL) {
        status = -1;
    } else {
        status = scan_sheet_data(&c, strict, &n, scan_cells_cell, &l);
    }
    PyBuffer_Release(&view);
    if (status == 0) {
        result = Py_NewRef(Py_NotImplemented);
    } else if (status == 1) {
        if (strict)
            result = Py_BuildValue("(OONllllnnnln)", l.facts, l.formulas, PyList_New(0), n.max_row, n.max_col,
                                   n.ext_row, n.ext_col, n.n_cells, n.n_rows, n.n_fast_rows, n.max_fast_row,
                                   n.n_elements + n.n_rows);
        else
            result = Py_BuildValue("(OONlllln)", l.facts, l.formulas, PyList_New(0), n.max_row, n.max_col,
                                   n.ext_row, n.ext_col, n.n_cells);
    }
    Py_XDECREF(l.facts);
    Py_XDECREF(l.formulas);
    Py_XDECREF(l.types);
    return result;
}

/* ---------------------------------------------------------------------------------------------------------
 * The light workbook's cells (zedxl.xlsx.office_scan): Cell, and build_cells for a sheet's facts.
 */

/* A cell as office_read asks for it: value, data_type, number_format (read-only; it refers only to str, int,
 * float or None, so it cannot be part of a reference cycle and is not tracked by the garbage collector). */
typedef struct {
    PyObject_HEAD
    PyObject *value;
    PyObject *data_type;
    PyObject *number_format;
} CellObject;

static PyTypeObject CellType;

static PyObject *new_cell(PyObject *value, PyObject *data_type, PyObject *number_format) {
    CellObject *cell = PyObject_New(CellObject, &CellType);
    if (cell == NULL) return NULL;
    Py_INCREF(value);
    Py_INCREF(data_type);
    Py_INCREF(number_format);
    cell->value = value;
    cell->data_type = data_type;
    cell->number_format = number_format;
    return (PyObject *)cell;
}

static PyObject *cell_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *value, *data_type, *number_format;
    static char *names[] = {"value", "data_type", "number_format", NULL};
    (void)type;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:Cell", names, &value, &data_type, &number_format))
        return NULL;
    return new_cell(value, data_type, number_format);
}

static void cell_dealloc(CellObject *self) {
    Py_XDECREF(self->value);
    Py_XDECREF(self->data_type);
    Py_XDECREF(self->number_format);
    PyObject_Free(self);
}

static PyObject *cell_repr(CellObject *self) {
    return PyUnicode_FromFormat("Cell(%R, %R, %R)", self->value, self->data_type, self->number_format);
}

static PyMemberDef cell_members[] = {
    {"value", T_OBJECT, offsetof(CellObject, value), READONLY, NULL},
    {"data_type", T_OBJECT, offsetof(CellObject, data_type), READONLY, NULL},
    {"number_format", T_OBJECT, offsetof(CellObject, number_format), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject CellType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zedxl._scan.Cell",
    .tp_basicsize = sizeof(CellObject),
    .tp_dealloc = (destructor)cell_dealloc,
    .tp_repr = (reprfunc)cell_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Cell(value, data_type, number_format): one cell of office_scan's light workbook.",
    .tp_members = cell_members,
    .tp_new = cell_new,
};

static PyObject *S_F, *S_N, *S_S, *S_EQ; /* "f", "n", "s", "=" */

static int str_is(PyObject *s, const char *lit) {
    return s != Py_None && PyUnicode_Check(s) && PyUnicode_CompareWithASCIIString(s, lit) == 0;
}

/* openpyxl's reading of a number cell (office_scan._cast_number): a float when the text has a point or an
 * exponent, else an int; NULL with no error set when Python would raise ValueError (the caller declines). */
static PyObject *cast_number(PyObject *raw) {
    PyObject *out;
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    if (PyUnicode_FindChar(raw, '.', 0, n, 1) >= 0 || PyUnicode_FindChar(raw, 'E', 0, n, 1) >= 0 ||
        PyUnicode_FindChar(raw, 'e', 0, n, 1) >= 0)
        out = PyFloat_FromString(raw);
    else
        out = PyLong_FromUnicodeObject(raw, 10);
    if (out == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) PyErr_Clear();
    return out;
}

/* build_cells(facts, formats, dates, sst): office_scan._sheet_cells's dict for the usual cells, or
 * NotImplemented (Python then builds the sheet) for anything else: a style with no format, a number in a date
 * format, a type other than number, shared or inline string, a shared string that is not a plain item. */
static PyObject *build_cells(PyObject *self, PyObject *args) {
    PyObject *facts, *formats, *dates, *sst, *cells = NULL;
    Py_ssize_t i, n, n_formats;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO!OO", &facts, &PyList_Type, &formats, &dates, &sst)) return NULL;
    if (!(PyList_Check(facts) || PyTuple_Check(facts)) || !PyAnySet_Check(dates) ||
        (sst != Py_None && !PyList_Check(sst))) {
        PyErr_SetString(PyExc_TypeError, "build_cells: facts a list or tuple, dates a set, sst a list or None");
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(facts);
    n_formats = PyList_GET_SIZE(formats);
    cells = PyDict_New();
    if (cells == NULL) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *fact = PySequence_Fast_GET_ITEM(facts, i), *style, *t, *raw, *formula, *fmt, *key, *cell = NULL;
        PyObject *value = NULL, *data_type;
        Py_ssize_t st;
        int rc;
        if (!PyTuple_Check(fact) || PyTuple_GET_SIZE(fact) != 6) goto decline;
        style = PyTuple_GET_ITEM(fact, 2);
        t = PyTuple_GET_ITEM(fact, 3);
        raw = PyTuple_GET_ITEM(fact, 4);
        formula = PyTuple_GET_ITEM(fact, 5);
        if (!PyLong_CheckExact(style)) goto decline;
        st = PyLong_AsSsize_t(style);
        if (st == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto decline;
        }
        if (st < 0 || st >= n_formats) goto decline;
        fmt = PyList_GET_ITEM(formats, st);
        if (raw != Py_None && !PyUnicode_Check(raw)) goto decline;
        if (formula != Py_None) {
            if (!PyUnicode_Check(formula)) goto decline;
            value = PyUnicode_Concat(S_EQ, formula);
            if (value == NULL) goto fail;
            data_type = S_F;
        } else if (t == Py_None || str_is(t, "n")) {
            data_type = S_N;
            if (raw == Py_None || PyUnicode_GET_LENGTH(raw) == 0) {
                value = Py_NewRef(Py_None);
            } else {
                rc = PySet_Contains(dates, style);
                if (rc < 0) goto fail;
                if (rc) goto decline; /* a date: Python converts it */
                value = cast_number(raw);
                if (value == NULL) {
                    if (PyErr_Occurred()) goto fail;
                    goto decline;
                }
            }
        } else if (str_is(t, "s") && sst != Py_None) {
            data_type = S_S;
            if (raw == Py_None || PyUnicode_GET_LENGTH(raw) == 0) {
                value = Py_NewRef(Py_None);
            } else {
                PyObject *index = PyLong_FromUnicodeObject(raw, 10);
                if (index == NULL) {
                    if (!PyErr_ExceptionMatches(PyExc_ValueError)) goto fail;
                    PyErr_Clear();
                    goto decline;
                }
                value = PyObject_GetItem(sst, index);
                Py_DECREF(index);
                if (value == NULL) {
                    if (!PyErr_ExceptionMatches(PyExc_IndexError)) goto fail;
                    PyErr_Clear();
                    goto decline;
                }
            }
        } else if (str_is(t, "inlineStr") && raw != Py_None && PyUnicode_GET_LENGTH(raw) > 0) {
            data_type = S_S;
            value = Py_NewRef(raw);
        } else if ((str_is(t, "s") || str_is(t, "inlineStr")) &&
                   (raw == Py_None || (str_is(t, "s") && PyUnicode_GET_LENGTH(raw) == 0))) {
            data_type = t; /* an empty string cell keeps its own type, as in openpyxl */
            value = Py_NewRef(Py_None);
        } else {
            goto decline;
        }
        cell = new_cell(value, data_type, fmt);
        Py_CLEAR(value);
        if (cell == NULL) goto fail;
        key = PyTuple_GetSlice(fact, 0, 2);
        if (key == NULL) goto fail;
        rc = PyDict_SetItem(cells, key, cell);
        Py_DECREF(key);
        Py_CLEAR(cell);
        if (rc < 0) goto fail;
        continue;
    decline:
        Py_XDECREF(value);
        Py_DECREF(cells);
        Py_RETURN_NOTIMPLEMENTED;
    fail:
        Py_XDECREF(value);
        Py_XDECREF(cell);
        Py_DECREF(cells);
        return NULL;
    }
    return cells;
}

/* ---------------------------------------------------------------------------------------------------------
 * The master's AO rows (zedxl.xlsx.master_write._AoRowTemplate.render): one row's <c> elements.
 */

static PyObject *S_EMPTY; /* "" */

/* A growing UTF-8 buffer: render_row writes a row's text into it and makes one str at the end. */
typedef struct {
    char *p;
    Py_ssize_t n, cap;
} Buf;

static int buf_put(Buf *b, const char *s, Py_ssize_t n) {
    if (b->n + n > b->cap) {
        Py_ssize_t cap = b->cap ? b->cap : 1024;
        char *p;
        while (cap < b->n + n) {
            if (cap > PY_SSIZE_T_MAX / 2) {
                PyErr_NoMemory();
                return -1;
            }
            cap *= 2;
        }
        p = PyMem_Realloc(b->p, (size_t)cap);
        if (p == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, (size_t)n);
    b->n += n;
    return 0;
}

#define BUF_LIT(b, lit) buf_put((b), (lit), (Py_ssize_t)(sizeof(lit) - 1))

/* a str's UTF-8 (kept by the str itself after the first time: the template's pieces cost nothing after that) */
static int buf_str(Buf *b, PyObject *s) {
    Py_ssize_t n;
    const char *u;
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "render_row: a text piece must be a str");
        return -1;
    }
    u = PyUnicode_AsUTF8AndSize(s, &n);
    if (u == NULL) return -1;
    return buf_put(b, u, n);
}

/* a C string made by PyOS_double_to_string (freed here) */
static int buf_dtoa(Buf *b, char *s) {
    int rc;
    if (s == NULL) return -1;
    rc = buf_put(b, s, (Py_ssize_t)strlen(s));
    PyMem_Free(s);
    return rc;
}

/* f"{float(value):.16G}": format's ".16G" is PyOS_double_to_string(x, 'G', 16, no flags); ``texts`` (a dict
 * id → text, or None) gives the text of the values looked up by the very object (small whole numbers) */
static int buf_number(Buf *b, PyObject *value, PyObject *texts) {
    PyObject *f;
    double x;
    if (texts != Py_None) {
        PyObject *key = PyLong_FromVoidPtr(value), *text;
        if (key == NULL) return -1;
        text = PyDict_GetItemWithError(texts, key);
        Py_DECREF(key);
        if (text != NULL) return buf_str(b, text);
        if (PyErr_Occurred()) return -1;
    }
    if (PyFloat_CheckExact(value)) {
        x = PyFloat_AS_DOUBLE(value);
    } else {
        f = PyNumber_Float(value);
        if (f == NULL) return -1;
        x = PyFloat_AS_DOUBLE(f);
        Py_DECREF(f);
    }
    return buf_dtoa(b, PyOS_double_to_string(x, 'G', 16, 0, NULL));
}

/* f"{value}" for a formula's cached value or a shared string's index: a float as repr (float's format with no
 * spec), an int in decimal, anything else through format */
static int buf_format(Buf *b, PyObject *value) {
    PyObject *text;
    int rc;
    if (PyFloat_CheckExact(value))
        return buf_dtoa(b, PyOS_double_to_string(PyFloat_AS_DOUBLE(value), 'r', 0, Py_DTSF_ADD_DOT_0, NULL));
    if (PyLong_CheckExact(value)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (!overflow && !(v == -1 && PyErr_Occurred())) {
            char digits[32];
            int len = snprintf(digits, sizeof digits, "%lld", v);
            return buf_put(b, digits, len);
        }
        if (PyErr_Occurred()) return -1;
    }
    text = PyObject_Format(value, S_EMPTY);
    if (text == NULL) return -1;
    rc = buf_str(b, text);
    Py_DECREF(text);
    return rc;
}

/* render_row(pieces, row_text, programado, ejecutado, strings, cached, escape, texts=None) -> str
 *
 * pieces: (head, style, kind, source) per cell in column order, as _AoRowTemplate.render makes them, with a
 * formula's source (index of its cached value, the formula's text split where the row number goes). Exactly
 * _AoRowTemplate.render_py's text: the same f-strings, written into one UTF-8 buffer without the interpreter's
 * per-piece work; ``texts`` (id of a number → its ".16G" text) spares converting the usual small numbers. */
static PyObject *render_row(PyObject *self, PyObject *args) {
    PyObject *pieces, *row, *prog, *ejec, *strings, *cached, *escape, *texts = Py_None, *result = NULL;
    Py_ssize_t k, n;
    Buf b = {NULL, 0, 0};
    (void)self;
    if (!PyArg_ParseTuple(args, "O!UOOO!OO|O", &PyList_Type, &pieces, &row, &prog, &ejec, &PyDict_Type, &strings,
                          &cached, &escape, &texts))
        return NULL;
    if (texts != Py_None && !PyDict_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "render_row: texts must be a dict or None");
        return NULL;
    }
    n = PyList_GET_SIZE(pieces);
    for (k = 0; k < n; k++) {
        PyObject *piece = PyList_GET_ITEM(pieces, k), *head, *style, *kind, *src, *value = NULL;
        Py_UCS4 kc;
        if (!PyTuple_Check(piece) || PyTuple_GET_SIZE(piece) != 4) {
            PyErr_SetString(PyExc_TypeError, "render_row: each piece is (head, style, kind, source)");
            goto done;
        }
        head = PyTuple_GET_ITEM(piece, 0);
        style = PyTuple_GET_ITEM(piece, 1);
        kind = PyTuple_GET_ITEM(piece, 2);
        src = PyTuple_GET_ITEM(piece, 3);
        if (!PyUnicode_Check(kind) || PyUnicode_GET_LENGTH(kind) != 1) {
            PyErr_SetString(PyExc_TypeError, "render_row: kind must be one character");
            goto done;
        }
        if (buf_str(&b, head) < 0 || buf_str(&b, row) < 0 || buf_str(&b, style) < 0) goto done;
        kc = PyUnicode_READ_CHAR(kind, 0);
        if (kc == 'f') {
            PyObject *parts;
            Py_ssize_t i, m;
            if (!PyTuple_Check(src) || PyTuple_GET_SIZE(src) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(src, 1))) {
                PyErr_SetString(PyExc_TypeError, "render_row: a formula's source is (index, parts)");
                goto done;
            }
            value = PyObject_GetItem(cached, PyTuple_GET_ITEM(src, 0));
            if (value == NULL) goto done;
            parts = PyTuple_GET_ITEM(src, 1);
            m = PyTuple_GET_SIZE(parts);
            if (PyUnicode_Check(value) && PyUnicode_GET_LENGTH(value) > 0) {
                if (BUF_LIT(&b, " t=\"str\"><f>") < 0) goto item_fail;
            } else if (BUF_LIT(&b, "><f>") < 0) {
                goto item_fail;
            }
            for (i = 0; i < m; i++) {
                if (i > 0 && buf_str(&b, row) < 0) goto item_fail;
                if (buf_str(&b, PyTuple_GET_ITEM(parts, i)) < 0) goto item_fail;
            }
            if (PyUnicode_Check(value)) {
                if (PyUnicode_GET_LENGTH(value) == 0) {
                    if (BUF_LIT(&b, "</f><v></v></c>") < 0) goto item_fail;
                } else {
                    PyObject *escaped = PyObject_CallOneArg(escape, value);
                    int rc;
                    if (escaped == NULL) goto item_fail;
                    rc = BUF_LIT(&b, "</f><v>") < 0 || buf_str(&b, escaped) < 0 || BUF_LIT(&b, "</v></c>") < 0;
                    Py_DECREF(escaped);
                    if (rc) goto item_fail;
                }
            } else if (BUF_LIT(&b, "</f><v>") < 0 || buf_format(&b, value) < 0 || BUF_LIT(&b, "</v></c>") < 0) {
                goto item_fail;
            }
            Py_CLEAR(value);
        } else if (kc == 'n' || kc == 'e') {
            value = PyObject_GetItem(kc == 'n' ? prog : ejec, src);
            if (value == NULL) goto done;
            if (value == Py_None && kc == 'e') {
                if (BUF_LIT(&b, "/>") < 0) goto item_fail;
            } else if (BUF_LIT(&b, "><v>") < 0 || buf_number(&b, value, texts) < 0 ||
                       BUF_LIT(&b, "</v></c>") < 0) {
                goto item_fail;
            }
            Py_CLEAR(value);
        } else if (kc == 'b') {
            if (BUF_LIT(&b, "/>") < 0) goto done;
        } else {
            PyObject *key = PyLong_FromSsize_t(k);
            if (key == NULL) goto done;
            value = PyObject_GetItem(strings, key);
            Py_DECREF(key);
            if (value == NULL) goto done;
            if (value == Py_None) {
                if (BUF_LIT(&b, "/>") < 0) goto item_fail;
            } else if (BUF_LIT(&b, " t=\"s\"><v>") < 0 || buf_format(&b, value) < 0 ||
                       BUF_LIT(&b, "</v></c>") < 0) {
                goto item_fail;
            }
            Py_CLEAR(value);
        }
        continue;
    item_fail:
        Py_XDECREF(value);
        goto done;
    }
    result = PyUnicode_DecodeUTF8(b.p ? b.p : "", b.n, "strict");
done:
    PyMem_Free(b.p);
    return result;
}

/* ---------------------------------------------------------------------------------------------------------
 * The master's rows (zedxl.xlsx.master_read._Reader.rows): python-calamine's values with the formula texts laid
 * over them.
 */

/* a value of python-calamine's grid as the master reader takes it: "" is None, a whole float below 2**53 an int */
static PyObject *grid_value(PyObject *v) {
    if (PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) == 0) Py_RETURN_NONE;
    if (PyFloat_CheckExact(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        if (isfinite(d) && floor(d) == d && fabs(d) < 9007199254740992.0) return PyLong_FromDouble(d);
    }
    return Py_NewRef(v);
}

/* master_rows(grid, formulas) -> list[tuple] | NotImplemented
 *
 * grid: python-calamine's to_python() rows; formulas: scan_cells' (letters, row_text, formula_text) of the same
 * sheet (keep=False). Every row converted by grid_value, then each formula's cell (the grid grown as needed, with
 * empty rows and None) set to "=" + its text, later ones over earlier ones: _Reader.rows_py's result. */
static PyObject *master_rows(PyObject *self, PyObject *args) {
    PyObject *grid, *formulas, *out = NULL, *result = NULL;
    Py_ssize_t i, n;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &grid, &PyList_Type, &formulas)) return NULL;
    n = PyList_GET_SIZE(grid);
    out = PyList_New(n);
    if (out == NULL) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(grid, i), *copy;
        Py_ssize_t j, m;
        if (!PyList_Check(row)) goto decline; /* not the grid python-calamine gives: Python takes it */
        m = PyList_GET_SIZE(row);
        copy = PyList_New(m);
        if (copy == NULL) goto done;
        PyList_SET_ITEM(out, i, copy);
        for (j = 0; j < m; j++) {
            PyObject *v = grid_value(PyList_GET_ITEM(row, j));
            if (v == NULL) goto done;
            PyList_SET_ITEM(copy, j, v);
        }
    }
    for (i = 0; i < PyList_GET_SIZE(formulas); i++) {
        PyObject *item = PyList_GET_ITEM(formulas, i), *letters, *digits, *text, *row, *value;
        const char *s;
        Py_ssize_t k, len, r = 0, c = 0;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) goto decline;
        letters = PyTuple_GET_ITEM(item, 0);
        digits = PyTuple_GET_ITEM(item, 1);
        text = PyTuple_GET_ITEM(item, 2);
        if (!PyBytes_Check(letters) || !PyBytes_Check(digits) || !PyUnicode_Check(text)) goto decline;
        s = PyBytes_AS_STRING(letters);
        len = PyBytes_GET_SIZE(letters);
        if (len < 1 || len > 3) goto decline;
        for (k = 0; k < len; k++) {
            if (s[k] < 'A' || s[k] > 'Z') goto decline;
            c = c * 26 + (s[k] - 'A' + 1);
        }
        c -= 1;
        s = PyBytes_AS_STRING(digits);
        len = PyBytes_GET_SIZE(digits);
        if (len < 1 || len > 7) goto decline;
        for (k = 0; k < len; k++) {
            if (s[k] < '0' || s[k] > '9') goto decline;
            r = r * 10 + (s[k] - '0');
        }
        r -= 1;
        if (r < 0 || r > MAX_ROWS || c >= MAX_COLS) goto decline;
        while (PyList_GET_SIZE(out) <= r) {
            PyObject *empty = PyList_New(0);
            if (empty == NULL || PyList_Append(out, empty) < 0) {
                Py_XDECREF(empty);
                goto done;
            }
            Py_DECREF(empty);
        }
        row = PyList_GET_ITEM(out, r);
        while (PyList_GET_SIZE(row) <= c)
            if (PyList_Append(row, Py_None) < 0) goto done;
        value = PyUnicode_Concat(S_EQ, text);
        if (value == NULL || PyList_SetItem(row, c, value) < 0) goto done;
    }
    n = PyList_GET_SIZE(out);
    for (i = 0; i < n; i++) {
        PyObject *tuple = PyList_AsTuple(PyList_GET_ITEM(out, i));
        if (tuple == NULL || PyList_SetItem(out, i, tuple) < 0) goto done;
    }
    result = out;
    out = NULL;
    goto done;
decline:
    Py_DECREF(out);
    Py_RETURN_NOTIMPLEMENTED;
done:
    Py_XDECREF(out);
    return result;
}

/* master_cells' handler state: the rows made so far, and what a value needs */
typedef struct {
    PyObject *rows;          /* list of lists */
    PyObject *sst;           /* list of str, or None: no shared string is read */
    const unsigned char *plain; /* plain[s] != 0: a number with style s is a plain number (not a date) */
    Py_ssize_t n_plain;
    long last_row, last_col; /* the previous cell (1-based): cells must come in order */
} MasterCells;

/* One cell's value as python-calamine gives it and master_rows converts it (a formula cell: "=" + its text):
 * a new reference, Py_None for no value, NULL with *unsure (no error) when python-calamine must read the sheet,
 * NULL without *unsure for a Python error. */
static PyObject *master_value(const Cell *cell, const MasterCells *m, int *unsure) {
    if (cell->ismark || type_is(cell, "inlineStr")) goto unsure; /* not what XlsxWriter, Excel or LibreOffice write */
    if (cell->fmark) {
        PyObject *text, *value;
        /* the cached value is not used (the formula's text stands for it), but it must be one python-calamine
         * reads without complaint: a number (or nothing) for a number, 0 or 1 for a boolean, any text for a
         * string; an error, a date... is left to python-calamine */
        if (cell->type == NULL || type_is(cell, "n")) {
            if (cell->n_vtext > 0 && !plain_number(cell->vtext, cell->n_vtext)) goto unsure;
        } else if (type_is(cell, "b")) {
            if (cell->n_vtext > 1 || (cell->n_vtext == 1 && cell->vtext[0] != '0' && cell->vtext[0] != '1'))
                goto unsure;
        } else if (!type_is(cell, "str")) {
            goto unsure;
        }
        text = xml_text(cell->ftext, cell->n_ftext, unsure);
        if (text == NULL) return NULL;
        value = PyUnicode_Concat(S_EQ, text);
        Py_DECREF(text);
        return value;
    }
    if (!cell->vmark) Py_RETURN_NONE;
    if (cell->type == NULL || type_is(cell, "n")) {
        char digits[64];
        double d;
        if (cell->n_vtext == 0 || cell->n_vtext >= (Py_ssize_t)sizeof(digits) ||
            !plain_number(cell->vtext, cell->n_vtext))
            goto unsure;
        if (cell->st >= m->n_plain || !m->plain[cell->st]) goto unsure; /* a date, or a format not known plain */
        memcpy(digits, cell->vtext, (size_t)cell->n_vtext);
        digits[cell->n_vtext] = '\0';
        d = PyOS_string_to_double(digits, NULL, NULL);
        if (d == -1.0 && PyErr_Occurred()) return NULL;
        if (isfinite(d) && floor(d) == d && fabs(d) < 9007199254740992.0) return PyLong_FromDouble(d);
        return PyFloat_FromDouble(d);
    }
    if (type_is(cell, "s")) {
        Py_ssize_t k, idx = 0;
        PyObject *text;
        if (m->sst == Py_None || cell->n_vtext < 1 || cell->n_vtext > 9) goto unsure;
        for (k = 0; k < cell->n_vtext; k++) {
            if (!is_digit(cell->vtext[k])) goto unsure;
            idx = idx * 10 + (cell->vtext[k] - '0');
        }
        if (idx >= PyList_GET_SIZE(m->sst)) goto unsure;
        text = PyList_GET_ITEM(m->sst, idx);
        if (!PyUnicode_Check(text)) goto unsure;
        if (PyUnicode_GET_LENGTH(text) == 0) Py_RETURN_NONE;
        return Py_NewRef(text);
    }
    if (type_is(cell, "b") && cell->n_vtext == 1 && (cell->vtext[0] == '0' || cell->vtext[0] == '1'))
        return PyBool_FromLong(cell->vtext[0] == '1');
unsure: /* an error cell, a date, a string result without a formula, an odd number...: python-calamine reads it */
    *unsure = 1;
    return NULL;
}

static int master_cells_cell(const Cell *cell, void *context) {
    MasterCells *m = (MasterCells *)context;
    PyObject *value, *row;
    int unsure = 0;
    if (cell->row < m->last_row || (cell->row == m->last_row && cell->col <= m->last_col))
        return 0; /* out of order or twice: python-calamine decides */
    m->last_row = cell->row;
    m->last_col = cell->col;
    value = master_value(cell, m, &unsure);
    if (value == NULL) return unsure ? 0 : -1;
    if (value == Py_None) {
        Py_DECREF(value);
        return 1;
    }
    while (PyList_GET_SIZE(m->rows) < cell->row) {
        PyObject *empty = PyList_New(0);
        if (empty == NULL || PyList_Append(m->rows, empty) < 0) {
            Py_XDECREF(empty);
            Py_DECREF(value);
            return -1;
        }
        Py_DECREF(empty);
    }
    row = PyList_GET_ITEM(m->rows, cell->row - 1);
    while (PyList_GET_SIZE(row) < cell->col - 1) {
        if (PyList_Append(row, Py_None) < 0) {
            Py_DECREF(value);
            return -1;
        }
    }
    if (PyList_Append(row, value) < 0) {
        Py_DECREF(value);
        return -1;
    }
    Py_DECREF(value);
    return 1;
}

/* master_cells(sheet_data, sst, plain_styles) -> list[tuple] | NotImplemented
 *
 * The master reader's rows straight from a well-formed <sheetData> in the plain shape (strict scan): each row
 * a tuple up to its last cell with a value, formula cells as "=" + their text, numbers as master_rows makes
 * python-calamine's (whole ones below 2**53 as int), shared strings from sst ("" as None), booleans. The same
 * rows as master_rows(python-calamine's grid, formulas) but for trailing None and trailing empty rows.
 * NotImplemented for anything python-calamine must read: a number whose style is not known plain (dates), an
 * error, an inline string, cells out of order... */
static PyObject *master_cells(PyObject *self, PyObject *args) {
    Py_buffer view, plain;
    PyObject *result = NULL;
    MasterCells m = {NULL, NULL, NULL, 0, 0, 0};
    ScanCount n;
    Cursor c;
    Py_ssize_t i;
    int status;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*Oy*", &view, &m.sst, &plain)) return NULL;
    if (m.sst != Py_None && !PyList_CheckExact(m.sst)) {
        PyBuffer_Release(&view);
        PyBuffer_Release(&plain);
        PyErr_SetString(PyExc_TypeError, "sst must be a list or None");
        return NULL;
    }
    m.plain = (const unsigned char *)plain.buf;
    m.n_plain = plain.len;
    c.p = (const unsigned char *)view.buf;
    c.end = c.p + view.len;
    m.rows = PyList_New(0);
    status = m.rows == NULL ? -1 : scan_sheet_data(&c, 1, &n, master_cells_cell, &m);
    PyBuffer_Release(&view);
    PyBuffer_Release(&plain);
    if (status == 1) {
        for (i = 0; i < PyList_GET_SIZE(m.rows); i++) {
            PyObject *tuple = PyList_AsTuple(PyList_GET_ITEM(m.rows, i));
            if (tuple == NULL || PyList_SetItem(m.rows, i, tuple) < 0) {
                status = -1;
                break;
            }
        }
    }
    if (status == 1) {
        result = m.rows;
        m.rows = NULL;
    } else if (status == 0) {
        result = Py_NewRef(Py_NotImplemented);
    }
    Py_XDECREF(m.rows);
    return result;
}

/* ---------------------------------------------------------------------------------------------------------
 * A returned sheet's cells, as office_read compares them with the template: rows_of, value_rows, unsettled.
 * They take any cell object (office_scan's Cell read directly, anything else through its attributes).
 */

static PyObject *S_VALUE, *S_DATA_TYPE, *S_INPUT, *S_FORMULA, *S_TEXT, *S_NUMBER;

/* a cell's value or data_type: new reference, NULL with an error set */
static PyObject *cell_value(PyObject *cell) {
    if (Py_IS_TYPE(cell, &CellType)) return Py_NewRef(((CellObject *)cell)->value);
    return PyObject_GetAttr(cell, S_VALUE);
}

static PyObject *cell_data_type(PyObject *cell) {
    if (Py_IS_TYPE(cell, &CellType)) return Py_NewRef(((CellObject *)cell)->data_type);
    return PyObject_GetAttr(cell, S_DATA_TYPE);
}

/* the (row, col) key of a cell as two C integers; 0 when it is not a pair of ints */
static int cell_key(PyObject *key, long *r, long *c) {
    PyObject *a, *b;
    if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) != 2) return 0;
    a = PyTuple_GET_ITEM(key, 0);
    b = PyTuple_GET_ITEM(key, 1);
    if (!PyLong_CheckExact(a) || !PyLong_CheckExact(b)) return 0;
    *r = PyLong_AsLong(a);
    *c = PyLong_AsLong(b);
    if ((*r == -1 || *c == -1) && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* rows_of(cells) -> {row: {col: cell}} | NotImplemented: office_read._rows_of_py (each row's cells in the order of
 * cells; declined when a key is not a pair of ints) */
static PyObject *rows_of(PyObject *self, PyObject *args) {
    PyObject *cells, *rows, *key, *cell;
    Py_ssize_t pos = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &cells)) return NULL;
    rows = PyDict_New();
    if (rows == NULL) return NULL;
    while (PyDict_Next(cells, &pos, &key, &cell)) {
        long r, c;
        PyObject *r_obj, *row;
        if (!cell_key(key, &r, &c)) {
            Py_DECREF(rows);
            Py_RETURN_NOTIMPLEMENTED;
        }
        r_obj = PyTuple_GET_ITEM(key, 0);
        row = PyDict_GetItemWithError(rows, r_obj); /* borrowed */
        if (row == NULL) {
            if (PyErr_Occurred()) goto fail;
            row = PyDict_New();
            if (row == NULL) goto fail;
            if (PyDict_SetItem(rows, r_obj, row) < 0) {
                Py_DECREF(row);
                goto fail;
            }
            Py_DECREF(row); /* rows holds it */
        }
        if (PyDict_SetItem(row, PyTuple_GET_ITEM(key, 1), cell) < 0) goto fail;
    }
    return rows;
fail:
    Py_DECREF(rows);
    return NULL;
}

static int compare_rows(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* value_rows(cells, cap) -> list[tuple[row, tuple]] | NotImplemented: office_read._value_rows_py. The rows that
 * hold a value (not None) in their first min(widest col + 1, cap) columns, in row order, each as a tuple that
 * wide with None where nothing is. */
static PyObject *value_rows(PyObject *self, PyObject *args) {
    PyObject *cells, *key, *cell, *out = NULL, *rows = NULL;
    Py_ssize_t pos = 0, cap, i, n_rows;
    long width = 0, *order = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!n", &PyDict_Type, &cells, &cap)) return NULL;
    if (cap < 1 || cap > MAX_COLS) Py_RETURN_NOTIMPLEMENTED;
    out = PyList_New(0);
    if (out == NULL) return NULL;
    if (PyDict_GET_SIZE(cells) == 0) return out;
    while (PyDict_Next(cells, &pos, &key, &cell)) {
        long r, c;
        if (!cell_key(key, &r, &c) || r < 0 || c < 0 || c >= MAX_COLS) goto decline;
        if (c + 1 > width) width = c + 1;
    }
    if (width > cap) width = (long)cap;
    rows = PyDict_New(); /* row -> list of values, for the rows holding one */
    if (rows == NULL) goto fail;
    pos = 0;
    while (PyDict_Next(cells, &pos, &key, &cell)) {
        long r = 0, c = 0;
        PyObject *value, *row;
        cell_key(key, &r, &c);
        if (c >= width) continue;
        value = cell_value(cell);
        if (value == NULL) goto fail;
        if (value == Py_None) {
            Py_DECREF(value);
            continue;
        }
        row = PyDict_GetItemWithError(rows, PyTuple_GET_ITEM(key, 0));
        if (row == NULL) {
            Py_ssize_t k;
            if (PyErr_Occurred() || (row = PyList_New(width)) == NULL) {
                Py_DECREF(value);
                goto fail;
            }
            for (k = 0; k < width; k++) PyList_SET_ITEM(row, k, Py_NewRef(Py_None));
            if (PyDict_SetItem(rows, PyTuple_GET_ITEM(key, 0), row) < 0) {
                Py_DECREF(row);
                Py_DECREF(value);
                goto fail;
            }
            Py_DECREF(row);
        }
        if (PyList_SetItem(row, c, value) < 0) goto fail; /* steals value */
    }
    n_rows = PyDict_GET_SIZE(rows);
    order = PyMem_Malloc((size_t)(n_rows ? n_rows : 1) * sizeof(long));
    if (order == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    pos = 0;
    i = 0;
    while (PyDict_Next(rows, &pos, &key, &cell)) order[i++] = PyLong_AsLong(key);
    qsort(order, (size_t)n_rows, sizeof(long), compare_rows);
    for (i = 0; i < n_rows; i++) {
        PyObject *r_obj = PyLong_FromLong(order[i]), *row, *pair;
        if (r_obj == NULL) goto fail;
        row = PyDict_GetItemWithError(rows, r_obj);
        if (row == NULL) {
            Py_DECREF(r_obj);
            goto fail;
        }
        pair = Py_BuildValue("(NN)", r_obj, PyList_AsTuple(row));
        if (pair == NULL || PyList_Append(out, pair) < 0) {
            Py_XDECREF(pair);
            goto fail;
        }
        Py_DECREF(pair);
    }
    PyMem_Free(order);
    Py_DECREF(rows);
    return out; /* the rows in order */
decline: /* a key that is not a (row, col) pair of ints: Python decides */
    Py_DECREF(out);
    Py_RETURN_NOTIMPLEMENTED;
fail:
    PyMem_Free(order);
    Py_XDECREF(rows);
    Py_DECREF(out);
    return NULL;
}

/* is one column of a data row settled by the usual case (office_read._settled_py)? 1 yes, 0 no, -1 error */
static int settled(PyObject *cell, PyObject *spec) {
    PyObject *value, *dt, *kind, *want;
    int is_f, eq, ok = 0;
    if (cell == NULL) return 0;
    value = cell_value(cell);
    if (value == NULL) return -1;
    dt = cell_data_type(cell);
    if (dt == NULL) {
        Py_DECREF(value);
        return -1;
    }
    is_f = PyObject_RichCompareBool(dt, S_F, Py_EQ);
    if (is_f < 0) goto done_err;
    if (spec == NULL) {
        ok = value == Py_None && !is_f;
        goto done;
    }
    kind = PyTuple_GET_ITEM(spec, 0);
    want = PyTuple_GET_ITEM(spec, 1);
    eq = PyObject_RichCompareBool(kind, S_INPUT, Py_EQ);
    if (eq < 0) goto done_err;
    if (eq) goto done;
    eq = PyObject_RichCompareBool(value, want, Py_EQ);
    if (eq < 0) goto done_err;
    if (!eq) goto done;
    if (is_f) {
        eq = PyObject_RichCompareBool(kind, S_FORMULA, Py_EQ);
        if (eq < 0) goto done_err;
        ok = eq && PyUnicode_CheckExact(value);
    } else {
        eq = PyObject_RichCompareBool(kind, S_TEXT, Py_EQ);
        if (eq < 0) goto done_err;
        if (eq) {
            ok = PyUnicode_CheckExact(value);
        } else if (PyLong_CheckExact(value)) {
            eq = PyObject_RichCompareBool(kind, S_NUMBER, Py_EQ);
            if (eq < 0) goto done_err;
            ok = eq;
        }
    }
done:
    Py_DECREF(value);
    Py_DECREF(dt);
    return ok;
done_err:
    Py_DECREF(value);
    Py_DECREF(dt);
    return -1;
}

/* unsettled(found, want) -> list[int] | NotImplemented: office_read._unsettled_py. The columns of a data row,
 * sorted, that the usual case does not settle (found: {col: cell}; want: {col: CellSpec}); declined when a key is
 * not an int or a spec not a tuple of at least two items. */
static PyObject *unsettled(PyObject *self, PyObject *args) {
    PyObject *found, *want, *key, *item, *out = NULL;
    Py_ssize_t pos = 0, n = 0, i;
    long cols[256], *order = cols;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!", &PyDict_Type, &found, &PyDict_Type, &want)) return NULL;
    if (PyDict_GET_SIZE(found) + PyDict_GET_SIZE(want) > 256) {
        order = PyMem_Malloc((size_t)(PyDict_GET_SIZE(found) + PyDict_GET_SIZE(want)) * sizeof(long));
        if (order == NULL) return PyErr_NoMemory();
    }
    while (PyDict_Next(found, &pos, &key, &item)) {
        if (!PyLong_CheckExact(key)) goto decline;
        order[n] = PyLong_AsLong(key);
        if (order[n] == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto decline;
        }
        n++;
    }
    pos = 0;
    while (PyDict_Next(want, &pos, &key, &item)) {
        if (!PyLong_CheckExact(key) || !PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 2) goto decline;
        order[n] = PyLong_AsLong(key);
        if (order[n] == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto decline;
        }
        n++;
    }
    qsort(order, (size_t)n, sizeof(long), compare_rows);
    out = PyList_New(0);
    if (out == NULL) goto done;
    for (i = 0; i < n; i++) {
        PyObject *col, *cell, *spec;
        int ok;
        if (i > 0 && order[i] == order[i - 1]) continue;
        col = PyLong_FromLong(order[i]);
        if (col == NULL) goto fail;
        cell = PyDict_GetItemWithError(found, col);
        spec = cell == NULL && PyErr_Occurred() ? NULL : PyDict_GetItemWithError(want, col);
        ok = PyErr_Occurred() ? -1 : settled(cell, spec);
        if (ok < 0 || (!ok && PyList_Append(out, col) < 0)) {
            Py_DECREF(col);
            goto fail;
        }
        Py_DECREF(col);
    }
    goto done;
decline:
    if (order != cols) PyMem_Free(order);
    Py_RETURN_NOTIMPLEMENTED;
fail:
    Py_CLEAR(out);
done:
    if (order != cols) PyMem_Free(order);
    return out;
}


/* -- a worksheet part outside <sheetData>, split into the pieces office_scan judges ------------------------------
 * office_scan._outside_pieces_py splits the part (as intake's fast scan keeps it, <sheetData/> in place of the
 * cells) into the elements under <worksheet>, and a <dataValidations> into its start tag and each
 * <dataValidation> with its cell list set aside; intake proves the part well formed piece by piece from the same
 * pieces. This is that split, for the usual shape only: every element under the root found in one step (an end
 * tag of its name, and no tag starting with its name inside), nothing but XML whitespace between elements,
 * before the root's end tag and after it. Any other shape: NotImplemented, and the callers do what they did. */

static Py_ssize_t find_bytes(const unsigned char *s, Py_ssize_t from, Py_ssize_t to, const char *lit,
                             Py_ssize_t n) {
    /* bytes.find(lit, from, to): the first index of lit inside s[from:to], or -1 */
    Py_ssize_t i;
    if (n == 0) return from <= to ? from : -1;
    for (i = from; i + n <= to; i++) {
        const unsigned char *hit = memchr(s + i, (unsigned char)lit[0], (size_t)(to - n + 1 - i));
        if (hit == NULL) return -1;
        i = hit - s;
        if (memcmp(s + i, lit, (size_t)n) == 0) return i;
    }
    return -1;
}

static Py_ssize_t tag_end(const unsigned char *s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t *name_end, int *empty) {
    /* office_scan._TAG matched at s[i] (a start tag) inside s[:n]: the index after its '>', or -1. Its pattern,
     * <(/?)([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>, read left to right (nothing in it can
     * be matched two ways). */
    Py_ssize_t k, w, a;
    const unsigned char *q;
    if (i >= n || s[i] != '<' || i + 1 >= n || s[i + 1] == '/') return -1;
    k = i + 1;
    while (k < n && !is_space(s[k]) && s[k] != '/' && s[k] != '>') k++;
    if (k == i + 1) return -1;
    *name_end = k;
    for (;;) {
        w = k;
        while (w < n && is_space(s[w])) w++;
        if (w < n && s[w] == '>') { *empty = 0; return w + 1; }
        if (w + 1 < n && s[w] == '/' && s[w + 1] == '>') { *empty = 1; return w + 2; }
        if (w == k) return -1; /* an attribute comes after whitespace */
        a = w;
        while (w < n && !is_space(s[w]) && s[w] != '=' && s[w] != '/' && s[w] != '>') w++;
        if (w == a) return -1;
        while (w < n && is_space(s[w])) w++;
        if (w >= n || s[w] != '=') return -1;
        w++;
        while (w < n && is_space(s[w])) w++;
        if (w >= n || (s[w] != '"' && s[w] != '\'')) return -1;
        q = memchr(s + w + 1, s[w], (size_t)(n - w - 1));
        if (q == NULL) return -1;
        k = (q - s) + 1;
    }
}

static Py_ssize_t skip_xml_space(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && is_xml_space(s[i])) i++;
    return i;
}

static int sqref_at(const unsigned char *s, Py_ssize_t p, Py_ssize_t n, Py_ssize_t *value_start,
                    Py_ssize_t *value_end, Py_ssize_t *match_end) {
    /* office_scan._SQREF, (\ssqref\s*=\s*)(?:"([^"]*)"|'([^']*)'), matched at s[p] inside s[:n] */
    Py_ssize_t w;
    const unsigned char *q;
    if (p + 6 > n || !is_space(s[p]) || memcmp(s + p + 1, "sqref", 5) != 0) return 0;
    w = p + 6;
    while (w < n && is_space(s[w])) w++;
    if (w >= n || s[w] != '=') return 0;
    w++;
    while (w < n && is_space(s[w])) w++;
    if (w >= n || (s[w] != '"' && s[w] != '\'')) return 0;
    q = memchr(s + w + 1, s[w], (size_t)(n - w - 1));
    if (q == NULL) return 0;
    *value_start = w + 1;
    *value_end = q - s;
    *match_end = (q - s) + 1;
    return 1;
}

static int add_piece(PyObject *list, const char *before, const unsigned char *s, Py_ssize_t n, const char *after) {
    size_t nb = strlen(before), na = strlen(after);
    PyObject *piece = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(nb + (size_t)n + na));
    char *out;
    int rc;
    if (piece == NULL) return -1;
    out = PyBytes_AS_STRING(piece);
    memcpy(out, before, nb);
    memcpy(out + nb, s, (size_t)n);
    memcpy(out + nb + (size_t)n, after, na);
    rc = PyList_Append(list, piece);
    Py_DECREF(piece);
    return rc;
}

static int add_validation(PyObject *pieces, PyObject *sqrefs, const unsigned char *item, Py_ssize_t n) {
    /* one <dataValidation>: its cell list set aside as _outside_pieces_py does (searched up to the item's first
     * '>', as there; not when a single quote comes before it) */
    const unsigned char *gt = memchr(item, '>', (size_t)n);
    Py_ssize_t window = gt - item + 1, p, vs = 0, ve = 0, me = 0, q;
    PyObject *value, *piece;
    char *out;
    int rc;
    for (p = 0; p < window; p++) {
        if (sqref_at(item, p, window, &vs, &ve, &me)) break;
    }
    if (p == window || memchr(item, '\'', (size_t)p) != NULL)
        return add_piece(pieces, "<dataValidations>", item, n, "</dataValidations>");
    value = PyBytes_FromStringAndSize((const char *)item + vs, ve - vs);
    if (value == NULL) return -1;
    rc = PyList_Append(sqrefs, value);
    Py_DECREF(value);
    if (rc < 0) return -1;
    /* <dataValidations> + item[:vs - 1] + "A1" (in double quotes) + item[me:] + </dataValidations> */
    q = vs - 1; /* the opening quote */
    piece = PyBytes_FromStringAndSize(NULL, 17 + q + 4 + (n - me) + 18);
    if (piece == NULL) return -1;
    out = PyBytes_AS_STRING(piece);
    memcpy(out, "<dataValidations>", 17);
    memcpy(out + 17, item, (size_t)q);
    memcpy(out + 17 + q, "\"A1\"", 4);
    memcpy(out + 17 + q + 4, item + me, (size_t)(n - me));
    memcpy(out + 17 + q + 4 + (n - me), "</dataValidations>", 18);
    rc = PyList_Append(pieces, piece);
    Py_DECREF(piece);
    return rc;
}

static PyObject *outside_pieces(PyObject *self, PyObject *args) {
    Py_buffer buf;
    const unsigned char *s;
    Py_ssize_t n, root, root_end, close, i, name_end, end, gt, inner_end, q, c2, pos;
    int empty;
    PyObject *pieces = NULL, *sqrefs = NULL, *out = NULL;
    char name[64];
    Py_ssize_t name_len;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*", &buf)) return NULL;
    s = buf.buf;
    n = buf.len;
    root = find_bytes(s, 0, n, "<worksheet", 10);
    if (root < 0 || root + 10 >= n || !(is_space(s[root + 10]) || s[root + 10] == '>')) goto decline;
    root_end = tag_end(s, root, n, &name_end, &empty);
    if (root_end < 0 || empty) goto decline;
    /* the root's end tag: the last "</", then nothing but whitespace */
    for (close = n - 2; close >= root_end; close--) {
        if (s[close] == '<' && s[close + 1] == '/') break;
    }
    if (close < root_end || n - close < 12 || memcmp(s + close, "</worksheet>", 12) != 0 ||
        skip_xml_space(s, close + 12, n) != n)
        goto decline;
    pieces = PyList_New(0);
    sqrefs = PyList_New(0);
    if (pieces == NULL || sqrefs == NULL) goto fail;
    i = skip_xml_space(s, root_end, close);
    while (i < close) {
        end = tag_end(s, i, close, &name_end, &empty);
        name_len = name_end - i - 1;
        if (end < 0 || name_len + 4 > (Py_ssize_t)sizeof(name)) goto decline;
        if (!empty) {
            /* the first end tag of its name, with no tag starting with its name before it */
            name[0] = '<';
            name[1] = '/';
            memcpy(name + 2, s + i + 1, (size_t)name_len);
            name[name_len + 2] = '>';
            c2 = find_bytes(s, end, close, name, name_len + 3);
            if (c2 < 0) goto decline;
            name[1] = '<'; /* name + 1: "<" and the name */
            if (find_bytes(s, end, c2, name + 1, name_len + 1) >= 0) goto decline;
            end = c2 + name_len + 3;
        }
        if (!empty && name_len >= 15 && memcmp(s + i + 1, "dataValidations", 15) == 0) {
            /* its start tag up to the first '>' (as _outside_pieces_py cuts it), then each <dataValidation> */
            gt = (const unsigned char *)memchr(s + i, '>', (size_t)(end - i)) - s + 1;
            if (add_piece(pieces, "", s + i, gt - i, "</dataValidations>") < 0) goto fail;
            inner_end = end - name_len - 3; /* where its end tag starts: the last "</" inside it */
            pos = gt;
            for (;;) {
                pos = skip_xml_space(s, pos, inner_end);
                if (pos == inner_end) break;
                if (inner_end - pos < 16 || memcmp(s + pos, "<dataValidation", 15) != 0 ||
                    !(s[pos + 15] == ' ' || s[pos + 15] == '>'))
                    goto decline;
                q = find_bytes(s, pos, inner_end, "</dataValidation>", 17);
                if (q < 0 || find_bytes(s, pos + 1, q, "<dataValidation", 15) >= 0) goto decline;
                if (add_validation(pieces, sqrefs, s + pos, q + 17 - pos) < 0) goto fail;
                pos = q + 17;
            }
        } else if (add_piece(pieces, "", s + i, end - i, "") < 0) {
            goto fail;
        }
        i = skip_xml_space(s, end, close);
    }
    out = Py_BuildValue("(y#y#OO)", (const char *)s, root, (const char *)s + root, root_end - root, pieces,
                        sqrefs);
    goto done;
decline:
    Py_XDECREF(pieces);
    Py_XDECREF(sqrefs);
    PyBuffer_Release(&buf);
    Py_RETURN_NOTIMPLEMENTED;
fail:
    out = NULL;
done:
    Py_XDECREF(pieces);
    Py_XDECREF(sqrefs);
    PyBuffer_Release(&buf);
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * The master's AO values (zedxl.xlsx.master_read._Reader.oei_sheet).
 */

/* small_numbers(row, cols, small, missing) -> tuple, or NotImplemented
 *
 * For each column c of cols: row[c] (None past the row's end), taken as ``missing`` when None (unless ``missing``
 * is NotImplemented: then a blank declines) and as small[v] when it is an int 0 <= v < len(small); any other value
 * (a float, a text, a bool, a larger number...) gives NotImplemented and the caller converts the row in Python, as
 * the readers' generator expressions do. */
static PyObject *small_numbers(PyObject *self, PyObject *args) {
    PyObject *row, *cols, *small, *missing, *out;
    Py_ssize_t i, n, width, n_small;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO!O!O", &row, &PyList_Type, &cols, &PyTuple_Type, &small, &missing)) return NULL;
    if (!PyList_Check(row) && !PyTuple_Check(row)) {
        PyErr_SetString(PyExc_TypeError, "small_numbers: the row is a list or a tuple");
        return NULL;
    }
    n = PyList_GET_SIZE(cols);
    width = PySequence_Fast_GET_SIZE(row);
    n_small = PyTuple_GET_SIZE(small);
    out = PyTuple_New(n);
    if (out == NULL) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *col = PyList_GET_ITEM(cols, i), *v;
        Py_ssize_t c = PyLong_AsSsize_t(col);
        if (c == -1 && PyErr_Occurred()) {
            Py_DECREF(out);
            return NULL;
        }
        if (c < 0) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_ValueError, "small_numbers: a column is never negative");
            return NULL;
        }
        v = c < width ? PySequence_Fast_GET_ITEM(row, c) : Py_None;
        if (v == Py_None) {
            if (missing == Py_NotImplemented) { /* a blank that the caller must look at */
                Py_DECREF(out);
                Py_RETURN_NOTIMPLEMENTED;
            }
            PyTuple_SET_ITEM(out, i, Py_NewRef(missing));
        } else if (PyLong_CheckExact(v)) {
            int overflow;
            long k = PyLong_AsLongAndOverflow(v, &overflow);
            if (overflow || k < 0 || k >= n_small) {
                Py_DECREF(out);
                Py_RETURN_NOTIMPLEMENTED;
            }
            PyTuple_SET_ITEM(out, i, Py_NewRef(PyTuple_GET_ITEM(small, k)));
        } else {
            Py_DECREF(out);
            Py_RETURN_NOTIMPLEMENTED;
        }
    }
    return out;
}

/* ao_unsettled(found, texts, prog_cols, prog, ejec_cols, ejec, start, stop, formulas, inputs, small) -> list | NotImplemented
 *
 * unsettled(found, want) for an AO row whose want is office_write.expected_cells', given by its parts instead of
 * as a dict of CellSpecs: texts ((col, text) ...: code, name, unit), the programmed numbers (prog_cols[i]: prog[i]),
 * the executed ones of the other periods (ejec_cols[i]: ejec[i] when not None, for i outside [start, stop): those
 * inside are inputs), formulas ((col, text) ...) and the other input columns (inputs). The same columns, sorted,
 * that office_read.data_row must look at one by one; NotImplemented for anything else (two parts naming the same
 * column, a key that is not an int...). small: {id(number): int} of rules.SMALL_INTS (see slot_settled). */
typedef struct {
    long col;
    int kind; /* 0 none (a found cell with nothing expected), 1 text, 2 number, 3 formula, 4 input */
    PyObject *want;  /* borrowed */
    PyObject *cell;  /* borrowed, NULL when the column has no cell */
} RowSlot;

static int compare_slots(const void *a, const void *b) {
    long x = ((const RowSlot *)a)->col, y = ((const RowSlot *)b)->col;
    return (x > y) - (x < y);
}

/* settled() for a want given as (kind, value); small: {id(number): int} of the shared small whole numbers
 * (rules.SMALL_INTS), compared with a whole-number cell as C integers (Decimal's == with an int costs ~1 µs) */
static int slot_settled(const RowSlot *s, PyObject *small) {
    PyObject *value, *dt;
    int is_f, eq, ok = 0;
    if (s->cell == NULL) return 0;
    if (s->kind == 4) return 0;
    value = cell_value(s->cell);
    if (value == NULL) return -1;
    dt = cell_data_type(s->cell);
    if (dt == NULL) {
        Py_DECREF(value);
        return -1;
    }
    is_f = PyObject_RichCompareBool(dt, S_F, Py_EQ);
    if (is_f < 0) goto fail;
    if (s->kind == 0) {
        ok = value == Py_None && !is_f;
        goto done;
    }
    if (s->kind == 2 && (is_f || !PyLong_CheckExact(value))) goto done; /* a number settles as a whole number */
    if (s->kind == 2) {
        PyObject *id = PyLong_FromVoidPtr(s->want), *k;
        if (id == NULL) goto fail;
        k = PyDict_GetItemWithError(small, id);
        Py_DECREF(id);
        if (k == NULL && PyErr_Occurred()) goto fail;
        if (k != NULL) {
            int overflow;
            long v = PyLong_AsLongAndOverflow(value, &overflow), want = PyLong_AsLong(k);
            if ((v == -1 || want == -1) && PyErr_Occurred()) goto fail;
            ok = !overflow && v == want;
            goto done;
        }
    }
    eq = PyObject_RichCompareBool(value, s->want, Py_EQ);
    if (eq < 0) goto fail;
    if (!eq) goto done;
    if (is_f)
        ok = s->kind == 3 && PyUnicode_CheckExact(value);
    else if (s->kind == 1)
        ok = PyUnicode_CheckExact(value);
    else
        ok = s->kind == 2 && PyLong_CheckExact(value);
done:
    Py_DECREF(value);
    Py_DECREF(dt);
    return ok;
fail:
    Py_DECREF(value);
    Py_DECREF(dt);
    return -1;
}

static PyObject *ao_unsettled(PyObject *self, PyObject *args) {
    PyObject *found, *texts, *prog_cols, *prog, *ejec_cols, *ejec, *formulas, *inputs, *small, *out = NULL, *key;
    PyObject *item;
    Py_ssize_t start, stop, n, i, j, m = 0, cap, pos = 0, n_found;
    RowSlot slots[128], *w = slots, *f = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!nnO!O!O!", &PyDict_Type, &found, &PyTuple_Type, &texts, &PyTuple_Type,
                          &prog_cols, &PyTuple_Type, &prog, &PyTuple_Type, &ejec_cols, &PyTuple_Type, &ejec, &start,
                          &stop, &PyTuple_Type, &formulas, &PyTuple_Type, &inputs, &PyDict_Type, &small))
        return NULL;
    n = PyTuple_GET_SIZE(prog_cols);
    if (PyTuple_GET_SIZE(prog) != n || PyTuple_GET_SIZE(ejec_cols) != n || PyTuple_GET_SIZE(ejec) != n)
        Py_RETURN_NOTIMPLEMENTED;
    n_found = PyDict_GET_SIZE(found);
    cap = PyTuple_GET_SIZE(texts) + 2 * n + PyTuple_GET_SIZE(formulas) + PyTuple_GET_SIZE(inputs) + n_found;
    if (cap > (Py_ssize_t)(sizeof slots / sizeof slots[0])) {
        w = PyMem_Malloc((size_t)cap * sizeof(RowSlot));
        if (w == NULL) return PyErr_NoMemory();
    }
#define ADD_SLOT(colobj, k, v)                                  \
    do {                                                        \
        if (!PyLong_CheckExact(colobj)) goto decline;           \
        w[m].col = PyLong_AsLong(colobj);                       \
        if (w[m].col == -1 && PyErr_Occurred()) goto decline;   \
        w[m].kind = (k);                                        \
        w[m].want = (v);                                        \
        w[m].cell = NULL;                                       \
        m++;                                                    \
    } while (0)
    for (i = 0; i < PyTuple_GET_SIZE(texts); i++) {
        item = PyTuple_GET_ITEM(texts, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) goto decline;
        ADD_SLOT(PyTuple_GET_ITEM(item, 0), 1, PyTuple_GET_ITEM(item, 1));
    }
    for (i = 0; i < n; i++) {
        ADD_SLOT(PyTuple_GET_ITEM(prog_cols, i), 2, PyTuple_GET_ITEM(prog, i));
        if (start <= i && i < stop)
            ADD_SLOT(PyTuple_GET_ITEM(ejec_cols, i), 4, Py_None);
        else if (PyTuple_GET_ITEM(ejec, i) != Py_None)
            ADD_SLOT(PyTuple_GET_ITEM(ejec_cols, i), 2, PyTuple_GET_ITEM(ejec, i));
    }
    for (i = 0; i < PyTuple_GET_SIZE(formulas); i++) {
        item = PyTuple_GET_ITEM(formulas, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) goto decline;
        ADD_SLOT(PyTuple_GET_ITEM(item, 0), 3, PyTuple_GET_ITEM(item, 1));
    }
    for (i = 0; i < PyTuple_GET_SIZE(inputs); i++) ADD_SLOT(PyTuple_GET_ITEM(inputs, i), 4, Py_None);
#undef ADD_SLOT
    qsort(w, (size_t)m, sizeof(RowSlot), compare_slots);
    for (i = 1; i < m; i++)
        if (w[i].col == w[i - 1].col) goto decline; /* two parts name one column: the dict's order would decide */
    /* the found cells, sorted, merged in: a column with a cell and nothing expected is a slot of kind 0 */
    if (n_found > 0) {
        Py_ssize_t k = 0, n_w = m;
        f = PyMem_Malloc((size_t)n_found * sizeof(RowSlot));
        if (f == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        while (PyDict_Next(found, &pos, &key, &item)) {
            if (!PyLong_CheckExact(key)) goto decline;
            f[k].col = PyLong_AsLong(key);
            if (f[k].col == -1 && PyErr_Occurred()) goto decline;
            f[k].kind = 0;
            f[k].want = NULL;
            f[k].cell = item;
            k++;
        }
        qsort(f, (size_t)k, sizeof(RowSlot), compare_slots);
        for (i = 0, j = 0; j < k; j++) {
            while (i < n_w && w[i].col < f[j].col) i++;
            if (i < n_w && w[i].col == f[j].col)
                w[i].cell = f[j].cell;
            else
                w[m++] = f[j]; /* room: cap counts the found cells */
        }
        qsort(w, (size_t)m, sizeof(RowSlot), compare_slots);
    }
    out = PyList_New(0);
    if (out == NULL) goto done;
    for (i = 0; i < m; i++) {
        int ok = slot_settled(&w[i], small);
        PyObject *col;
        if (ok < 0) {
            Py_CLEAR(out);
            goto done;
        }
        if (ok) continue;
        col = PyLong_FromLong(w[i].col);
        if (col == NULL || PyList_Append(out, col) < 0) {
            Py_XDECREF(col);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(col);
    }
    goto done;
decline:
    PyErr_Clear();
    if (w != slots) PyMem_Free(w);
    PyMem_Free(f);
    Py_RETURN_NOTIMPLEMENTED;
done:
    if (w != slots) PyMem_Free(w);
    PyMem_Free(f);
    return out;
}

/* ao_stats(prog, ejec, n, half, zero, hundred, rules, texts) -> tuple | NotImplemented
 *
 * master_write.MasterWriter.ao_stats_py's figures of one AO, the same Decimal operations in the same order (so the
 * same results, in the caller's decimal context): (programmed, executed, (p, e, progress, status) of each of the two
 * semesters, progress, status) for the year. prog and ejec are tuples (at least n and 2 * half long), rules is
 * (tope_avance or None, avance_sin_meta, verde) and texts the statuses (sin reporte, sin meta, ejecutada sin meta,
 * sobreejecución, en rango, por debajo). NotImplemented for anything else. */
static PyObject *LONG_ZERO;

/* zero + values[a] + ... + values[b - 1] (the None skipped when skip_none), as Python's sum(); *any: a value met */
static PyObject *sum_range(PyObject *values, Py_ssize_t a, Py_ssize_t b, PyObject *zero, int skip_none, int *any) {
    PyObject *acc = Py_NewRef(zero);
    Py_ssize_t i;
    *any = 0;
    for (i = a; i < b; i++) {
        PyObject *v = PyTuple_GET_ITEM(values, i), *next;
        if (v == Py_None && skip_none) continue;
        *any = 1;
        next = PyNumber_Add(acc, v);
        Py_DECREF(acc);
        if (next == NULL) return NULL;
        acc = next;
    }
    return acc;
}

/* rules.progress and rules.status of (p, e): new references in *pct and *state; -1 on an error */
static int progress_status(PyObject *p, PyObject *e, PyObject *hundred, PyObject *rules, PyObject *texts,
                           PyObject **pct, PyObject **state) {
    PyObject *tope = PyTuple_GET_ITEM(rules, 0), *sin_meta = PyTuple_GET_ITEM(rules, 1);
    PyObject *verde = PyTuple_GET_ITEM(rules, 2), *ratio, *raw;
    int zero, cmp;
    *pct = *state = NULL;
    if (e == Py_None) {
        *pct = Py_NewRef(Py_None);
        *state = Py_NewRef(PyTuple_GET_ITEM(texts, 0));
        return 0;
    }
    zero = PyObject_RichCompareBool(p, LONG_ZERO, Py_EQ);
    if (zero < 0) return -1;
    if (zero) {
        cmp = PyObject_RichCompareBool(e, LONG_ZERO, Py_GT);
        if (cmp < 0) return -1;
        *pct = Py_NewRef(sin_meta);
        *state = Py_NewRef(PyTuple_GET_ITEM(texts, cmp ? 2 : 1));
        return 0;
    }
    ratio = PyNumber_TrueDivide(e, p);
    if (ratio == NULL) return -1;
    raw = PyNumber_Multiply(ratio, hundred);
    Py_DECREF(ratio);
    if (raw == NULL) return -1;
    /* progress: capped at the tope */
    cmp = 0;
    if (tope != Py_None) {
        cmp = PyObject_RichCompareBool(raw, tope, Py_GT);
        if (cmp < 0) goto fail;
    }
    *pct = Py_NewRef(cmp ? tope : raw);
    /* status: over, in range, below (status computes the same ratio again: the same value) */
    cmp = PyObject_RichCompareBool(e, p, Py_GT);
    if (cmp < 0) goto fail;
    if (cmp) {
        *state = Py_NewRef(PyTuple_GET_ITEM(texts, 3));
    } else {
        cmp = PyObject_RichCompareBool(raw, verde, Py_GE);
        if (cmp < 0) goto fail;
        *state = Py_NewRef(PyTuple_GET_ITEM(texts, cmp ? 4 : 5));
    }
    Py_DECREF(raw);
    return 0;
fail:
    Py_DECREF(raw);
    Py_CLEAR(*pct);
    return -1;
}

static PyObject *ao_stats(PyObject *self, PyObject *args) {
    PyObject *prog, *ejec, *zero, *hundred, *rules, *texts;
    PyObject *sums[6] = {NULL, NULL, NULL, NULL, NULL, NULL}; /* p_year, p1, p2, e_year, e1, e2 */
    PyObject *pcts[3] = {NULL, NULL, NULL}, *states[3] = {NULL, NULL, NULL}, *out = NULL;
    Py_ssize_t n, half, i, reported = 0;
    int any, k;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOnnOOOO", &prog, &ejec, &n, &half, &zero, &hundred, &rules, &texts)) return NULL;
    if (!PyTuple_Check(prog) || !PyTuple_Check(ejec) || !PyTuple_Check(rules) || PyTuple_GET_SIZE(rules) != 3 ||
        !PyTuple_Check(texts) || PyTuple_GET_SIZE(texts) != 6 || n < 0 || half < 0 || 2 * half > n ||
        PyTuple_GET_SIZE(prog) < n || PyTuple_GET_SIZE(ejec) < n)
        Py_RETURN_NOTIMPLEMENTED;
    if ((sums[0] = sum_range(prog, 0, n, zero, 0, &any)) == NULL) goto done;
    if ((sums[1] = sum_range(prog, 0, half, zero, 0, &any)) == NULL) goto done;
    if ((sums[2] = sum_range(prog, half, 2 * half, zero, 0, &any)) == NULL) goto done;
    for (i = 0; i < n; i++) reported += PyTuple_GET_ITEM(ejec, i) != Py_None;
    if (reported == 0) {
        sums[3] = Py_NewRef(Py_None);
        sums[4] = Py_NewRef(Py_None);
        sums[5] = Py_NewRef(Py_None);
    } else {
        /* everything reported: plain sums; else each semester None when nothing in it was reported */
        int skip = reported != n;
        if ((sums[3] = sum_range(ejec, 0, n, zero, 1, &any)) == NULL) goto done;
        if ((sums[4] = sum_range(ejec, 0, half, zero, skip, &any)) == NULL) goto done;
        if (skip && !any) Py_SETREF(sums[4], Py_NewRef(Py_None));
        if ((sums[5] = sum_range(ejec, half, 2 * half, zero, skip, &any)) == NULL) goto done;
        if (skip && !any) Py_SETREF(sums[5], Py_NewRef(Py_None));
    }
    /* semester 1, semester 2, year */
    for (k = 0; k < 3; k++) {
        PyObject *p = sums[k == 2 ? 0 : k + 1], *e = sums[k == 2 ? 3 : k + 4];
        if (progress_status(p, e, hundred, rules, texts, &pcts[k], &states[k]) < 0) goto done;
    }
    {
        PyObject *s1 = PyTuple_Pack(4, sums[1], sums[4], pcts[0], states[0]);
        PyObject *s2 = s1 == NULL ? NULL : PyTuple_Pack(4, sums[2], sums[5], pcts[1], states[1]);
        PyObject *semesters = s2 == NULL ? NULL : PyTuple_Pack(2, s1, s2);
        if (semesters != NULL) out = PyTuple_Pack(5, sums[0], sums[3], semesters, pcts[2], states[2]);
        Py_XDECREF(s1);
        Py_XDECREF(s2);
        Py_XDECREF(semesters);
    }
done:
    for (k = 0; k < 6; k++) Py_XDECREF(sums[k]);
    for (k = 0; k < 3; k++) {
        Py_XDECREF(pcts[k]);
        Py_XDECREF(states[k]);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"ao_unsettled", ao_unsettled, METH_VARARGS,
     "ao_unsettled(found, texts, prog_cols, prog, ejec_cols, ejec, start, stop, formulas, inputs, small)\n"
     "-> list | NotImplemented\n\n"
     "unsettled(found, office_write.expected_cells(...)) for an AO row, its expected cells given by their parts."},
    {"ao_stats", ao_stats, METH_VARARGS,
     "ao_stats(prog, ejec, n, half, zero, hundred, rules, texts) -> tuple | NotImplemented\n\n"
     "master_write.MasterWriter.ao_stats_py's figures of one AO: (programmed, executed, semesters, progress,\n"
     "status), the same Decimal operations in the same order."},
    {"small_numbers", small_numbers, METH_VARARGS,
     "small_numbers(row, cols, small, missing): row[c] for each column, None as missing (declined when missing is "
     "NotImplemented), a whole number below len(small) as small[v]; NotImplemented for any other value."},
    {"outside_pieces", outside_pieces, METH_VARARGS,
     "outside_pieces(outside: bytes) -> tuple[bytes, bytes, list[bytes], list[bytes]] | NotImplemented\n\n"
     "office_scan._outside_pieces_py for a worksheet part outside <sheetData> in the usual shape:\n"
     "(prefix, root tag, pieces, cell lists); NotImplemented for any other shape."},
    {"unsettled", unsettled, METH_VARARGS,
     "unsettled(found: dict[int, cell], want: dict[int, CellSpec]) -> list[int] | NotImplemented\n\n"
     "The columns of a returned data row, sorted, that office_read must look at one by one."},
    {"value_rows", value_rows, METH_VARARGS,
     "value_rows(cells: dict[tuple[int, int], cell], cap: int) -> list[tuple[int, tuple]] | NotImplemented\n\n"
     "The rows of a sheet that hold a value, in order, each as a tuple of its first columns' values."},
    {"rows_of", rows_of, METH_VARARGS,
     "rows_of(cells: dict[tuple[int, int], cell]) -> dict[int, dict[int, cell]] | NotImplemented\n\n"
     "A sheet's cells grouped by row."},
    {"master_rows", master_rows, METH_VARARGS,
     "master_rows(grid, formulas) -> list[tuple] | NotImplemented\n\n"
     "The master reader's rows: python-calamine's grid converted, formula texts laid over it."},
    {"master_cells", master_cells, METH_VARARGS,
     "master_cells(sheet_data: bytes, sst: list[str] | None, plain_styles: bytes) -> list[tuple] | NotImplemented\n\n"
     "The master reader's rows straight from a well-formed <sheetData> in the plain shape (no python-calamine);\n"
     "NotImplemented when python-calamine must read the sheet."},
    {"render_row", render_row, METH_VARARGS,
     "render_row(pieces, row_text, programado, ejecutado, strings, cached, escape) -> str\n\n"
     "One AO row of the master as master_write._AoRowTemplate.render_py writes it."},
    {"build_cells", build_cells, METH_VARARGS,
     "build_cells(facts: list | tuple, formats: list[str], dates: set[int], sst: list[str] | None) -> dict | NotImplemented\n\n"
     "office_scan's cells of one sheet, {(row, col): Cell}, for the usual cell kinds; NotImplemented when the\n"
     "Python code must build the sheet."},
    {"scan_cells", scan_cells, METH_VARARGS,
     "scan_cells(sheet_data: bytes, keep: bool, strict: bool = False) -> tuple | NotImplemented\n\n"
     "The cells of a <sheetData> in the plain shape, as intake._cells_one_by_one gives them, plus their count;\n"
     "NotImplemented when the Python scan must decide. strict: answer only for well-formed XML (then the\n"
     "caller need not parse it with expat)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "zedxl._scan", "zedxl's optional C accelerator (see zedxl/_scan.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

/* the module's fixed strings, made once at import */
static const struct {
    PyObject **slot;
    const char *text;
} CONSTANTS[] = {
    {&S_F, "f"}, {&S_VALUE, "value"}, {&S_DATA_TYPE, "data_type"}, {&S_INPUT, "input"},
    {&S_FORMULA, "formula"}, {&S_TEXT, "text"}, {&S_NUMBER, "number"}, {&S_N, "n"}, {&S_S, "s"}, {&S_EQ, "="},
    {&S_EMPTY, ""},
};

PyMODINIT_FUNC PyInit__scan(void) {
    PyObject *m;
    size_t i;
    if (PyType_Ready(&CellType) < 0) return NULL;
    LONG_ZERO = PyLong_FromLong(0);
    if (LONG_ZERO == NULL) return NULL;
    for (i = 0; i < sizeof(CONSTANTS) / sizeof(CONSTANTS[0]); i++) {
        *CONSTANTS[i].slot = PyUnicode_InternFromString(CONSTANTS[i].text);
        if (*CONSTANTS[i].slot == NULL) return NULL;
    }
    m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&CellType);
    if (PyModule_AddObject(m, "Cell", (PyObject *)&CellType) < 0) {
        Py_DECREF(&CellType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
