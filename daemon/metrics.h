/* metrics.h - the daemon's counters in the Prometheus text exposition
 * format (version 0.0.4), for node_exporter's textfile collector: the
 * metrics-file setting. The numbers are those of the status file
 * (status.h); docs/daemon.md lists every metric. */
#ifndef PC_METRICS_H
#define PC_METRICS_H

#include "status.h"
#include "strbuf.h"

/* Puts st as metrics into w: every family with its HELP and TYPE lines,
 * no timestamps (the textfile collector refuses them). Label values are
 * escaped (\ " and newline) and bytes that are not UTF-8 become U+FFFD. */
void pc_metrics_format(struct pc_strbuf *w, const struct pc_status *st);

/* Writes st's metrics to path atomically (pc_file_replace: a temporary
 * file in the same directory, then rename; never through a symlink).
 * Returns 0, or -1 with errno (path unchanged). */
int pc_metrics_write(const char *path, const struct pc_status *st);

#endif
