//! A stateful stand-in for GitHub's REST API on 127.0.0.1, for end-to-end tests of `pr`.
//!
//! One wiremock responder answers every request from shared state (blobs, trees, commits, refs,
//! pull requests, comments) in the response shapes GitHub documents, with real git object ids
//! for blobs and trees, so that what the binary computes locally must agree with it. Every
//! request is logged; one the fake does not know is answered 501 and recorded, and the test
//! fails when it ends. Faults (error statuses, a concurrent pull request, a change carried out
//! and then answered with an error) are injected per method and path. People act through
//! helpers: commits pushed to a branch, pull requests closed or merged by hand (at a given
//! time), labels added or removed, reviews, review requests removed; the issue events GitHub
//! records for labels, assignees and review requests are kept as it keeps them. Time-dependent
//! state: the time pull requests are opened at is set with [`FakeGithub::set_clock`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const OWNER: &str = "acme";
pub const NAME: &str = "gitops";
pub const TOKEN: &str = "ghs_fakeTokenThatMustNeverBePrinted0123456789";

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    mode: String,
    kind: &'static str,
    sha: String,
}

#[derive(Debug, Clone)]
struct Commit {
    tree: String,
    parents: Vec<String>,
    message: String,
}

#[derive(Debug, Clone)]
pub struct Pull {
    pub number: u64,
    pub state: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub head: String,
    pub base: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub reviewers: Vec<String>,
    pub teams: Vec<String>,
    pub comments: Vec<String>,
    pub merged: bool,
    /// When it was opened, and merged (RFC 3339).
    pub created_at: String,
    pub merged_at: Option<String>,
    /// Who reviewed.
    pub reviews: Vec<String>,
    /// The issue events, as GitHub's JSON.
    pub events: Vec<Value>,
}

/// An injected answer for the next `times` requests matching `method` and a path fragment.
struct Fault {
    method: String,
    path_contains: String,
    times: usize,
    kind: FaultKind,
}

enum FaultKind {
    Status(u16, Value, Vec<(String, String)>),
    /// Another run opens the pull request first; this request then gets GitHub's 422.
    RacePull,
    /// The request is carried out, and then answered with this server error.
    AfterLanding(u16),
}

#[derive(Default)]
struct State {
    default_branch: String,
    blobs: HashMap<String, Vec<u8>>,
    trees: HashMap<String, Vec<Entry>>,
    commits: HashMap<String, Commit>,
    refs: BTreeMap<String, String>,
    pulls: Vec<Pull>,
    log: Vec<String>,
    unexpected: Vec<String>,
    bad_auth: Vec<String>,
    faults: Vec<Fault>,
    counter: u64,
    base_url: String,
    /// The time GitHub gives a pull request opened now.
    clock: String,
}

pub struct FakeGithub {
    server: MockServer,
    state: Arc<Mutex<State>>,
    _runtime: tokio::runtime::Runtime,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn object_id(kind: &str, content: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("{kind} {}\0", content.len()).as_bytes());
    hasher.update(content);
    hex(&hasher.finalize())
}

fn unhex(sha: &str) -> Vec<u8> {
    (0..sha.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&sha[i..i + 2], 16).unwrap())
        .collect()
}

impl State {
    fn put_blob(&mut self, bytes: Vec<u8>) -> String {
        let sha = object_id("blob", &bytes);
        self.blobs.insert(sha.clone(), bytes);
        sha
    }

    /// Store a tree the way git does (entries sorted with folders as `name/`) under its id.
    fn put_tree(&mut self, mut entries: Vec<Entry>) -> String {
        let key = |e: &Entry| {
            if e.kind == "tree" {
                format!("{}/", e.name)
            } else {
                e.name.clone()
            }
        };
        entries.sort_by_key(key);
        let mut content = Vec::new();
        for e in &entries {
            let mode = e.mode.trim_start_matches('0');
            content.extend_from_slice(format!("{mode} {}\0", e.name).as_bytes());
            content.extend_from_slice(&unhex(&e.sha));
        }
        let sha = object_id("tree", &content);
        self.trees.insert(sha.clone(), entries);
        sha
    }

    /// A flat path → (mode, blob id) map into nested trees; the root tree's id.
    fn build_tree(&mut self, files: &BTreeMap<String, (String, String)>) -> String {
        let mut here: Vec<Entry> = Vec::new();
        let mut folders: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
        for (path, (mode, sha)) in files {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    folders
                        .entry(dir.to_owned())
                        .or_default()
                        .insert(rest.to_owned(), (mode.clone(), sha.clone()));
                }
                None => here.push(Entry {
                    name: path.clone(),
                    mode: mode.clone(),
                    kind: "blob",
                    sha: sha.clone(),
                }),
            }
        }
        for (dir, inner) in folders {
            let sha = self.build_tree(&inner);
            here.push(Entry {
                name: dir,
                mode: "040000".to_owned(),
                kind: "tree",
                sha,
            });
        }
        self.put_tree(here)
    }

    /// Every blob under a tree, path → (mode, id).
    fn flatten(&self, tree: &str, prefix: &str, out: &mut BTreeMap<String, (String, String)>) {
        for e in &self.trees[tree] {
            let path = format!("{prefix}{}", e.name);
            if e.kind == "tree" {
                self.flatten(&e.sha, &format!("{path}/"), out);
            } else {
                out.insert(path, (e.mode.clone(), e.sha.clone()));
            }
        }
    }

    fn put_commit(&mut self, tree: String, parents: Vec<String>, message: String) -> String {
        self.counter += 1;
        let text = format!(
            "tree {tree}\nparents {parents:?}\n{}\n\n{message}",
            self.counter
        );
        let sha = object_id("commit", text.as_bytes());
        self.commits.insert(
            sha.clone(),
            Commit {
                tree,
                parents,
                message,
            },
        );
        sha
    }

    fn api(&self, rest: &str) -> String {
        format!("{}/repos/{OWNER}/{NAME}{rest}", self.base_url)
    }

    fn pull_json(&self, p: &Pull) -> Value {
        let head_sha = self.refs.get(&p.head).cloned().unwrap_or_default();
        let base_sha = self.refs.get(&p.base).cloned().unwrap_or_default();
        let user = |login: &str| json!({"login": login, "id": 1, "type": "User"});
        json!({
            "url": self.api(&format!("/pulls/{}", p.number)),
            "id": 1000 + p.number,
            "node_id": format!("PR_{}", p.number),
            "html_url": format!("https://github.com/{OWNER}/{NAME}/pull/{}", p.number),
            "number": p.number,
            "state": p.state,
            "locked": false,
            "title": p.title,
            "body": p.body,
            "draft": p.draft,
            "user": user("gitops-restart[bot]"),
            "labels": p.labels.iter().map(|l| json!({"id": 7, "name": l, "color": "ededed", "default": false})).collect::<Vec<_>>(),
            "assignee": p.assignees.first().map(|a| user(a)),
            "assignees": p.assignees.iter().map(|a| user(a)).collect::<Vec<_>>(),
            "requested_reviewers": p.reviewers.iter().map(|r| user(r)).collect::<Vec<_>>(),
            "requested_teams": p.teams.iter().map(|t| json!({"id": 3, "slug": t, "name": t})).collect::<Vec<_>>(),
            "head": {"label": format!("{OWNER}:{}", p.head), "ref": p.head, "sha": head_sha, "user": user(OWNER)},
            "base": {"label": format!("{OWNER}:{}", p.base), "ref": p.base, "sha": base_sha, "user": user(OWNER)},
            "created_at": p.created_at,
            "updated_at": p.created_at,
            "merged_at": p.merged_at,
        })
    }

    fn open_pull(&mut self, head: &str, base: &str, title: &str, body: &str, draft: bool) -> u64 {
        let number = self.pulls.len() as u64 + 1;
        self.pulls.push(Pull {
            number,
            state: "open".to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
            draft,
            head: head.to_owned(),
            base: base.to_owned(),
            labels: Vec::new(),
            assignees: Vec::new(),
            reviewers: Vec::new(),
            teams: Vec::new(),
            comments: Vec::new(),
            merged: false,
            created_at: self.clock.clone(),
            merged_at: None,
            reviews: Vec::new(),
            events: Vec::new(),
        });
        number
    }

    fn pull_mut(&mut self, n: &str) -> Option<&mut Pull> {
        let i = n.parse::<usize>().ok()?.checked_sub(1)?;
        self.pulls.get_mut(i)
    }
}

/// GitHub's issue event for a label, an assignee or a review request.
fn event(kind: &str, what: &str) -> Value {
    let user = |login: &str| json!({"login": login, "id": 1, "type": "User"});
    match kind {
        "labeled" | "unlabeled" => {
            json!({"event": kind, "label": {"name": what, "color": "ededed"}})
        }
        "assigned" | "unassigned" => json!({"event": kind, "assignee": user(what)}),
        "review_requested" | "review_request_removed" => {
            json!({"event": kind, "requested_reviewer": user(what)})
        }
        _ => panic!("no such event here: {kind}"),
    }
}

/// GitHub's issue event for a team's review request.
fn team_event(slug: &str) -> Value {
    json!({"event": "review_requested", "requested_team": {"slug": slug, "name": slug}})
}

/// Set `have` to `want`, recording `added` and `removed` events.
fn set_recorded(
    have: &mut Vec<String>,
    want: Vec<String>,
    events: &mut Vec<Value>,
    added: &str,
    removed: &str,
) {
    for gone in have.iter().filter(|h| !want.contains(h)) {
        events.push(event(removed, gone));
    }
    for new in want.iter().filter(|w| !have.contains(w)) {
        events.push(event(added, new));
    }
    *have = want;
}

/// The page `page` (1-based) of `per_page` items that the query asks for (GitHub's default 30).
fn paged(items: Vec<Value>, query: Option<&str>) -> Value {
    let param = |name: &str| -> Option<usize> {
        query?
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}="))?.parse().ok())
    };
    let per_page = param("per_page").unwrap_or(30);
    let page = param("page").unwrap_or(1).max(1);
    Value::Array(
        items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect(),
    )
}

fn reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

fn not_found() -> ResponseTemplate {
    reply(
        404,
        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

fn unprocessable(message: &str, detail: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": "422"});
    if let Some(detail) = detail {
        body["errors"] = json!([{"resource": "PullRequest", "code": "custom", "message": detail}]);
    }
    reply(422, &body)
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let method = request.method.as_str().to_owned();
        let path = request.url.path().to_owned();
        let query = request.url.query().map(str::to_owned);
        let line = match &query {
            Some(q) => format!("{method} {path}?{q}"),
            None => format!("{method} {path}"),
        };
        state.log.push(line.clone());
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {TOKEN}") {
            state.bad_auth.push(line);
            return reply(
                401,
                &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
            );
        }
        let mut landed_then = None;
        if let Some(i) = state
            .faults
            .iter()
            .position(|f| f.times > 0 && f.method == method && path.contains(&f.path_contains))
        {
            state.faults[i].times -= 1;
            match &state.faults[i].kind {
                FaultKind::AfterLanding(status) => landed_then = Some(*status),
                FaultKind::Status(status, body, headers) => {
                    let mut template = reply(*status, body);
                    for (k, v) in headers {
                        template = template.insert_header(k.as_str(), v.as_str());
                    }
                    return template;
                }
                FaultKind::RacePull => {
                    let body: Value = serde_json::from_slice(&request.body).unwrap();
                    let head = body["head"].as_str().unwrap().to_owned();
                    let base = body["base"].as_str().unwrap().to_owned();
                    state.open_pull(&head, &base, "opened by a concurrent run", "", false);
                    return unprocessable(
                        "Validation Failed",
                        Some(&format!(
                            "A pull request already exists for {OWNER}:{head}."
                        )),
                    );
                }
            }
        }
        let body: Value = if request.body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => v,
                Err(_) => return reply(400, &json!({"message": "Problems parsing JSON"})),
            }
        };
        let prefix = format!("/repos/{OWNER}/{NAME}");
        let answer = path
            .strip_prefix(&prefix)
            .and_then(|rest| handle(&mut state, &method, rest, query.as_deref(), &body));
        match answer {
            Some(_) if landed_then.is_some() => reply(
                landed_then.unwrap_or(500),
                &json!({"message": "Server Error"}),
            ),
            Some(template) => template,
            None => {
                let line = state.log.last().cloned().unwrap();
                state.unexpected.push(line);
                reply(
                    501,
                    &json!({"message": "the fake GitHub does not know this request"}),
                )
            }
        }
    }
}

/// Answer one request; `None` for one the fake does not know.
#[allow(clippy::too_many_lines)]
fn handle(
    state: &mut State,
    method: &str,
    rest: &str,
    query: Option<&str>,
    body: &Value,
) -> Option<ResponseTemplate> {
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    Some(match (method, parts.as_slice()) {
        ("GET", [""]) => reply(
            200,
            &json!({
                "id": 42, "node_id": "R_42", "name": NAME, "full_name": format!("{OWNER}/{NAME}"),
                "private": true, "owner": {"login": OWNER, "id": 9, "type": "Organization"},
                "html_url": format!("https://github.com/{OWNER}/{NAME}"),
                "default_branch": state.default_branch, "visibility": "private",
            }),
        ),
        ("GET", ["git", "ref", "heads", branch @ ..]) => {
            let branch = branch.join("/");
            match state.refs.get(&branch) {
                Some(sha) => reply(
                    200,
                    &json!({"ref": format!("refs/heads/{branch}"), "node_id": "REF_1",
                           "url": state.api(&format!("/git/refs/heads/{branch}")),
                           "object": {"type": "commit", "sha": sha, "url": state.api(&format!("/git/commits/{sha}"))}}),
                ),
                None => not_found(),
            }
        }
        ("POST", ["git", "refs"]) => {
            let name = body["ref"]
                .as_str()?
                .strip_prefix("refs/heads/")?
                .to_owned();
            let sha = body["sha"].as_str()?.to_owned();
            if state.refs.contains_key(&name) {
                return Some(unprocessable("Reference already exists", None));
            }
            if !state.commits.contains_key(&sha) {
                return Some(unprocessable("Object does not exist", None));
            }
            state.refs.insert(name.clone(), sha.clone());
            reply(
                201,
                &json!({"ref": format!("refs/heads/{name}"), "object": {"type": "commit", "sha": sha}}),
            )
        }
        ("PATCH", ["git", "refs", "heads", branch @ ..]) => {
            let branch = branch.join("/");
            let sha = body["sha"].as_str()?.to_owned();
            let force = body["force"].as_bool().unwrap_or(false);
            let Some(old) = state.refs.get(&branch).cloned() else {
                return Some(unprocessable("Reference does not exist", None));
            };
            if !state.commits.contains_key(&sha) {
                return Some(unprocessable("Object does not exist", None));
            }
            if !force && !state.commits[&sha].parents.contains(&old) {
                return Some(unprocessable("Update is not a fast forward", None));
            }
            state.refs.insert(branch.clone(), sha.clone());
            reply(
                200,
                &json!({"ref": format!("refs/heads/{branch}"), "object": {"type": "commit", "sha": sha}}),
            )
        }
        ("GET", ["git", "commits", sha]) => match state.commits.get(*sha) {
            Some(c) => reply(
                200,
                &json!({
                    "sha": sha, "node_id": "C_1", "url": state.api(&format!("/git/commits/{sha}")),
                    "author": {"name": "bot", "email": "bot@example.com", "date": "2026-11-20T00:00:00Z"},
                    "committer": {"name": "GitHub", "email": "noreply@github.com", "date": "2026-11-20T00:00:00Z"},
                    "message": c.message,
                    "tree": {"sha": c.tree, "url": state.api(&format!("/git/trees/{}", c.tree))},
                    "parents": c.parents.iter().map(|p| json!({"sha": p, "url": state.api(&format!("/git/commits/{p}"))})).collect::<Vec<_>>(),
                    "verification": {"verified": true, "reason": "valid"},
                }),
            ),
            None => not_found(),
        },
        ("POST", ["git", "commits"]) => {
            let tree = body["tree"].as_str()?.to_owned();
            if !state.trees.contains_key(&tree) {
                return Some(unprocessable("Tree SHA does not exist", None));
            }
            let parents: Vec<String> = body["parents"]
                .as_array()?
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            let message = body["message"].as_str()?.to_owned();
            let sha = state.put_commit(tree.clone(), parents.clone(), message.clone());
            reply(
                201,
                &json!({"sha": sha, "tree": {"sha": tree}, "parents": parents.iter().map(|p| json!({"sha": p})).collect::<Vec<_>>(), "message": message}),
            )
        }
        ("GET", ["git", "trees", sha]) => {
            if !state.trees.contains_key(*sha) {
                return Some(not_found());
            }
            let recursive = query.is_some_and(|q| q.contains("recursive="));
            let mut listing = Vec::new();
            list_tree(state, sha, "", recursive, &mut listing);
            reply(
                200,
                &json!({"sha": sha, "url": state.api(&format!("/git/trees/{sha}")), "tree": listing, "truncated": false}),
            )
        }
        ("POST", ["git", "trees"]) => {
            let mut files = BTreeMap::new();
            if let Some(base) = body["base_tree"].as_str() {
                if !state.trees.contains_key(base) {
                    return Some(unprocessable("base_tree is not a valid tree oid", None));
                }
                state.flatten(base, "", &mut files);
            }
            for item in body["tree"].as_array()? {
                let path = item["path"].as_str()?.to_owned();
                let mode = item["mode"].as_str()?.to_owned();
                let sha = match (item["content"].as_str(), item["sha"].as_str()) {
                    (Some(content), _) => state.put_blob(content.as_bytes().to_vec()),
                    (None, Some(sha)) => sha.to_owned(),
                    _ => return Some(unprocessable("tree entry needs content or sha", None)),
                };
                files.insert(path, (mode, sha));
            }
            let sha = state.build_tree(&files);
            let mut listing = Vec::new();
            list_tree(state, &sha, "", false, &mut listing);
            reply(
                201,
                &json!({"sha": sha, "url": state.api(&format!("/git/trees/{sha}")), "tree": listing, "truncated": false}),
            )
        }
        ("GET", ["git", "blobs", sha]) => match state.blobs.get(*sha) {
            Some(bytes) => reply(
                200,
                &json!({"sha": sha, "size": bytes.len(), "encoding": "utf-8", "content": String::from_utf8_lossy(bytes)}),
            ),
            None => not_found(),
        },
        ("POST", ["git", "blobs"]) => {
            let sha = state.put_blob(body["content"].as_str()?.as_bytes().to_vec());
            reply(
                201,
                &json!({"sha": sha, "url": state.api(&format!("/git/blobs/{sha}"))}),
            )
        }
        ("GET", ["pulls"]) => {
            let query = query.unwrap_or("");
            let param = |name: &str| {
                query.split('&').find_map(|kv| {
                    kv.strip_prefix(&format!("{name}="))
                        .map(|v| v.replace("%2F", "/").replace("%3A", ":"))
                })
            };
            let head = param("head");
            let wanted_state = param("state").unwrap_or_else(|| "open".to_owned());
            let list: Vec<Value> = state
                .pulls
                .iter()
                .filter(|p| wanted_state == "all" || p.state == wanted_state)
                .filter(|p| {
                    head.as_ref()
                        .is_none_or(|h| *h == format!("{OWNER}:{}", p.head))
                })
                .map(|p| state.pull_json(p))
                .collect();
            reply(200, &Value::Array(list))
        }
        ("POST", ["pulls"]) => {
            let head = body["head"].as_str()?.to_owned();
            let base = body["base"].as_str()?.to_owned();
            if !state.refs.contains_key(&head) {
                return Some(unprocessable("Validation Failed", Some("head: invalid")));
            }
            if state
                .pulls
                .iter()
                .any(|p| p.state == "open" && p.head == head)
            {
                return Some(unprocessable(
                    "Validation Failed",
                    Some(&format!(
                        "A pull request already exists for {OWNER}:{head}."
                    )),
                ));
            }
            let number = state.open_pull(
                &head,
                &base,
                body["title"].as_str()?,
                body["body"].as_str().unwrap_or(""),
                body["draft"].as_bool().unwrap_or(false),
            );
            let pull = state.pulls[usize::try_from(number).ok()? - 1].clone();
            reply(201, &state.pull_json(&pull))
        }
        ("PATCH", ["pulls", n]) => {
            let pull = state.pull_mut(n)?;
            if let Some(title) = body["title"].as_str() {
                title.clone_into(&mut pull.title);
            }
            if let Some(text) = body["body"].as_str() {
                text.clone_into(&mut pull.body);
            }
            if let Some(s) = body["state"].as_str() {
                s.clone_into(&mut pull.state);
            }
            let pull = pull.clone();
            reply(200, &state.pull_json(&pull))
        }
        ("POST", ["pulls", n, "requested_reviewers"]) => {
            let pull = state.pull_mut(n)?;
            for r in body["reviewers"].as_array().into_iter().flatten() {
                pull.reviewers.push(r.as_str()?.to_owned());
                pull.events.push(event("review_requested", r.as_str()?));
            }
            for t in body["team_reviewers"].as_array().into_iter().flatten() {
                pull.teams.push(t.as_str()?.to_owned());
                pull.events.push(team_event(t.as_str()?));
            }
            let pull = pull.clone();
            reply(201, &state.pull_json(&pull))
        }
        ("GET", ["pulls", n, "reviews"]) => {
            let pull = state.pull_mut(n)?;
            let reviews: Vec<Value> = pull
                .reviews
                .iter()
                .enumerate()
                .map(|(i, login)| json!({"id": i + 1, "user": {"login": login, "id": 1, "type": "User"}, "state": "APPROVED", "body": ""}))
                .collect();
            reply(200, &paged(reviews, query))
        }
        ("PATCH", ["issues", n]) => {
            let pull = state.pull_mut(n)?;
            let names = |v: &Value| -> Option<Vec<String>> {
                v.as_array()
                    .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
            };
            if let Some(labels) = names(&body["labels"]) {
                set_recorded(
                    &mut pull.labels,
                    labels,
                    &mut pull.events,
                    "labeled",
                    "unlabeled",
                );
            }
            if let Some(assignees) = names(&body["assignees"]) {
                set_recorded(
                    &mut pull.assignees,
                    assignees,
                    &mut pull.events,
                    "assigned",
                    "unassigned",
                );
            }
            let pull = pull.clone();
            reply(200, &state.pull_json(&pull))
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let pull = state.pull_mut(n)?;
            let name = name.replace("%3A", ":");
            if !pull.labels.contains(&name) {
                return Some(not_found());
            }
            let labels = pull
                .labels
                .iter()
                .filter(|l| **l != name)
                .cloned()
                .collect();
            set_recorded(
                &mut pull.labels,
                labels,
                &mut pull.events,
                "labeled",
                "unlabeled",
            );
            let labels: Vec<Value> = pull.labels.iter().map(|l| json!({"name": l})).collect();
            reply(200, &Value::Array(labels))
        }
        ("GET", ["issues", n, "comments"]) => {
            let pull = state.pull_mut(n)?;
            let comments: Vec<Value> = pull
                .comments
                .iter()
                .enumerate()
                .map(|(i, body)| json!({"id": i + 1, "body": body, "user": {"login": "someone", "id": 1, "type": "User"}}))
                .collect();
            reply(200, &paged(comments, query))
        }
        ("GET", ["issues", n, "events"]) => {
            let pull = state.pull_mut(n)?;
            let events = pull.events.clone();
            reply(200, &paged(events, query))
        }
        ("POST", ["issues", n, what @ ("labels" | "assignees" | "comments")]) => {
            let pull = state.pull_mut(n)?;
            match *what {
                "labels" => {
                    let mut labels = pull.labels.clone();
                    labels.extend(
                        body["labels"]
                            .as_array()?
                            .iter()
                            .map(|l| l.as_str().unwrap().to_owned()),
                    );
                    set_recorded(
                        &mut pull.labels,
                        labels,
                        &mut pull.events,
                        "labeled",
                        "unlabeled",
                    );
                }
                "assignees" => {
                    let mut assignees = pull.assignees.clone();
                    assignees.extend(
                        body["assignees"]
                            .as_array()?
                            .iter()
                            .map(|a| a.as_str().unwrap().to_owned()),
                    );
                    set_recorded(
                        &mut pull.assignees,
                        assignees,
                        &mut pull.events,
                        "assigned",
                        "unassigned",
                    );
                }
                _ => pull.comments.push(body["body"].as_str()?.to_owned()),
            }
            let pull = pull.clone();
            if *what == "comments" {
                reply(
                    201,
                    &json!({"id": 5, "body": pull.comments.last(), "html_url": "https://github.com/c/5"}),
                )
            } else {
                reply(200, &state.pull_json(&pull))
            }
        }
        _ => return None,
    })
}

fn list_tree(state: &State, sha: &str, prefix: &str, recursive: bool, out: &mut Vec<Value>) {
    for e in &state.trees[sha] {
        let path = format!("{prefix}{}", e.name);
        let mut item = json!({"path": path, "mode": e.mode, "type": e.kind, "sha": e.sha,
                              "url": state.api(&format!("/git/{}s/{}", e.kind, e.sha))});
        if e.kind == "blob" {
            item["size"] = json!(state.blobs.get(&e.sha).map_or(0, Vec::len));
        }
        out.push(item);
        if recursive && e.kind == "tree" {
            list_tree(state, &e.sha, &format!("{path}/"), true, out);
        }
    }
}

impl FakeGithub {
    /// A repository whose `main` holds every file under `dir` (`.git` left out).
    pub fn start(dir: &Path) -> FakeGithub {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::builder().start());
        let state = Arc::new(Mutex::new(State {
            default_branch: "main".to_owned(),
            base_url: server.uri(),
            // The binary's clock in the tests ([`super::support::NOW`]) unless set otherwise.
            clock: super::support::NOW.to_owned(),
            ..State::default()
        }));
        runtime.block_on(
            Mock::given(any())
                .respond_with(Responder(state.clone()))
                .mount(&server),
        );
        let fake = FakeGithub {
            server,
            state,
            _runtime: runtime,
        };
        {
            let mut s = fake.state();
            let mut files = BTreeMap::new();
            collect(dir, "", &mut s, &mut files);
            let tree = s.build_tree(&files);
            let commit = s.put_commit(tree, Vec::new(), "initial".to_owned());
            s.refs.insert("main".to_owned(), commit);
        }
        fake
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Every request so far, `METHOD /path?query`.
    pub fn log(&self) -> Vec<String> {
        self.state().log.clone()
    }

    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    /// The requests that write.
    pub fn writes(&self) -> Vec<String> {
        self.log()
            .into_iter()
            .filter(|l| !l.starts_with("GET "))
            .collect()
    }

    pub fn pulls(&self) -> Vec<Pull> {
        self.state().pulls.clone()
    }

    pub fn branch_sha(&self, branch: &str) -> Option<String> {
        self.state().refs.get(branch).cloned()
    }

    /// Every file on `branch`, path → bytes.
    pub fn files(&self, branch: &str) -> BTreeMap<String, Vec<u8>> {
        let s = self.state();
        let commit = &s.commits[&s.refs[branch]];
        let mut flat = BTreeMap::new();
        s.flatten(&commit.tree, "", &mut flat);
        flat.into_iter()
            .map(|(path, (_, sha))| (path, s.blobs[&sha].clone()))
            .collect()
    }

    /// The parents of `branch`'s head commit.
    pub fn parents(&self, branch: &str) -> Vec<String> {
        let s = self.state();
        s.commits[&s.refs[branch]].parents.clone()
    }

    /// Someone else commits to `branch`: `path` now holds `content`.
    pub fn push(&self, branch: &str, path: &str, content: &str) {
        let mut s = self.state();
        let head = s.refs[branch].clone();
        let mut files = BTreeMap::new();
        let tree = s.commits[&head].tree.clone();
        s.flatten(&tree, "", &mut files);
        let blob = s.put_blob(content.as_bytes().to_vec());
        files.insert(path.to_owned(), ("100644".to_owned(), blob));
        let tree = s.build_tree(&files);
        let commit = s.put_commit(tree, vec![head], format!("change {path}"));
        s.refs.insert(branch.to_owned(), commit);
    }

    /// A person force-pushes `branch` to `sha`.
    pub fn set_branch(&self, branch: &str, sha: &str) {
        self.state().refs.insert(branch.to_owned(), sha.to_owned());
    }

    /// The commit message of `branch`'s head.
    pub fn head_message(&self, branch: &str) -> String {
        let s = self.state();
        s.commits[&s.refs[branch]].message.clone()
    }

    fn set_state(&self, number: u64, state: &str) {
        let mut s = self.state();
        state.clone_into(&mut s.pulls[usize::try_from(number).unwrap() - 1].state);
    }

    /// A person opens a pull request from `branch` (created from `main`), with their own
    /// title and body; its number.
    pub fn open_by_hand(&self, branch: &str, title: &str, body: &str) -> u64 {
        let mut s = self.state();
        let main = s.refs["main"].clone();
        s.refs.insert(branch.to_owned(), main);
        s.open_pull(branch, "main", title, body, false)
    }

    /// A person closes pull request `number` without merging it.
    pub fn close_by_hand(&self, number: u64) {
        self.set_state(number, "closed");
    }

    /// A person reopens pull request `number`.
    pub fn reopen(&self, number: u64) {
        self.set_state(number, "open");
    }

    /// Pull requests opened from now on were opened at `at` (RFC 3339; the default is the
    /// tests' time, [`super::support::NOW`]).
    pub fn set_clock(&self, at: &str) {
        at.clone_into(&mut self.state().clock);
    }

    /// A person merges pull request `number`: a merge commit on its base with its branch's files.
    pub fn merge(&self, number: u64) {
        self.merge_at(number, "2026-11-21T00:00:00Z");
    }

    /// [`FakeGithub::merge`] at the time `at` (RFC 3339).
    pub fn merge_at(&self, number: u64, at: &str) {
        let mut s = self.state();
        let i = usize::try_from(number).unwrap() - 1;
        "closed".clone_into(&mut s.pulls[i].state);
        s.pulls[i].merged = true;
        s.pulls[i].merged_at = Some(at.to_owned());
        let (head, base) = (s.pulls[i].head.clone(), s.pulls[i].base.clone());
        let (head_sha, base_sha) = (s.refs[&head].clone(), s.refs[&base].clone());
        let tree = s.commits[&head_sha].tree.clone();
        let commit = s.put_commit(tree, vec![base_sha, head_sha], format!("Merge #{number}"));
        s.refs.insert(base, commit);
    }

    /// A person sets the labels of pull request `number`.
    pub fn set_labels(&self, number: u64, labels: &[&str]) {
        let mut s = self.state();
        let pull = &mut s.pulls[usize::try_from(number).unwrap() - 1];
        let want = labels.iter().map(|l| (*l).to_owned()).collect();
        set_recorded(
            &mut pull.labels,
            want,
            &mut pull.events,
            "labeled",
            "unlabeled",
        );
    }

    /// `login` reviews pull request `number`: GitHub drops them from the requested reviewers.
    pub fn review(&self, number: u64, login: &str) {
        let mut s = self.state();
        let pull = &mut s.pulls[usize::try_from(number).unwrap() - 1];
        pull.reviewers.retain(|r| r != login);
        pull.reviews.push(login.to_owned());
    }

    /// A person removes the review request of `login` on pull request `number`.
    pub fn unrequest(&self, number: u64, login: &str) {
        let mut s = self.state();
        let pull = &mut s.pulls[usize::try_from(number).unwrap() - 1];
        pull.reviewers.retain(|r| r != login);
        pull.events.push(event("review_request_removed", login));
    }

    /// The next `times` requests `method` on a path containing `path` get `status` and `body`.
    pub fn fail(
        &self,
        method: &str,
        path: &str,
        times: usize,
        status: u16,
        body: Value,
        headers: &[(&str, &str)],
    ) {
        self.state().faults.push(Fault {
            method: method.to_owned(),
            path_contains: path.to_owned(),
            times,
            kind: FaultKind::Status(
                status,
                body,
                headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
        });
    }

    /// The next `times` requests `method` on a path containing `path` are carried out, and then
    /// answered with `status`: the answer is lost, the change is not.
    pub fn fail_after_landing(&self, method: &str, path: &str, times: usize, status: u16) {
        self.state().faults.push(Fault {
            method: method.to_owned(),
            path_contains: path.to_owned(),
            times,
            kind: FaultKind::AfterLanding(status),
        });
    }

    /// The next `POST /pulls` loses a race: another run opens the pull request first.
    pub fn race_next_pull(&self) {
        self.state().faults.push(Fault {
            method: "POST".to_owned(),
            path_contains: "/pulls".to_owned(),
            times: 1,
            kind: FaultKind::RacePull,
        });
    }

    /// Fail the test on requests the fake did not know or that came without the token.
    pub fn assert_clean(&self) {
        let s = self.state();
        assert!(
            s.unexpected.is_empty(),
            "unexpected requests: {:#?}",
            s.unexpected
        );
        assert!(
            s.bad_auth.is_empty(),
            "requests without the token: {:#?}",
            s.bad_auth
        );
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let s = self.state.lock().unwrap();
            assert!(
                s.unexpected.is_empty(),
                "unexpected requests: {:#?}",
                s.unexpected
            );
        }
    }
}

fn collect(
    dir: &Path,
    prefix: &str,
    s: &mut State,
    files: &mut BTreeMap<String, (String, String)>,
) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" {
            continue;
        }
        let path = format!("{prefix}{name}");
        if entry.file_type().unwrap().is_dir() {
            collect(&entry.path(), &format!("{path}/"), s, files);
        } else {
            let sha = s.put_blob(std::fs::read(entry.path()).unwrap());
            files.insert(path, ("100644".to_owned(), sha));
        }
    }
}
