#!/usr/bin/env python3
"""Generate a cluster snapshot and a matching GitOps repository for benches/snapshot.sh.

usage: gen_snapshot.py OUT_DIR WORKLOADS PODS

Writes OUT_DIR/snapshot.json (a kubectl `v1 List`: WORKLOADS Deployments, one ReplicaSet each,
PODS Fargate pods spread over them, one PodDisruptionBudget per ten Deployments) and
OUT_DIR/repo/ (one manifest per Deployment, in 50 namespaces).
"""
import json
import os
import sys

out, workloads, pods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
repo = os.path.join(out, "repo")
items = []
per = pods // workloads
for w in range(workloads):
    ns = f"team-{w % 50:02d}"
    name = f"app-{w:05d}"
    h = f"{w:010x}"[-10:]
    meta = lambda n, owner=None, labels=None: {
        "name": n, "namespace": ns, "uid": f"uid-{ns}-{n}", "creationTimestamp": "2026-10-01T00:00:00Z",
        **({"labels": labels} if labels else {}),
        **({"ownerReferences": [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                 "uid": f"uid-{ns}-{owner[1]}", "controller": True}]} if owner else {}),
    }
    items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, labels={"app": name}),
                  "spec": {"replicas": per, "selector": {"matchLabels": {"app": name}},
                           "strategy": {"type": "RollingUpdate"},
                           "template": {"metadata": {"labels": {"app": name}},
                                        "spec": {"containers": [{"name": "app", "image": "x"}]}}},
                  "status": {"replicas": per}})
    rs = f"{name}-{h}"
    items.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": meta(rs, ("Deployment", name), {"app": name, "pod-template-hash": h}),
                  "spec": {"replicas": per}})
    for p in range(per):
        items.append({"apiVersion": "v1", "kind": "Pod",
                      "metadata": meta(f"{rs}-{p:05d}", ("ReplicaSet", rs), {"app": name, "pod-template-hash": h,
                                                                            "eks.amazonaws.com/fargate-profile": "default"}),
                      "spec": {"schedulerName": "fargate-scheduler", "nodeName": f"fargate-ip-10-0-{p % 250}-{w % 250}.compute.internal",
                               "containers": [{"name": "app", "image": "x"}]},
                      "status": {"phase": "Running"}})
    if w % 10 == 0:
        items.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(name),
                      "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}},
                      "status": {"disruptionsAllowed": 1}})
    d = os.path.join(repo, "apps", ns, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "deployment.yaml"), "w") as f:
        f.write(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
spec:
  replicas: {per}
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
        image: ghcr.io/example/{name}:1.0.0
""")
with open(os.path.join(out, "snapshot.json"), "w") as f:
    json.dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}, f, indent=1)
