#!/usr/bin/python3
"""Writes data/libtorrent-metrics.json: libtorrent's session-stats metric table (name -> counter|gauge).

Run with Debian's /usr/bin/python3 (it has python3-libtorrent):
    /usr/bin/python3 scripts/gen-libtorrent-metrics.py > data/libtorrent-metrics.json
"""

import json
import sys

import libtorrent

metrics = {str(m.name): str(m.type) for m in libtorrent.session_stats_metrics()}
document = {
    "libtorrentVersion": libtorrent.__version__,
    "source": "libtorrent.session_stats_metrics()",
    "metrics": dict(sorted(metrics.items())),
}
json.dump(document, sys.stdout, indent=2)
sys.stdout.write("\n")
