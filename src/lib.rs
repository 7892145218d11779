//! Marginalia: close reading and qualitative coding of texts.
//!
//! The crate is a pure core with two faces. The core (everything but `ui`) owns the data and
//! every rule about it and never imports egui: [`document`] decodes texts and converts
//! positions, [`anchor`] re-anchors annotations into changed texts, [`codebook`] defines codes,
//! [`edits`] applies every change through one function with undo, [`sidecar`] reads and writes
//! the RON files, [`session`] ties a document to its sidecar, [`agree`] measures inter-coder
//! agreement and scores annotations against an answer key. Below them sit [`error`] (messages,
//! line and column), [`io`] (shared-file writes, RON conventions), [`untrusted`] (zip and XML
//! from other programs) and [`progress`] (cancellable long jobs); no two core modules import
//! each other. Across a folder, [`vars`] keeps document variables, [`retrieve`] lists passages,
//! [`matrix`] counts codes by document, coder, variable or code, [`autocode`] codes a pattern's
//! matches as one action, and [`merge`] merges two versions of a sidecar for git. The GUI
//! (`ui`, behind the `gui` feature) and the CLI ([`cli`]) both drive a [`session::Session`].

pub mod agree;
pub mod anchor;
pub mod annotation;
pub mod autocode;
#[cfg(feature = "gui")]
pub mod bench;
pub mod class;
pub mod cli;
pub mod codebook;
pub mod coder;
pub mod corpus;
pub mod document;
pub mod edits;
pub mod error;
pub mod export;
pub mod import;
pub mod io;
pub mod link;
pub mod matrix;
pub mod merge;
pub mod progress;
pub mod refi;
pub mod retrieve;
pub mod session;
pub mod sidecar;
pub mod testdata;
#[cfg(feature = "gui")]
pub mod ui;
pub mod untrusted;
pub mod vars;

pub use annotation::{AnchorStatus, Annotation, Conflict};
pub use codebook::{Code, Codebook};
pub use document::{Document, Span};
pub use edits::{Action, Edits};
pub use error::{Error, ErrorKind};
pub use link::Link;
pub use session::Session;
