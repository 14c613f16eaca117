//! The integration test binary: one binary, one module per area.

mod action;
mod cli;
mod cluster;
mod config_schema;
mod corpus;
mod credentials;
mod editor;
mod editor_fuzz;
mod editor_props;
mod fake_github;
mod fake_kube;
mod github;
mod gitops_live;
mod hostile;
mod image;
mod inventory_plan;
mod limits;
mod locate;
mod locate_rule;
mod logging;
mod release;
mod scenarios;
mod schema;
mod support;
mod validated;
