#!/usr/bin/env python3
"""Generate a kustomize repository for benches/locate.sh.

usage: gen_overlays.py OUT_DIR BASES WORKLOADS_PER_BASE [APPLICATIONS]

BASES bases (apps/appNNNN/base) of WORKLOADS_PER_BASE Deployments each, and two overlays per base
(apps/appNNNN/overlays/{prod,staging}, with a namespace and a name prefix), mapped to the
clusters prod and staging in .gitops-restart.yaml: 2 x BASES overlays in all.

With APPLICATIONS (a multiple of 10, at most 2 x BASES), Argo CD ApplicationSets under appsets/,
each a list generator of 10 elements (app, env), generate that many Applications, one per
overlay, from the first apps on: `{{app}}-{{env}}`, path `apps/{{app}}/overlays/{{env}}`,
destination name `{{env}}`.
"""
import os
import sys

out, bases, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
applications = int(sys.argv[4]) if len(sys.argv) > 4 else 0
assert applications % 10 == 0 and applications <= 2 * bases, "APPLICATIONS: a multiple of 10, at most 2 x BASES"
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

overlays = [(f"app{b:04d}", env) for b in range(bases) for env in ("prod", "staging")][:applications]
if overlays:
    os.makedirs(os.path.join(out, "appsets"), exist_ok=True)
for n in range(0, len(overlays), 10):
    elements = "".join(f"      - {{app: {app}, env: {env}}}\n" for app, env in overlays[n:n + 10])
    with open(os.path.join(out, "appsets", f"set{n // 10:03d}.yaml"), "w") as f:
        f.write(f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: set{n // 10:03d}
  namespace: argocd
spec:
  generators:
  - list:
      elements:
{elements}  template:
    metadata:
      name: '{{{{app}}}}-{{{{env}}}}'
    spec:
      project: default
      source:
        repoURL: https://example.com/gitops.git
        path: 'apps/{{{{app}}}}/overlays/{{{{env}}}}'
      destination:
        name: '{{{{env}}}}'
        namespace: '{{{{app}}}}'
      syncPolicy:
        automated: {{}}
""")
