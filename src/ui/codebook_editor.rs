//! The codebook editor: a window that lists the codes (grouped one level), edits the selected
//! one, adds, moves, regroups, deletes and merges codes, and loads, saves and exports codebooks.
//!
//! The editor owns no rule about codebooks: it edits a draft of the selected code and, when a
//! field is left (or a swatch, combo or button is used), turns the result into
//! [`Action::SetCodebook`] or [`Action::DeleteCode`] pushed as [`Command::Apply`], so every
//! edit is one undo step like any other. A draft that would make the codebook invalid is kept
//! on screen with the validation message and is not applied.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use egui::{Color32, RichText, Role, Sense, Stroke, Ui, WidgetInfo, vec2};

use super::command::Command;
use super::doc_view::cue_sample;
use super::view::ViewCtx;
use crate::codebook::{AttributeDef, AttributeKind, Code, Codebook, Cue, SAFE_PALETTE, parse_colour, slug};
use crate::edits::Action;
use crate::error::Error;
use crate::session::{FOLDER_CODEBOOK, Session};

mod link_types;

/// What to do with a code that is being deleted or merged.
struct Removal {
    code: String,
    /// "Merge into…": the annotations always move.
    merge: bool,
    /// Move the annotations (true) or delete them (false).
    reassign: bool,
    target: Option<String>,
}

/// What the fields of the draft did this frame.
#[derive(Default)]
struct DraftEdit {
    /// A swatch, combo or button changed the draft: apply it now.
    changed: bool,
    /// A text field has the keyboard: wait until it is left.
    typing: bool,
}

/// The state of the codebook editor window.
#[derive(Default)]
pub struct CodebookEditor {
    pub open: bool,
    selected: Option<String>,
    /// Groups whose codes are hidden in the list.
    collapsed: BTreeSet<String>,
    /// The selected code as edited, and the codebook's version it started from.
    draft: Option<Code>,
    base: Option<Code>,
    /// The choices of each attribute of the draft as typed ("agree, disagree").
    choices: Vec<String>,
    /// A text field changed the draft: apply it when no field has the keyboard any more.
    pending: bool,
    /// Why the last edit was not applied.
    error: Option<String>,
    new_name: String,
    removing: Option<Removal>,
    load_path: String,
    save_path: String,
    /// The outcome of the last load or save (text, is an error).
    message: Option<(String, bool)>,
    show_load: bool,
    show_save: bool,
    /// A code clicked in the list, selected once the frame's edits are applied.
    want_select: Option<String>,
    /// The link types part, and whether it is shown instead of the codes.
    link_types: link_types::LinkTypesEditor,
    showing_link_types: bool,
}

impl CodebookEditor {
    /// Draws the editor window (when open); the edits it wants applied go to `out`.
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        let session = ctx.session;
        let mut open = true;
        egui::Window::new("Codebook editor").open(&mut open).default_size([880.0, 900.0]).vscroll(true).show(ui.ctx(), |ui| {
            match session {
                Some(session) => self.contents(ui, session, out),
                None => {
                    ui.label("Open a document first: the editor changes the codebook of the open document.");
                }
            }
        });
        if !open {
            if let Some(session) = session
                && self.pending
            {
                self.commit_draft(session, out);
            }
            self.open = false;
            self.removing = None;
        }
    }

    /// Selects a code for editing (also used by tests and other views).
    pub fn select(&mut self, codebook: &Codebook, id: &str) {
        self.selected = codebook.code(id).map(|c| c.id.clone());
        self.removing = None;
        self.base = None;
        self.sync(codebook);
    }

    /// Keeps the draft in step with the codebook: after an applied edit, an undo or a load, the
    /// draft starts again from what the codebook now holds.
    fn sync(&mut self, codebook: &Codebook) {
        if self.selected.as_deref().is_some_and(|id| codebook.code(id).is_none()) {
            self.selected = None;
        }
        let current = self.selected.as_deref().and_then(|id| codebook.code(id)).cloned();
        if current != self.base {
            self.choices = current.as_ref().map_or_else(Vec::new, |c| c.attributes.iter().map(choices_text).collect());
            self.draft = current.clone();
            self.base = current;
            self.pending = false;
            self.error = None;
        }
    }

    fn contents(&mut self, ui: &mut Ui, session: &Session, out: &mut Vec<Command>) {
        let cb = session.edits.codebook();
        self.sync(cb);
        let counts: BTreeMap<String, usize> = session.edits.counts().into_iter().collect();
        ui.horizontal(|ui| {
            ui.heading(&cb.name);
            let groups = cb.codes.iter().filter(|c| cb.is_group(&c.id)).count();
            let mut summary = format!("{} codes", cb.codes.len());
            if groups > 0 {
                summary.push_str(&format!(" in {groups} groups"));
            }
            ui.label(RichText::new(summary).weak());
        });
        ui.label(
            RichText::new("Changes apply to this document at once and can be undone with Ctrl+Z. Annotations refer to a code's id, so renaming a code keeps them.")
                .small()
                .weak(),
        );
        if let Some((text, is_error)) = &self.message {
            let mut dismiss = false;
            ui.horizontal_wrapped(|ui| {
                let colour = if *is_error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
                ui.label(RichText::new(text).color(colour));
                dismiss = ui.small_button("OK").clicked();
            });
            if dismiss {
                self.message = None;
            }
        }
        ui.horizontal(|ui| {
            ui.toggle_value(&mut self.show_load, "Load codebook…");
            if ui.toggle_value(&mut self.show_save, "Save codebook as…").clicked() && self.save_path.is_empty() {
                let name = Some(slug(&cb.name)).filter(|n| !n.is_empty()).unwrap_or_else(|| "codebook".into());
                self.save_path = doc_folder(session).join(format!("{name}.ron")).display().to_string();
            }
        });
        if self.show_load {
            egui::Frame::group(ui.style()).show(ui, |ui| self.load_section(ui, session, out));
        }
        if self.show_save {
            egui::Frame::group(ui.style()).show(ui, |ui| self.save_section(ui, session, out));
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.showing_link_types, false, format!("Codes ({})", cb.codes.len()));
            ui.selectable_value(&mut self.showing_link_types, true, format!("Link types ({})", cb.link_types.len()));
        });
        if self.showing_link_types {
            self.link_types.ui(ui, session, out);
            return;
        }
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(270.0);
                self.code_list(ui, cb, &counts);
                ui.separator();
                self.add_code_row(ui, cb, out);
            });
            ui.separator();
            ui.vertical(|ui| self.details(ui, session, &counts, out));
        });
        // Switching codes first applies what was typed into the one being left; a change that
        // cannot be applied keeps that code selected, with the reason shown.
        if let Some(id) = self.want_select.take() {
            if self.pending {
                self.commit_draft(session, out);
            }
            if self.error.is_none() {
                self.select(cb, &id);
            }
        }
    }

    fn code_list(&mut self, ui: &mut Ui, cb: &Codebook, counts: &BTreeMap<String, usize>) {
        egui::ScrollArea::vertical().id_salt("codebook-editor-list").max_height(340.0).auto_shrink([false, true]).show(
            ui,
            |ui| {
                for code in cb.codes.iter().filter(|c| c.parent.is_none()) {
                    let group = cb.is_group(&code.id);
                    let collapsed = self.collapsed.contains(&code.id);
                    ui.horizontal(|ui| {
                        if group {
                            let r = ui.small_button(if collapsed { "+" } else { "−" });
                            let verb = if collapsed { "Expand" } else { "Collapse" };
                            let label = format!("{verb} the group {}", code.name);
                            r.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
                            if r.on_hover_text(format!("{verb} the group")).clicked() {
                                if collapsed {
                                    self.collapsed.remove(&code.id);
                                } else {
                                    self.collapsed.insert(code.id.clone());
                                }
                            }
                        } else {
                            ui.add_space(20.0);
                        }
                        self.list_item(ui, cb, code, counts);
                    });
                    if group && !collapsed {
                        for child in cb.children(&code.id) {
                            ui.horizontal(|ui| {
                                ui.add_space(40.0);
                                self.list_item(ui, cb, child, counts);
                            });
                        }
                    }
                }
            },
        );
    }

    fn list_item(&mut self, ui: &mut Ui, cb: &Codebook, code: &Code, counts: &BTreeMap<String, usize>) {
        cue_sample(ui, cb, &code.id);
        let selected = self.selected.as_deref() == Some(code.id.as_str());
        let mut text = RichText::new(&code.name);
        if cb.is_group(&code.id) {
            text = text.strong();
        }
        if ui.selectable_label(selected, text).on_hover_text(&code.description).clicked() && !selected {
            self.want_select = Some(code.id.clone());
        }
        let n = counts.get(&code.id).copied().unwrap_or(0);
        ui.label(RichText::new(format!("×{n}")).small().weak()).on_hover_text("annotations with this code");
        if let Some(k) = code.key {
            ui.label(RichText::new(format!("key {k}")).small().weak());
        }
    }

    fn add_code_row(&mut self, ui: &mut Ui, cb: &Codebook, out: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            let r = ui.add(egui::TextEdit::singleline(&mut self.new_name).hint_text("name of a new code").desired_width(160.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.new_name);
            r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, "New code name"));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Add code").clicked() || enter {
                self.add_code(cb, out);
            }
        });
    }

    /// Adds a code named after the "new code" field, with a fresh id, the first free number
    /// key, and a colour and cue no other code has together.
    fn add_code(&mut self, cb: &Codebook, out: &mut Vec<Command>) {
        let name = self.new_name.trim().to_owned();
        if name.is_empty() {
            self.error = Some("Type the new code's name first.".into());
            return;
        }
        let id = cb.fresh_id(&name);
        let (colour, cue) = cb.unused_look().unwrap_or((SAFE_PALETTE[7].0, Cue::Solid));
        let mut code = Code::new(&id, &name, colour);
        code.cue = cue;
        code.key = cb.free_key();
        let mut new = cb.clone();
        new.codes.push(code);
        if self.apply(cb, new, out) {
            self.new_name.clear();
            self.selected = Some(id);
            self.removing = None;
            self.base = None;
            self.draft = None;
        }
    }

    /// Validates `new` and, when valid and different, pushes it as one undoable edit. An
    /// invalid codebook is not applied; its problem is shown instead.
    fn apply(&mut self, cb: &Codebook, mut new: Codebook, out: &mut Vec<Command>) -> bool {
        new.group_order();
        match new.validate() {
            Ok(()) => {
                self.error = None;
                if new != *cb {
                    out.push(Command::Apply(Action::SetCodebook(new)));
                }
                true
            }
            Err(e) => {
                self.error = Some(sentence(&e));
                false
            }
        }
    }

    /// Applies the draft of the selected code. An attribute renamed here that no annotation
    /// has filled in yet gets an id made from its new name.
    fn commit_draft(&mut self, session: &Session, out: &mut Vec<Command>) {
        self.pending = false;
        let cb = session.edits.codebook();
        let (Some(draft), Some(base)) = (&self.draft, &self.base) else { return };
        let mut code = draft.clone();
        code.name = code.name.trim().to_owned();
        let used: BTreeSet<&str> = session
            .edits
            .annotations()
            .iter()
            .filter(|a| a.code == code.id)
            .flat_map(|a| a.attributes.keys().map(String::as_str))
            .collect();
        for i in 0..code.attributes.len() {
            let attr = &code.attributes[i];
            let renamed = base.attributes.iter().find(|b| b.id == attr.id).is_none_or(|b| b.name != attr.name);
            if !renamed || used.contains(attr.id.as_str()) {
                continue;
            }
            let others: Vec<&str> =
                code.attributes.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| a.id.as_str()).collect();
            let id = crate::codebook::fresh_id(&attr.name, "attribute", |id| others.contains(&id));
            code.attributes[i].id = id;
        }
        let mut new = cb.clone();
        match new.code_mut(&code.id) {
            Some(slot) => *slot = code,
            None => return,
        }
        self.apply(cb, new, out);
    }

    fn details(&mut self, ui: &mut Ui, session: &Session, counts: &BTreeMap<String, usize>, out: &mut Vec<Command>) {
        let cb = session.edits.codebook();
        if let Some(e) = &self.error {
            ui.label(RichText::new(format!("⚠ Not applied: {e}")).color(ui.visuals().error_fg_color).strong());
        }
        let Some(mut draft) = self.draft.clone() else {
            ui.label(RichText::new("Select a code on the left to edit it, or add a new one.").weak());
            return;
        };
        let base_name = self.base.as_ref().map_or(String::new(), |b| b.name.clone());
        ui.horizontal(|ui| {
            let preview =
                Codebook { name: String::new(), description: String::new(), codes: vec![draft.clone()], link_types: Vec::new() };
            cue_sample(ui, &preview, &draft.id);
            ui.heading(format!("Editing “{base_name}”"));
        });
        let mut edit = DraftEdit::default();
        let mut text_changed = false;
        egui::Grid::new("codebook-editor-fields").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            text_changed = text_rows(ui, &mut draft, &mut edit.typing);
            edit.changed |= look_rows(ui, cb, &mut draft);
        });
        self.pending |= text_changed;
        self.attributes(ui, &mut draft, &mut edit);
        ui.add_space(8.0);
        let count = counts.get(&draft.id).copied().unwrap_or(0);
        self.arrange_row(ui, cb, &draft, count, out);
        self.removal_prompt(ui, cb, &draft, count, out);

        self.draft = Some(draft);
        if edit.changed || (self.pending && !edit.typing) {
            self.commit_draft(session, out);
        }
    }

    /// The draft's attributes: name, kind and choices of each; add and remove.
    fn attributes(&mut self, ui: &mut Ui, draft: &mut Code, edit: &mut DraftEdit) {
        let (mut changed, mut typing) = (false, false);
        ui.add_space(6.0);
        ui.strong("Attributes");
        ui.label(RichText::new("Filled in for each annotation with this code, in the panel on the right.").small().weak());
        let mut remove = None;
        for (i, attr) in draft.attributes.iter_mut().enumerate() {
            let n = i + 1;
            if self.choices.len() <= i {
                self.choices.push(choices_text(attr));
            }
            ui.horizontal(|ui| {
                let r = ui.add(egui::TextEdit::singleline(&mut attr.name).desired_width(140.0).hint_text("attribute name"));
                let kept = crate::ui::field::keep_typed(ui, &r, &mut attr.name);
                r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, format!("Name of attribute {n}")));
                typing |= r.has_focus();
                self.pending |= r.changed() || kept;
                let kind = match attr.kind {
                    AttributeKind::Choice(_) => "choice",
                    AttributeKind::Flag => "yes/no",
                    AttributeKind::Text => "text",
                };
                labelled_combo(ui, ("codebook-editor-kind", i), &format!("Kind of attribute {n}"), kind, |ui| {
                    for option in ["choice", "yes/no", "text"] {
                        if ui.selectable_label(kind == option, option).clicked() && kind != option {
                            attr.kind = match option {
                                "choice" => AttributeKind::Choice(parse_choices(&self.choices[i])),
                                "yes/no" => AttributeKind::Flag,
                                _ => AttributeKind::Text,
                            };
                            changed = true;
                        }
                    }
                });
                if let AttributeKind::Choice(options) = &mut attr.kind {
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut self.choices[i])
                            .desired_width(220.0)
                            .hint_text("choices, separated by commas"),
                    );
                    let kept = crate::ui::field::keep_typed(ui, &r, &mut self.choices[i]);
                    r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, format!("Choices of attribute {n}")));
                    typing |= r.has_focus();
                    if r.changed() || kept {
                        *options = parse_choices(&self.choices[i]);
                        self.pending = true;
                    }
                }
                if ui
                    .button("Remove")
                    .on_hover_text("Remove this attribute (values already filled in stay in the files but are no longer shown)")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            draft.attributes.remove(i);
            if i < self.choices.len() {
                self.choices.remove(i);
            }
            changed = true;
        }
        if ui.button("Add attribute").clicked() {
            let n = draft.attributes.len() + 1;
            let ids: Vec<&str> = draft.attributes.iter().map(|a| a.id.as_str()).collect();
            let name = format!("Attribute {n}");
            let id = crate::codebook::fresh_id(&name, "attribute", |id| ids.contains(&id));
            draft.attributes.push(AttributeDef { id, name, kind: AttributeKind::Text });
            self.choices.push(String::new());
            changed = true;
        }
        edit.changed |= changed;
        edit.typing |= typing;
    }

    /// Move up and down among its siblings, delete, merge.
    fn arrange_row(&mut self, ui: &mut Ui, cb: &Codebook, draft: &Code, count: usize, out: &mut Vec<Command>) {
        let siblings: Vec<&Code> = cb.codes.iter().filter(|c| c.parent == draft.parent).collect();
        let place = siblings.iter().position(|c| c.id == draft.id);
        let mut moved = None;
        ui.horizontal(|ui| {
            let first = place == Some(0);
            let last = place.is_some_and(|p| p + 1 == siblings.len());
            if ui.add_enabled(!first, egui::Button::new("Move up")).clicked()
                && let Some(p) = place
            {
                moved = Some((siblings[p].id.clone(), siblings[p - 1].id.clone()));
            }
            if ui.add_enabled(!last, egui::Button::new("Move down")).clicked()
                && let Some(p) = place
            {
                moved = Some((siblings[p].id.clone(), siblings[p + 1].id.clone()));
            }
            let can_remove = cb.codes.len() > 1;
            let delete = ui
                .add_enabled(can_remove, egui::Button::new("Delete code"))
                .on_hover_text(if count > 0 {
                    "Asks what to do with the annotations that use it"
                } else {
                    "No annotation uses this code"
                })
                .on_disabled_hover_text("A codebook needs at least one code");
            if delete.clicked() {
                if count == 0 {
                    out.push(Command::Apply(Action::DeleteCode { code: draft.id.clone(), reassign_to: None }));
                    self.removing = None;
                } else {
                    self.removing = Some(Removal { code: draft.id.clone(), merge: false, reassign: true, target: None });
                }
            }
            if ui
                .add_enabled(can_remove, egui::Button::new("Merge into…"))
                .on_hover_text("Give its annotations another code and remove it")
                .clicked()
            {
                self.removing = Some(Removal { code: draft.id.clone(), merge: true, reassign: true, target: None });
            }
        });
        if let Some((a, b)) = moved {
            let mut new = cb.clone();
            if let (Some(i), Some(j)) = (new.index_of(&a), new.index_of(&b)) {
                new.codes.swap(i, j);
                self.apply(cb, new, out);
            }
        }
    }

    fn removal_prompt(&mut self, ui: &mut Ui, cb: &Codebook, draft: &Code, count: usize, out: &mut Vec<Command>) {
        let Some(removal) = &mut self.removing else { return };
        if removal.code != draft.id {
            self.removing = None;
            return;
        }
        let name = &draft.name;
        let mut done = false;
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            let noun = if count == 1 { "annotation" } else { "annotations" };
            if removal.merge {
                ui.strong(format!("Merge “{name}” into another code"));
                ui.label(format!("Its {count} {noun} will get the other code, and “{name}” is removed."));
            } else {
                let verb = if count == 1 { "uses" } else { "use" };
                ui.strong(format!("{count} {noun} {verb} “{name}”. What should happen to them?"));
                ui.radio_value(&mut removal.reassign, true, "Reassign them to another code");
                ui.radio_value(&mut removal.reassign, false, "Delete those annotations");
            }
            if removal.reassign {
                let current = removal.target.as_deref().and_then(|t| cb.code(t)).map_or("choose a code", |c| c.name.as_str());
                ui.horizontal(|ui| {
                    ui.label(if removal.merge { "Merge into" } else { "Reassign to" });
                    labelled_combo(ui, "codebook-editor-target", "Reassign to", current, |ui| {
                        for c in cb.codes.iter().filter(|c| c.id != draft.id) {
                            let is = removal.target.as_deref() == Some(c.id.as_str());
                            if ui.selectable_label(is, &c.name).clicked() {
                                removal.target = Some(c.id.clone());
                            }
                        }
                    });
                });
            }
            ui.horizontal(|ui| {
                let ready = !removal.reassign || removal.target.is_some();
                let verb = match (removal.merge, removal.reassign) {
                    (true, _) => format!("Merge “{name}”"),
                    (false, true) => format!("Delete “{name}” and reassign"),
                    (false, false) => format!("Delete “{name}” and its annotations"),
                };
                if ui.add_enabled(ready, egui::Button::new(verb)).clicked() {
                    let reassign_to = if removal.reassign { removal.target.clone() } else { None };
                    out.push(Command::Apply(Action::DeleteCode { code: removal.code.clone(), reassign_to }));
                    done = true;
                }
                if ui.button("Cancel").clicked() {
                    done = true;
                }
            });
        });
        if done {
            self.removing = None;
        }
    }

    fn load_section(&mut self, ui: &mut Ui, session: &Session, out: &mut Vec<Command>) {
        {
            ui.label(
                RichText::new(
                    "Replaces this document's codebook. It is loaded only if it has every code that annotations use \
                     (matched by id, or else by name).",
                )
                .small(),
            );
            ui.horizontal_wrapped(|ui| {
                ui.label("Shipped with Marginalia:");
                for (_, book) in crate::codebook::builtin() {
                    let text = format!("{} ({} codes)", book.name, book.codes.len());
                    if ui.button(text).on_hover_text(&book.description).clicked() {
                        self.offer(session, Ok(book), out);
                    }
                }
            });
            ui.horizontal(|ui| {
                let r = ui.add(
                    egui::TextEdit::singleline(&mut self.load_path).hint_text("path to a .ron or .qdc file").desired_width(360.0),
                );
                crate::ui::field::keep_typed(ui, &r, &mut self.load_path);
                r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, "Codebook file to load"));
                if ui.button("Browse…").clicked()
                    && let Some(p) = rfd::FileDialog::new()
                        .add_filter("Codebooks", &["ron", "qdc"])
                        .set_directory(doc_folder(session))
                        .pick_file()
                {
                    self.load_path = p.display().to_string();
                }
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Load").clicked() || enter) && !self.load_path.trim().is_empty() {
                    out.push(Command::ReadCodebook(resolve(session, &self.load_path)));
                }
            });
        }
    }

    /// Replaces the codebook with `loaded` (shipped, or read from a file by the worker) if it
    /// has every code in use; else says which are missing.
    pub fn offer(&mut self, session: &Session, loaded: Result<Codebook, Error>, out: &mut Vec<Command>) {
        let mut loaded = match loaded {
            Ok(cb) => cb,
            Err(e) => {
                self.message = Some((format!("The codebook was not loaded: {}", sentence(&e)), true));
                return;
            }
        };
        let current = session.edits.codebook();
        loaded.adopt_ids_from(current);
        let mut missing: Vec<String> = Vec::new();
        for (id, n) in session.edits.counts() {
            if n > 0 && loaded.code(&id).is_none() {
                let name = current.code(&id).map_or(id.clone(), |c| c.name.clone());
                missing.push(format!("“{name}” ({n})"));
            }
        }
        if !missing.is_empty() {
            self.message = Some((
                format!(
                    "“{}” was not loaded: annotations use codes it does not have: {}. Merge or delete those codes here first, or add them to that codebook.",
                    loaded.name,
                    missing.join(", ")
                ),
                true,
            ));
            return;
        }
        let name = loaded.name.clone();
        let n = loaded.codes.len();
        if self.apply(current, loaded, out) {
            self.message = Some((format!("Loaded “{name}” ({n} codes). Undo with Ctrl+Z."), false));
            self.removing = None;
        } else {
            let e = self.error.take().unwrap_or_default();
            self.message = Some((format!("“{name}” was not loaded: {e}"), true));
        }
    }

    fn save_section(&mut self, ui: &mut Ui, session: &Session, out: &mut Vec<Command>) {
        let cb = session.edits.codebook();
        {
            ui.horizontal(|ui| {
                let r = ui.add(egui::TextEdit::singleline(&mut self.save_path).desired_width(360.0));
                crate::ui::field::keep_typed(ui, &r, &mut self.save_path);
                r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, "Codebook file to save"));
                if ui.button("Browse…").clicked()
                    && let Some(p) = rfd::FileDialog::new()
                        .add_filter("Marginalia codebook", &["ron"])
                        .add_filter("REFI-QDA codebook", &["qdc"])
                        .set_directory(doc_folder(session))
                        .set_file_name(
                            Path::new(&self.save_path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        )
                        .save_file()
                {
                    self.save_path = p.display().to_string();
                }
            });
            ui.horizontal(|ui| {
                if ui.button("Save as RON").on_hover_text("Marginalia's own format: keeps cues, keys and attributes").clicked() {
                    let path = resolve(session, &self.save_path);
                    let path = if path.extension().is_none() { path.with_extension("ron") } else { path };
                    self.write(&path, cb.to_ron(), "Saved the codebook to", out);
                }
                if ui
                    .button("Export as REFI-QDA (.qdc)")
                    .on_hover_text("For ATLAS.ti, MAXQDA, NVivo and other programs: names, colours, descriptions and groups")
                    .clicked()
                {
                    let path = resolve(session, &self.save_path).with_extension("qdc");
                    self.write(&path, crate::refi::qdc::export(cb), "Exported the codebook as REFI-QDA to", out);
                }
            });
            ui.separator();
            let folder_file = doc_folder(session).join(FOLDER_CODEBOOK);
            ui.label(
                RichText::new(format!(
                    "Every new document in this folder starts with {}. Documents already annotated keep their own copy.",
                    folder_file.display()
                ))
                .small(),
            );
            if ui.button("Save as the folder's codebook").clicked() {
                out.push(Command::WriteFile {
                    done: format!("Saved as the folder's codebook: {}.", folder_file.display()),
                    path: folder_file,
                    bytes: cb.to_ron().into_bytes(),
                    backup: true,
                });
            }
        }
    }

    /// Asks the worker to write a codebook file; [`Self::wrote`] shows how it went.
    fn write(&mut self, path: &Path, text: String, done: &str, out: &mut Vec<Command>) {
        if self.save_path.trim().is_empty() {
            self.message = Some(("Type the path of the file to save first.".into(), true));
            return;
        }
        out.push(Command::WriteFile {
            path: path.to_path_buf(),
            bytes: text.into_bytes(),
            backup: false,
            done: format!("{done} {}.", path.display()),
        });
    }

    /// The worker wrote a codebook file, or could not.
    pub fn wrote(&mut self, result: Result<String, Error>) {
        self.message = Some(match result {
            Ok(text) => (text, false),
            Err(e) => (format!("Not saved: {}", sentence(&e)), true),
        });
    }
}

/// The rows of the draft's texts (name, id, description, example); true when one changed.
/// `typing` is set while one of them has the keyboard.
fn text_rows(ui: &mut Ui, draft: &mut Code, typing: &mut bool) -> bool {
    let mut text_changed = false;
    let mut text_field = |ui: &mut Ui, text: &mut String, label: &str, rows: usize| {
        let edit = if rows > 1 {
            egui::TextEdit::multiline(text).desired_rows(rows).desired_width(400.0)
        } else {
            egui::TextEdit::singleline(text).desired_width(400.0)
        };
        let r = ui.add(edit);
        let kept = crate::ui::field::keep_typed(ui, &r, text);
        r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, label));
        *typing |= r.has_focus();
        r.changed() || kept
    };
    ui.label("Name");
    text_changed |= text_field(ui, &mut draft.name, "Name", 1);
    ui.end_row();
    ui.label("Id");
    ui.label(RichText::new(&draft.id).monospace().weak())
        .on_hover_text("Annotations refer to this id; it stays the same when the code is renamed.");
    ui.end_row();
    ui.label("Description");
    text_changed |= text_field(ui, &mut draft.description, "Description", 2);
    ui.end_row();
    ui.label("Example");
    text_changed |= text_field(ui, &mut draft.example, "Example", 2);
    ui.end_row();
    text_changed
}

/// The rows of the draft's look and place (colour, underline, number key, group); true when
/// one changed.
fn look_rows(ui: &mut Ui, cb: &Codebook, draft: &mut Code) -> bool {
    let mut changed = false;
    ui.label("Colour");
    ui.horizontal_wrapped(|ui| {
        for (hex, name) in SAFE_PALETTE {
            if swatch(ui, hex, name, parse_colour(&draft.colour) == parse_colour(hex)) {
                draft.colour = hex.to_owned();
                changed = true;
            }
        }
        if !SAFE_PALETTE.iter().any(|(hex, _)| parse_colour(hex) == parse_colour(&draft.colour)) {
            ui.label(RichText::new(format!("now {} (not from the safe palette)", draft.colour)).small());
        }
    });
    ui.end_row();

    ui.label("Underline");
    labelled_combo(ui, "codebook-editor-cue", "Underline", draft.cue.label(), |ui| {
        for cue in Cue::ALL {
            if ui.selectable_label(draft.cue == cue, cue.label()).clicked() && draft.cue != cue {
                draft.cue = cue;
                changed = true;
            }
        }
    });
    ui.end_row();

    ui.label("Number key");
    let key_text = draft.key.map_or("none".to_owned(), |k| k.to_string());
    labelled_combo(ui, "codebook-editor-key", "Number key", &key_text, |ui| {
        if ui.selectable_label(draft.key.is_none(), "none").clicked() && draft.key.is_some() {
            draft.key = None;
            changed = true;
        }
        for k in ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'] {
            let taken_by = cb.by_key(k).filter(|c| c.id != draft.id);
            if taken_by.is_some() {
                continue;
            }
            if ui.selectable_label(draft.key == Some(k), k.to_string()).clicked() && draft.key != Some(k) {
                draft.key = Some(k);
                changed = true;
            }
        }
    });
    ui.end_row();

    ui.label("Group");
    let members = cb.children(&draft.id).count();
    if members > 0 {
        ui.label(format!("{members} codes belong to this group (groups are one level deep)."));
    } else {
        let current = draft.parent.as_deref().and_then(|p| cb.code(p)).map_or("none (top level)", |p| p.name.as_str());
        labelled_combo(ui, "codebook-editor-group", "Group", current, |ui| {
            if ui.selectable_label(draft.parent.is_none(), "none (top level)").clicked() && draft.parent.is_some() {
                draft.parent = None;
                changed = true;
            }
            for g in cb.codes.iter().filter(|c| c.parent.is_none() && c.id != draft.id) {
                let is = draft.parent.as_deref() == Some(g.id.as_str());
                if ui.selectable_label(is, &g.name).clicked() && !is {
                    draft.parent = Some(g.id.clone());
                    changed = true;
                }
            }
        });
    }
    ui.end_row();
    changed
}

/// A colour swatch: a clickable square, announced to screen readers by its colour name.
fn swatch(ui: &mut Ui, hex: &str, name: &str, selected: bool) -> bool {
    let (rect, r) = ui.allocate_exact_size(vec2(24.0, 24.0), Sense::click());
    let [red, green, blue] = parse_colour(hex).unwrap_or([0x99; 3]);
    let painter = ui.painter();
    painter.rect_filled(rect.shrink(3.0), 3.0, Color32::from_rgb(red, green, blue));
    if selected {
        painter.rect_stroke(rect, 4.0, Stroke::new(2.5, ui.visuals().strong_text_color()), egui::StrokeKind::Inside);
    } else if r.hovered() || r.has_focus() {
        painter.rect_stroke(rect, 4.0, Stroke::new(1.0, ui.visuals().text_color()), egui::StrokeKind::Inside);
    }
    r.widget_info(|| WidgetInfo::selected(Role::RadioButton, true, selected, name));
    let r = r.on_hover_text(format!("{name} ({hex})"));
    r.clicked() && !selected
}

/// A combo box announced to screen readers by `label`, showing `value`.
pub fn labelled_combo(ui: &mut Ui, id: impl egui::AsIdSalt, label: &str, value: &str, add: impl FnOnce(&mut Ui)) {
    let r = egui::ComboBox::from_id_salt(id).selected_text(value).show_ui(ui, add).response;
    name_combo(&r, label, value);
}

/// Gives a combo box's button an accessible name (egui announces only its value).
pub fn name_combo(response: &egui::Response, label: &str, value: &str) {
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(Role::ComboBox, true, label);
        info.current_text_value = Some(value.to_owned());
        info
    });
}

fn choices_text(attr: &AttributeDef) -> String {
    match &attr.kind {
        AttributeKind::Choice(options) => options.join(", "),
        _ => String::new(),
    }
}

/// "agree, disagree,, agree " → ["agree", "disagree"].
fn parse_choices(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !out.iter().any(|o| o == part) {
            out.push(part.to_owned());
        }
    }
    out
}

/// An error as one sentence for the editor (its message and what to do).
fn sentence(e: &Error) -> String {
    e.to_string()
}

fn doc_folder(session: &Session) -> PathBuf {
    session
        .doc
        .path()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A typed path; relative paths are taken from the document's folder.
fn resolve(session: &Session, typed: &str) -> PathBuf {
    let p = PathBuf::from(typed.trim());
    if p.is_absolute() { p } else { doc_folder(session).join(p) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_split_trimmed_and_deduplicated() {
        assert_eq!(parse_choices(" agree, disagree,, agree , “unsure” "), vec!["agree", "disagree", "“unsure”"]);
        assert!(parse_choices(" , ").is_empty());
    }
}
