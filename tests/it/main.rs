//! The integration test binary: one binary, one module per area.

mod cli;
mod corpus;
mod editor;
mod editor_props;
mod inventory_plan;
