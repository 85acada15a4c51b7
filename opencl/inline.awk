# inline.awk - one OpenCL C program text from a file and the files it
# includes with #include "...", each expanded once, in place, with #line
# markers so that a build log names the real file and line. Angle-bracket
# includes are dropped: an OpenCL program has no system headers, and the
# compatibility header included first stands in for stdint.h and stdbool.h
# (one that a kernel really needed would fail the OpenCL build loudly).
# A constant at program scope (a line starting "const" or "extern const",
# e.g. the log2 table) goes to the constant address space, where OpenCL C
# 1.2 requires program-scope variables to be.
#   awk -f opencl/inline.awk opencl/ndr_card.cl > build/gen/ndr_card.cl
function dir_of(path) {
	if (path !~ /\//)
		return "."
	sub(/\/[^\/]*$/, "", path)
	return path
}
function norm(path,    n, i, parts, out, k) {
	n = split(path, parts, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "." || parts[i] == "")
			continue
		if (parts[i] == ".." && k > 0 && out[k] != "..") {
			k--
			continue
		}
		out[++k] = parts[i]
	}
	path = ""
	for (i = 1; i <= k; i++)
		path = path (i > 1 ? "/" : "") out[i]
	return path
}
function find(name, from,    p) {
	p = norm(dir_of(from) "/" name)
	if ((getline probe < p) >= 0) { close(p); return p }
	for (i_ = 1; i_ <= ninc; i_++) {
		p = norm(incdir[i_] "/" name)
		if ((getline probe < p) >= 0) { close(p); return p }
	}
	return ""
}
function emit(path,    line, lineno, name, p) {
	if (path in seen)
		return
	seen[path] = 1
	lineno = 0
	print "#line 1 \"" path "\""
	while ((getline line < path) > 0) {
		lineno++
		if (line ~ /^[ \t]*#[ \t]*include[ \t]*"/) {
			name = line
			sub(/^[^"]*"/, "", name)
			sub(/".*$/, "", name)
			p = find(name, path)
			if (p == "") {
				printf "inline.awk: %s:%d: cannot find \"%s\"\n", path, lineno, name > "/dev/stderr"
				failed = 1
				exit 1
			}
			emit(p)
			print "#line " (lineno + 1) " \"" path "\""
			continue
		}
		if (line ~ /^[ \t]*#[ \t]*include[ \t]*</) {
			print ""   # the compatibility header stands in for them
			continue
		}
		if (line ~ /^(extern |static )?const /)
			line = "__constant " line
		print line
	}
	close(path)
}
BEGIN {
	ninc = split(INCLUDE, incdir, ":")
	emit(ARGV[1])
	ARGV[1] = ""
	exit failed
}
