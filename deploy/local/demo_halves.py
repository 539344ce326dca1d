#!/usr/bin/env python3
"""Splits the demo tickets and labels into half A (odd ids: thresholds may be chosen on it) and
half B (even ids: held out, only reported). usage: demo_halves.py OUT_DIR"""
import json, os, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
data = "services/ingest/data/"
for kind, src in (("tickets", "sample_tickets.jsonl"), ("labels", "sample_tickets.labels.jsonl")):
    lines = open(data + src).readlines()
    for half, parity in (("a", 1), ("b", 0)):
        with open(os.path.join(out, f"{kind}_{half}.jsonl"), "w") as f:
            f.writelines(l for l in lines if json.loads(l)["id"] % 2 == parity)
