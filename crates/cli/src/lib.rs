//! The command-line runner of pollstream: parses flags into a validated [`args::RunConfig`], runs one
//! world per selected strategy with the engine, and writes the results as a table, JSON or CSV.
//!
//! The binary (`src/main.rs`) only wires these modules to the process: arguments in, exit status out.
//! The JSON and CSV schemas are documented in this crate's `README.md`.

pub mod args;
pub mod progress;
pub mod report;
pub mod run;
