//! What the notice tests share: times written as RFC 3339 literals, an EventBridge AWS Health
//! event wrapped around a description, and the one-line message of a refused notice. Compiled
//! for tests only; it builds inputs and reads results, and never decides anything the code under
//! test should decide.

use chrono::{DateTime, Utc};

use super::{Notice, NoticeError};

/// A time from an RFC 3339 literal.
pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// An EventBridge AWS Health event about EKS whose description is `description`.
pub(super) fn health(description: &str) -> String {
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

/// The message of a notice that was refused.
pub(super) fn message(result: Result<Notice, NoticeError>) -> String {
    result.unwrap_err().to_string()
}
