//! A loopback HTTP server that behaves like the Kubernetes API, enough for the live inventory.
//!
//! Serves discovery (`/api`, `/apis`, `/apis/argoproj.io/v1alpha1` when Rollouts or Argo CD are
//! on), typed lists across all namespaces with `limit` and `continue` (items without `apiVersion`
//! and `kind`, as the API sends them; pages smaller than the limit when `page_cap` says so, which
//! the API allows), the Argo CD and Flux kinds (Applications, Kustomizations, HelmReleases) when
//! their CRDs are on, with a 404 for them when they are off, `Status` objects for 401, 403, 404,
//! 410 and 500, slow answers, and pages that repeat their continue token. Every
//! request is logged; a request it has no answer for is logged as unexpected, and tests assert
//! there are none. It binds 127.0.0.1 only and speaks plain HTTP/1.1 with keep-alive.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// The bearer token the fake expects, written into test kubeconfigs; never to be printed.
pub const TOKEN: &str = "k8s-aws-v1.c2VjcmV0LXRva2VuLWZvci10ZXN0cw-DO-NOT-PRINT";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub authorized: bool,
}

impl Logged {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self, key: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| percent_decode(v))
        })
    }
}

/// What goes wrong, and for how many matching requests (`None`: always).
#[derive(Debug, Clone)]
pub enum Fault {
    /// 403 with the API's message for `list` on the path's resource.
    Forbidden,
    /// 410 Expired, for requests that carry a continue token.
    Expired,
    /// 500 with a Status body.
    ServerError,
    /// Answer only after this long.
    Slow(Duration),
    /// For requests that carry a continue token: the page, with that same token again (a proxy
    /// or cache that repeats pages).
    RepeatContinue,
}

#[derive(Debug, Clone)]
struct Rule {
    /// Applies to requests whose path ends with this (`/pods`, `/rollouts`).
    path_suffix: String,
    fault: Fault,
    remaining: Option<usize>,
}

/// Whether the API serves the Argo CD and Flux kinds: Applications (when the `argoproj.io`
/// group is there, see [`Rollouts`]), Flux Kustomizations and HelmReleases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitOpsCrds {
    Served,
    /// A cluster without them: discovery leaves them out, and their lists answer 404 (a request
    /// for one is unexpected: discovery said they are not there).
    Absent,
    /// Discovery names them, but their lists answer 404 (a CRD removed meanwhile).
    Vanished,
}

/// Whether the API serves Argo Rollouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollouts {
    Served,
    /// No `argoproj.io` group at all.
    Absent,
    /// The group exists (Argo CD's Applications) without `rollouts`.
    ArgoCdOnly,
}

struct State {
    /// List path -> items, without apiVersion and kind.
    lists: BTreeMap<String, Vec<Value>>,
    rollouts: Rollouts,
    gitops: GitOpsCrds,
    page_cap: usize,
    rules: Vec<Rule>,
    log: Vec<Logged>,
    unexpected: Vec<String>,
}

/// The server; stops accepting when dropped (its threads end with the test process).
pub struct FakeKube {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

/// The list path for an object's apiVersion and kind.
pub fn list_path(api_version: &str, kind: &str) -> Option<String> {
    let plural = match kind {
        "Pod" => "pods",
        "ReplicaSet" => "replicasets",
        "Deployment" => "deployments",
        "StatefulSet" => "statefulsets",
        "DaemonSet" => "daemonsets",
        "Job" => "jobs",
        "CronJob" => "cronjobs",
        "PodDisruptionBudget" => "poddisruptionbudgets",
        "Rollout" => "rollouts",
        "Application" => "applications",
        "Kustomization" => "kustomizations",
        "HelmRelease" => "helmreleases",
        _ => return None,
    };
    Some(if api_version.contains('/') {
        format!("/apis/{api_version}/{plural}")
    } else {
        format!("/api/{api_version}/{plural}")
    })
}

/// Every list the live inventory requests, empty.
fn empty_lists() -> BTreeMap<String, Vec<Value>> {
    [
        ("v1", "Pod"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("policy/v1", "PodDisruptionBudget"),
        ("argoproj.io/v1alpha1", "Rollout"),
        ("argoproj.io/v1alpha1", "Application"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
    ]
    .iter()
    .map(|(v, k)| (list_path(v, k).unwrap(), Vec::new()))
    .collect()
}

impl FakeKube {
    /// A fake serving the objects of a snapshot file (a `v1 List`).
    pub fn from_snapshot(path: &Path) -> Self {
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let items = snapshot["items"].as_array().unwrap().clone();
        Self::with_objects(items)
    }

    /// A fake serving these objects (each with apiVersion and kind, as in a snapshot).
    pub fn with_objects(objects: Vec<Value>) -> Self {
        let mut lists = empty_lists();
        for mut object in objects {
            let api_version = object["apiVersion"].as_str().unwrap().to_owned();
            let kind = object["kind"].as_str().unwrap().to_owned();
            let path = list_path(&api_version, &kind).expect("a listed kind");
            // Lists leave these out per item; the client must add them back.
            let map = object.as_object_mut().unwrap();
            map.remove("apiVersion");
            map.remove("kind");
            lists.get_mut(&path).unwrap().push(object);
        }
        let state = Arc::new(Mutex::new(State {
            lists,
            rollouts: Rollouts::Served,
            gitops: GitOpsCrds::Served,
            page_cap: usize::MAX,
            rules: Vec::new(),
            log: Vec::new(),
            unexpected: Vec::new(),
        }));
        // Loopback only: nothing here is ever reachable from elsewhere.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        FakeKube { port, state }
    }

    pub fn server(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serve at most `n` items a page, whatever the limit asked.
    pub fn page_cap(self, n: usize) -> Self {
        self.state.lock().unwrap().page_cap = n;
        self
    }

    pub fn rollouts(self, rollouts: Rollouts) -> Self {
        self.state.lock().unwrap().rollouts = rollouts;
        self
    }

    pub fn gitops(self, gitops: GitOpsCrds) -> Self {
        self.state.lock().unwrap().gitops = gitops;
        self
    }

    /// Add a fault for requests whose path ends with `path_suffix`, `times` times (`None`:
    /// always).
    pub fn fault(self, path_suffix: &str, fault: Fault, times: Option<usize>) -> Self {
        self.state.lock().unwrap().rules.push(Rule {
            path_suffix: path_suffix.to_owned(),
            fault,
            remaining: times,
        });
        self
    }

    /// Change one served object in place (found by list path and metadata.name).
    pub fn edit(&self, path: &str, name: &str, change: impl FnOnce(&mut Value)) {
        let mut state = self.state.lock().unwrap();
        let item = state
            .lists
            .get_mut(path)
            .unwrap()
            .iter_mut()
            .find(|i| i["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} not served under {path}"));
        change(item);
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn unexpected(&self) -> Vec<String> {
        self.state.lock().unwrap().unexpected.clone()
    }

    /// How many pages each list needs at the page cap (an empty list is one page).
    pub fn expected_pages(&self) -> usize {
        let state = self.state.lock().unwrap();
        state
            .lists
            .keys()
            .filter(|path| state.serves(path))
            .map(|path| {
                state.lists[path]
                    .len()
                    .div_ceil(state.page_cap.min(500))
                    .max(1)
            })
            .sum()
    }

    /// A kubeconfig for this server with the bearer token, context `fake-ctx`.
    pub fn kubeconfig(&self, dir: &Path) -> std::path::PathBuf {
        write_kubeconfig(
            dir,
            "kubeconfig",
            &self.server(),
            &format!("token: {TOKEN}"),
        )
    }
}

/// Write a kubeconfig with one context, `fake-ctx`, whose user is `user_yaml` (indented under
/// `user:`).
pub fn write_kubeconfig(
    dir: &Path,
    name: &str,
    server: &str,
    user_yaml: &str,
) -> std::path::PathBuf {
    let path = dir.join(name);
    let user: String = user_yaml
        .lines()
        .flat_map(|l| ["      ", l, "\n"])
        .collect();
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: fake\n    cluster:\n      server: {server}\n\
             contexts:\n  - name: fake-ctx\n    context:\n      cluster: fake\n      user: fake-user\n\
             current-context: fake-ctx\nusers:\n  - name: fake-user\n    user:\n{user}"
        ),
    )
    .unwrap();
    path
}

impl State {
    /// Whether a list path is served: Rollouts and Applications by the `argoproj.io` group
    /// (Applications also need the GitOps CRDs), the Flux kinds by the GitOps CRDs.
    fn serves(&self, path: &str) -> bool {
        if path.ends_with("/rollouts") {
            self.rollouts == Rollouts::Served
        } else if path.ends_with("/applications") {
            self.rollouts != Rollouts::Absent && self.gitops == GitOpsCrds::Served
        } else if path.contains(".fluxcd.io/") {
            self.gitops == GitOpsCrds::Served
        } else {
            true
        }
    }

    /// Whether discovery names a list path (which a client may then request).
    fn discovers(&self, path: &str) -> bool {
        self.serves(path) || (self.gitops == GitOpsCrds::Vanished && is_gitops(path))
    }
}

fn is_gitops(path: &str) -> bool {
    path.ends_with("/applications") || path.contains(".fluxcd.io/")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One connection: requests until the client closes it.
fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut authorization = None;
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "authorization" => authorization = Some(value.trim().to_owned()),
                    "content-length" => content_length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        if content_length > 0 {
            let mut body = vec![0; content_length];
            if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                return;
            }
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let authorized = authorization.as_deref() == Some(&format!("Bearer {TOKEN}"));
        let (delay, code, body) = answer(state, &method, &target, authorized);
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
        let reason = match code {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            410 => "Gone",
            _ => "Internal Server Error",
        };
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn status(code: u16, reason: &str, message: &str) -> String {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    })
    .to_string()
}

/// The answer to one request: an optional delay, the status code and the body.
fn answer(
    state: &Mutex<State>,
    method: &str,
    target: &str,
    authorized: bool,
) -> (Option<Duration>, u16, String) {
    let mut state = state.lock().unwrap();
    state.log.push(Logged {
        method: method.to_owned(),
        target: target.to_owned(),
        authorized,
    });
    let logged = state.log.last().unwrap().clone();
    let path = logged.path().to_owned();
    if method != "GET" {
        state.unexpected.push(format!("{method} {target}"));
        return (None, 405, status(405, "MethodNotAllowed", "only GET here"));
    }
    if !authorized {
        return (None, 401, status(401, "Unauthorized", "Unauthorized"));
    }
    // Faults first: the first rule that matches and has uses left.
    let continuing = logged.query("continue").is_some();
    let mut delay = None;
    let mut repeat = false;
    for rule in &mut state.rules {
        if !path.ends_with(&rule.path_suffix) || rule.remaining == Some(0) {
            continue;
        }
        if matches!(rule.fault, Fault::Expired | Fault::RepeatContinue) && !continuing {
            continue;
        }
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
        }
        let plural = path.rsplit('/').next().unwrap_or("");
        match &rule.fault {
            Fault::Forbidden => {
                let group = path
                    .strip_prefix("/apis/")
                    .and_then(|p| p.split('/').next())
                    .unwrap_or("");
                return (
                    None,
                    403,
                    status(
                        403,
                        "Forbidden",
                        &format!(
                            "{plural} is forbidden: User \"arn:aws:sts::111122223333:assumed-role/gha/ci\" cannot list resource \"{plural}\" in API group \"{group}\" at the cluster scope"
                        ),
                    ),
                );
            }
            Fault::Expired => {
                return (
                    None,
                    410,
                    status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    ),
                );
            }
            Fault::ServerError => {
                return (
                    None,
                    500,
                    status(
                        500,
                        "InternalError",
                        "Internal error occurred: etcdserver: request timed out",
                    ),
                );
            }
            Fault::Slow(d) => {
                delay = Some(*d);
                break;
            }
            Fault::RepeatContinue => {
                repeat = true;
                break;
            }
        }
    }
    let (code, body) = route(&mut state, &logged, &path);
    if repeat {
        let mut page: Value = serde_json::from_str(&body).unwrap();
        page["metadata"]["continue"] = json!(logged.query("continue").unwrap());
        return (delay, code, page.to_string());
    }
    (delay, code, body)
}

fn route(state: &mut State, logged: &Logged, path: &str) -> (u16, String) {
    match path {
        "/api" => {
            return (
                200,
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
                    .to_string(),
            );
        }
        "/apis" => {
            let mut groups = vec![
                group("apps", "v1"),
                group("batch", "v1"),
                group("policy", "v1"),
            ];
            if state.rollouts != Rollouts::Absent {
                groups.push(group("argoproj.io", "v1alpha1"));
            }
            if state.gitops != GitOpsCrds::Absent {
                groups.push(group("kustomize.toolkit.fluxcd.io", "v1"));
                groups.push(group("helm.toolkit.fluxcd.io", "v2"));
            }
            return (
                200,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string(),
            );
        }
        "/apis/argoproj.io/v1alpha1" if state.rollouts != Rollouts::Absent => {
            let mut resources = Vec::new();
            if state.gitops != GitOpsCrds::Absent {
                resources.push(json!({"name": "applications", "namespaced": true, "kind": "Application", "verbs": ["get", "list"]}));
            }
            if state.rollouts == Rollouts::Served {
                resources.push(json!({"name": "rollouts", "namespaced": true, "kind": "Rollout", "verbs": ["get", "list"]}));
            }
            return (
                200,
                json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "argoproj.io/v1alpha1", "resources": resources}).to_string(),
            );
        }
        _ => {}
    }
    let Some(items) = state.lists.get(path).filter(|_| state.serves(path)) else {
        // A kind discovery named that went away is a plain 404, not a client's mistake.
        if !state.lists.contains_key(path) || !state.discovers(path) {
            state.unexpected.push(logged.target.clone());
        }
        return (
            404,
            status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        );
    };
    let limit: usize = logged
        .query("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let size = limit.min(state.page_cap).max(1);
    let start: usize = match logged.query("continue") {
        None => 0,
        Some(token) => {
            let Some(n) = token
                .strip_prefix(&format!("{path}@"))
                .and_then(|n| n.parse().ok())
            else {
                state.unexpected.push(logged.target.clone());
                return (400, status(400, "BadRequest", "bad continue token"));
            };
            n
        }
    };
    let end = (start + size).min(items.len());
    let page: Vec<&Value> = items[start.min(items.len())..end].iter().collect();
    let mut metadata = json!({"resourceVersion": "12345"});
    if end < items.len() {
        metadata["continue"] = json!(format!("{path}@{end}"));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    let kind = list_kind(path);
    let api_version = path.strip_prefix("/apis/").map_or("v1".to_owned(), |p| {
        let mut parts = p.split('/');
        format!("{}/{}", parts.next().unwrap(), parts.next().unwrap())
    });
    (
        200,
        json!({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": page})
            .to_string(),
    )
}

fn group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

fn list_kind(path: &str) -> String {
    let kind = match path.rsplit('/').next().unwrap_or("") {
        "pods" => "Pod",
        "replicasets" => "ReplicaSet",
        "deployments" => "Deployment",
        "statefulsets" => "StatefulSet",
        "daemonsets" => "DaemonSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "poddisruptionbudgets" => "PodDisruptionBudget",
        "applications" => "Application",
        "kustomizations" => "Kustomization",
        "helmreleases" => "HelmRelease",
        _ => "Rollout",
    };
    format!("{kind}List")
}
