#!/usr/bin/env python3
"""A fake Kubernetes API on 127.0.0.1 for benches/cluster.sh, serving a snapshot's objects.

usage: fake_kube.py SNAPSHOT.json PORT_FILE STATS_FILE

Serves /apis (discovery, without argoproj.io) and typed lists across all namespaces with
`limit` and `continue` (items without apiVersion and kind, as the API sends them). Writes the
port it bound to PORT_FILE, and after every request the request count and page count to
STATS_FILE. Requires `Authorization: Bearer bench-token`. Plain HTTP, loopback only.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

snapshot_path, port_file, stats_file = sys.argv[1:4]
PLURALS = {"Pod": "pods", "ReplicaSet": "replicasets", "Deployment": "deployments",
           "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs",
           "CronJob": "cronjobs", "PodDisruptionBudget": "poddisruptionbudgets"}
VERSIONS = {"Pod": "v1", "ReplicaSet": "apps/v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1",
            "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
            "PodDisruptionBudget": "policy/v1"}


def path_of(api_version, kind):
    prefix = "/apis/" if "/" in api_version else "/api/"
    return f"{prefix}{api_version}/{PLURALS[kind]}"


# Every list, each item serialised once up front: the server should not be what is measured.
lists = {path_of(VERSIONS[k], k): (k, VERSIONS[k], []) for k in PLURALS}
with open(snapshot_path) as f:
    for item in json.load(f)["items"]:
        kind, version = item.pop("kind"), item.pop("apiVersion")
        lists[path_of(version, kind)][2].append(json.dumps(item, separators=(",", ":")))
stats = {"requests": 0, "pages": 0, "other": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        stats["requests"] += 1
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        try:
            if self.headers.get("Authorization") != "Bearer bench-token":
                self.send(401, '{"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"}')
            elif url.path == "/apis":
                groups = [{"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                           "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}}
                          for g in ("apps", "batch", "policy")]
                self.send(200, json.dumps({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
            elif url.path in lists:
                kind, version, items = lists[url.path]
                limit = int(query.get("limit", ["1000000000"])[0])
                start = int(query.get("continue", ["0"])[0])
                end = min(start + limit, len(items))
                meta = {"resourceVersion": "1"}
                if end < len(items):
                    meta["continue"] = str(end)
                    meta["remainingItemCount"] = len(items) - end
                stats["pages"] += 1
                self.send(200, '{"kind":"%sList","apiVersion":"%s","metadata":%s,"items":[%s]}'
                          % (kind, version, json.dumps(meta), ",".join(items[start:end])))
            else:
                stats["other"].append(self.path)
                self.send(404, '{"kind":"Status","code":404,"reason":"NotFound","message":"not found"}')
        finally:
            with open(stats_file, "w") as f:
                json.dump(stats, f)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
