//! The three notice forms, each recognised in one JSON value and read into a [`Notice`] or a
//! [`PodTermination`]: an AWS Health event as EventBridge delivers it (also as the payload of a
//! GitHub `repository_dispatch` event), the output of `aws health describe-event-details`, and an
//! `EKS Fargate Pod Scheduled Termination` event. A value is recognised by what it says (its
//! `source`, `detail-type` or `successfulSet`; for a Health event, service EKS and a description
//! about Fargate and evicting or terminating), never by the `eventTypeCode`, which AWS does not
//! document for this notice; `describe-events` and `describe-affected-entities` output is handed
//! to [`health_lists`], which answers it. This module reads no text (`input` does), finds no dates in prose
//! (`prose` does) and merges notices only as `combine` does. Invariants: every refusal is one
//! [`NoticeError`] naming the source and the position ([`Ctx`]); a time field that is there but
//! unreadable is always an error, a missing field only where the form cannot do without it; a
//! cluster is taken only from an EKS ARN or a value that can be a cluster name, never from an
//! account ID.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::combine::{merge_health, push_unique, single};
use super::health_lists;
use super::prose::DescriptionDates;
use super::timestamps::{TIME_FORMATS, event_time};
use super::{At, DateNote, Notice, NoticeError, NoticeKind, PodTermination};

/// The file name and position, for errors.
pub(super) struct Ctx<'a> {
    pub(super) input: &'a str,
    pub(super) at: At,
}

impl Ctx<'_> {
    pub(super) fn invalid(&self, message: impl Into<String>) -> NoticeError {
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

/// What one value turned out to be.
pub(super) enum Parsed {
    Health(Notice),
    Termination(PodTermination),
}

/// Which of the forms `value` is, read; or why it is none of them.
pub(super) fn recognise(value: &Value, ctx: &Ctx) -> Result<Parsed, NoticeError> {
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
    if source.is_none()
        && let Some(answer) = health_lists::recognise(object, ctx)
    {
        return Err(answer);
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
    crate::report::budget::shorten(text, 61).into_owned()
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
        notes: dates
            .notes
            .into_iter()
            .map(|(role, text, reading)| DateNote {
                source: format!("{}{}", ctx.input, ctx.at),
                role,
                text,
                reading,
            })
            .collect(),
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
pub(super) fn cluster_of_entity(value: &str) -> Option<String> {
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
    let sent = time_field(event, "time", "time", ctx)?;
    Ok(PodTermination {
        cluster,
        namespace,
        pod,
        scheduled_termination: scheduled,
        evict_error: str_field(detail, "evictErrorMessage").map(str::to_owned),
        sent,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::notice::testing::{health, message, t};
    use crate::notice::{NoticeKind, PodTermination, parse};

    #[test]
    fn eventbridge_health_event_fixture() {
        let n = parse(
            include_str!("../../fixtures/notices/health-event.json"),
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
            include_str!("../../fixtures/notices/describe-event-details.json"),
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
    fn the_organization_s_event_details_are_read_the_same_way() {
        // `describe-event-details-for-organization`: the same set, each with its account.
        let mut details: serde_json::Value = serde_json::from_str(include_str!(
            "../../fixtures/notices/describe-event-details.json"
        ))
        .unwrap();
        for item in details["successfulSet"].as_array_mut().unwrap() {
            item["awsAccountId"] = serde_json::json!("111122223333");
        }
        let n = parse(&details.to_string(), "org.json").unwrap();
        assert_eq!(n.kind, NoticeKind::HealthEvent);
        assert_eq!(n.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-04T00:00:00Z")));
    }

    #[test]
    fn describe_event_details_fixture_with_iso_times() {
        let n = parse(
            include_str!("../../fixtures/notices/describe-event-details-iso.json"),
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
            include_str!("../../fixtures/notices/scheduled-termination.json"),
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
                sent: Some(t("2026-12-01T12:52:44Z")),
            }]
        );
        assert_eq!(n.deadline, Some(t("2026-12-04T12:52:44.832Z")));
    }

    #[test]
    fn scheduled_terminations_jsonl_fixture() {
        let n = parse(
            include_str!("../../fixtures/notices/scheduled-terminations.jsonl"),
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
            include_str!("../../fixtures/notices/health-event-unrelated.json"),
            "other.json",
        ));
        assert!(err.starts_with("other.json: "), "{err}");
        assert!(err.contains("not a Fargate eviction notice"), "{err}");
        assert!(err.contains("AWS_EKS_PLANNED_LIFECYCLE_EVENT"), "{err}");
    }

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
            include_str!("../../fixtures/notices/health-event.json")
        );
        assert_eq!(
            parse(&text, "event.json").unwrap(),
            parse(
                include_str!("../../fixtures/notices/health-event.json"),
                "x"
            )
            .unwrap()
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
}
