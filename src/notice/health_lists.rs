//! The AWS Health outputs a user exports first that are not notices: `aws health describe-events`
//! (a list of events, without their descriptions) and `aws health describe-affected-entities`
//! (the resources an event affects). Neither says when pods must have been launched: the cutoff
//! is written in an event's description, which only `describe-event-details` prints. So each is
//! answered with one error that says what it is, which of its events may be the Fargate notice,
//! and the exact command to run next; a cutoff is never read from an event's own times (its
//! `startTime` is when AWS opened the event, not the date the description gives).
//!
//! The Fargate notice is found by what the list can say, since AWS does not document its
//! `eventTypeCode`: EKS events whose code mentions Fargate, else EKS events of the
//! `scheduledChange` category; open and upcoming ones before closed ones. It does no I/O.
//! Invariants: every answer is one line naming the source and position; an event ARN is put into
//! a command only when it has the shape of one (no character a shell would read), at most
//! [`MAX_ARNS`] of them, as `describe-event-details` takes; the region of the commands is
//! Health's global endpoint's, [`HEALTH_REGION`].

use serde_json::{Map, Value};

use super::NoticeError;
use super::combine::push_unique;
use super::forms::{Ctx, cluster_of_entity};
use super::timestamps::event_time;
use crate::time::format_time;

/// The region the AWS Health API answers in (its global endpoint signs there), whatever the
/// region of the events.
pub(super) const HEALTH_REGION: &str = "us-east-1";

/// How many event ARNs `describe-event-details` takes in one call.
const MAX_ARNS: usize = 10;

/// How many events a message describes one by one.
const LISTED: usize = 5;

/// The command that lists the events the Fargate notice is among.
fn list_command() -> String {
    format!(
        "`aws health describe-events --filter services=EKS,eventTypeCategories=scheduledChange \
         --region {HEALTH_REGION} > events.json`"
    )
}

/// The answer to `describe-events` or `describe-affected-entities` output, when `object` is one.
pub(super) fn recognise(object: &Map<String, Value>, ctx: &Ctx) -> Option<NoticeError> {
    if let Some(events) = list_of(object, "events", &["arn", "eventTypeCode", "service"]) {
        return Some(ctx.invalid(describe_events(events)));
    }
    let entities = list_of(
        object,
        "entities",
        &["entityValue", "eventArn", "entityArn"],
    )?;
    Some(ctx.invalid(affected_entities(entities)))
}

/// `object[key]` when it is a list whose elements are objects with one of `fields` (or empty),
/// and `object` holds nothing else but the CLI's paging token.
fn list_of<'v>(object: &'v Map<String, Value>, key: &str, fields: &[&str]) -> Option<&'v [Value]> {
    let list = object.get(key)?.as_array()?;
    let only = object.keys().all(|k| k == key || k == "nextToken");
    let shaped = list.iter().all(|item| {
        item.as_object()
            .is_some_and(|o| fields.iter().any(|f| o.contains_key(*f)))
    });
    (only && shaped).then_some(list.as_slice())
}

fn field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One event of the list, as much of it as a message needs.
struct Event<'v> {
    arn: Option<&'v str>,
    code: &'v str,
    region: Option<&'v str>,
    start: Option<String>,
    status: Option<&'v str>,
}

impl Event<'_> {
    /// `AWS_EKS_PLANNED_LIFECYCLE_EVENT (us-west-2, from 2026-11-20T09:00:00Z, upcoming)`.
    fn describe(&self) -> String {
        let details: Vec<String> = [
            self.region.map(str::to_owned),
            self.start.as_ref().map(|s| format!("from {s}")),
            self.status.map(str::to_owned),
        ]
        .into_iter()
        .flatten()
        .collect();
        if details.is_empty() {
            self.code.to_owned()
        } else {
            format!("{} ({})", self.code, details.join(", "))
        }
    }
}

/// Whether `arn` has the shape of a Health event ARN
/// (`arn:PARTITION:health:REGION::event/SERVICE/CODE/ID`): only what such an ARN holds, so it
/// can be pasted into a shell as it is.
fn is_event_arn(arn: &str) -> bool {
    arn.len() <= 1600
        && arn.starts_with("arn:")
        && arn.contains(":health:")
        && arn.contains(":event/")
        && arn
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-' | '.'))
}

fn describe_events(list: &[Value]) -> String {
    let what = "this is `aws health describe-events` output: it lists events without their \
                descriptions, and the cutoff is written in the Fargate notice's description";
    // Each event, with whether it is EKS's and of the scheduledChange category.
    let events: Vec<(Event, bool, bool)> = list
        .iter()
        .filter_map(Value::as_object)
        .map(|e| {
            let event = Event {
                arn: field(e, "arn"),
                code: field(e, "eventTypeCode").unwrap_or("(no eventTypeCode)"),
                region: field(e, "region"),
                start: e.get("startTime").and_then(event_time).map(format_time),
                status: field(e, "statusCode"),
            };
            let is = |key: &str, value: &str| {
                field(e, key).is_some_and(|v| v.eq_ignore_ascii_case(value))
            };
            (
                event,
                is("service", "EKS"),
                is("eventTypeCategory", "scheduledChange"),
            )
        })
        .collect();
    let eks: Vec<(&Event, bool)> = events
        .iter()
        .filter(|(_, eks, _)| *eks)
        .map(|(e, _, scheduled)| (e, *scheduled))
        .collect();
    let fargate: Vec<&Event> = eks
        .iter()
        .filter(|(e, _)| e.code.to_ascii_uppercase().contains("FARGATE"))
        .map(|(e, _)| *e)
        .collect();
    let candidates = if fargate.is_empty() {
        eks.iter()
            .filter(|(_, scheduled)| *scheduled)
            .map(|(e, _)| *e)
            .collect()
    } else {
        fargate
    };
    // A closed event is over; an open or upcoming one is the notice being acted on.
    let current: Vec<&Event> = candidates
        .iter()
        .copied()
        .filter(|e| !e.status.is_some_and(|s| s.eq_ignore_ascii_case("closed")))
        .collect();
    let candidates = if current.is_empty() {
        candidates
    } else {
        current
    };
    if candidates.is_empty() {
        let found = match (list.len(), eks.len()) {
            (0, _) => "it lists no event".to_owned(),
            (n, 0) => format!("none of its {n} events is about EKS"),
            (_, n) => format!(
                "none of its {n} EKS events ({}) is a scheduled change, which the Fargate notice is",
                listed(eks.iter().map(|(e, _)| e.code.to_owned()).collect())
            ),
        };
        return format!(
            "{what}; {found}: list the notices with {} and give that file, or give the \
             notice's details (`aws health describe-event-details`), its EventBridge event, or \
             --launched-before and --deadline",
            list_command()
        );
    }
    let arns: Vec<&str> = candidates
        .iter()
        .filter_map(|e| e.arn)
        .filter(|a| is_event_arn(a))
        .take(MAX_ARNS)
        .collect();
    let which = if candidates.len() == 1 {
        format!(
            "the EKS event that may be the Fargate notice is {}",
            candidates[0].describe()
        )
    } else {
        format!(
            "the {} EKS events that may be the Fargate notice are {}",
            candidates.len(),
            listed(candidates.iter().map(|e| e.describe()).collect())
        )
    };
    if arns.is_empty() {
        return format!(
            "{what}; {which}, but it gives no event ARN to ask for: copy the notice's ARN from \
             the AWS Health Dashboard and run `aws health describe-event-details --event-arns \
             ARN --region {HEALTH_REGION} > notice.json`, then give --notice notice.json"
        );
    }
    let keeps = if arns.len() > 1 {
        " (the Fargate notice among them is read, the others left out)"
    } else {
        ""
    };
    format!(
        "{what}; {which}: run `aws health describe-event-details --event-arns {} --region \
         {HEALTH_REGION} > notice.json`, then give --notice notice.json{keeps}{ORGANIZATION}",
        arns.join(" ")
    )
}

/// Said after the command for a list of events: `describe-events-for-organization` gives a
/// list of the same shape, whose details come from the organization's command (read the same
/// way).
const ORGANIZATION: &str = " (for `describe-events-for-organization` output, run `aws health \
     describe-event-details-for-organization --organization-event-detail-filters \
     eventArn=ARN,awsAccountId=ACCOUNT --region us-east-1 > notice.json` instead, with the \
     account of the cluster)";

fn affected_entities(list: &[Value]) -> String {
    let mut clusters = Vec::new();
    let mut arns = Vec::new();
    for entity in list.iter().filter_map(Value::as_object) {
        if let Some(name) = field(entity, "entityValue").and_then(cluster_of_entity) {
            push_unique(&mut clusters, &name);
        }
        if let Some(arn) = field(entity, "eventArn").filter(|a| is_event_arn(a)) {
            push_unique(&mut arns, arn);
        }
    }
    let what = "this is `aws health describe-affected-entities` output: it names what an event \
                affects, not the cutoff, which the event's description gives";
    let named = match clusters.as_slice() {
        [] => String::new(),
        [one] => format!("; it names the cluster {one} (give --cluster {one})"),
        many => format!(
            "; it names the clusters {} (give --cluster NAME)",
            listed(many.to_vec())
        ),
    };
    let arns: Vec<String> = arns.into_iter().take(MAX_ARNS).collect();
    let next = if arns.is_empty() {
        format!(
            "give the event's details as the notice: `aws health describe-event-details \
             --event-arns ARN --region {HEALTH_REGION} > notice.json`, then --notice notice.json"
        )
    } else {
        format!(
            "run `aws health describe-event-details --event-arns {} --region {HEALTH_REGION} > \
             notice.json`, then give --notice notice.json",
            arns.join(" ")
        )
    };
    format!("{what}{named}; {next}")
}

/// At most [`LISTED`] items, then how many more.
fn listed(items: Vec<String>) -> String {
    let more = items.len().saturating_sub(LISTED);
    let mut shown: Vec<String> = items.into_iter().take(LISTED).collect();
    if more > 0 {
        shown.push(format!("and {more} more"));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::ORGANIZATION;
    use crate::notice::parse;
    use crate::notice::testing::message;

    const ARN: &str = "arn:aws:health:us-west-2::event/EKS/AWS_EKS_PLANNED_LIFECYCLE_EVENT/AWS_EKS_PLANNED_LIFECYCLE_EVENT_3e9a7b15-2c4d-4f60-8a1b-7c9d0e2f4a6b";

    fn events(list: &Value) -> String {
        message(parse(&json!({ "events": list }).to_string(), "events.json"))
    }

    fn event(code: &str, service: &str, category: &str, status: &str, id: &str) -> Value {
        json!({
            "arn": format!("arn:aws:health:eu-west-1::event/{service}/{code}/{code}_{id}"),
            "service": service,
            "eventTypeCode": code,
            "eventTypeCategory": category,
            "region": "eu-west-1",
            "startTime": "2026-11-20T09:00:00+00:00",
            "statusCode": status
        })
    }

    #[test]
    fn describe_events_fixture_names_the_event_and_the_next_command() {
        let err = message(parse(
            include_str!("../../fixtures/notices/describe-events.json"),
            "events.json",
        ));
        assert_eq!(
            err,
            format!(
                "events.json: this is `aws health describe-events` output: it lists events \
                 without their descriptions, and the cutoff is written in the Fargate notice's \
                 description; the EKS event that may be the Fargate notice is \
                 AWS_EKS_PLANNED_LIFECYCLE_EVENT (us-west-2, from 2026-11-20T09:00:00Z, \
                 upcoming): run `aws health describe-event-details --event-arns {ARN} --region \
                 us-east-1 > notice.json`, then give --notice notice.json{ORGANIZATION}"
            )
        );
    }

    #[test]
    fn a_code_naming_fargate_wins_over_other_scheduled_changes() {
        let err = events(&json!([
            event(
                "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
                "EKS",
                "scheduledChange",
                "upcoming",
                "a"
            ),
            event(
                "AWS_EKS_FARGATE_PATCHING",
                "eks",
                "accountNotification",
                "open",
                "b"
            ),
        ]));
        assert!(err.contains("event that may be the Fargate notice is AWS_EKS_FARGATE_PATCHING (eu-west-1, from 2026-11-20T09:00:00Z, open)"), "{err}");
        assert!(!err.contains("PLANNED_LIFECYCLE_EVENT_a"), "{err}");
    }

    #[test]
    fn several_candidates_are_listed_and_asked_for_in_one_command() {
        let err = events(&json!([
            event(
                "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
                "EKS",
                "scheduledChange",
                "upcoming",
                "a"
            ),
            event(
                "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
                "EKS",
                "scheduledChange",
                "open",
                "b"
            ),
            event(
                "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
                "EKS",
                "scheduledChange",
                "closed",
                "c"
            ),
        ]));
        assert!(
            err.contains("the 2 EKS events that may be the Fargate notice are"),
            "{err}"
        );
        assert!(
            err.contains("--event-arns arn:aws:health:eu-west-1::event/EKS/AWS_EKS_PLANNED_LIFECYCLE_EVENT/AWS_EKS_PLANNED_LIFECYCLE_EVENT_a arn:aws:health:eu-west-1::event/EKS/AWS_EKS_PLANNED_LIFECYCLE_EVENT/AWS_EKS_PLANNED_LIFECYCLE_EVENT_b --region us-east-1"),
            "{err}"
        );
        assert!(err.contains("the others left out"), "{err}");
        assert!(!err.contains("_c "), "a closed one is left out: {err}");
        // Only closed ones: they are still the candidates.
        let err = events(&json!([event(
            "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
            "EKS",
            "scheduledChange",
            "closed",
            "c"
        )]));
        assert!(err.contains("_c --region us-east-1"), "{err}");
    }

    #[test]
    fn at_most_ten_arns_and_five_described() {
        let list: Vec<Value> = (0..12)
            .map(|i| {
                event(
                    "AWS_EKS_X",
                    "EKS",
                    "scheduledChange",
                    "open",
                    &i.to_string(),
                )
            })
            .collect();
        let err = events(&Value::Array(list));
        assert_eq!(err.matches(" arn:aws:health:").count(), 10, "{err}");
        assert!(err.contains("open), and 7 more: run"), "{err}");
    }

    #[test]
    fn without_a_candidate_it_says_what_it_found_and_how_to_list_the_notices() {
        let filter = "`aws health describe-events --filter services=EKS,eventTypeCategories=scheduledChange --region us-east-1 > events.json`";
        let err = events(&json!([]));
        assert!(
            err.contains("; it lists no event: list the notices with "),
            "{err}"
        );
        assert!(err.contains(filter), "{err}");
        let err = events(&json!([event(
            "AWS_EC2_X",
            "EC2",
            "scheduledChange",
            "open",
            "a"
        )]));
        assert!(
            err.contains("; none of its 1 events is about EKS: "),
            "{err}"
        );
        let err = events(&json!([event(
            "AWS_EKS_OPERATIONAL_NOTIFICATION",
            "EKS",
            "accountNotification",
            "open",
            "a"
        )]));
        assert!(
            err.contains(
                "none of its 1 EKS events (AWS_EKS_OPERATIONAL_NOTIFICATION) is a scheduled change"
            ),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn an_arn_a_shell_would_read_is_never_put_in_a_command() {
        let mut bad = event("AWS_EKS_X", "EKS", "scheduledChange", "open", "a");
        bad["arn"] = json!("arn:aws:health:eu-west-1::event/EKS/X/X_1; rm -rf ~");
        let err = events(&json!([bad]));
        assert!(!err.contains("rm -rf"), "{err}");
        assert!(err.contains("gives no event ARN to ask for"), "{err}");
        assert!(err.contains("--event-arns ARN --region us-east-1"), "{err}");
    }

    #[test]
    fn other_objects_with_an_events_key_are_not_taken_for_it() {
        let err = message(parse(r#"{"events": [1, 2]}"#, "x.json"));
        assert!(
            err.starts_with("x.json: found an object with keys `events`"),
            "{err}"
        );
        let err = message(parse(r#"{"events": [], "kind": "x"}"#, "x.json"));
        assert!(err.contains("found an object with keys"), "{err}");
    }

    #[test]
    fn affected_entities_name_the_cluster_and_the_next_command() {
        let err = message(parse(
            include_str!("../../fixtures/notices/describe-affected-entities.json"),
            "entities.json",
        ));
        assert_eq!(
            err,
            format!(
                "entities.json: this is `aws health describe-affected-entities` output: it \
                 names what an event affects, not the cutoff, which the event's description \
                 gives; it names the cluster prod-eks (give --cluster prod-eks); run `aws \
                 health describe-event-details --event-arns {ARN} --region us-east-1 > \
                 notice.json`, then give --notice notice.json"
            )
        );
    }
}
