//! The desktop app driven as a user drives it (clicks, keys, drags through egui_kittest), one
//! module per view or workflow, sharing the helpers in `tests/support`.
#![cfg(feature = "gui")]

#[path = "../support/common.rs"]
mod common;
#[path = "../support/gui.rs"]
mod gui_support;

mod background;
mod basics;
mod bench_cli;
mod class;
mod class_anonymous;
mod class_dashboard;
mod class_key;
mod codebook;
mod compare;
mod find_folder;
mod first_minutes;
mod identity;
mod link_drawing;
mod links;
mod live_folder;
mod matrix;
mod merge;
mod real_input;
mod retrieve;
mod variables;
