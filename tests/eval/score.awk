# score.awk - the per-detector table of eval.sh.
# Input files: expected (capture, detector, entity), alerts (same), captures (capture, seconds,
# comma list of the detectors labelled on it). Tab-separated.
BEGIN { FS = "\t" }
FILENAME == ARGV[1] { want[$1 FS $2 FS $3] = 1; det[$2] = 1; next }
FILENAME == ARGV[2] { got[$1 FS $2 FS $3] = 1; det[$2] = 1; next }
{ dur[$1] = $2; labelled[$1] = "," $3 ","; total += $2; ncap++ }
END {
	n = split("dns_tunnel beacon https_tunnel port_scan brute_force rpc_recon new_admin_path",
		  name, " ")
	for (i = 1; i <= n; i++)
		known[name[i]] = 1
	for (d in det)
		if (!(d in known))
			name[++n] = d
	print "| detector | TP | FP | FN | precision | recall | benign hours | alerts/benign hour |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		d = name[i]
		tp = 0; fp = 0; fn = 0; ba = 0; bh = 0
		for (k in got) {
			split(k, f, FS)
			if (f[2] != d)
				continue
			if (k in want)
				tp++
			else
				fp++
			if (index(labelled[f[1]], "," d ",") == 0)
				ba++
		}
		for (k in want) {
			split(k, f, FS)
			if (f[2] == d && !(k in got))
				fn++
		}
		for (c in dur)
			if (index(labelled[c], "," d ",") == 0)
				bh += dur[c] / 3600
		prec = tp + fp > 0 ? sprintf("%.2f", tp / (tp + fp)) : "-"
		rec = tp + fn > 0 ? sprintf("%.2f", tp / (tp + fn)) : "-"
		rate = bh > 0 ? sprintf("%.2f", ba / bh) : "-"
		printf "| %s | %d | %d | %d | %s | %s | %.2f | %s |\n", d, tp, fp, fn, prec, rec, bh, rate
	}
	printf "\n%d captures, %.2f hours in all\n", ncap, total / 3600
}
