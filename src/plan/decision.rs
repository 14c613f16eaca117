//! What the plan decides for one workload: a [`Decision`] that carries what its action needs
//! (a bump its edit site, a manual step its reason and the file it is about, an ambiguity its
//! candidates), so that a bump without a file or a manual step without a reason can't be
//! written down. [`Action`] is its discriminant, as reports name it.
//!
//! Plain data: the JSON report (`report::json`) shows a decision as the `action`, `file`,
//! `line` and `reason` members it always had.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::Place;

/// What gitops-restart does for one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The restart value is written into the manifest (`file`, `line`); the change is in `edits`.
    Bump,
    /// The manifest already carries a restart value at or after the cutoff (or the very value
    /// that would be written): merged, waiting for Argo CD or Flux to sync.
    AlreadyBumped,
    /// Someone must act by hand; `reason` says what (a standalone pod, an `OnDelete` workload,
    /// a kind not restarted through git, a manifest the editor refused).
    Manual,
    /// No manifest in the repository defines the workload.
    NotFound,
    /// Several manifests could define it and none can be preferred.
    Ambiguous,
    /// Nothing to do (for example Job pods, which finish on their own).
    Skipped,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Bump => "bump",
            Action::AlreadyBumped => "already-bumped",
            Action::Manual => "manual",
            Action::NotFound => "not-found",
            Action::Ambiguous => "ambiguous",
            Action::Skipped => "skipped",
        }
    }
}

/// What the plan decided for a workload, with what that decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Write the restart at `place`: the manifest's `kind:` line, the Helm values' document, or
    /// an overlay's patch file (whose line is unknown until the plan has edited it, when the
    /// file is yet to be created).
    Bump { place: Place },
    /// The manifest at `place` already carries the restart.
    AlreadyBumped { place: Place, reason: String },
    /// Someone must act by hand; `place` is the file that could not be edited, when there is one.
    Manual {
        place: Option<Place>,
        reason: String,
    },
    /// No manifest in the repository defines it.
    NotFound { reason: String },
    /// Several places could define it (the manifests, or the one manifest several renderings
    /// deploy), none preferred.
    Ambiguous {
        candidates: Vec<Place>,
        reason: String,
    },
    /// Nothing to do.
    Skipped { reason: String },
}

impl Decision {
    /// The decision's discriminant, as the reports name it.
    pub fn action(&self) -> Action {
        match self {
            Decision::Bump { .. } => Action::Bump,
            Decision::AlreadyBumped { .. } => Action::AlreadyBumped,
            Decision::Manual { .. } => Action::Manual,
            Decision::NotFound { .. } => Action::NotFound,
            Decision::Ambiguous { .. } => Action::Ambiguous,
            Decision::Skipped { .. } => Action::Skipped,
        }
    }

    /// The edit site, or the file a manual step is about; `None` when there is no one place
    /// (an ambiguity's candidates are not its place).
    pub fn place(&self) -> Option<&Place> {
        match self {
            Decision::Bump { place } | Decision::AlreadyBumped { place, .. } => Some(place),
            Decision::Manual { place, .. } => place.as_ref(),
            Decision::NotFound { .. } | Decision::Ambiguous { .. } | Decision::Skipped { .. } => {
                None
            }
        }
    }

    /// Why, in a sentence: every decision but a bump has one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Bump { .. } => None,
            Decision::AlreadyBumped { reason, .. }
            | Decision::Manual { reason, .. }
            | Decision::NotFound { reason }
            | Decision::Ambiguous { reason, .. }
            | Decision::Skipped { reason } => Some(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_decision_names_its_action_place_and_reason() {
        let at = Place::new("apps/web.yaml", Some(3));
        let bump = Decision::Bump { place: at.clone() };
        assert_eq!(
            (bump.action(), bump.place(), bump.reason()),
            (Action::Bump, Some(&at), None)
        );
        let ambiguous = Decision::Ambiguous {
            candidates: vec![at.clone(), Place::new("apps/other.yaml", Some(1))],
            reason: "two".to_owned(),
        };
        assert_eq!(
            (ambiguous.action(), ambiguous.place(), ambiguous.reason()),
            (Action::Ambiguous, None, Some("two"))
        );
        let manual = Decision::Manual {
            place: None,
            reason: "by hand".to_owned(),
        };
        assert_eq!(
            (manual.action(), manual.place(), manual.reason()),
            (Action::Manual, None, Some("by hand"))
        );
    }
}
