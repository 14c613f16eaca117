#!/usr/bin/env python3
"""Generate a kustomize repository for benches/locate.sh.

usage: gen_overlays.py OUT_DIR BASES WORKLOADS_PER_BASE

BASES bases (apps/appNNNN/base) of WORKLOADS_PER_BASE Deployments each, and two overlays per base
(apps/appNNNN/overlays/{prod,staging}, with a namespace and a name prefix), mapped to the
clusters prod and staging in .gitops-restart.yaml: 2 x BASES overlays in all.
"""
import os
import sys

out, bases, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for b in range(bases):
    app = f"app{b:04d}"
    base = os.path.join(out, "apps", app, "base")
    os.makedirs(base, exist_ok=True)
    names = []
    for w in range(per):
        name = f"svc{w:02d}"
        names.append(f"{name}.yaml")
        with open(os.path.join(base, f"{name}.yaml"), "w") as f:
            f.write(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: app
        image: ghcr.io/example/{app}-{name}:1.0.0
""")
    with open(os.path.join(base, "kustomization.yaml"), "w") as f:
        f.write("resources:\n" + "".join(f"- {n}\n" for n in names))
    for env in ("prod", "staging"):
        overlay = os.path.join(out, "apps", app, "overlays", env)
        os.makedirs(overlay, exist_ok=True)
        with open(os.path.join(overlay, "kustomization.yaml"), "w") as f:
            f.write(f"namespace: {app}\nnamePrefix: {env}-\nresources:\n- ../../base\n")
with open(os.path.join(out, ".gitops-restart.yaml"), "w") as f:
    f.write("clusters:\n  prod:\n    paths: [" + ", ".join(f"apps/app{b:04d}/overlays/prod" for b in range(bases)) + "]\n")
    f.write("  staging:\n    paths: [" + ", ".join(f"apps/app{b:04d}/overlays/staging" for b in range(bases)) + "]\n")
