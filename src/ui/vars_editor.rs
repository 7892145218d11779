//! The Document variables window: the open folder's documents (rows) by its variables
//! (columns), from its variables file ([`crate::vars`]). Cells are edited by kind: text,
//! number and date in a field checked as it is left, choices in a list. Variables are added,
//! renamed and removed here; tables come in and go out as CSV. Every change is a
//! [`VarEdit`] sent to the app's worker, which applies it to the file under its lock and
//! writes it atomically, then sends the file back; the window keeps the edits that undo its
//! changes, so Undo takes them back one by one.

use std::path::{Path, PathBuf};

use egui::RichText;

use super::command::Command;
use super::folder::Folder;
use crate::vars::{Kind, VarEdit, Variables, check_value};

/// Height of a row of the table, in points.
const ROW: f32 = 26.0;

#[derive(Default)]
pub struct VariablesEditor {
    pub open: bool,
    /// The folder and its variables as last read or written (or why they could not be).
    pub vars: Option<(PathBuf, Result<Variables, String>)>,
    /// A read or a change was sent to the worker for this folder and is not answered yet.
    pub waiting: bool,
    /// The edits that undo the changes made here, last last.
    pub undo: Vec<VarEdit>,
    /// The cell being typed in: (document, variable, text).
    pub typing: Option<(String, String, String)>,
    /// The new variable's name and kind.
    pub new_name: String,
    pub new_kind: Option<Kind>,
    /// The variable being renamed and its new name.
    pub renaming: Option<(String, String)>,
    /// The CSV file to import or export (typed, or chosen with Browse).
    pub csv_path: String,
    /// The last thing to say: (text, is an error).
    pub message: Option<(String, bool)>,
}

impl VariablesEditor {
    /// The worker read or changed the file: show what it holds now.
    pub fn finished(&mut self, folder: PathBuf, result: Result<Variables, crate::error::Error>, said: Option<String>) {
        self.waiting = false;
        match result {
            Ok(vars) => {
                self.vars = Some((folder, Ok(vars)));
                if said.is_some() {
                    self.message = said.map(|s| (s, false));
                }
            }
            Err(e) => {
                // The change did not reach the file: what the window shows is read again.
                self.message = Some((e.to_string(), true));
                self.undo.clear();
                self.vars = None;
            }
        }
    }

    /// Applies `edit` to the table shown and sends it to the file; remembers its undo.
    fn change(&mut self, folder: &Path, edit: VarEdit, out: &mut Vec<Command>) {
        let Some((_, Ok(vars))) = &mut self.vars else { return };
        match edit.apply(vars) {
            Ok(undo) => {
                self.undo.push(undo);
                self.message = None;
                self.waiting = true;
                out.push(Command::EditVariables { folder: folder.to_path_buf(), edits: vec![edit], said: None });
            }
            Err(e) => self.message = Some((e.message, true)),
        }
    }

    pub fn ui(&mut self, ctx: &egui::Context, folder: Option<&Folder>, out: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Document variables").open(&mut open).default_size([820.0, 560.0]).show(ctx, |ui| {
            let Some(folder) = folder else {
                ui.label("Open a folder to give its documents variables (outlet, date, group...).");
                return;
            };
            let root = folder.root.as_path();
            if self.vars.as_ref().is_none_or(|(f, _)| f != root) && !self.waiting {
                self.waiting = true;
                self.undo.clear();
                out.push(Command::EditVariables { folder: root.to_path_buf(), edits: Vec::new(), said: None });
            }
            let Some((_, result)) = self.vars.as_ref().filter(|(f, _)| f == root) else {
                ui.spinner();
                return;
            };
            let vars = match result {
                Ok(v) => v.clone(),
                Err(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                    return;
                }
            };
            self.toolbar(ui, root, folder, &vars, out);
            if let Some((text, error)) = &self.message {
                let colour = if *error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
                ui.colored_label(colour, text);
            }
            ui.separator();
            self.table(ui, root, folder, &vars, out);
        });
        self.open = open;
    }

    /// Undo, add, rename, remove, import and export.
    fn toolbar(&mut self, ui: &mut egui::Ui, root: &Path, folder: &Folder, vars: &Variables, out: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            let undo =
                ui.add_enabled(!self.undo.is_empty(), egui::Button::new("Undo")).on_hover_text("take back the last change");
            if undo.clicked()
                && let Some(edit) = self.undo.pop()
                && let Some((_, Ok(shown))) = &mut self.vars
                && edit.apply(shown).is_ok()
            {
                self.waiting = true;
                out.push(Command::EditVariables { folder: root.to_path_buf(), edits: vec![edit], said: None });
            }
            ui.separator();
            ui.label("New variable");
            let r = ui.add(egui::TextEdit::singleline(&mut self.new_name).hint_text("name").desired_width(120.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.new_name);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "New variable name"));
            let kind = self.new_kind.unwrap_or(Kind::Text);
            egui::ComboBox::from_id_salt("new-variable-kind").selected_text(kind.label()).show_ui(ui, |ui| {
                for k in [Kind::Text, Kind::Number, Kind::Date, Kind::Choice] {
                    ui.selectable_value(&mut self.new_kind, Some(k), k.label());
                }
            });
            if ui.add_enabled(!self.new_name.trim().is_empty(), egui::Button::new("Add variable")).clicked() {
                let name = self.new_name.trim().to_owned();
                self.change(root, VarEdit::Add { name, kind }, out);
                self.new_name.clear();
            }
        });
        if let Some((from, to)) = &mut self.renaming {
            let from = from.clone();
            let mut done = None;
            ui.horizontal(|ui| {
                ui.label(format!("Rename \"{from}\" to"));
                let r = ui.add(egui::TextEdit::singleline(to).desired_width(140.0));
                crate::ui::field::keep_typed(ui, &r, to);
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "New name"));
                if ui.button("Rename").clicked() {
                    done = Some(Some(VarEdit::Rename { from: from.clone(), to: to.trim().to_owned() }));
                }
                if ui.button("Remove variable").on_hover_text("remove it and its values (Undo puts them back)").clicked() {
                    done = Some(Some(VarEdit::Remove { name: from.clone() }));
                }
                if ui.button("Cancel").clicked() {
                    done = Some(None);
                }
            });
            if let Some(edit) = done {
                self.renaming = None;
                if let Some(edit) = edit {
                    self.change(root, edit, out);
                }
            }
        }
        ui.horizontal(|ui| {
            ui.label("CSV file");
            let r = ui.add(egui::TextEdit::singleline(&mut self.csv_path).hint_text("variables.csv").desired_width(240.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.csv_path);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "CSV file"));
            if ui.button("Browse...").clicked()
                && let Some(path) = rfd::FileDialog::new().set_directory(root).add_filter("CSV", &["csv"]).pick_file()
            {
                self.csv_path = path.display().to_string();
            }
            let path = if self.csv_path.trim().is_empty() { root.join("variables.csv") } else { root.join(self.csv_path.trim()) };
            let documents: Vec<String> = folder.entries.iter().map(|e| e.name.clone()).collect();
            if ui.button("Import CSV").on_hover_text("first column: document file names; one column per variable").clicked() {
                self.waiting = true;
                self.undo.clear();
                out.push(Command::ImportVariables {
                    folder: root.to_path_buf(),
                    csv: path.clone(),
                    documents: documents.clone(),
                });
            }
            if ui.button("Export CSV").clicked() {
                let mut bytes = Vec::new();
                match crate::export::variables::write(vars, &documents, &mut bytes) {
                    Ok(()) => out.push(Command::WriteFile {
                        path: path.clone(),
                        bytes,
                        backup: false,
                        done: format!("Wrote the variables of {} documents to {}.", documents.len(), path.display()),
                    }),
                    Err(e) => self.message = Some((e.to_string(), true)),
                }
            }
        });
    }

    /// The documents by the variables; only the rows on screen are laid out.
    fn table(&mut self, ui: &mut egui::Ui, root: &Path, folder: &Folder, vars: &Variables, out: &mut Vec<Command>) {
        if vars.variables.is_empty() {
            ui.label("No variables yet: add one above, or import a CSV table.");
            return;
        }
        let width = 150.0;
        egui::ScrollArea::horizontal().id_salt("variables-h").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.add_sized([200.0, ROW], egui::Label::new(RichText::new("Document").strong()));
                for v in &vars.variables {
                    let head = ui
                        .add_sized(
                            [width, ROW],
                            egui::Button::new(RichText::new(format!("{} ({})", v.name, v.kind.label())).strong()),
                        )
                        .on_hover_text("rename or remove");
                    if head.clicked() {
                        self.renaming = Some((v.name.clone(), v.name.clone()));
                    }
                }
            });
            let mut edits = Vec::new();
            egui::ScrollArea::vertical().id_salt("variables-v").auto_shrink([false, false]).show_rows(
                ui,
                ROW,
                folder.entries.len(),
                |ui, range| {
                    for entry in &folder.entries[range] {
                        ui.horizontal(|ui| {
                            ui.add_sized([200.0, ROW], egui::Label::new(&entry.name).truncate());
                            for v in &vars.variables {
                                let value = vars.value(&entry.name, &v.name).unwrap_or_default();
                                if let Some(edit) = self.cell(ui, width, &entry.name, v, value) {
                                    edits.push(edit);
                                }
                            }
                        });
                    }
                },
            );
            for edit in edits {
                self.change(root, edit, out);
            }
        });
    }

    /// One cell; the change when one was made.
    fn cell(&mut self, ui: &mut egui::Ui, width: f32, document: &str, v: &crate::vars::Variable, value: &str) -> Option<VarEdit> {
        let label = format!("{document} {}", v.name);
        let set = |value: String| VarEdit::Set { document: document.to_owned(), variable: v.name.clone(), value };
        if v.kind == Kind::Choice {
            let mut chosen = value.to_owned();
            egui::ComboBox::from_id_salt(("variable-cell", document, &v.name))
                .width(width - 8.0)
                .selected_text(if value.is_empty() { "-" } else { value })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut chosen, String::new(), "(none)");
                    for c in &v.choices {
                        ui.selectable_value(&mut chosen, c.clone(), c);
                    }
                });
            return (chosen != value).then(|| set(chosen));
        }
        let here = |t: &(String, String, String)| t.0 == document && t.1 == v.name;
        let mut text = match &self.typing {
            Some(t) if here(t) => t.2.clone(),
            _ => value.to_owned(),
        };
        let wrong = check_value(v.kind, text.trim()).err().filter(|_| !text.trim().is_empty());
        let mut edit = egui::TextEdit::singleline(&mut text).desired_width(width - 8.0).hint_text(match v.kind {
            Kind::Date => "YYYY-MM-DD",
            Kind::Number => "number",
            _ => "",
        });
        if wrong.is_some() {
            edit = edit.text_color(ui.visuals().error_fg_color);
        }
        let r = ui.add_sized([width, ROW], edit);
        let kept = crate::ui::field::keep_typed(ui, &r, &mut text);
        let wrong = if kept { check_value(v.kind, text.trim()).err().filter(|_| !text.trim().is_empty()) } else { wrong };
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, &label));
        let r = match &wrong {
            Some(why) => r.on_hover_text(why),
            None => r,
        };
        if r.changed() || kept {
            self.typing = Some((document.to_owned(), v.name.clone(), text.clone()));
        }
        if r.lost_focus() && self.typing.as_ref().is_some_and(here) {
            self.typing = None;
            if let Some(why) = wrong {
                self.message = Some((format!("{document}, {}: {why}; the value was not kept", v.name), true));
                return None;
            }
            if text.trim() != value {
                return Some(set(text.trim().to_owned()));
            }
        }
        None
    }
}
