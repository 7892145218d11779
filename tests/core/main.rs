//! The core and the command line, tested as one binary: each module is one area (a file per
//! concern, as the files under `src` are), sharing the helpers in `tests/support`.
//!
//! One binary rather than one per file: linking the app into every test file cost a minute
//! of linking and half a gigabyte of disk each.

#[path = "../support/common.rs"]
mod common;
#[cfg(feature = "gui")]
#[path = "../support/gui.rs"]
mod gui_support;

mod agree;
mod architecture;
mod bad_input;
mod check_and_merge_marks;
mod class;
mod class_codes;
mod class_fixture;
mod class_hostile_input;
mod class_identity;
mod class_roster;
mod cli;
mod codebook;
mod corpus_analysis;
mod crash;
mod exchange_messages;
mod export;
mod import;
mod import_exact;
mod import_html_fuzz;
mod import_w3c_coders;
mod links;
mod links_exchange;
mod merge_fuzz;
mod merge_links;
mod names_and_csv_cells;
mod properties;
mod refi;
mod scale;
mod sidecar_fuzz;
mod trust;
