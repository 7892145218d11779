//! A class in the app, from the student's and the collecting teacher's side: opening an
//! assignment package (unpacked into the student's documents folder, its instructions shown),
//! handing in the student's sidecars, and collecting dropped hand-ins into the open class
//! folder. The rules are the core's ([`crate::class`]); the unpacking, hand-in and collection
//! run on the app's background worker ([`AssignmentJob`]), never in a frame.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

use super::command::{Command, UiCommand};
use super::view::ViewCtx;
use crate::class::{self, AssignmentManifest, CollectOutcome};
use crate::codebook::Codebook;
use crate::error::Error;

/// The extension of an assignment package.
pub const PACKAGE_EXTENSION: &str = "marginalia-assignment";
/// The extension of a hand-in.
pub const HANDIN_EXTENSION: &str = "marginalia-handin";

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Is this an assignment package (`*.marginalia-assignment`)?
pub fn is_package(path: &Path) -> bool {
    has_extension(path, PACKAGE_EXTENSION)
}

/// Is this a hand-in (`*.marginalia-handin`)?
pub fn is_handin(path: &Path) -> bool {
    has_extension(path, HANDIN_EXTENSION)
}

/// The student's documents folder (else their home folder, else the current one).
pub fn documents_folder() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|d| d.document_dir().map(Path::to_path_buf).or_else(|| Some(d.home_dir().to_path_buf())))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where an assignment is unpacked: `<documents>/Marginalia/<assignment name>`. A name that
/// could not be one folder's name is made into one.
pub fn assignment_folder(documents: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .trim()
        .chars()
        .map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let safe = safe.trim_start_matches('.');
    documents.join("Marginalia").join(if safe.is_empty() { "assignment" } else { safe })
}

/// Is `folder` a student's assignment folder (it holds `assignment.ron`)?
pub fn is_assignment_folder(folder: &Path) -> bool {
    folder.join(class::ASSIGNMENT_FILE).is_file()
}

/// The documents of a folder to list: in an assignment or class folder its texts (never
/// `instructions.md`), else every document.
pub fn documents_of(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    if is_assignment_folder(folder) || folder.join(class::CLASS_FILE).is_file() {
        class::texts_in(folder)
    } else {
        crate::corpus::documents_in(folder)
    }
}

/// Disk work of a class, for the background worker.
pub enum AssignmentJob {
    /// Unpacks a package into `<documents>/Marginalia/<name>`.
    Unpack { package: PathBuf, documents: PathBuf },
    /// Writes the person's hand-in of the assignment folder to `out`.
    HandIn { folder: PathBuf, coder: crate::coder::Coder, out: PathBuf },
    /// Collects hand-ins into a class folder.
    Collect { folder: PathBuf, files: Vec<PathBuf> },
    /// Reads what a folder is: a student's assignment, a teacher's class, or neither.
    Read(PathBuf),
}

/// What the worker reports of a [`AssignmentJob`].
// Boxed as a whole in the worker's message; one per job, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum AssignmentDone {
    /// `dest`: the folder the assignment is (or already was) in, when there is one to open.
    Unpacked {
        package: PathBuf,
        dest: Option<PathBuf>,
        result: Result<AssignmentManifest, Error>,
    },
    /// `replaced`: a hand-in was there before and was replaced.
    HandedIn {
        out: PathBuf,
        replaced: bool,
        result: Result<(), Error>,
    },
    Collected {
        folder: PathBuf,
        result: Result<Vec<(PathBuf, CollectOutcome)>, Error>,
    },
    Read {
        folder: PathBuf,
        assignment: Option<AssignmentManifest>,
    },
}

/// Runs a class job (on the worker thread).
pub fn run(job: AssignmentJob) -> AssignmentDone {
    match job {
        AssignmentJob::Unpack { package, documents } => {
            let manifest = match class::read_assignment(&package) {
                Ok(m) => m,
                Err(e) => return AssignmentDone::Unpacked { package, dest: None, result: Err(e) },
            };
            let dest = assignment_folder(&documents, &manifest.name);
            let result = class::unpack(&package, &dest);
            // A folder of the same assignment is opened even when it could not be refreshed.
            let same = class::folder_assignment(&dest).is_ok_and(|m| m.assignment == manifest.assignment);
            let dest = (result.is_ok() || same).then_some(dest);
            AssignmentDone::Unpacked { package, dest, result }
        }
        AssignmentJob::HandIn { folder, coder, out } => {
            let replaced = out.exists();
            let result = class::handin(&folder, &coder, Some(&out), time::OffsetDateTime::now_utc()).map(|_| ());
            AssignmentDone::HandedIn { out, replaced, result }
        }
        AssignmentJob::Collect { folder, files } => {
            let result = class::collect(&folder, &files);
            AssignmentDone::Collected { folder, result }
        }
        AssignmentJob::Read(folder) => {
            let assignment = class::folder_assignment(&folder).ok();
            AssignmentDone::Read { folder, assignment }
        }
    }
}

/// One hand-in's line in the collection window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectLine {
    pub file: String,
    pub collected: bool,
    /// Shown as a warning: skipped, or kept apart under another name.
    pub attention: bool,
    pub text: String,
    /// The line in anonymous mode: whose hand-in it is (a name the class's pseudonyms know),
    /// and the text with `{student}` where their pseudonym goes; no file name, no reason that
    /// could name someone.
    pub anonymous: (Option<String>, String),
}

/// The hand-in window's state.
#[derive(Default)]
pub struct HandinDialog {
    pub open: bool,
    /// Where the hand-in is written (typed, or chosen in the save dialog).
    pub path: String,
    /// The last result, in plain words, and whether it is an error.
    pub message: Option<(String, bool)>,
    pub busy: bool,
}

/// The assignment bar, the instructions window, the hand-in window and the collection window.
#[derive(Default)]
pub struct AssignmentView {
    /// Where packages are unpacked (tests set it; else [`documents_folder`]).
    pub documents: Option<PathBuf>,
    /// The open folder's assignment: (folder, manifest).
    pub current: Option<(PathBuf, AssignmentManifest)>,
    pub show_instructions: bool,
    pub handin: HandinDialog,
    /// The last collection's results, with the folder; shown while `Some`.
    pub collected: Option<(PathBuf, Vec<CollectLine>)>,
    /// A package being unpacked.
    pub unpacking: Option<PathBuf>,
}

impl AssignmentView {
    /// The folder packages are unpacked into (`Marginalia/<name>` below it).
    pub fn documents(&self) -> PathBuf {
        self.documents.clone().unwrap_or_else(documents_folder)
    }

    /// The assignment of the open folder (or of the document open alone), if it is one.
    fn current_in<'a>(&'a self, ctx: &ViewCtx) -> Option<&'a (PathBuf, AssignmentManifest)> {
        self.current.as_ref().filter(|(f, _)| match ctx.folder {
            Some(open) => open.root == *f,
            None => ctx.document_path().and_then(Path::parent) == Some(f.as_path()),
        })
    }

    /// The bar under the menu in an assignment folder: its title, due date, instructions and
    /// the Hand in button. Drawn before the central panel.
    pub fn bar(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        if let Some(package) = &self.unpacking {
            let name = package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            egui::Panel::top("assignment-bar").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Opening the assignment {name}..."));
                });
            });
            return;
        }
        let Some((_, manifest)) = self.current_in(ctx) else { return };
        egui::Panel::top("assignment-bar").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("Assignment: {}", manifest.title)).strong());
                if let Some(due) = &manifest.due {
                    ui.label(format!("Due: {}", due_text(due)));
                }
                if ui.button("Instructions").on_hover_text("Show what to do in this assignment").clicked() {
                    out.push(UiCommand::ShowAssignment.into());
                }
                let hand_in = egui::Button::new(RichText::new("Hand in...").strong());
                if ui.add(hand_in).on_hover_text("Save your work in one file to give to your teacher").clicked() {
                    out.push(UiCommand::HandIn.into());
                }
            });
        });
    }

    /// The windows: instructions, hand-in, collection results.
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let egui_ctx = ui.ctx().clone();
        if self.show_instructions {
            self.instructions_window(&egui_ctx, ctx, out);
        }
        if self.handin.open {
            self.handin_window(&egui_ctx, ctx, out);
        }
        if self.collected.is_some() {
            self.collected_window(&egui_ctx, ctx);
        }
    }

    fn instructions_window(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let Some((folder, manifest)) = &self.current else {
            self.show_instructions = false;
            return;
        };
        let codebook =
            ctx.session.filter(|s| s.doc.path().and_then(Path::parent) == Some(folder.as_path())).map(|s| s.edits.codebook());
        let mut open = true;
        egui::Window::new("Assignment").open(&mut open).default_width(520.0).show(egui_ctx, |ui| {
            egui::ScrollArea::vertical().max_height(520.0).show(ui, |ui| {
                ui.heading(&manifest.title);
                match &manifest.due {
                    Some(due) => ui.label(RichText::new(format!("Due: {}", due_text(due))).strong()),
                    None => ui.label("No due date."),
                };
                ui.label(RichText::new(format!("Your work is saved in {}", folder.display())).weak());
                ui.separator();
                ui.strong("Texts");
                for text in &manifest.documents {
                    let codes = if text.codes.is_empty() {
                        "any code".to_owned()
                    } else {
                        text.codes.iter().map(|c| code_name(codebook, c)).collect::<Vec<_>>().join(", ")
                    };
                    ui.label(format!("{}: mark {codes}", text.file_name));
                }
                let instructions = without_title(&manifest.instructions, &manifest.title);
                if !instructions.trim().is_empty() {
                    ui.separator();
                    super::markdown::markdown_ui(ui, instructions);
                }
                ui.separator();
                if ui.button(RichText::new("Hand in...").strong()).clicked() {
                    out.push(UiCommand::HandIn.into());
                }
            });
        });
        // Escape closes the instructions, as it closes other windows.
        if egui_ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            open = false;
        }
        self.show_instructions &= open;
    }

    fn handin_window(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let mut open = true;
        let coder = ctx.session.map(|s| s.coder.clone()).unwrap_or_default();
        egui::Window::new("Hand in").open(&mut open).collapsible(false).default_width(520.0).show(egui_ctx, |ui| {
            ui.label(format!("Your marks, signed \"{coder}\", are saved in one file. Give that file to your teacher."));
            ui.label("Save the file here:");
            ui.horizontal(|ui| {
                let r = ui.add(egui::TextEdit::singleline(&mut self.handin.path).desired_width(380.0));
                crate::ui::field::keep_typed(ui, &r, &mut self.handin.path);
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Hand-in file"));
                if ui.button("Choose...").clicked() {
                    let current = PathBuf::from(self.handin.path.trim());
                    let mut dialog = rfd::FileDialog::new().add_filter("Hand-ins", &[HANDIN_EXTENSION]);
                    if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                        dialog = dialog.set_directory(dir);
                    }
                    if let Some(name) = current.file_name() {
                        dialog = dialog.set_file_name(name.to_string_lossy());
                    }
                    if let Some(p) = dialog.save_file() {
                        self.handin.path = p.display().to_string();
                    }
                }
            });
            let ready = !self.handin.busy && !self.handin.path.trim().is_empty();
            if ui.add_enabled(ready, egui::Button::new(RichText::new("Hand in now").strong())).clicked() {
                out.push(Command::HandIn(PathBuf::from(self.handin.path.trim())));
            }
            if self.handin.busy {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Saving your hand-in...");
                });
            }
            if let Some((text, is_error)) = &self.handin.message {
                let colour = if *is_error { ui.visuals().error_fg_color } else { ui.visuals().strong_text_color() };
                ui.label(RichText::new(text).color(colour));
            }
        });
        self.handin.open &= open;
    }

    fn collected_window(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx) {
        let Some((folder, lines)) = &self.collected else { return };
        let mut open = true;
        let n = lines.iter().filter(|l| l.collected).count();
        // In anonymous mode hand-in files (named after their student) are numbered, and each
        // student is named by their pseudonym ("a student" until the class is read again).
        let anonymous = ctx.settings.anonymous;
        egui::Window::new("Collected hand-ins").open(&mut open).default_width(560.0).show(egui_ctx, |ui| {
            ui.label(format!("Into {}: {n} of {} file(s) collected.", folder.display(), lines.len()));
            egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
                egui::Grid::new("collected-grid").striped(true).num_columns(2).show(ui, |ui| {
                    for (i, line) in lines.iter().enumerate() {
                        let (file, text) = if anonymous {
                            let (coder, text) = &line.anonymous;
                            let aliases = ctx.aliases();
                            let who = coder.as_ref().and_then(|c| aliases.and_then(|a| a.get(c)));
                            (format!("hand-in {}", i + 1), text.replace("{student}", who.map_or("a student", String::as_str)))
                        } else {
                            (line.file.clone(), line.text.clone())
                        };
                        ui.label(file);
                        let colour = if line.attention { ui.visuals().warn_fg_color } else { ui.visuals().text_color() };
                        ui.label(RichText::new(text).color(colour));
                        ui.end_row();
                    }
                });
            });
        });
        if !open {
            self.collected = None;
        }
    }
}

/// A due date as written (`2026-12-24`), or an RFC 3339 time without its seconds.
fn due_text(due: &str) -> String {
    match due.split_once('T') {
        Some((date, time)) => format!("{date} {}", time.get(..5).unwrap_or(time)),
        None => due.to_owned(),
    }
}

fn code_name(codebook: Option<&Codebook>, id: &str) -> String {
    codebook.and_then(|cb| cb.code(id)).map_or_else(|| id.to_owned(), |c| c.name.clone())
}

/// The line of one hand-in in the collection window.
pub fn collect_line(path: &Path, outcome: &CollectOutcome) -> CollectLine {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text = match outcome {
        CollectOutcome::Collected { coder, files, warning } => {
            format!(
                "collected: {coder}, {} sidecar(s){}",
                files.len(),
                warning.as_ref().map(|w| format!("; check: {w}")).unwrap_or_default()
            )
        }
        CollectOutcome::Replaced { coder, files, previous, warning } => format!(
            "collected: {coder}, {} sidecar(s), replacing {} (the same student's, collected before){}",
            files.len(),
            previous.file,
            warning.as_ref().map(|w| format!("; check: {w}")).unwrap_or_default()
        ),
        CollectOutcome::KeptApart { coder, files, reason, .. } => {
            format!("collected: {coder}, {} sidecar(s), {reason}", files.len())
        }
        CollectOutcome::AlreadyCollected { coder } => format!("collected before: {coder}, nothing changed"),
        CollectOutcome::Skipped { reason } => format!("skipped: {reason}"),
    };
    CollectLine {
        file,
        collected: outcome.is_collected(),
        attention: outcome.needs_attention(),
        text,
        anonymous: anonymous_collect_line(outcome),
    }
}

/// The line of one hand-in in anonymous mode (see [`CollectLine::anonymous`]).
fn anonymous_collect_line(outcome: &CollectOutcome) -> (Option<String>, String) {
    match outcome {
        CollectOutcome::Collected { coder, files, warning } => (
            Some(coder.clone()),
            format!(
                "collected: {{student}}, {} sidecar(s){}",
                files.len(),
                if warning.is_some() { " (to check: turn anonymous mode off to read why)" } else { "" }
            ),
        ),
        CollectOutcome::Replaced { coder, files, warning, .. } => (
            Some(coder.clone()),
            format!(
                "collected: {{student}}, {} sidecar(s), replacing their hand-in collected before{}",
                files.len(),
                if warning.is_some() { " (to check: turn anonymous mode off to read why)" } else { "" }
            ),
        ),
        CollectOutcome::KeptApart { key, files, .. } => (
            Some(key.clone()),
            format!("collected: {{student}}, {} sidecar(s), kept apart from another student of the same name", files.len()),
        ),
        CollectOutcome::AlreadyCollected { coder } => {
            (Some(coder.clone()), "collected before: {student}, nothing changed".to_owned())
        }
        CollectOutcome::Skipped { .. } => {
            (None, "skipped (the reason may name a student: turn anonymous mode off to read it)".to_owned())
        }
    }
}

/// Why a name cannot sign a hand-in, in words a student understands.
pub(super) fn bad_name(coder: &str, e: &Error) -> String {
    format!(
        "Your name \"{}\" cannot sign your work: {}. Change it with File > Your name..., then hand in again.",
        crate::error::printable(coder),
        e.message
    )
}

/// The hand-in's failure in words a student understands, with the details after.
pub(super) fn handin_failure(e: &Error, coder: &str) -> String {
    if let Err(bad) = crate::coder::check_name(coder) {
        return bad_name(coder, &bad);
    }
    if e.message.contains("holds no annotations") {
        return format!(
            "There is nothing to hand in yet: no marks signed \"{coder}\" were found. Mark some passages first, then hand in."
        );
    }
    format!("Your work could not be handed in. Nothing was lost; try again or ask your teacher. Details: {e}")
}

/// The instructions without a first heading that only repeats the title (shown above them).
fn without_title<'a>(instructions: &'a str, title: &str) -> &'a str {
    let trimmed = instructions.trim_start();
    let Some(first) = trimmed.lines().next() else { return instructions };
    let heading = first.trim_start_matches('#');
    if first.starts_with('#') && heading.trim().eq_ignore_ascii_case(title.trim()) {
        &trimmed[first.len()..]
    } else {
        instructions
    }
}

// ---- The app's side: what the commands do and what comes back. ----

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_folders_have_one_safe_name() {
        let docs = Path::new("/home/s/Documents");
        assert_eq!(assignment_folder(docs, "week3"), docs.join("Marginalia").join("week3"));
        assert_eq!(assignment_folder(docs, "../x"), docs.join("Marginalia").join("_x"));
        assert_eq!(assignment_folder(docs, ""), docs.join("Marginalia").join("assignment"));
        assert!(is_package(Path::new("a/week3.marginalia-assignment")) && !is_package(Path::new("week3.txt")));
        assert!(is_handin(Path::new("week3-ana.MARGINALIA-HANDIN")));
    }
}
