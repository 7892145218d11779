//! What every view is given to draw: [`ViewCtx`] borrows the app's state read-only for one
//! frame. A view is a struct that owns only its own widgets' state (typed text, open tabs,
//! a draft) and has `fn ui(&mut self, ui, ctx: &ViewCtx, out: &mut Vec<Command>)`: it reads
//! `ctx`, draws, and pushes [`super::command::Command`]s, which the app applies after the
//! frame's views are drawn. No view changes a session or touches the disk.

use std::path::Path;
use std::rc::Rc;

use uuid::Uuid;

use super::folder::Folder;
use super::saver::Saver;
use super::settings::Settings;
use super::state::{Opening, Panels};
use crate::document::Span;
use crate::session::Session;

/// A message shown in the bar above the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// The app's state as the views see it during one frame.
pub struct ViewCtx<'a> {
    /// The open document with its annotations, codebook and history.
    pub session: Option<&'a Session>,
    /// The gold sidecar of the compare view, once something was adjudicated.
    pub gold: Option<&'a Session>,
    pub settings: &'a Settings,
    /// The opened folder, with what its sidecars say.
    pub folder: Option<&'a Folder>,
    /// A large document being opened in the background.
    pub opening: Option<&'a Opening>,
    pub saver: &'a Saver,
    /// Where the class dashboard's rubric and comments stand against `class.ron` (None when
    /// nothing was edited in this run).
    pub class_save: Option<super::state::ClassSaveState>,
    /// The selected annotation.
    pub selected: Option<Uuid>,
    /// The code whose annotations alone are shown.
    pub filter: Option<&'a str>,
    /// The text selected in the document.
    pub selection: Option<Span>,
    /// What a code button tags: the selection, or else the current find match.
    pub target: Option<Span>,
    /// Indexes of the annotations the list shows (filter and search applied).
    pub listed: Rc<[usize]>,
    /// The sidecar changed on disk and the user has not chosen what to do.
    pub conflict: bool,
    pub notice: Option<&'a Notice>,
    /// Which side panels are shown.
    pub panels: &'a Panels,
    /// The window is narrower than [`super::state::NARROW_WIDTH`]: the annotation panel is a
    /// drawer under the text.
    pub narrow: bool,
    /// While a link is being made with the keyboard: what to press (for the status bar).
    pub link_prompt: Option<String>,
    /// The opened folder's class manifest and students, when it is a class folder.
    pub class: Option<&'a super::state::ClassInfo>,
    /// The person coding: whose sidecars are open and who signs new work.
    pub person: crate::coder::Coder,
    /// The person's name before their last rename (to offer renaming back).
    pub last_rename: Option<&'a str>,
    /// The teacher is marking as the open class's answer key.
    pub marking_key: bool,
    /// The students of the open assignment's class, to pick a name from (empty: no roster).
    pub roster: &'a [crate::class::roster::RosterName],
}

impl<'a> ViewCtx<'a> {
    /// Real name → pseudonym of the class's students while anonymous mode is on.
    pub fn aliases(&self) -> Option<&'a std::collections::BTreeMap<String, String>> {
        self.class.filter(|_| self.settings.anonymous).map(|c| &c.aliases)
    }

    /// The name to show for a coder: their pseudonym in anonymous mode.
    pub fn coder_name(&self, name: &str) -> String {
        self.aliases().and_then(|a| a.get(name)).map_or_else(|| name.to_owned(), String::clone)
    }

    /// The open document's path, if it has one.
    pub fn document_path(&self) -> Option<&Path> {
        self.session.and_then(|s| s.doc.path())
    }
}

/// A bar chart that holds still (no drag, zoom or scroll): bars at 0, 1, 2… named by `names`
/// on the x axis, the y axis from 0 to `y_max` labelled `y_label`.
pub fn fixed_bar_plot(id: &str, height: f32, y_max: f64, y_label: &str, names: Vec<String>) -> egui_plot::Plot<'static> {
    egui_plot::Plot::new(id)
        .height(height)
        .include_y(0.0)
        .include_y(y_max)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .y_axis_label(y_label.to_owned())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
}
