//! The codebook editor's link types: list, add, rename, describe, recolour, limit which codes
//! may start and end such a link, delete (refused while links use the type, with the reason).
//!
//! Like the codes above it, every edit is a whole new codebook pushed as one
//! [`Action::SetCodebook`], so it is undone like any other change; a draft that would make the
//! codebook invalid stays on screen with the reason and is not applied.

use egui::{Color32, RichText, Role, Ui, WidgetInfo};

use super::{sentence, swatch};
use crate::codebook::{Codebook, LinkType, SAFE_PALETTE, parse_colour};
use crate::edits::Action;
use crate::session::Session;
use crate::ui::command::Command;

/// The link types part of the editor.
#[derive(Default)]
pub struct LinkTypesEditor {
    selected: Option<String>,
    /// The selected type as edited, and the codebook's version it started from.
    draft: Option<LinkType>,
    base: Option<LinkType>,
    /// A text field changed the draft: apply it when no field has the keyboard any more.
    pending: bool,
    /// Why the last edit was not applied.
    error: Option<String>,
    /// Why the last deletion was refused.
    refusal: Option<String>,
    new_name: String,
}

impl LinkTypesEditor {
    /// Keeps the draft in step with the codebook (after an applied edit, an undo, a load).
    fn sync(&mut self, cb: &Codebook) {
        if self.selected.as_deref().is_some_and(|id| cb.link_type(id).is_none()) {
            self.selected = None;
        }
        let current = self.selected.as_deref().and_then(|id| cb.link_type(id)).cloned();
        if current != self.base {
            self.draft = current.clone();
            self.base = current;
            self.pending = false;
        }
    }

    pub fn ui(&mut self, ui: &mut Ui, session: &Session, out: &mut Vec<Command>) {
        let cb = session.edits.codebook();
        self.sync(cb);
        let uses = |id: &str| session.edits.links().iter().filter(|l| l.link_type == id).count();
        ui.label(
            RichText::new("Kinds of arrow a coder may draw from one annotation to another. Links refer to a type's id, so renaming keeps them.")
                .small()
                .weak(),
        );
        if let Some(e) = &self.error {
            ui.label(RichText::new(format!("Not applied: {e}")).color(ui.visuals().error_fg_color).strong());
        }
        if let Some(e) = &self.refusal {
            ui.label(RichText::new(e).color(ui.visuals().warn_fg_color).strong());
        }
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(270.0);
                let mut picked = None;
                for t in &cb.link_types {
                    ui.horizontal(|ui| {
                        let [r, g, b] = parse_colour(&t.colour).unwrap_or([0x99; 3]);
                        let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 14.0), egui::Sense::hover());
                        ui.painter().line_segment(
                            [rect.left_center(), rect.right_center()],
                            egui::Stroke::new(3.0, Color32::from_rgb(r, g, b)),
                        );
                        let selected = self.selected.as_deref() == Some(t.id.as_str());
                        if ui.selectable_label(selected, &t.name).on_hover_text(&t.description).clicked() && !selected {
                            picked = Some(t.id.clone());
                        }
                        ui.label(RichText::new(format!("×{}", uses(&t.id))).small().weak()).on_hover_text("links of this type");
                    });
                }
                if let Some(id) = picked {
                    self.refusal = None;
                    if self.pending {
                        self.commit(cb, out);
                    }
                    if self.error.is_none() {
                        self.selected = Some(id);
                        self.base = None;
                        self.sync(cb);
                    }
                }
                ui.horizontal(|ui| {
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut self.new_name).hint_text("name of a new link type").desired_width(160.0),
                    );
                    crate::ui::field::keep_typed(ui, &r, &mut self.new_name);
                    r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, "New link type name"));
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button("Add link type").clicked() || enter {
                        self.add(cb, out);
                    }
                });
            });
            ui.separator();
            ui.vertical(|ui| self.details(ui, cb, uses, out));
        });
    }

    /// Adds a link type named after the "new link type" field, with a fresh id and a colour
    /// no other link type has.
    fn add(&mut self, cb: &Codebook, out: &mut Vec<Command>) {
        let name = self.new_name.trim().to_owned();
        if name.is_empty() {
            self.error = Some("Type the new link type's name first.".into());
            return;
        }
        let id = crate::codebook::fresh_id(&name, "link", |id| cb.link_type(id).is_some());
        let taken = |hex: &str| cb.link_types.iter().any(|t| parse_colour(&t.colour) == parse_colour(hex));
        let colour = SAFE_PALETTE.iter().map(|(hex, _)| *hex).find(|hex| !taken(hex)).unwrap_or(SAFE_PALETTE[7].0);
        let mut new = cb.clone();
        new.link_types.push(LinkType::new(&id, &name, colour));
        if self.apply(cb, new, out) {
            self.new_name.clear();
            self.selected = Some(id);
            self.base = None;
            self.draft = None;
        }
    }

    /// Validates `new` and, when valid and different, pushes it as one undoable edit.
    fn apply(&mut self, cb: &Codebook, new: Codebook, out: &mut Vec<Command>) -> bool {
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

    /// Applies the draft of the selected link type.
    fn commit(&mut self, cb: &Codebook, out: &mut Vec<Command>) {
        self.pending = false;
        let Some(mut draft) = self.draft.clone() else { return };
        draft.name = draft.name.trim().to_owned();
        let mut new = cb.clone();
        let Some(slot) = new.link_types.iter_mut().find(|t| t.id == draft.id) else { return };
        *slot = draft;
        self.apply(cb, new, out);
    }

    fn details(&mut self, ui: &mut Ui, cb: &Codebook, uses: impl Fn(&str) -> usize, out: &mut Vec<Command>) {
        let Some(mut draft) = self.draft.clone() else {
            ui.label(RichText::new("Select a link type on the left to edit it, or add a new one.").weak());
            return;
        };
        let base_name = self.base.as_ref().map_or(String::new(), |b| b.name.clone());
        ui.strong(format!("Editing link type “{base_name}”"));
        let (mut changed, mut typing) = (false, false);
        egui::Grid::new("link-type-fields").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            let mut field = |ui: &mut Ui, text: &mut String, label: &str, rows: usize| {
                let edit = if rows > 1 {
                    egui::TextEdit::multiline(text).desired_rows(rows).desired_width(360.0)
                } else {
                    egui::TextEdit::singleline(text).desired_width(360.0)
                };
                let r = ui.add(edit);
                let kept = crate::ui::field::keep_typed(ui, &r, text);
                r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, label));
                typing |= r.has_focus();
                r.changed() || kept
            };
            ui.label("Name");
            self.pending |= field(ui, &mut draft.name, "Link type name", 1);
            ui.end_row();
            ui.label("Id");
            ui.label(RichText::new(&draft.id).monospace().weak())
                .on_hover_text("Links refer to this id; it stays the same when the type is renamed.");
            ui.end_row();
            ui.label("Description");
            self.pending |= field(ui, &mut draft.description, "Link type description", 2);
            ui.end_row();
            ui.label("Colour");
            ui.horizontal_wrapped(|ui| {
                for (hex, name) in SAFE_PALETTE {
                    if swatch(ui, hex, &format!("Link colour {name}"), parse_colour(&draft.colour) == parse_colour(hex)) {
                        draft.colour = hex.to_owned();
                        changed = true;
                    }
                }
            });
            ui.end_row();
            ui.label("From codes");
            changed |= code_choices(ui, cb, &mut draft.origin_codes, "May start from");
            ui.end_row();
            ui.label("To codes");
            changed |= code_choices(ui, cb, &mut draft.target_codes, "May point to");
            ui.end_row();
        });
        ui.label(RichText::new("No code ticked: any code may start (or end) such a link.").small().weak());
        let n = uses(&draft.id);
        let r = ui.button("Delete link type").on_hover_text(if n > 0 {
            "Links use this type: delete them first"
        } else {
            "No link uses this type"
        });
        let mut deleted = false;
        if r.clicked() {
            if n > 0 {
                let noun = if n == 1 { "link uses" } else { "links use" };
                self.refusal = Some(format!(
                    "{n} {noun} “{}”, so it was not deleted: delete those links first (in the annotation panel).",
                    draft.name
                ));
            } else {
                let mut new = cb.clone();
                new.link_types.retain(|t| t.id != draft.id);
                deleted = self.apply(cb, new, out);
            }
        }
        if deleted {
            self.selected = None;
            self.draft = None;
            self.base = None;
            return;
        }
        self.draft = Some(draft);
        if changed || (self.pending && !typing) {
            self.commit(cb, out);
        }
    }
}

/// A tick box per code for an allowed-codes list; true when one changed. Each box is announced
/// with the list's name ("May start from: Demand").
fn code_choices(ui: &mut Ui, cb: &Codebook, codes: &mut Vec<String>, what: &str) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        for code in cb.codes.iter().filter(|c| !cb.is_group(&c.id)) {
            let mut on = codes.contains(&code.id);
            let r = ui.checkbox(&mut on, &code.name);
            let label = format!("{what}: {}", code.name);
            r.widget_info(|| WidgetInfo::selected(Role::CheckBox, true, on, &label));
            if r.changed() {
                if on {
                    codes.push(code.id.clone());
                } else {
                    codes.retain(|c| *c != code.id);
                }
                changed = true;
            }
        }
    });
    changed
}
