#!/usr/bin/env python3
"""Generate a synthetic GitOps repository for benches/editor.sh.

One workload per file, COUNT files, spread over team/app folders. Deterministic: file i always
gets the same text. The variety (by i) is what real repositories show:

- kinds: Deployment (~55%), StatefulSet (~20%), DaemonSet (~5%), Argo Rollout (~20%, a quarter of
  them with `workloadRef` instead of their own template);
- pod template metadata: none, labels only, labels + annotations, annotations before labels;
- comments (header, trailing, inside the pod template), indentless and indented sequences,
  flow maps (`resources: {}`), 4-space indentation;
- every 4th file has several documents (a Service and a ConfigMap around the workload);
- every 25th file uses CRLF line endings, every 11th has no final newline.

Usage: gen_repo.py OUT_DIR [COUNT]
"""

import os
import sys

KINDS = ["Deployment"] * 11 + ["StatefulSet"] * 4 + ["DaemonSet"] + ["Rollout"] * 4


def indent(text, step):
    """Re-indent a 2-space YAML block to `step` spaces per level (`- ` widened to match)."""
    if step == 2:
        return text
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        level = (len(line) - len(stripped)) // 2
        if stripped.startswith("- "):
            stripped = "-" + " " * (step - 1) + stripped[2:]
        out.append(" " * (level * step) + stripped)
    return "\n".join(out)


def template_metadata(i, name):
    style = i % 4
    if style == 0:
        return ""
    if style == 1:
        return f"    metadata:\n      labels:\n        app: {name}\n"
    if style == 2:
        return (
            f"    metadata:\n      labels:\n        app: {name}\n        tier: backend\n"
            f"      annotations:\n        prometheus.io/scrape: \"true\"\n"
            f"        prometheus.io/port: \"9090\" # metrics\n"
        )
    return (
        f"    metadata:\n      # owned by team-{i % 37}\n      annotations:\n"
        f"        checksum/config: {i * 7919:016x}\n      labels:\n        app: {name}\n"
    )


def pod_spec(i, name):
    if i % 2 == 0:
        containers = (
            f"      containers:\n      - name: {name}\n        image: registry.example.com/{name}:1.{i % 50}.0\n"
            f"        ports:\n        - containerPort: 8080\n          name: http\n"
            f"        resources: {{}}\n"
        )
    else:
        containers = (
            f"      containers:\n        - name: {name}\n          image: \"registry.example.com/{name}:1.{i % 50}.0\"\n"
            f"          env:\n            - name: LOG_LEVEL\n              value: info # or debug\n"
            f"          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n"
        )
    extra = "      # keep pods on the general pool\n      nodeSelector:\n        pool: general\n" if i % 3 == 0 else ""
    return f"    spec:\n{extra}{containers}"


def workload(i):
    kind = KINDS[i % len(KINDS)]
    name = f"app-{i:05d}"
    ns = f"team-{i % 100:02d}"
    api = "argoproj.io/v1alpha1" if kind == "Rollout" else "apps/v1"
    head = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
    if i % 5 == 0:
        head = f"# {name}: generated for the benchmark\n" + head
    spec = "spec:\n"
    if kind != "DaemonSet":
        spec += f"  replicas: {1 + i % 5}\n"
    spec += f"  selector:\n    matchLabels:\n      app: {name}\n"
    if kind == "StatefulSet":
        spec += f"  serviceName: {name}\n"
    if kind == "Rollout" and i % 4 == 3:
        spec += f"  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {name}-base\n"
        spec += "  strategy:\n    canary:\n      steps:\n      - setWeight: 20\n      - pause: {duration: 1m}\n"
        return head + spec
    spec += "  template:\n" + template_metadata(i, name) + pod_spec(i, name)
    if kind == "StatefulSet":
        spec += (
            "  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n"
            "      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n"
        )
    if kind == "Rollout":
        spec += "  strategy:\n    canary:\n      steps:\n      - setWeight: 50\n      - pause: {}\n"
    return head + spec


def document(i):
    text = workload(i)
    if i % 7 == 6:
        text = indent(text, 4)
    if i % 4 == 1:
        name = f"app-{i:05d}"
        service = (
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n"
            f"  - port: 80\n    targetPort: http\n  selector:\n    app: {name}\n"
        )
        config = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n  LOG_LEVEL: info\n"
        text = f"---\n{service}---\n{text}---\n{config}"
    if i % 11 == 10:
        text = text.rstrip("\n")
    if i % 25 == 24:
        text = text.replace("\n", "\r\n")
    return text


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    for i in range(count):
        folder = os.path.join(out, "apps", f"team-{i % 100:02d}", f"app-{i:05d}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "workload.yaml"), "w", newline="") as f:
            f.write(document(i))


if __name__ == "__main__":
    main()
