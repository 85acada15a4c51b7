/*
 * synth-lint.c - the token-level half of scripts/check-synth.sh: what Vitis
 * HLS cannot build, found in the C text of the hw/ kernels.
 *
 *   synth-lint FILE.i BOUNDS.c   FILE.i is `gcc -E -dI -D__SYNTHESIS__` output
 *   synth-lint -s FILE.cpp       FILE.cpp is a Vitis shim, read as written
 *   synth-lint -r FILE.c         a kernel source that does not preprocess (a
 *                                missing header), read as written
 *
 * Prints one line per violation, "file:line: what", and exits 0; exits 2
 * when it cannot read or write its files. In preprocessed mode only lines
 * that come from files under hw/ are checked (the line markers say which),
 * so system headers do not count, code in an inactive #if branch is not seen
 * (as Vitis would not see it), and a macro is checked where it is used.
 *
 * Checks:
 * - #include: <stdint.h>, <stdbool.h> and "X" where hw/include/X exists; a
 *   shim may also include <ap_int.h>, <ap_axi_sdata.h>, <hls_stream.h> and
 *   "X" from hw/vitis/.
 * - dynamic allocation: malloc, calloc, realloc, free, alloca, ...
 * - floating point: float, double, _Float*, _Complex, floating constants.
 * - function pointers: a declarator or cast "( * ... ) (".
 * - loops: the loop rule (docs/hardware.md "Loop rule"). Every loop is
 *       for (init; V < BOUND; V++)       (or <=, ++V, V += STEP)
 *   with no assignment to V in its body; while and do are rejected. BOUND
 *   and STEP must be integer constant expressions, which only the compiler
 *   can tell: for each loop this program writes a _Static_assert to
 *   BOUNDS.c, under a #line naming the loop, and the script compiles the
 *   preprocessed file followed by BOUNDS.c with -pedantic-errors.
 *   And a constant trip count: no break, return or goto leaves a loop body
 *   (a break of a switch inside it is the switch's).
 * - pointer casts: "(T *) expr" (and reinterpret_cast in a shim): a cast
 *   between pointer types is a pointer of no defined width to HLS.
 * - pointers in static state: a static variable whose declarator is a
 *   pointer, or whose struct type holds one; a struct that holds a pointer
 *   is only an argument bundle, named *_io or *_mem, passed per call and
 *   never a member of another struct (state is registers and memories, not
 *   addresses).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum tok_kind { T_IDENT, T_NUMBER, T_STRING, T_PUNCT };

struct tok {
	enum tok_kind kind;
	char *text;
	const char *file;   /* interned */
	int line;
	bool project;       /* from a file under hw/ */
};

static struct tok *toks;
static size_t ntoks, captoks;
static bool shim_mode;   /* a Vitis shim: more headers allowed */
static bool raw_mode;    /* unpreprocessed source: every line is checked */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "synth-lint: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* File names from line markers, kept so tokens can point at them. */
static const char *intern(const char *name, size_t n)
{
	static char **names;
	static size_t count;
	for (size_t i = 0; i < count; i++) {
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return names[i];
	}
	names = xrealloc(names, (count + 1) * sizeof(*names));
	names[count] = xstrndup(name, n);
	return names[count++];
}

static bool is_project_file(const char *path)
{
	return strncmp(path, "hw/", 3) == 0;
}

static void violation(const char *file, int line, const char *fmt, const char *arg)
{
	printf("%s:%d: ", file, line);
	printf(fmt, arg);
	putchar('\n');
}

static void push_tok(enum tok_kind kind, const char *s, size_t n, const char *file, int line)
{
	if (ntoks == captoks) {
		captoks = captoks ? 2 * captoks : 4096;
		toks = xrealloc(toks, captoks * sizeof(*toks));
	}
	struct tok *t = &toks[ntoks++];
	t->kind = kind;
	t->text = xstrndup(s, n);
	t->file = file;
	t->line = line;
	t->project = raw_mode || is_project_file(file);
}

static const char *allowed_angle[] = { "stdint.h", "stdbool.h", NULL };
static const char *allowed_angle_shim[] = {
	"stdint.h", "stdbool.h", "ap_int.h", "ap_axi_sdata.h", "hls_stream.h", NULL
};

static bool file_exists_in(const char *dir, const char *name)
{
	char path[512];
	if (strchr(name, '/') || strstr(name, ".."))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, R_OK) == 0;
}

/* "#include <x>" or "#include "x"" (also #include_next) seen in a project
 * file at file:line. */
static void check_include(const char *directive, const char *file, int line)
{
	const char *p = directive + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	bool next = strncmp(p, "include_next", 12) == 0;
	p += next ? 12 : 7;
	while (*p == ' ' || *p == '\t')
		p++;
	char open = *p;
	char close = open == '<' ? '>' : '"';
	const char *end = open == '<' || open == '"' ? strchr(p + 1, close) : NULL;
	if (!end) {
		violation(file, line, "#include of a computed name: %s", directive);
		return;
	}
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
	if (next) {
		violation(file, line, "#include_next <%s>: not allowed in hw/", name);
		return;
	}
	if (open == '<') {
		const char **ok = shim_mode ? allowed_angle_shim : allowed_angle;
		for (size_t i = 0; ok[i]; i++) {
			if (strcmp(ok[i], name) == 0)
				return;
		}
		violation(file, line, shim_mode
			  ? "header <%s> is not allowed (shims: stdint.h, stdbool.h, ap_int.h, "
			    "ap_axi_sdata.h, hls_stream.h, hw/include/*.h)"
			  : "header <%s> is not allowed in hw/ (only <stdint.h>, <stdbool.h> "
			    "and hw/include/*.h)", name);
		return;
	}
	if (file_exists_in("hw/include", name))
		return;
	if (shim_mode && file_exists_in("hw/vitis", name))
		return;
	violation(file, line, "header \"%s\" is not one of hw/include/*.h", name);
}

/* A line marker: # N "file" flags. Sets the line number of the next line. */
static bool line_marker(const char *s, const char **file, int *line)
{
	const char *p = s + 1;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	int n = (int)strtol(p, (char **)&p, 10);
	while (*p == ' ')
		p++;
	if (*p != '"')
		return false;
	const char *end = strchr(p + 1, '"');
	if (!end)
		return false;
	*file = intern(p + 1, (size_t)(end - p - 1));
	*line = n - 1;   /* the caller counts the marker line itself */
	return true;
}

static const char *puncts[] = {
	"<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
	"&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##", NULL
};

static void lex(const char *buf, const char *first_file)
{
	const char *file = first_file;
	int line = 1;
	bool at_line_start = true;
	const char *p = buf;

	while (*p) {
		if (*p == '\n') {
			line++;
			p++;
			at_line_start = true;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
			continue;
		}
		if (at_line_start && *p == '#') {
			const char *eol = strchr(p, '\n');
			size_t n = eol ? (size_t)(eol - p) : strlen(p);
			char *d = xstrndup(p, n);
			const char *q = d + 1;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!line_marker(d, &file, &line) && strncmp(q, "include", 7) == 0 &&
			    (raw_mode || is_project_file(file)))
				check_include(d, file, line);
			free(d);
			/* a directive in a shim may continue with backslashes */
			while (raw_mode && n > 0 && p[n - 1] == '\\' && p[n] == '\n') {
				line++;
				const char *more = strchr(p + n + 1, '\n');
				n = more ? (size_t)(more - p) : strlen(p);
			}
			p += n;
			continue;
		}
		at_line_start = false;
		if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			const char *stop = end ? end + 2 : p + strlen(p);
			for (; p < stop; p++) {
				if (*p == '\n')
					line++;
			}
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *s = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			/* an encoding prefix (L"", u8"") belongs to the literal */
			if (*p != '"' && *p != '\'') {
				push_tok(T_IDENT, s, (size_t)(p - s), file, line);
				continue;
			}
		}
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			const char *s = p;
			while (*p && *p != q && *p != '\n') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			push_tok(T_STRING, s, (size_t)(p - s), file, line);
			if (*p == q)
				p++;
			continue;
		}
		if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
			/* a pp-number: digits, letters, '.', '_', and e+ e- p+ p- */
			const char *s = p;
			while (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
			       ((*p == '+' || *p == '-') && strchr("eEpP", p[-1])))
				p++;
			push_tok(T_NUMBER, s, (size_t)(p - s), file, line);
			continue;
		}
		size_t n = 1;
		for (size_t i = 0; puncts[i]; i++) {
			size_t l = strlen(puncts[i]);
			if (strncmp(p, puncts[i], l) == 0) {
				n = l;
				break;
			}
		}
		push_tok(T_PUNCT, p, n, file, line);
		p += n;
	}
}

static bool is(size_t i, const char *text)
{
	return i < ntoks && strcmp(toks[i].text, text) == 0;
}

/* Index of the bracket that closes the one at i (or ntoks). */
static size_t match(size_t i)
{
	int depth = 0;
	for (size_t j = i; j < ntoks; j++) {
		const char *t = toks[j].text;
		if (toks[j].kind != T_PUNCT)
			continue;
		if (!strcmp(t, "(") || !strcmp(t, "[") || !strcmp(t, "{"))
			depth++;
		else if (!strcmp(t, ")") || !strcmp(t, "]") || !strcmp(t, "}"))
			depth--;
		if (depth == 0)
			return j;
	}
	return ntoks;
}

/* End (inclusive) of the statement starting at i. */
static size_t statement_end(size_t i)
{
	if (is(i, "{"))
		return match(i);
	for (size_t j = i; j < ntoks; j++) {
		if (is(j, "(") || is(j, "[") || is(j, "{")) {
			j = match(j);
			/* "if (c) { ... }" or "for (...) { ... }" without a ';' */
			if (j + 1 < ntoks && is(j, "}") && !is(j + 1, "else") &&
			    !is(j + 1, ";"))
				return j;
			continue;
		}
		if (is(j, ";")) {
			if (is(j + 1, "else"))
				continue;
			return j;
		}
	}
	return ntoks - 1;
}

static char *join(size_t from, size_t to)
{
	size_t len = 1;
	for (size_t i = from; i < to; i++)
		len += strlen(toks[i].text) + 1;
	char *s = xrealloc(NULL, len);
	s[0] = '\0';
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, toks[i].text);
	}
	return s;
}

static FILE *bounds;

/* The loop's BOUND or STEP must be an integer constant expression; STEP also
 * positive. The compiler decides, when the script compiles BOUNDS.c. */
static void require_constant(const struct tok *at, const char *expr, bool positive,
			     const char *what)
{
	if (!bounds)
		return;
	fprintf(bounds, "// %s\n", expr);
	fprintf(bounds, "#line %d \"%s\"\n", at->line, at->file);
	if (positive)
		fprintf(bounds, "_Static_assert((%s) > 0, \"%s\");\n", expr, what);
	else
		fprintf(bounds, "_Static_assert((%s) == (%s), \"%s\");\n", expr, expr, what);
}

static bool is_assign_op(size_t i)
{
	static const char *ops[] = {
		"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=",
		"++", "--", NULL
	};
	for (size_t k = 0; ops[k]; k++) {
		if (is(i, ops[k]))
			return true;
	}
	return false;
}

/* A bound that names a local "const T NAME = EXPR;" declared earlier in the
 * function is as constant as EXPR (C does not call it an integer constant
 * expression; Vitis HLS folds it). Returns EXPR joined, or NULL. */
static char *local_const_value(size_t for_at, const char *name)
{
	int depth = 0;
	for (size_t j = for_at; j-- > 0;) {
		if (is(j, "}"))
			depth++;
		else if (is(j, "{")) {
			if (depth == 0 && j > 0 && is(j - 1, ")"))
				return NULL;   /* reached the function's body start */
			if (depth > 0)
				depth--;
		}
		if (depth > 0 || toks[j].kind != T_IDENT || strcmp(toks[j].text, name) != 0 ||
		    !is(j + 1, "="))
			continue;
		bool is_const = false;
		size_t k = j;
		while (k-- > 0 && !is(k, ";") && !is(k, "{") && !is(k, "}")) {
			if (is(k, "const"))
				is_const = true;
		}
		if (!is_const)
			return NULL;
		size_t end = j + 2;
		while (end < ntoks && !is(end, ";") && !is(end, ","))
			end++;
		return join(j + 2, end);
	}
	return NULL;
}

static void check_trip_count(size_t from, size_t to);

/* for ( init ; V < BOUND ; V++ ) body */
static void check_for(size_t i)
{
	const struct tok *at = &toks[i];
	if (!is(i + 1, "(")) {
		violation(at->file, at->line, "%s: malformed for loop", "for");
		return;
	}
	size_t close = match(i + 1);
	size_t semi[2], nsemi = 0;
	for (size_t j = i + 2; j < close; j++) {
		if (is(j, "(") || is(j, "[") || is(j, "{")) {
			j = match(j);
			continue;
		}
		if (is(j, ";") && nsemi < 2)
			semi[nsemi++] = j;
	}
	if (nsemi != 2) {
		violation(at->file, at->line, "%s: malformed for loop", "for");
		return;
	}
	size_t c = semi[0] + 1;
	if (c >= semi[1] || toks[c].kind != T_IDENT || !(is(c + 1, "<") || is(c + 1, "<=")) ||
	    c + 2 >= semi[1]) {
		char *cond = join(semi[0] + 1, semi[1]);
		violation(at->file, at->line,
			  "loop without a constant bound: condition \"%s\" is not "
			  "\"VAR < CONSTANT\" (docs/hardware.md, loop rule)", cond);
		free(cond);
		return;
	}
	const char *var = toks[c].text;
	char *bound = join(c + 2, semi[1]);

	size_t s = semi[1] + 1;
	size_t n = close - s;
	bool step_ok = false;
	if (n == 2 && is(s, var) && is(s + 1, "++"))
		step_ok = true;
	else if (n == 2 && is(s, "++") && is(s + 1, var))
		step_ok = true;
	else if (n >= 3 && is(s, var) && is(s + 1, "+=")) {
		char *step = join(s + 2, close);
		require_constant(at, step, true, "for loop step must be a positive constant");
		free(step);
		step_ok = true;
	}
	if (!step_ok) {
		char *step = join(s, close);
		violation(at->file, at->line,
			  "loop without a constant bound: step \"%s\" is not VAR++ or "
			  "VAR += CONSTANT (docs/hardware.md, loop rule)", step);
		free(step);
	}
	char *value = c + 3 == semi[1] && toks[c + 2].kind == T_IDENT
		? local_const_value(i, toks[c + 2].text) : NULL;
	require_constant(at, value ? value : bound, false,
			 "for loop bound must be a compile-time constant");
	free(value);
	free(bound);

	size_t end = statement_end(close + 1);
	check_trip_count(close + 1, end);
	for (size_t j = close + 1; j <= end && j < ntoks; j++) {
		if (toks[j].kind != T_IDENT || strcmp(toks[j].text, var) != 0)
			continue;
		if (j > 0 && (is(j - 1, ".") || is(j - 1, "->")))
			continue;
		bool pre = j > 0 && (is(j - 1, "++") || is(j - 1, "--"));
		if (pre || (is_assign_op(j + 1))) {
			violation(toks[j].file, toks[j].line,
				  "loop variable %s is changed in the loop body, so the "
				  "loop has no constant bound", var);
		}
	}
}

/* Index of the bracket that opens the one closing at i (or ntoks). */
static size_t match_back(size_t i)
{
	int depth = 0;
	for (size_t j = i + 1; j-- > 0;) {
		const char *t = toks[j].text;
		if (toks[j].kind != T_PUNCT)
			continue;
		if (!strcmp(t, ")") || !strcmp(t, "]") || !strcmp(t, "}"))
			depth++;
		else if (!strcmp(t, "(") || !strcmp(t, "[") || !strcmp(t, "{"))
			depth--;
		if (depth == 0)
			return j;
	}
	return ntoks;
}

/* The loop body [from, to] leaves early: break (not of a switch inside),
 * return. Nested loops are checked on their own. */
static void check_trip_count(size_t from, size_t to)
{
	for (size_t j = from; j <= to && j < ntoks; j++) {
		if (is(j, "switch") || is(j, "for")) {
			/* skip its head and body: its breaks are its own */
			size_t head = j + 1;
			if (!is(head, "("))
				continue;
			j = statement_end(match(head) + 1);
			continue;
		}
		if (is(j, "break") || is(j, "return"))
			violation(toks[j].file, toks[j].line,
				  "%s inside a loop: the loop has no constant trip count "
				  "(predicate the work instead; docs/hardware.md, loop rule)",
				  toks[j].text);
	}
}

/* "( T * )" or "( T * const )": a cast to a pointer type, unless the
 * parenthesis is a call's, a declarator's or sizeof's. */
static void check_pointer_cast(size_t i)
{
	size_t star = i;
	while (star > 0 && (is(star - 1, "const") || is(star - 1, "volatile") ||
			    is(star - 1, "restrict")))
		star--;
	if (star == 0 || !is(star - 1, "*"))
		return;
	size_t open = match_back(i);
	if (open >= ntoks || open + 1 >= star - 1)
		return;
	if (open > 0 && toks[open - 1].kind == T_IDENT && !is(open - 1, "return"))
		return;     /* f(T *): a prototype's unnamed parameter; sizeof(T *) */
	if (open > 0 && is(open - 1, ")"))
		return;     /* (*fp)(T *): a function pointer's parameters */
	violation(toks[i].file, toks[i].line, "pointer cast (%s): a cast between pointer "
		  "types is not synthesizable; build bytes with ndr_put*/ndr_get*",
		  toks[open + 1].text);
}

/* Struct names whose definition holds a pointer member. */
static char **ptr_structs;
static size_t nptr_structs;

static bool holds_pointer(const char *name)
{
	for (size_t k = 0; k < nptr_structs; k++) {
		if (!strcmp(ptr_structs[k], name))
			return true;
	}
	return false;
}

static bool is_bundle_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 3 && !strcmp(name + n - 3, "_io")) || (n > 4 && !strcmp(name + n - 4, "_mem"));
}

/* struct NAME { members }: which hold a pointer; and no struct but an
 * argument bundle may, and a bundle is nobody's member. */
static void check_struct(size_t i)
{
	if (!is(i, "struct") || i + 2 >= ntoks || toks[i + 1].kind != T_IDENT ||
	    !is(i + 2, "{"))
		return;
	const char *name = toks[i + 1].text;
	size_t close = match(i + 2);
	bool pointer = false;
	for (size_t j = i + 3; j < close; j++) {
		if (is(j, "{") || is(j, "(") || is(j, "[")) {
			j = match(j);   /* nested definitions, array sizes */
			continue;
		}
		if (is(j, "*"))
			pointer = true;
		if (!is_bundle_name(name) && is(j, "struct") && j + 1 < close &&
		    toks[j + 1].kind == T_IDENT &&
		    (is_bundle_name(toks[j + 1].text) || holds_pointer(toks[j + 1].text)) &&
		    !is(j + 2, "*"))
			violation(toks[j].file, toks[j].line, "struct %s holds an argument bundle "
				  "(memories are passed per call, never kept)", name);
	}
	if (!pointer)
		return;
	ptr_structs = xrealloc(ptr_structs, (nptr_structs + 1) * sizeof(*ptr_structs));
	ptr_structs[nptr_structs++] = toks[i + 1].text;
	if (!is_bundle_name(name))
		violation(toks[i].file, toks[i].line, "struct %s holds a pointer: state holds "
			  "none (pass memories per call in a *_io or *_mem bundle)", name);
}

/* static DECL: not a function; no pointer declarator, no pointer-holding
 * struct. */
static void check_static(size_t i)
{
	size_t end = i + 1;
	bool pointer = false, function = false;
	const char *type = NULL;
	while (end < ntoks && !is(end, ";") && !is(end, "=") && !is(end, "{")) {
		if (is(end, "("))
			function = true;
		if (is(end, "*"))
			pointer = true;
		if (is(end, "struct") && end + 1 < ntoks)
			type = toks[end + 1].text;
		end++;
	}
	if (function)
		return;
	if (pointer || (type && (holds_pointer(type) || is_bundle_name(type))))
		violation(toks[i].file, toks[i].line, "pointer in static state (%s): a static "
			  "variable may hold no address", type ? type : "pointer declarator");
}

static bool loop_is_do_tail(size_t i, const bool *do_tail)
{
	return do_tail[i];
}

static const char *alloc_names[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "alloca",
	"aligned_alloc", "posix_memalign", "__builtin_alloca", "__builtin_malloc",
	"__builtin_free", NULL
};
static const char *fp_names[] = {
	"float", "double", "_Float16", "_Float32", "_Float64", "_Float128",
	"_Float32x", "_Float64x", "_Float128x", "__float128", "__float80",
	"_Complex", "_Imaginary", "_Decimal32", "_Decimal64", "_Decimal128", NULL
};

static bool in_list(const char *s, const char **list)
{
	for (size_t i = 0; list[i]; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

static bool is_float_constant(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return strpbrk(s, ".pP") != NULL;
	return strpbrk(s, ".eE") != NULL;
}

static void check_tokens(void)
{
	bool *do_tail = xrealloc(NULL, ntoks + 1);
	memset(do_tail, 0, ntoks + 1);

	for (size_t i = 0; i < ntoks; i++) {
		const struct tok *t = &toks[i];
		if (!t->project)
			continue;
		bool member = i > 0 && (is(i - 1, ".") || is(i - 1, "->"));
		if (t->kind == T_IDENT && !member && in_list(t->text, alloc_names))
			violation(t->file, t->line, "dynamic allocation: %s", t->text);
		if (t->kind == T_IDENT && !member && in_list(t->text, fp_names))
			violation(t->file, t->line, "floating point in the data path: %s", t->text);
		if (t->kind == T_NUMBER && is_float_constant(t->text))
			violation(t->file, t->line, "floating-point constant in the data path: %s",
				  t->text);
		if (is(i, "(") && is(i + 1, "*")) {
			size_t close = match(i);
			if (close + 1 < ntoks && is(close + 1, "("))
				violation(t->file, t->line,
					  "function pointer (\"(*%s)(...)\"): not synthesizable",
					  toks[i + 2].text);
		}
		if (is(i, ")"))
			check_pointer_cast(i);
		if (is(i, "struct"))
			check_struct(i);
		if (is(i, "static"))
			check_static(i);
		if (shim_mode && is(i, "reinterpret_cast"))
			violation(t->file, t->line, "pointer cast (%s): not synthesizable",
				  "reinterpret_cast");
		if (t->kind != T_IDENT)
			continue;
		if (!strcmp(t->text, "do")) {
			violation(t->file, t->line, "%s-while loop: use a for loop with a constant "
				  "bound (docs/hardware.md, loop rule)", "do");
			size_t end = statement_end(i + 1);
			if (end + 1 < ntoks && is(end + 1, "while"))
				do_tail[end + 1] = true;
		} else if (!strcmp(t->text, "while") && !loop_is_do_tail(i, do_tail)) {
			violation(t->file, t->line, "%s loop: use a for loop with a constant bound "
				  "(docs/hardware.md, loop rule)", "while");
		} else if (!strcmp(t->text, "for")) {
			check_for(i);
		} else if (!strcmp(t->text, "goto")) {
			violation(t->file, t->line, "%s: a backward goto is an unbounded loop; "
				  "not allowed in hw/", "goto");
		}
	}
	free(do_tail);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "synth-lint: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = 2 * (len + n + 1);
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	buf = xrealloc(buf, len + 1);
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	if (argc == 3 && (strcmp(argv[1], "-s") == 0 || strcmp(argv[1], "-r") == 0)) {
		shim_mode = argv[1][1] == 's';
		raw_mode = true;
		char *buf = slurp(argv[2]);
		lex(buf, intern(argv[2], strlen(argv[2])));
		check_tokens();
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: synth-lint FILE.i BOUNDS.c | synth-lint -r FILE.c | synth-lint -s SHIM.cpp\n");
		return 2;
	}
	char *buf = slurp(argv[1]);
	bounds = fopen(argv[2], "w");
	if (!bounds) {
		fprintf(stderr, "synth-lint: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	lex(buf, intern(argv[1], strlen(argv[1])));
	check_tokens();
	if (fclose(bounds) != 0) {
		fprintf(stderr, "synth-lint: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	return 0;
}
