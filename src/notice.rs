//! AWS notices about Fargate patching, turned into plain data: the cutoff, the deadline, the
//! cluster, and for failed evictions the exact pods.
//!
//! Three forms are understood, as JSON or YAML: an AWS Health event as EventBridge delivers it
//! (also inside a `repository_dispatch` payload), the output of `aws health
//! describe-event-details`, and EKS `EKS Fargate Pod Scheduled Termination` events (one, a list,
//! or one per line). A Health event is recognised by what it says (service EKS, a description
//! about Fargate and evicting or terminating), never by its `eventTypeCode`, which AWS does not
//! document for this notice. The dates AWS writes into the description's prose are read by a
//! small tokenizer: a date right after "launched/created/started before" is the cutoff, a date
//! the eviction happens on, after, by or starting from is the deadline; without them the
//! notice's own times stand in. This module does no I/O and prints nothing: it takes text and the
//! name of where the text came from (used only in messages) and returns plain data or one error
//! naming that source. It never panics, whatever the input, and never guesses a cluster.
//! Invariants: every time is UTC; a notice's `cluster` is set only when exactly one cluster is
//! named; [`combine`] never mixes clusters silently.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// What a notice must be; every "this is not a notice" message ends with it.
pub const EXPECTED: &str = "expected an AWS Health event (source aws.health), \
    `aws health describe-event-details` output, or EKS Fargate Pod Scheduled Termination events";

/// What a time field must look like, for messages about one that does not.
const TIME_FORMATS: &str = "expected RFC 1123 (Fri, 20 Nov 2026 09:00:00 GMT), \
    RFC 3339 (2026-11-20T09:00:00Z) or epoch seconds";

/// Which kind of notice a [`Notice`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// An AWS Health event (EventBridge form or `describe-event-details`): a cutoff for every
    /// Fargate pod of the cluster.
    HealthEvent,
    /// EKS Fargate Pod Scheduled Termination events: the exact pods whose eviction failed.
    PodTerminations,
}

/// One parsed notice file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// Pods created before this are affected. `None` for pod terminations (they name the pods
    /// whatever their age) and for a Health event that gives no date at all.
    pub launched_before: Option<DateTime<Utc>>,
    /// When EKS evicts or terminates.
    pub deadline: Option<DateTime<Utc>>,
    /// The cluster, when the notice names exactly one.
    pub cluster: Option<String>,
    /// Every cluster the notice names, in the order first named.
    pub clusters: Vec<String>,
    /// The pods of scheduled-termination events, in input order; empty for Health events.
    pub pods: Vec<PodTermination>,
    /// The Health event's ARN.
    pub event_arn: Option<String>,
}

/// One `EKS Fargate Pod Scheduled Termination` event: EKS could not evict this pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTermination {
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    /// When EKS will terminate the pod without further notice.
    pub scheduled_termination: DateTime<Utc>,
    /// Why the eviction failed, as EKS put it (for the workload's warnings).
    pub evict_error: Option<String>,
}

/// What all notices together say: the input the plan needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cutoff {
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub cluster: Option<String>,
    pub pods: Vec<PodTermination>,
}

/// Where in a notice file a problem sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum At {
    /// The file holds a single notice; its name says enough.
    #[default]
    Whole,
    /// The value starting on this 1-based line (JSON lines, several JSON values).
    Line(usize),
    /// The 1-based element of a top-level list.
    Item(usize),
    /// The 1-based document of a YAML stream.
    Document(usize),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Whole => Ok(()),
            At::Line(n) => write!(f, ", line {n}"),
            At::Item(n) => write!(f, ", item {n}"),
            At::Document(n) => write!(f, ", document {n}"),
        }
    }
}

/// Why a notice could not be read. Each renders as one line that starts with the source name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// Nothing but whitespace (or YAML comments).
    #[error("{input}: the notice is empty; {}", EXPECTED)]
    Empty { input: String },
    /// Neither valid JSON nor valid YAML.
    #[error(
        "{input}: line {line}, column {column}: invalid {format}: {message}; {}",
        EXPECTED
    )]
    Syntax {
        input: String,
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid data, but no notice this tool knows; `found` says what it is instead.
    #[error("{input}{at}: {found}; {}", EXPECTED)]
    NotANotice {
        input: String,
        at: At,
        found: String,
    },
    /// An AWS Health event about another service.
    #[error(
        "{input}{at}: an AWS Health event for service {service}, not EKS; \
         expected an EKS Fargate eviction notice"
    )]
    NotEks {
        input: String,
        at: At,
        service: String,
    },
    /// An EKS Health event about something other than evicting Fargate pods.
    #[error(
        "{input}{at}: the EKS Health event {event_type} is not a Fargate eviction notice \
         (its description does not mention Fargate and evicting or terminating pods)"
    )]
    NotFargateEviction {
        input: String,
        at: At,
        event_type: String,
    },
    /// A recognised notice with a missing or malformed field.
    #[error("{input}{at}: {message}")]
    Invalid {
        input: String,
        at: At,
        message: String,
    },
    /// Notices naming different clusters, combined without saying which one is meant.
    #[error(
        "the notices name different clusters ({}); pass --cluster to choose one",
        .clusters.join(", ")
    )]
    Clusters { clusters: Vec<String> },
}

/// Parse one notice file.
///
/// `source` names where `text` came from (a path, `-`) and only appears in error messages. Several
/// Health events in one file are merged as [`combine`] merges notices; Health events and pod
/// terminations in one file are an error (give them as separate files).
pub fn parse(text: &str, source: &str) -> Result<Notice, NoticeError> {
    let mut health = Vec::new();
    let mut pods = Vec::new();
    for (value, at) in flatten(read(text, source)?) {
        let ctx = Ctx { input: source, at };
        match recognise(&value, &ctx)? {
            Parsed::Health(notice) => health.push(notice),
            Parsed::Termination(pod) => pods.push(pod),
        }
    }
    match (health.is_empty(), pods.is_empty()) {
        (false, true) => Ok(merge_health(health)),
        (true, false) => Ok(terminations(pods)),
        (false, false) => Err(NoticeError::Invalid {
            input: source.to_owned(),
            at: At::Whole,
            message: "mixes AWS Health events and EKS Fargate Pod Scheduled Termination \
                      events; give each kind in a file of its own"
                .to_owned(),
        }),
        (true, true) => Err(NoticeError::NotANotice {
            input: source.to_owned(),
            at: At::Whole,
            found: "found an empty list".to_owned(),
        }),
    }
}

/// Combine every notice given into one [`Cutoff`], for the cluster the notices name.
///
/// - `launched_before` is the **latest** cutoff: each notice makes the pods created before its
///   own cutoff affected, so the union of what they affect is everything created before the
///   latest one, and a restart after that instant satisfies every notice.
/// - `deadline` is the **earliest** of the notices' deadlines and of every pod's scheduled
///   termination: the first eviction is when the restarts must be done.
/// - `pods` are concatenated in input order; the same pod named twice (EventBridge delivers at
///   least once) is kept once, with its earliest scheduled termination.
/// - `cluster` is the one cluster the notices name. Notices naming different clusters (a Health
///   event listing several counts as naming all of them) are an error asking for `--cluster`;
///   see [`combine_for`].
pub fn combine(notices: &[Notice]) -> Result<Cutoff, NoticeError> {
    combine_for(notices, None)
}

/// [`combine`], for a cluster chosen by the user (`--cluster`), or `None` for the one the
/// notices name.
///
/// With a cluster given, pod terminations on other clusters are dropped (they name pods that are
/// not there), while Health events are kept whatever clusters they list: AWS does not document
/// what their affected entities hold, so they are hints, and the cutoff applies to every Fargate
/// pod of the account.
pub fn combine_for(notices: &[Notice], cluster: Option<&str>) -> Result<Cutoff, NoticeError> {
    let mut cutoff = Cutoff {
        cluster: cluster.map(str::to_owned),
        ..Cutoff::default()
    };
    let mut named: Vec<String> = Vec::new();
    for notice in notices {
        cutoff.launched_before = later(cutoff.launched_before, notice.launched_before);
        cutoff.deadline = earlier(cutoff.deadline, notice.deadline);
        for name in &notice.clusters {
            push_unique(&mut named, name);
        }
        for pod in &notice.pods {
            if cluster.is_some_and(|c| c != pod.cluster) {
                continue;
            }
            push_unique(&mut named, &pod.cluster);
            cutoff.deadline = earlier(cutoff.deadline, Some(pod.scheduled_termination));
            add_pod(&mut cutoff.pods, pod);
        }
    }
    if cluster.is_none() {
        if named.len() > 1 {
            return Err(NoticeError::Clusters { clusters: named });
        }
        cutoff.cluster = named.pop();
    }
    Ok(cutoff)
}

/// Add a pod termination unless the same pod is already there; then keep the earlier time.
fn add_pod(pods: &mut Vec<PodTermination>, pod: &PodTermination) {
    let same = pods
        .iter_mut()
        .find(|p| p.cluster == pod.cluster && p.namespace == pod.namespace && p.pod == pod.pod);
    match same {
        Some(kept) => {
            if pod.scheduled_termination < kept.scheduled_termination {
                kept.scheduled_termination = pod.scheduled_termination;
            }
            if kept.evict_error.is_none() {
                kept.evict_error.clone_from(&pod.evict_error);
            }
        }
        None => pods.push(pod.clone()),
    }
}

fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    // `None` orders before every `Some`, so a missing time never wins.
    a.max(b)
}

/// The earlier time; unlike `Option::min`, a missing time does not win.
fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// The one cluster of a list, if there is exactly one.
fn single(clusters: &[String]) -> Option<String> {
    match clusters {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// Several Health events (a file of them, or several events in `describe-event-details`) read
/// as one notice, by the rules of [`combine`].
fn merge_health(notices: Vec<Notice>) -> Notice {
    let mut merged: Option<Notice> = None;
    for notice in notices {
        merged = Some(match merged {
            None => notice,
            Some(mut m) => {
                m.launched_before = later(m.launched_before, notice.launched_before);
                m.deadline = earlier(m.deadline, notice.deadline);
                for c in &notice.clusters {
                    push_unique(&mut m.clusters, c);
                }
                m.cluster = single(&m.clusters);
                m.event_arn = m.event_arn.or(notice.event_arn);
                m
            }
        });
    }
    // `parse` only merges a non-empty list; an empty one would be a notice that says nothing.
    merged.unwrap_or(Notice {
        kind: NoticeKind::HealthEvent,
        launched_before: None,
        deadline: None,
        cluster: None,
        clusters: Vec::new(),
        pods: Vec::new(),
        event_arn: None,
    })
}

fn terminations(pods: Vec<PodTermination>) -> Notice {
    let mut clusters = Vec::new();
    let mut deadline = None;
    for pod in &pods {
        push_unique(&mut clusters, &pod.cluster);
        deadline = earlier(deadline, Some(pod.scheduled_termination));
    }
    Notice {
        kind: NoticeKind::PodTerminations,
        launched_before: None,
        deadline,
        cluster: single(&clusters),
        clusters,
        pods,
        event_arn: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the text: JSON (one value, several, JSON lines) or YAML (one or more documents).

/// The file name and position, for errors.
struct Ctx<'a> {
    input: &'a str,
    at: At,
}

impl Ctx<'_> {
    fn invalid(&self, message: impl Into<String>) -> NoticeError {
        NoticeError::Invalid {
            input: self.input.to_owned(),
            at: self.at,
            message: message.into(),
        }
    }

    fn not_a_notice(&self, found: impl Into<String>) -> NoticeError {
        NoticeError::NotANotice {
            input: self.input.to_owned(),
            at: self.at,
            found: found.into(),
        }
    }
}

fn read(text: &str, input: &str) -> Result<Vec<(Value, At)>, NoticeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let empty = || NoticeError::Empty {
        input: input.to_owned(),
    };
    let start = text.trim_start();
    if start.is_empty() {
        return Err(empty());
    }
    if start.starts_with('{') || start.starts_with('[') {
        return match read_json(text) {
            Ok(values) => Ok(values),
            Err(json) => match read_yaml(text) {
                // A YAML flow mapping starts with `{` too; when both fail JSON's message is the
                // one that fits what the file looks like.
                Ok(values) if values.iter().any(|(v, _)| v.is_object() || v.is_array()) => {
                    Ok(values)
                }
                _ => Err(NoticeError::Syntax {
                    input: input.to_owned(),
                    format: "JSON",
                    line: json.line(),
                    column: json.column(),
                    message: json_message(&json),
                }),
            },
        };
    }
    match read_yaml(text) {
        Ok(values) if values.is_empty() => Err(empty()),
        Ok(values) => Ok(values),
        Err(yaml) => {
            let location = yaml.location();
            Err(NoticeError::Syntax {
                input: input.to_owned(),
                format: "YAML",
                line: location.map_or(0, |l| usize::try_from(l.line()).unwrap_or(usize::MAX)),
                column: location.map_or(0, |l| usize::try_from(l.column()).unwrap_or(usize::MAX)),
                message: without_position(&yaml.without_snippet().to_string()),
            })
        }
    }
}

/// serde_json's message without its own " at line L column C" (the error says it once).
fn json_message(error: &serde_json::Error) -> String {
    without_position(&error.to_string())
}

/// A parser's message without the position it appends; [`NoticeError::Syntax`] gives it once.
fn without_position(message: &str) -> String {
    let message = message.lines().next().unwrap_or("").trim();
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

/// Every JSON value in the text, with the line it starts on when there are several (JSON lines).
fn read_json(text: &str) -> Result<Vec<(Value, At)>, serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut values = Vec::new();
    // Lines are counted on from the previous value, so a long JSON-lines file stays linear.
    let (mut counted, mut line) = (0, 1);
    loop {
        let offset = stream.byte_offset();
        let start = text.get(offset..).map_or(offset, |rest| {
            offset + (rest.len() - rest.trim_start().len())
        });
        line += text
            .get(counted..start)
            .map_or(0, |between| between.matches('\n').count());
        counted = start;
        match stream.next() {
            None => break,
            Some(Ok(value)) => values.push((value, At::Line(line))),
            Some(Err(error)) => return Err(error),
        }
    }
    if let [(_, at)] = values.as_mut_slice() {
        *at = At::Whole;
    }
    Ok(values)
}

/// Every non-empty YAML document in the text.
fn read_yaml(text: &str) -> Result<Vec<(Value, At)>, serde_saphyr::Error> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text)?;
    let many = docs.len() > 1;
    Ok(docs
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .map(|(i, v)| (v, if many { At::Document(i + 1) } else { At::Whole }))
        .collect())
}

/// Top-level lists hold one notice per element.
fn flatten(values: Vec<(Value, At)>) -> Vec<(Value, At)> {
    let mut items = Vec::new();
    for (value, at) in values {
        match value {
            Value::Array(list) => {
                for (i, item) in list.into_iter().enumerate() {
                    let at = if at == At::Whole { At::Item(i + 1) } else { at };
                    items.push((item, at));
                }
            }
            other => items.push((other, at)),
        }
    }
    items
}

// ---------------------------------------------------------------------------------------------
// Recognising the notice forms.

enum Parsed {
    Health(Notice),
    Termination(PodTermination),
}

fn recognise(value: &Value, ctx: &Ctx) -> Result<Parsed, NoticeError> {
    let Some(object) = value.as_object() else {
        return Err(ctx.not_a_notice(format!("found {}", kind_of(value))));
    };
    let source = str_field(object, "source");
    let detail_type = str_field(object, "detail-type");
    // A GitHub `repository_dispatch` event file carries the forwarded notice as its payload.
    if source.is_none()
        && let Some(payload) = object.get("client_payload").filter(|p| p.is_object())
    {
        return recognise(payload, ctx);
    }
    if object.contains_key("successfulSet") {
        return describe_event_details(object, ctx).map(Parsed::Health);
    }
    if source == Some("aws.health") || detail_type == Some("AWS Health Event") {
        return health_event(object, ctx).map(Parsed::Health);
    }
    let is_termination = detail_type
        .is_some_and(|t| t.eq_ignore_ascii_case("EKS Fargate Pod Scheduled Termination"));
    if is_termination || (source == Some("aws.eks") && detail_type.is_none()) {
        return pod_termination(object, ctx).map(Parsed::Termination);
    }
    Err(ctx.not_a_notice(match (source, detail_type) {
        (Some(source), Some(kind)) => format!("found an event from {source} of type `{kind}`"),
        (Some(source), None) => format!("found an event from {source}"),
        (None, Some(kind)) => format!("found an event of type `{kind}`"),
        (None, None) => match str_field(object, "kind") {
            Some(kind) if object.contains_key("apiVersion") => {
                format!("found a Kubernetes {kind}")
            }
            _ => format!("found an object with keys {}", key_list(object)),
        },
    }))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list inside a list",
        Value::Object(_) => "an object",
    }
}

/// The first few keys of an object, for saying what was found instead of a notice.
fn key_list(object: &Map<String, Value>) -> String {
    if object.is_empty() {
        return "(none)".to_owned();
    }
    let mut keys: Vec<String> = object.keys().take(5).map(|k| format!("`{k}`")).collect();
    if object.len() > 5 {
        keys.push("…".to_owned());
    }
    keys.join(", ")
}

fn str_field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A time field: absent (or null, or empty) is `None`, present but unreadable is an error.
fn time_field(
    object: &Map<String, Value>,
    key: &str,
    name: &str,
    ctx: &Ctx,
) -> Result<Option<DateTime<Utc>>, NoticeError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(value) => event_time(value).map(Some).ok_or_else(|| {
            ctx.invalid(format!(
                "{name} {} is not a time: {TIME_FORMATS}",
                shorten(&value.to_string())
            ))
        }),
    }
}

/// A value quoted in a message, cut so the message stays one readable line.
fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// A time as AWS writes it in events: RFC 3339 (EKS adds a `[UTC]` zone id), RFC 1123 (Health's
/// `detail`), or a number of epoch seconds (`describe-event-details` with the CLI's defaults).
fn event_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => epoch_seconds(&n.to_string()),
        Value::String(s) => time_text(s),
        _ => None,
    }
}

fn time_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // EKS appends a Java zone id (`2021-06-30T12:52:44.832Z[UTC]`); the offset before it already
    // fixes the instant.
    let text = match text.find('[') {
        Some(i) if text.ends_with(']') => text.get(..i).unwrap_or(text).trim_end(),
        _ => text,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    // chrono rejects an RFC 1123 time whose weekday does not match its date; the date is what
    // counts, so read it once more without the weekday.
    if let Some((day, rest)) = text.split_once(',')
        && day.chars().all(char::is_alphabetic)
        && let Ok(t) = DateTime::parse_from_rfc2822(rest.trim())
    {
        return Some(t.with_timezone(&Utc));
    }
    // An ISO time without an offset: AWS means UTC.
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc())
}

/// Epoch seconds as JSON writes the number, with up to nanosecond precision. Read from the text
/// rather than through `f64` so that no precision is lost and no cast can overflow.
fn epoch_seconds(number: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let digits: String = fraction.chars().take(9).collect();
    let nanos: u32 = format!("{digits:0<9}").parse().ok()?;
    if seconds < 0 && nanos > 0 {
        // -1.5 is 2 seconds back plus half a second; no notice carries such times anyway.
        return DateTime::from_timestamp(seconds.checked_sub(1)?, 1_000_000_000 - nanos);
    }
    DateTime::from_timestamp(seconds, nanos)
}

// ---------------------------------------------------------------------------------------------
// AWS Health events.

/// What a Health event says, from whichever form it came in.
struct HealthFields<'v> {
    service: Option<&'v str>,
    event_type: Option<&'v str>,
    arn: Option<&'v str>,
    description: String,
    /// When the notice was issued: the fallback cutoff.
    issued: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    entities: Vec<&'v str>,
}

fn health_event(event: &Map<String, Value>, ctx: &Ctx) -> Result<Notice, NoticeError> {
    let Some(detail) = event.get("detail").and_then(Value::as_object) else {
        return Err(ctx.invalid("the AWS Health event has no `detail` object"));
    };
    let start = time_field(detail, "startTime", "detail.startTime", ctx)?;
    let sent = time_field(event, "time", "time", ctx)?;
    let end = time_field(detail, "endTime", "detail.endTime", ctx)?;
    time_field(detail, "lastUpdatedTime", "detail.lastUpdatedTime", ctx)?;
    let mut entities = Vec::new();
    if let Some(list) = detail.get("affectedEntities").and_then(Value::as_array) {
        for entity in list {
            let value = match entity {
                Value::Object(e) => str_field(e, "entityValue"),
                Value::String(s) => Some(s.as_str()),
                _ => None,
            };
            entities.extend(value);
        }
    }
    if let Some(list) = event.get("resources").and_then(Value::as_array) {
        entities.extend(list.iter().filter_map(Value::as_str));
    }
    health_notice(
        &HealthFields {
            service: str_field(detail, "service"),
            event_type: str_field(detail, "eventTypeCode"),
            arn: str_field(detail, "eventArn"),
            description: description(detail.get("eventDescription")),
            issued: start.or(sent),
            end,
            entities,
        },
        ctx,
    )
}

/// `aws health describe-event-details` output. It may hold several events; the EKS Fargate
/// eviction notices among them are merged, the others ignored, and when none is one the first
/// event's reason is the error.
fn describe_event_details(output: &Map<String, Value>, ctx: &Ctx) -> Result<Notice, NoticeError> {
    let entries = output
        .get("successfulSet")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if entries.is_empty() {
        let failed = output
            .get("failedSet")
            .and_then(Value::as_array)
            .and_then(|f| f.first())
            .and_then(Value::as_object)
            .and_then(|f| str_field(f, "errorMessage"))
            .map(|m| format!(" (failedSet: {})", shorten(m)))
            .unwrap_or_default();
        return Err(ctx.invalid(format!(
            "the describe-event-details output holds no event in successfulSet{failed}; \
             check the --event-arns and the region"
        )));
    }
    let mut notices = Vec::new();
    let mut first_error = None;
    for (i, entry) in entries.iter().enumerate() {
        match describe_entry(entry, i, ctx) {
            Ok(notice) => notices.push(notice),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) if notices.is_empty() => Err(error),
        _ => Ok(merge_health(notices)),
    }
}

fn describe_entry(entry: &Value, index: usize, ctx: &Ctx) -> Result<Notice, NoticeError> {
    let Some(event) = entry
        .get("event")
        .and_then(Value::as_object)
        .filter(|_| entry.is_object())
    else {
        return Err(ctx.invalid(format!(
            "successfulSet[{index}] of the describe-event-details output has no `event` object"
        )));
    };
    let start = time_field(event, "startTime", "event.startTime", ctx)?;
    let updated = time_field(event, "lastUpdatedTime", "event.lastUpdatedTime", ctx)?;
    let end = time_field(event, "endTime", "event.endTime", ctx)?;
    health_notice(
        &HealthFields {
            service: str_field(event, "service"),
            event_type: str_field(event, "eventTypeCode"),
            arn: str_field(event, "arn"),
            description: description(entry.get("eventDescription")),
            // Without a start time the last update is the nearest to issuing; it is later, so it
            // takes in more pods, which is the safe side.
            issued: start.or(updated),
            end,
            // describe-event-details carries no entities (describe-affected-entities has them).
            entities: Vec::new(),
        },
        ctx,
    )
}

/// The description text: EventBridge gives a list of `{language, latestDescription}` (English
/// preferred), the CLI one `{latestDescription}`; a plain string is taken as it is.
fn description(value: Option<&Value>) -> String {
    let latest = |v: &Value| {
        v.get("latestDescription")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(list)) => list
            .iter()
            .find(|d| {
                d.get("language")
                    .and_then(Value::as_str)
                    .is_some_and(|l| l.to_ascii_lowercase().starts_with("en"))
            })
            .or_else(|| list.first())
            .and_then(latest)
            .unwrap_or_default(),
        Some(v @ Value::Object(_)) => latest(v).unwrap_or_default(),
        _ => String::new(),
    }
}

fn health_notice(fields: &HealthFields, ctx: &Ctx) -> Result<Notice, NoticeError> {
    let service = fields.service.unwrap_or("");
    if !service.eq_ignore_ascii_case("EKS") {
        return Err(NoticeError::NotEks {
            input: ctx.input.to_owned(),
            at: ctx.at,
            service: if service.is_empty() {
                "(none given)".to_owned()
            } else {
                service.to_owned()
            },
        });
    }
    if !is_fargate_eviction(&fields.description) {
        return Err(NoticeError::NotFargateEviction {
            input: ctx.input.to_owned(),
            at: ctx.at,
            event_type: fields.event_type.unwrap_or("(no eventTypeCode)").to_owned(),
        });
    }
    let dates = DescriptionDates::read(&fields.description, fields.issued);
    let mut clusters = Vec::new();
    for entity in &fields.entities {
        if let Some(name) = cluster_of_entity(entity) {
            push_unique(&mut clusters, &name);
        }
    }
    Ok(Notice {
        kind: NoticeKind::HealthEvent,
        // EKS documents that pods created before the notification are subject to eviction.
        launched_before: dates.cutoff.or(fields.issued),
        deadline: dates.deadline.or(fields.end),
        cluster: single(&clusters),
        clusters,
        pods: Vec::new(),
        event_arn: fields.arn.map(str::to_owned),
    })
}

/// Whether a description is about EKS evicting Fargate pods (AWS does not document which event
/// type code carries the notice, so the wording decides).
fn is_fargate_eviction(description: &str) -> bool {
    let text = description.to_lowercase();
    text.contains("fargate") && (text.contains("evict") || text.contains("terminat"))
}

/// The cluster an affected entity names: an EKS ARN's cluster, or a plain value that can be a
/// cluster name.
fn cluster_of_entity(value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("arn:") {
        // arn:PARTITION:eks:REGION:ACCOUNT:RESOURCE
        let mut parts = rest.splitn(5, ':');
        let (_partition, service, _region, _account) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let resource = parts.next()?;
        if service != "eks" {
            return None;
        }
        let mut segments = resource.split('/');
        let (kind, name) = (segments.next()?, segments.next()?);
        // A cluster's ARN names it; its parts' ARNs (…:fargateprofile/CLUSTER/PROFILE/ID) name
        // it as their first segment.
        let names_cluster = matches!(
            kind,
            "cluster"
                | "fargateprofile"
                | "nodegroup"
                | "addon"
                | "identityproviderconfig"
                | "podidentityassociation"
                | "access-entry"
        );
        return (names_cluster && is_cluster_name(name)).then(|| name.to_owned());
    }
    is_cluster_name(value).then(|| value.to_owned())
}

/// EKS cluster names: 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit. An
/// all-digit value is an AWS account ID (account-wide events list it), not a cluster.
fn is_cluster_name(name: &str) -> bool {
    name.len() <= 100
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// EKS Fargate Pod Scheduled Termination events.

fn pod_termination(event: &Map<String, Value>, ctx: &Ctx) -> Result<PodTermination, NoticeError> {
    const WHAT: &str = "the EKS Fargate Pod Scheduled Termination event";
    let Some(detail) = event.get("detail").and_then(Value::as_object) else {
        return Err(ctx.invalid(format!("{WHAT} has no `detail` object")));
    };
    let field = |key: &str| {
        str_field(detail, key)
            .map(str::to_owned)
            .ok_or_else(|| ctx.invalid(format!("{WHAT} has no detail.{key}")))
    };
    let cluster = field("clusterName")?;
    let namespace = field("podNamespace")?;
    let pod = field("podName")?;
    let scheduled = time_field(
        detail,
        "scheduledTerminationTime",
        "detail.scheduledTerminationTime",
        ctx,
    )?
    .ok_or_else(|| ctx.invalid(format!("{WHAT} has no detail.scheduledTerminationTime")))?;
    Ok(PodTermination {
        cluster,
        namespace,
        pod,
        scheduled_termination: scheduled,
        evict_error: str_field(detail, "evictErrorMessage").map(str::to_owned),
    })
}

// ---------------------------------------------------------------------------------------------
// Dates in the description's prose.
//
// The text is cut into words, numbers and punctuation; dates are matched on those tokens
// (`November 20, 2026`, `Friday, 20 Nov 2026 09:00 UTC`, `2026-11-20T09:00:00Z`, ...), and each
// date's role is decided by the words before it in its sentence: "launched before" marks the
// cutoff, "starting"/"after"/"by" or an eviction verb the deadline. A date with neither role
// (when the update was deployed, when the page was updated) is ignored.

/// The cutoff and deadline a description gives, if any.
#[derive(Debug, Default, PartialEq, Eq)]
struct DescriptionDates {
    /// The latest "launched before" date (several cutoffs together affect the pods created
    /// before the last one).
    cutoff: Option<DateTime<Utc>>,
    /// The earliest eviction date.
    deadline: Option<DateTime<Utc>>,
}

impl DescriptionDates {
    /// `reference` (when the notice was issued) supplies the year of a date written without one.
    fn read(text: &str, reference: Option<DateTime<Utc>>) -> Self {
        let tokens = tokenize(text);
        let dates = find_dates(&tokens, reference);
        let mut found = DescriptionDates::default();
        for (n, date) in dates.iter().enumerate() {
            let sentence_start = sentence_start(&tokens, date.first);
            let previous_end = n.checked_sub(1).map_or(0, |p| dates[p].end);
            let next_start = dates.get(n + 1).map_or(tokens.len(), |d| d.first);
            let tail_from = sentence_start.max(previous_end);
            let rest_to = sentence_end(&tokens, date.end).min(next_start);
            let context = Context {
                tail: words(&tokens, tail_from, date.first),
                rest: words(&tokens, date.end, rest_to),
                lead: words(&tokens, sentence_start, tail_from),
            };
            match context.role() {
                Some(Role::Cutoff) => found.cutoff = later(found.cutoff, Some(date.at)),
                Some(Role::Deadline) => found.deadline = earlier(found.deadline, Some(date.at)),
                None => {}
            }
        }
        found
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Punct,
    /// A line break: a blank line ends a sentence.
    Break,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    /// Whitespace precedes the token: `2026-11-20` is one date, `2026 - 11` is not.
    spaced: bool,
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut spaced = true;
    while let Some((start, c)) = chars.next() {
        if c == '\n' {
            tokens.push(Token {
                kind: Kind::Break,
                text: "\n",
                spaced,
            });
            spaced = true;
            continue;
        }
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        let kind = if c.is_alphabetic() {
            Kind::Word
        } else if c.is_ascii_digit() {
            Kind::Number
        } else {
            Kind::Punct
        };
        let mut end = start + c.len_utf8();
        if kind != Kind::Punct {
            while let Some(&(i, next)) = chars.peek() {
                let same = match kind {
                    Kind::Word => next.is_alphabetic(),
                    _ => next.is_ascii_digit(),
                };
                if !same {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        tokens.push(Token {
            kind,
            text: text.get(start..end).unwrap_or(""),
            spaced,
        });
        spaced = false;
    }
    tokens
}

/// A date found in the text: its token range and the instant it names.
#[derive(Debug)]
struct TextDate {
    first: usize,
    end: usize,
    at: DateTime<Utc>,
}

fn find_dates(tokens: &[Token], reference: Option<DateTime<Utc>>) -> Vec<TextDate> {
    let mut dates = Vec::new();
    let mut i = 0;
    let mut floor = 0;
    while i < tokens.len() {
        if let Some(date) = date_at(tokens, i, floor, reference) {
            i = date.end;
            floor = date.end;
            dates.push(date);
        } else {
            i += 1;
        }
    }
    dates
}

/// A cursor over tokens; every `*` method consumes only on success.
struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    /// The next token if it satisfies `accept` (and, with `adjacent`, touches the previous one).
    fn take(&mut self, adjacent: bool, accept: impl Fn(&Token) -> bool) -> Option<Token<'a>> {
        let token = self.peek()?;
        if (adjacent && token.spaced) || !accept(&token) {
            return None;
        }
        self.pos += 1;
        Some(token)
    }

    fn punct(&mut self, adjacent: bool, p: &str) -> bool {
        self.take(adjacent, |t| t.kind == Kind::Punct && t.text == p)
            .is_some()
    }

    fn word(&mut self, adjacent: bool, words: &[&str]) -> Option<usize> {
        let token = self.peek()?;
        let lower = token.text.to_ascii_lowercase();
        let index = words.iter().position(|w| *w == lower)?;
        self.take(adjacent, |t| t.kind == Kind::Word).map(|_| index)
    }

    fn number(&mut self, adjacent: bool, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
        let token = self.take(adjacent, |t| {
            t.kind == Kind::Number && digits.contains(&t.text.len())
        })?;
        token.text.parse().ok()
    }

    /// Run `f`; on `None` put the cursor back where it was.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let saved = self.pos;
        let result = f(self);
        if result.is_none() {
            self.pos = saved;
        }
        result
    }
}

const WEEKDAYS: &[&str] = &[
    "monday",
    "mon",
    "tuesday",
    "tue",
    "tues",
    "wednesday",
    "wed",
    "thursday",
    "thu",
    "thur",
    "thurs",
    "friday",
    "fri",
    "saturday",
    "sat",
    "sunday",
    "sun",
];

/// Month names and abbreviations, with the month's number.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Time zone abbreviations AWS and its readers write, as seconds east of UTC. Ambiguous ones
/// (IST) are left out: a time in an unknown zone is read as UTC.
const ZONES: &[(&str, i32)] = &[
    ("utc", 0),
    ("gmt", 0),
    ("ut", 0),
    ("z", 0),
    ("pst", -8 * 3600),
    ("pdt", -7 * 3600),
    ("mst", -7 * 3600),
    ("mdt", -6 * 3600),
    ("cst", -6 * 3600),
    ("cdt", -5 * 3600),
    ("est", -5 * 3600),
    ("edt", -4 * 3600),
    ("cet", 3600),
    ("cest", 2 * 3600),
    ("eet", 2 * 3600),
    ("eest", 3 * 3600),
    ("bst", 3600),
    ("sgt", 8 * 3600),
    ("jst", 9 * 3600),
    ("kst", 9 * 3600),
    ("aest", 10 * 3600),
    ("aedt", 11 * 3600),
];

fn is_word_in(token: &Token, words: &[&str]) -> bool {
    token.kind == Kind::Word && words.contains(&token.text.to_ascii_lowercase().as_str())
}

fn month_of(token: &Token) -> Option<u32> {
    if token.kind != Kind::Word {
        return None;
    }
    let lower = token.text.to_ascii_lowercase();
    MONTHS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, m)| m)
}

/// The date (with its time, if written next to it) that starts at token `i`. `floor` is where
/// the previous date ended: a time written before this date must not reach into it.
fn date_at(
    tokens: &[Token],
    i: usize,
    floor: usize,
    reference: Option<DateTime<Utc>>,
) -> Option<TextDate> {
    let mut cursor = Cursor { tokens, pos: i };
    let c = &mut cursor;
    c.attempt(|c| {
        c.word(false, WEEKDAYS)?;
        c.punct(true, ".");
        c.punct(true, ",");
        Some(())
    });
    let (date, iso) = if let Some(date) = c.attempt(iso_date) {
        (date, true)
    } else {
        let date = c
            .attempt(|c| month_first(c, reference))
            .or_else(|| c.attempt(|c| day_first(c, reference)))?;
        (date, false)
    };
    let mut first = i;
    let mut clock = iso.then(|| c.attempt(iso_clock)).flatten();
    if clock.is_none() {
        clock = c.attempt(clock_after);
    }
    if clock.is_none() {
        // "at 09:00 UTC on November 20, 2026": the time comes first.
        if let Some((start, time)) = clock_before(tokens, i, floor) {
            first = start;
            clock = Some(time);
        }
    }
    let (time, offset) = clock.unwrap_or((NaiveTime::MIN, 0));
    let zone = FixedOffset::east_opt(offset)?;
    let at = zone
        .from_local_datetime(&date.and_time(time))
        .single()?
        .with_timezone(&Utc);
    Some(TextDate {
        first,
        end: cursor.pos,
        at,
    })
}

/// `2026-11-20` or `2026/11/20`.
fn iso_date(c: &mut Cursor) -> Option<NaiveDate> {
    let year = c.number(false, 4..=4)?;
    let separator = c.peek()?.text;
    if separator != "-" && separator != "/" {
        return None;
    }
    c.punct(true, separator).then_some(())?;
    let month = c.number(true, 1..=2)?;
    c.punct(true, separator).then_some(())?;
    let day = c.number(true, 1..=2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `November 20, 2026`, `Nov. 20th 2026`, or `November 20` (year from the reference).
fn month_first(c: &mut Cursor, reference: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    let year = c.attempt(|c| {
        c.punct(true, ",");
        c.number(false, 4..=4)
    });
    resolve(year, month, day, reference)
}

/// `20 November 2026`, `20th of Nov 2026`: the year is required, else "5 pods" could start one.
fn day_first(c: &mut Cursor, reference: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    c.word(false, &["of"]);
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    c.punct(true, ",");
    let year = c.number(false, 4..=4)?;
    resolve(Some(year), month, day, reference)
}

/// The date, with a missing year taken from the reference: the year that puts the date no more
/// than about three months before the notice was issued.
fn resolve(
    year: Option<u32>,
    month: u32,
    day: u32,
    reference: Option<DateTime<Utc>>,
) -> Option<NaiveDate> {
    if let Some(year) = year {
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
    }
    let reference = reference?.date_naive();
    let this_year = NaiveDate::from_ymd_opt(reference.year(), month, day)?;
    if (reference - this_year).num_days() > 90 {
        NaiveDate::from_ymd_opt(reference.year() + 1, month, day)
    } else {
        Some(this_year)
    }
}

/// `T09:00:00Z`, `T09:00:00.123+02:00` right after an ISO date.
fn iso_clock(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    c.take(true, |t| {
        t.kind == Kind::Word && t.text.eq_ignore_ascii_case("t")
    })?;
    let time = hours_minutes(c, true)?;
    Some((time, zone(c).unwrap_or(0)))
}

/// `, at 09:00 UTC`, `09:00:00 GMT`, `9 AM PDT`, `12:00 p.m.` after a date.
fn clock_after(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    c.punct(true, ",");
    c.word(false, &["at"]);
    clock(c)
}

fn clock(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    let time = hours_minutes(c, false)?;
    Some((time, zone(c).unwrap_or(0)))
}

/// A time of day. A bare number is not one: it needs `:MM` or AM/PM.
fn hours_minutes(c: &mut Cursor, adjacent: bool) -> Option<NaiveTime> {
    let hour = c.number(adjacent, 1..=2)?;
    let mut minute = 0;
    let mut second = 0;
    let mut nanos = 0;
    let with_minutes = c.punct(true, ":");
    if with_minutes {
        minute = c.number(true, 2..=2)?;
        if c.punct(true, ":") {
            second = c.number(true, 2..=2)?;
            if c.punct(true, ".") {
                let digits = c.take(true, |t| t.kind == Kind::Number)?.text;
                let nine: String = digits.chars().take(9).collect();
                nanos = format!("{nine:0<9}").parse().ok()?;
            }
        }
    }
    let meridiem = c.attempt(|c| {
        if let Some(i) = c.word(false, &["am", "pm"]) {
            return Some(i == 1);
        }
        // a.m. / p.m.
        let pm = c.word(false, &["a", "p"])? == 1;
        c.punct(true, ".").then_some(())?;
        c.word(true, &["m"])?;
        c.punct(true, ".");
        Some(pm)
    });
    let hour = match meridiem {
        None if !with_minutes => return None,
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// A zone after a time: `UTC`, `GMT+2`, `(UTC)`, `Z`, `+02:00`, `PDT`.
fn zone(c: &mut Cursor) -> Option<i32> {
    c.attempt(|c| {
        let parenthesised = c.punct(false, "(");
        let token = c.peek()?;
        let lower = token.text.to_ascii_lowercase();
        let mut offset = if token.kind == Kind::Word {
            let &(_, offset) = ZONES.iter().find(|(name, _)| *name == lower)?;
            c.pos += 1;
            // UTC+2, GMT-05:00
            if offset == 0 {
                offset + c.attempt(|c| numeric_offset(c, true)).unwrap_or(0)
            } else {
                offset
            }
        } else {
            // A numeric offset must touch the time, or "09:00 - 17:00" would read as one.
            numeric_offset(c, !parenthesised)?
        };
        if parenthesised {
            c.punct(false, ")").then_some(())?;
        }
        // Keep within what FixedOffset accepts, whatever was written.
        if offset.abs() >= 24 * 3600 {
            offset = 0;
        }
        Some(offset)
    })
}

/// `+02:00`, `-0500`, `+2`.
fn numeric_offset(c: &mut Cursor, adjacent: bool) -> Option<i32> {
    let sign = if c.punct(adjacent, "+") {
        1
    } else if c.punct(adjacent, "-") {
        -1
    } else {
        return None;
    };
    let digits = c
        .take(true, |t| t.kind == Kind::Number && t.text.len() <= 4)?
        .text;
    let (hours, mut minutes) = if digits.len() > 2 {
        let (h, m) = digits.split_at(digits.len() - 2);
        (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)
    } else {
        (digits.parse::<i32>().ok()?, 0)
    };
    if c.punct(true, ":") {
        minutes = i32::try_from(c.number(true, 2..=2)?).ok()?;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// A time written just before the date (`at 09:00 UTC on Friday, November 20, 2026`): where it
/// starts, and what it says.
fn clock_before(tokens: &[Token], date: usize, floor: usize) -> Option<(usize, (NaiveTime, i32))> {
    let mut end = date;
    if end > floor && tokens.get(end - 1).is_some_and(|t| is_word_in(t, &["on"])) {
        end -= 1;
    }
    if end > floor
        && tokens
            .get(end - 1)
            .is_some_and(|t| t.kind == Kind::Punct && t.text == ",")
    {
        end -= 1;
    }
    (floor.max(end.saturating_sub(10))..end).find_map(|start| {
        let mut c = Cursor { tokens, pos: start };
        let time = clock(&mut c)?;
        (c.pos == end).then_some((start, time))
    })
}

/// Whether token `k` ends a sentence: `.`, `!`, `?` or `;` before whitespace (not the dot of
/// `Nov.`, `a.m.` or `e.g.`), or a blank line.
fn ends_sentence(tokens: &[Token], k: usize) -> bool {
    let Some(token) = tokens.get(k) else {
        return true;
    };
    match token.kind {
        Kind::Break => tokens.get(k + 1).is_some_and(|t| t.kind == Kind::Break),
        Kind::Punct if matches!(token.text, "." | "!" | "?" | ";") => {
            let then_space = tokens
                .get(k + 1)
                .is_none_or(|t| t.spaced || t.kind == Kind::Break);
            let abbreviation = token.text == "."
                && k.checked_sub(1)
                    .and_then(|p| tokens.get(p))
                    .is_some_and(|t| {
                        t.kind == Kind::Word
                            && (t.text.chars().count() == 1
                                || month_of(t).is_some_and(|_| t.text.len() <= 4)
                                || is_word_in(t, WEEKDAYS) && t.text.len() <= 5)
                    });
            then_space && !abbreviation
        }
        _ => false,
    }
}

fn sentence_start(tokens: &[Token], at: usize) -> usize {
    (0..at)
        .rev()
        .find(|&k| ends_sentence(tokens, k))
        .map_or(0, |k| k + 1)
}

fn sentence_end(tokens: &[Token], from: usize) -> usize {
    (from..tokens.len())
        .find(|&k| ends_sentence(tokens, k))
        .unwrap_or(tokens.len())
}

/// The words of a token range, lower-cased.
fn words(tokens: &[Token], from: usize, to: usize) -> Vec<String> {
    tokens
        .get(from..to)
        .unwrap_or(&[])
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text.to_lowercase())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Cutoff,
    Deadline,
}

/// The words around one date within its sentence.
struct Context {
    /// From the previous date (or the sentence start) up to this date.
    tail: Vec<String>,
    /// From this date to the next date (or the sentence end).
    rest: Vec<String>,
    /// From the sentence start up to `tail`.
    lead: Vec<String>,
}

/// Words that may sit between a marker and its date: "prior to", "on or before", "earlier than".
const FILLER: &[&str] = &["on", "or", "to", "than", "the", "at", "of"];
/// Markers that, after a launch word, make the date the cutoff ("launched after X" names the
/// cutoff too: pods launched after it are already patched).
const CUTOFF_MARKERS: &[&str] = &["before", "prior", "earlier", "after", "since", "older"];
/// Words saying a date is about when pods were created.
const LAUNCH_WORDS: &[&str] = &[
    "launched",
    "launch",
    "created",
    "creation",
    "started",
    "provisioned",
    "deployed",
];
/// Markers that make the date the deadline on their own.
const DEADLINE_MARKERS: &[&str] = &[
    "after",
    "starting",
    "beginning",
    "commencing",
    "from",
    "by",
    "until",
    "till",
    "through",
    "effective",
    "deadline",
    "as",
    "later",
];
/// Word beginnings of what EKS does to the pods at the deadline.
const ACTION_PREFIXES: &[&str] = &[
    "evict", "terminat", "restart", "replac", "recycl", "retir", "reboot", "drain", "redeploy",
    "remov", "schedul",
];
/// Words that tie a date to something else: when the update shipped, when the notice was sent.
const OTHER_EVENT_WORDS: &[&str] = &[
    "deployed",
    "released",
    "published",
    "sent",
    "issued",
    "announced",
    "updated",
    "patched",
    "launched",
    "created",
    "started",
    "provisioned",
    "notice",
    "notification",
    "dated",
    "posted",
    "applied",
];

fn is_action(word: &str) -> bool {
    ACTION_PREFIXES.iter().any(|p| word.starts_with(p))
}

fn is_other_event(word: &str) -> bool {
    OTHER_EVENT_WORDS.contains(&word)
}

impl Context {
    fn role(&self) -> Option<Role> {
        let marker = self
            .tail
            .iter()
            .rposition(|w| !FILLER.contains(&w.as_str()));
        if let Some(m) = marker {
            let word = self.tail[m].as_str();
            if CUTOFF_MARKERS.contains(&word) && (word == "older" || self.launch_before(m)) {
                return Some(Role::Cutoff);
            }
            if DEADLINE_MARKERS.contains(&word) {
                return Some(Role::Deadline);
            }
        }
        // No marker: the nearest verb decides ("begin evicting pods on X", "the update deployed
        // on X"), then the rest of the sentence ("X: EKS begins evicting"), then its start.
        let nearest = self
            .tail
            .iter()
            .rev()
            .find(|w| is_action(w) || is_other_event(w));
        let next = || self.rest.iter().find(|w| is_action(w) || is_other_event(w));
        match nearest.or_else(next) {
            Some(w) if is_action(w) => Some(Role::Deadline),
            Some(_) => None,
            None => self
                .lead
                .iter()
                .any(|w| is_action(w))
                .then_some(Role::Deadline),
        }
    }

    /// Whether a launch word stands shortly before the marker at `m`, with no action between
    /// ("pods launched on Fargate before X", not "pods launched ... will be evicted before X").
    fn launch_before(&self, m: usize) -> bool {
        for w in self.tail[m.saturating_sub(5)..m].iter().rev() {
            if LAUNCH_WORDS.contains(&w.as_str()) {
                return true;
            }
            if is_action(w) {
                return false;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn dates(text: &str) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let found = DescriptionDates::read(text, Some(t("2026-11-20T09:00:00Z")));
        (found.cutoff, found.deadline)
    }

    fn health(description: &str) -> String {
        serde_json::json!({
            "version": "0",
            "id": "1",
            "detail-type": "AWS Health Event",
            "source": "aws.health",
            "account": "111122223333",
            "time": "2026-11-20T09:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {
                "eventArn": "arn:aws:health:eu-west-1::event/EKS/X/X_1",
                "service": "EKS",
                "eventTypeCode": "AWS_EKS_OPERATIONAL_NOTIFICATION",
                "startTime": "Fri, 20 Nov 2026 09:00:00 GMT",
                "endTime": "Fri, 11 Dec 2026 00:00:00 GMT",
                "eventDescription": [{"language": "en_US", "latestDescription": description}],
                "affectedEntities": [],
            }
        })
        .to_string()
    }

    fn message(result: Result<Notice, NoticeError>) -> String {
        result.unwrap_err().to_string()
    }

    // --- fixtures ---

    #[test]
    fn eventbridge_health_event_fixture() {
        let n = parse(
            include_str!("../fixtures/notices/health-event.json"),
            "health-event.json",
        )
        .unwrap();
        assert_eq!(n.kind, NoticeKind::HealthEvent);
        assert_eq!(n.launched_before, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-04T00:00:00Z")));
        assert_eq!(n.cluster.as_deref(), Some("prod-eks"));
        assert_eq!(n.clusters, ["prod-eks"]);
        assert!(n.pods.is_empty());
        assert!(n.event_arn.unwrap().starts_with("arn:aws:health:"));
    }

    #[test]
    fn describe_event_details_fixture_with_epoch_times() {
        let n = parse(
            include_str!("../fixtures/notices/describe-event-details.json"),
            "d.json",
        )
        .unwrap();
        assert_eq!(n.kind, NoticeKind::HealthEvent);
        // "prior to November 20, 2026" and "Starting Friday, December 4, 2026".
        assert_eq!(n.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-04T00:00:00Z")));
        assert_eq!(n.cluster, None);
        assert!(n.event_arn.is_some());
    }

    #[test]
    fn describe_event_details_fixture_with_iso_times() {
        let n = parse(
            include_str!("../fixtures/notices/describe-event-details-iso.json"),
            "d.json",
        )
        .unwrap();
        // The text gives no date: the notice's start is the cutoff, endTime the deadline.
        assert_eq!(n.launched_before, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-11T00:00:00Z")));
    }

    #[test]
    fn scheduled_termination_fixture() {
        let n = parse(
            include_str!("../fixtures/notices/scheduled-termination.json"),
            "s.json",
        )
        .unwrap();
        assert_eq!(n.kind, NoticeKind::PodTerminations);
        assert_eq!(n.launched_before, None);
        assert_eq!(n.cluster.as_deref(), Some("prod-eks"));
        assert_eq!(
            n.pods,
            [PodTermination {
                cluster: "prod-eks".into(),
                namespace: "shop".into(),
                pod: "checkout-7c9d8f6b5-x2x9q".into(),
                scheduled_termination: t("2026-12-04T12:52:44.832Z"),
                evict_error: Some(
                    "Cannot evict pod as it would violate the pod's disruption budget".into()
                ),
            }]
        );
        assert_eq!(n.deadline, Some(t("2026-12-04T12:52:44.832Z")));
    }

    #[test]
    fn scheduled_terminations_jsonl_fixture() {
        let n = parse(
            include_str!("../fixtures/notices/scheduled-terminations.jsonl"),
            "s.jsonl",
        )
        .unwrap();
        let pods: Vec<&str> = n.pods.iter().map(|p| p.pod.as_str()).collect();
        assert_eq!(
            pods,
            [
                "checkout-7c9d8f6b5-x2x9q",
                "postgres-0",
                "ledger-5d4f9c7b8-kq7mz"
            ]
        );
        assert_eq!(n.deadline, Some(t("2026-12-04T12:52:44.832Z")));
        assert!(
            n.pods[1]
                .evict_error
                .as_deref()
                .unwrap()
                .contains("multiple PodDisruptionBudget")
        );
    }

    #[test]
    fn unrelated_eks_health_event_fixture_is_refused() {
        let err = message(parse(
            include_str!("../fixtures/notices/health-event-unrelated.json"),
            "other.json",
        ));
        assert!(err.starts_with("other.json: "), "{err}");
        assert!(err.contains("not a Fargate eviction notice"), "{err}");
        assert!(err.contains("AWS_EKS_PLANNED_LIFECYCLE_EVENT"), "{err}");
    }

    #[test]
    fn description_fixtures() {
        let cases = [
            (
                include_str!("../fixtures/notices/descriptions/eviction-start.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../fixtures/notices/descriptions/starting-first.txt"),
                "2026-11-20T09:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../fixtures/notices/descriptions/iso-dates.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../fixtures/notices/descriptions/restart-recommended.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../fixtures/notices/descriptions/pacific-time.txt"),
                "2026-11-19T17:30:00Z",
                "2026-12-04T08:00:00Z",
            ),
        ];
        for (text, cutoff, deadline) in cases {
            assert_eq!(dates(text), (Some(t(cutoff)), Some(t(deadline))), "{text}");
            let n = parse(&health(text), "h.json").unwrap();
            assert_eq!(n.launched_before, Some(t(cutoff)));
            assert_eq!(n.deadline, Some(t(deadline)));
        }
    }

    #[test]
    fn description_without_dates_uses_the_notice_times() {
        let text = include_str!("../fixtures/notices/descriptions/no-dates.txt");
        assert_eq!(dates(text), (None, None));
        let n = parse(&health(text), "h.json").unwrap();
        assert_eq!(n.launched_before, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-11T00:00:00Z")));
    }

    // --- dates in prose ---

    #[test]
    fn the_real_wording() {
        assert_eq!(
            dates(
                "A software update with critical security patches has been deployed to AWS \
                 Fargate; to complete it, EKS Fargate will evict pods launched before November \
                 20, 2026, starting December 4, 2026."
            ),
            (
                Some(t("2026-11-20T00:00:00Z")),
                Some(t("2026-12-04T00:00:00Z"))
            )
        );
    }

    #[test]
    fn cutoff_wordings() {
        let cutoff = |text: &str| dates(text).0;
        let nov20 = Some(t("2026-11-20T00:00:00Z"));
        assert_eq!(
            cutoff("EKS will evict pods launched before November 20, 2026."),
            nov20
        );
        assert_eq!(
            cutoff("Pods created prior to 2026-11-20 will be terminated."),
            nov20
        );
        assert_eq!(
            cutoff("pods that were started before Friday, November 20, 2026"),
            nov20
        );
        assert_eq!(
            cutoff("pods launched on Fargate before 20 November 2026 are affected"),
            nov20
        );
        assert_eq!(
            cutoff("Pods launched on or after Nov. 20th, 2026 already run patched."),
            nov20
        );
        assert_eq!(
            cutoff("Fargate pods older than Nov 20 2026 will be evicted."),
            nov20
        );
        assert_eq!(
            cutoff("Pods launched before Nov 20, 2026 09:00 UTC will be evicted."),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(
            cutoff("pods created before 09:30 UTC on Friday, November 20, 2026"),
            Some(t("2026-11-20T09:30:00Z"))
        );
        assert_eq!(
            cutoff("pods launched before 2026-11-20T09:15:00+01:00 are affected"),
            Some(t("2026-11-20T08:15:00Z"))
        );
        assert_eq!(
            cutoff("pods launched before November 20 at 9 a.m. PST"),
            Some(t("2026-11-20T17:00:00Z"))
        );
    }

    #[test]
    fn deadline_wordings() {
        let deadline = |text: &str| dates(text).1;
        let dec4 = Some(t("2026-12-04T00:00:00Z"));
        assert_eq!(
            deadline("EKS Fargate will begin evicting pods on December 4, 2026."),
            dec4
        );
        assert_eq!(
            deadline("Starting December 4, 2026, EKS Fargate will evict pods."),
            dec4
        );
        assert_eq!(deadline("The pods will be evicted after 2026-12-04."), dec4);
        assert_eq!(deadline("Please restart your pods by Dec 4, 2026."), dec4);
        assert_eq!(
            deadline("Restart the pods before Friday, December 4, 2026."),
            dec4
        );
        assert_eq!(
            deadline("Terminations are scheduled for 4 December 2026."),
            dec4
        );
        assert_eq!(
            deadline("December 4, 2026: EKS Fargate begins evicting pods."),
            dec4
        );
        assert_eq!(
            deadline(
                "Eviction starts on Friday, December 4, 2026 at 00:00 UTC and ends on December 11, 2026."
            ),
            dec4
        );
        assert_eq!(
            deadline(
                "Pods launched before November 20, 2026 that are still running on December 4, 2026 will be terminated."
            ),
            dec4
        );
        assert_eq!(
            deadline("You have until December 4 to restart them."),
            dec4,
            "the year comes from the notice"
        );
    }

    #[test]
    fn dates_of_other_things_are_ignored() {
        assert_eq!(
            dates(
                "A software update deployed on November 10, 2026 patches AWS Fargate. \
                 This notice was sent on November 20, 2026. EKS Fargate will evict pods."
            ),
            (None, None)
        );
        assert_eq!(
            dates(
                "On November 10, 2026, AWS deployed a patch, so EKS will evict pods launched before November 20, 2026."
            ),
            (Some(t("2026-11-20T00:00:00Z")), None)
        );
    }

    #[test]
    fn year_less_dates_around_new_year() {
        let found = DescriptionDates::read(
            "evict pods starting January 5",
            Some(t("2026-12-20T00:00:00Z")),
        );
        assert_eq!(found.deadline, Some(t("2027-01-05T00:00:00Z")));
        let none = DescriptionDates::read("evict pods starting January 5", None);
        assert_eq!(none.deadline, None, "no year and nothing to take one from");
    }

    #[test]
    fn several_cutoffs_take_the_latest_and_deadlines_the_earliest() {
        assert_eq!(
            dates(
                "Pods launched before November 18, 2026 and pods created before November 20, \
                 2026 will be evicted starting December 6, 2026. Eviction may start on December \
                 4, 2026."
            ),
            (
                Some(t("2026-11-20T00:00:00Z")),
                Some(t("2026-12-04T00:00:00Z"))
            )
        );
    }

    // --- forms ---

    #[test]
    fn eventbridge_clusters_come_from_entities_and_resources() {
        let mut event: Value = serde_json::from_str(&health(
            "EKS Fargate will evict pods launched before November 20, 2026.",
        ))
        .unwrap();
        event["resources"] = serde_json::json!(["arn:aws:eks:eu-west-1:111122223333:cluster/a"]);
        event["detail"]["affectedEntities"] = serde_json::json!([
            {"entityValue": "arn:aws:eks:eu-west-1:111122223333:fargateprofile/b/default/0a"},
            {"entityValue": "arn:aws:eks:eu-west-1:111122223333:cluster/a"},
            {"entityValue": "111122223333"},
            {"entityValue": "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"},
            {"entityValue": "plain-cluster"}
        ]);
        let n = parse(&event.to_string(), "e.json").unwrap();
        assert_eq!(n.clusters, ["b", "a", "plain-cluster"]);
        assert_eq!(n.cluster, None);
    }

    #[test]
    fn describe_event_details_iso_and_fractional_epochs_agree() {
        let out = |start: Value| {
            serde_json::json!({
                "successfulSet": [{
                    "event": {"arn": "x", "service": "EKS", "startTime": start},
                    "eventDescription": {"latestDescription": "EKS Fargate will evict your pods."}
                }],
                "failedSet": []
            })
            .to_string()
        };
        let iso = parse(
            &out(serde_json::json!("2026-11-20T09:05:12.394000+00:00")),
            "i",
        )
        .unwrap();
        let epoch = parse(&out(serde_json::json!(1_795_165_512.394)), "e").unwrap();
        let whole = parse(&out(serde_json::json!(1_795_165_512)), "w").unwrap();
        assert_eq!(iso.launched_before, Some(t("2026-11-20T09:05:12.394Z")));
        assert_eq!(epoch.launched_before, iso.launched_before);
        assert_eq!(whole.launched_before, Some(t("2026-11-20T09:05:12Z")));
    }

    #[test]
    fn describe_event_details_with_no_event_says_so() {
        let err = message(parse(
            r#"{"successfulSet": [], "failedSet": [{"eventArn": "x", "errorName": "NotFound", "errorMessage": "Event not found"}]}"#,
            "d.json",
        ));
        assert!(
            err.contains("no event in successfulSet (failedSet: Event not found)"),
            "{err}"
        );
    }

    #[test]
    fn terminations_as_an_array_and_with_the_utc_suffix() {
        let text = r#"[
          {"source": "aws.eks", "detail-type": "EKS Fargate Pod Scheduled Termination",
           "detail": {"clusterName": "c", "podNamespace": "ns", "podName": "a",
                      "scheduledTerminationTime": "2026-12-05T00:00:00Z"}},
          {"source": "aws.eks", "detail-type": "EKS Fargate Pod Scheduled Termination",
           "detail": {"clusterName": "c", "podNamespace": "ns", "podName": "b",
                      "evictErrorMessage": "",
                      "scheduledTerminationTime": "2026-12-04T12:52:44.832Z[UTC]"}}
        ]"#;
        let n = parse(text, "a.json").unwrap();
        assert_eq!(n.pods.len(), 2);
        assert_eq!(
            n.pods[1].scheduled_termination,
            t("2026-12-04T12:52:44.832Z")
        );
        assert_eq!(n.pods[1].evict_error, None);
        assert_eq!(n.deadline, Some(t("2026-12-04T12:52:44.832Z")));
        assert_eq!(n.cluster.as_deref(), Some("c"));
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let good =
            include_str!("../fixtures/notices/scheduled-termination.json").replace('\n', " ");
        let text = format!("{good}\n{}\n", good.replace("\"podName\"", "\"pod\""));
        let err = message(parse(&text, "t.jsonl"));
        assert!(err.starts_with("t.jsonl, line 2: "), "{err}");
        assert!(err.contains("has no detail.podName"), "{err}");
    }

    #[test]
    fn bad_termination_time_is_an_error() {
        let text = r#"{"source": "aws.eks", "detail-type": "EKS Fargate Pod Scheduled Termination",
           "detail": {"clusterName": "c", "podNamespace": "ns", "podName": "a",
                      "scheduledTerminationTime": "next week"}}"#;
        let err = message(parse(text, "t.json"));
        assert!(
            err.contains("detail.scheduledTerminationTime \"next week\" is not a time"),
            "{err}"
        );
    }

    #[test]
    fn yaml_forms() {
        let health = "source: aws.health\ndetail-type: AWS Health Event\ntime: 2026-11-20T09:00:00Z\n\
            detail:\n  service: EKS\n  startTime: Fri, 20 Nov 2026 09:00:00 GMT\n  \
            eventDescription:\n    - language: en_US\n      latestDescription: >-\n        EKS \
            Fargate will evict pods launched before November 20, 2026,\n        starting December 4, 2026.\n  \
            affectedEntities:\n    - entityValue: arn:aws:eks:us-west-2:111122223333:cluster/yaml-eks\n";
        let n = parse(health, "h.yaml").unwrap();
        assert_eq!(n.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-04T00:00:00Z")));
        assert_eq!(n.cluster.as_deref(), Some("yaml-eks"));

        let pods = "---\nsource: aws.eks\ndetail-type: EKS Fargate Pod Scheduled Termination\n\
            detail: {clusterName: c, podNamespace: ns, podName: a, scheduledTerminationTime: \"2026-12-04T00:00:00Z[UTC]\"}\n\
            ---\nsource: aws.eks\ndetail-type: EKS Fargate Pod Scheduled Termination\n\
            detail: {clusterName: c, podNamespace: ns, podName: b, scheduledTerminationTime: \"2026-12-05T00:00:00Z\"}\n";
        let n = parse(pods, "p.yaml").unwrap();
        assert_eq!(n.pods.len(), 2);
    }

    #[test]
    fn repository_dispatch_payload_is_unwrapped() {
        let text = format!(
            r#"{{"action": "aws-health", "client_payload": {}}}"#,
            include_str!("../fixtures/notices/health-event.json")
        );
        assert_eq!(
            parse(&text, "event.json").unwrap(),
            parse(include_str!("../fixtures/notices/health-event.json"), "x").unwrap()
        );
    }

    #[test]
    fn several_health_events_in_one_file_merge() {
        let a = health(
            "EKS Fargate will evict pods launched before November 18, 2026 starting December 6, 2026.",
        );
        let b = health(
            "EKS Fargate will evict pods launched before November 20, 2026 starting December 4, 2026.",
        );
        let n = parse(&format!("{a}\n{b}\n"), "h.jsonl").unwrap();
        assert_eq!(n.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-04T00:00:00Z")));
    }

    // --- refusals ---

    #[test]
    fn non_eks_health_event_is_refused() {
        let text = health("EKS Fargate will evict pods.").replace("\"EKS\"", "\"EC2\"");
        let err = message(parse(&text, "ec2.json"));
        assert_eq!(
            err,
            "ec2.json: an AWS Health event for service EC2, not EKS; expected an EKS Fargate eviction notice"
        );
    }

    #[test]
    fn eks_health_event_about_something_else_is_refused() {
        let err = message(parse(
            &health(
                "Kubernetes version 1.29 reaches the end of standard support on March 23, 2026.",
            ),
            "k.json",
        ));
        assert!(err.contains("is not a Fargate eviction notice"), "{err}");
    }

    #[test]
    fn other_eks_events_are_not_notices() {
        let text =
            r#"{"source": "aws.eks", "detail-type": "EKS Cluster State Change", "detail": {}}"#;
        let err = message(parse(text, "c.json"));
        assert!(err.starts_with("c.json: found an event from aws.eks of type `EKS Cluster State Change`; expected an AWS Health event"), "{err}");
    }

    #[test]
    fn garbage_says_what_was_expected() {
        for (text, start) in [
            ("hello world", "g: found a string; expected"),
            (
                "{\"a\": 1,",
                "g: line 1, column 8: invalid JSON: EOF while parsing a value; expected",
            ),
            ("{\"a\": 1} {", "g: line 1, column 10: invalid JSON"),
            (
                "apiVersion: v1\nkind: Pod\n",
                "g: found a Kubernetes Pod; expected",
            ),
            ("[]", "g: found an empty list; expected"),
            ("[[1]]", "g, item 1: found a list inside a list"),
            ("{}", "g: found an object with keys (none); expected"),
            ("key: [unclosed\n", "g: line "),
            ("\u{0}\u{1}garbage", "g: "),
        ] {
            let err = message(parse(text, "g"));
            assert!(err.starts_with(start), "{text:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn empty_input() {
        for text in ["", "  \n\t", "\u{feff}", "# just a comment\n"] {
            assert_eq!(
                message(parse(text, "e.json")),
                format!("e.json: the notice is empty; {EXPECTED}")
            );
        }
    }

    #[test]
    fn mixing_kinds_in_one_file_is_an_error() {
        let text = format!(
            "{}\n{}",
            health("EKS Fargate will evict pods."),
            include_str!("../fixtures/notices/scheduled-termination.json").replace('\n', " ")
        );
        assert!(message(parse(&text, "m")).contains("mixes AWS Health events and"));
    }

    // --- combine ---

    fn pod(cluster: &str, name: &str, at: &str) -> PodTermination {
        PodTermination {
            cluster: cluster.into(),
            namespace: "ns".into(),
            pod: name.into(),
            scheduled_termination: t(at),
            evict_error: None,
        }
    }

    fn health_with(cutoff: &str, deadline: &str, clusters: &[&str]) -> Notice {
        let clusters: Vec<String> = clusters.iter().map(|c| (*c).to_owned()).collect();
        Notice {
            kind: NoticeKind::HealthEvent,
            launched_before: Some(t(cutoff)),
            deadline: Some(t(deadline)),
            cluster: single(&clusters),
            clusters,
            pods: Vec::new(),
            event_arn: None,
        }
    }

    #[test]
    fn combine_takes_the_latest_cutoff_and_the_earliest_deadline() {
        let a = health_with("2026-11-18T00:00:00Z", "2026-12-06T00:00:00Z", &["prod"]);
        let b = health_with("2026-11-20T00:00:00Z", "2026-12-08T00:00:00Z", &[]);
        let pods = terminations(vec![
            pod("prod", "x", "2026-12-05T00:00:00Z"),
            pod("prod", "y", "2026-12-07T00:00:00Z"),
        ]);
        let again = terminations(vec![pod("prod", "x", "2026-12-04T00:00:00Z")]);
        let cutoff = combine(&[a, b, pods, again]).unwrap();
        assert_eq!(cutoff.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(cutoff.deadline, Some(t("2026-12-04T00:00:00Z")));
        assert_eq!(cutoff.cluster.as_deref(), Some("prod"));
        assert_eq!(
            cutoff.pods,
            [
                pod("prod", "x", "2026-12-04T00:00:00Z"),
                pod("prod", "y", "2026-12-07T00:00:00Z")
            ]
        );
    }

    #[test]
    fn combine_of_nothing_says_nothing() {
        assert_eq!(combine(&[]).unwrap(), Cutoff::default());
    }

    #[test]
    fn combine_refuses_different_clusters() {
        let a = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &["prod"]);
        let b = terminations(vec![pod("staging", "x", "2026-12-05T00:00:00Z")]);
        let err = combine(&[a.clone(), b.clone()]).unwrap_err().to_string();
        assert_eq!(
            err,
            "the notices name different clusters (prod, staging); pass --cluster to choose one"
        );
        let several = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &["a", "b"]);
        assert!(combine(&[several]).is_err());

        let chosen = combine_for(&[a, b], Some("prod")).unwrap();
        assert_eq!(chosen.cluster.as_deref(), Some("prod"));
        assert!(chosen.pods.is_empty(), "staging's pods are not on prod");
        assert_eq!(chosen.deadline, Some(t("2026-12-04T00:00:00Z")));
    }

    // --- robustness ---

    #[test]
    fn time_forms() {
        assert_eq!(
            time_text("Fri, 20 Nov 2026 09:00:00 GMT"),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(
            time_text("Mon, 20 Nov 2026 09:00:00 GMT"),
            Some(t("2026-11-20T09:00:00Z")),
            "a wrong weekday does not lose the date"
        );
        assert_eq!(
            time_text("2021-06-30T12:52:44.832Z[UTC]"),
            Some(t("2021-06-30T12:52:44.832Z"))
        );
        assert_eq!(
            time_text("2026-11-20 09:00:00"),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(time_text("20 Nov"), None);
        assert_eq!(epoch_seconds("1795165200"), Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(epoch_seconds("1e9"), None);
        assert_eq!(epoch_seconds("99999999999999999999"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = parse(&text, "p");
        }

        #[test]
        fn parse_never_panics_on_json_like_text(text in "[\\[\\]{}\":,.0-9a-zA-Z \\n-]{0,80}") {
            let _ = parse(&text, "p");
        }

        #[test]
        fn prose_never_panics(
            text in "((launched|before|after|on|at|by|Nov|November|Friday|,|\\.|:|\\+|-|20|2026|09|00|UTC|PM|a\\.m\\.|evict|T|Z|\\n| ) ?){0,30}"
        ) {
            let _ = DescriptionDates::read(&text, Some(t("2026-11-20T09:00:00Z")));
        }
    }
}
