//! The status bar (document, counts, coder, "Done", whether everything is saved: the
//! document's annotations and the class dashboard's rubric and comments) and the notice bar
//! above the document (save failures, messages about the last command).

use egui::{RichText, Ui};

use super::command::{Command, UiCommand};
use super::state::ClassSaveState;
use super::view::ViewCtx;
use crate::edits::Action;

/// The status bar holds no state of its own.
#[derive(Default)]
pub struct StatusBar;

impl StatusBar {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            panel_toggles(ui, ctx, out);
            let Some(session) = ctx.session else {
                ui.label("No document open");
                class_save_state(ui, ctx);
                return;
            };
            if let Some(prompt) = &ctx.link_prompt {
                // While linking, the keys to press come first and stand out.
                ui.label(RichText::new(prompt).strong().color(ui.visuals().strong_text_color()));
                ui.separator();
            }
            ui.strong(session.doc.file_name());
            ui.separator();
            if session.doc.encoding_warning().is_some() {
                ui.colored_label(ui.visuals().warn_fg_color, format!("⚠ opened as {}", session.doc.encoding().label()))
                    .on_hover_text(session.doc.encoding_warning().unwrap_or_default());
                ui.separator();
            }
            let n = session.edits.annotations().len();
            ui.label(format!("{n} annotation{}", if n == 1 { "" } else { "s" }));
            let orphans = session.orphan_count();
            if orphans > 0 {
                ui.colored_label(ui.visuals().warn_fg_color, format!("{orphans} orphaned"));
            }
            if ui.link(format!("coder: {}", ctx.coder_name(&session.coder))).on_hover_text("Change your name").clicked() {
                out.push(UiCommand::ChangeName.into());
            }
            let mut done = session.edits.done();
            if ui.checkbox(&mut done, "Done").on_hover_text("Mark this document as finished (shown in the folder list)").changed()
            {
                out.push(Command::Apply(Action::SetDone(done)));
            }
            let save_state = |ui: &mut Ui| {
                let state = if let Some(e) = ctx.saver.error() {
                    RichText::new(format!("⚠ Not saved: {e}")).color(ui.visuals().error_fg_color).strong()
                } else if ctx.conflict {
                    RichText::new("⚠ Changed on disk: not saved").color(ui.visuals().warn_fg_color).strong()
                } else if ctx.saver.is_saving() || session.is_dirty() {
                    RichText::new("Saving…")
                } else if let Some(t) = ctx.saver.last_saved_at() {
                    RichText::new(format!("Saved {t}"))
                } else if ctx.class_save.is_some() {
                    // Nothing was done to the annotations; the class's state alone says it.
                    return class_save_state(ui, ctx);
                } else {
                    RichText::new(if session.had_sidecar { "All changes saved" } else { "Nothing to save yet" })
                };
                ui.label(state);
                if ctx.class_save.is_some() {
                    ui.separator();
                    class_save_state(ui, ctx);
                }
            };
            // Right-aligned when there is room; in a narrow window it flows (and wraps) with
            // the rest rather than drawing over it.
            if ctx.narrow {
                save_state(ui);
            } else {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), save_state);
            }
        });
    }
}

/// Whether the class dashboard's rubric and comments are in `class.ron`, when they were edited.
fn class_save_state(ui: &mut Ui, ctx: &ViewCtx) {
    let Some(state) = &ctx.class_save else { return };
    let text = match state {
        ClassSaveState::Saving => RichText::new("Saving the rubric and comments…"),
        ClassSaveState::Saved(t) => RichText::new(format!("Rubric and comments saved {t}")),
        ClassSaveState::Failed(e) => {
            RichText::new(format!("⚠ Rubric and comments not saved: {e}")).color(ui.visuals().error_fg_color).strong()
        }
    };
    ui.label(text).on_hover_text("The class dashboard's rubric and comments, kept in class.ron");
}

/// Panels can be hidden; these bring them back (and say how, by keyboard).
fn panel_toggles(ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
    let egui_ctx = ui.ctx().clone();
    let hint = |cmd: UiCommand| format!("{} ({})", cmd.text(), cmd.shortcut_text(&egui_ctx));
    if ctx.folder.is_some() {
        let shown = if ctx.narrow { ctx.panels.folder_when_narrow } else { ctx.panels.folder };
        if ui.selectable_label(shown, "Documents").on_hover_text(hint(UiCommand::ToggleFolderPanel)).clicked() {
            out.push(UiCommand::ToggleFolderPanel.into());
        }
    }
    if ctx.session.is_some() {
        let r = ui.selectable_label(ctx.panels.annotations, "Annotations");
        if r.on_hover_text(hint(UiCommand::ToggleAnnotationPanel)).clicked() {
            out.push(UiCommand::ToggleAnnotationPanel.into());
        }
        ui.separator();
    }
}

/// A failed save, and the last notice with a Dismiss button, floating over the bottom of the
/// document area: a notice that comes and goes never moves the text under the pointer.
#[derive(Default)]
pub struct NoticeBar;

impl NoticeBar {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let save_error = ctx.saver.error();
        if save_error.is_none() && ctx.notice.is_none() {
            return;
        }
        let area = ui.max_rect();
        let width = (area.width() - 32.0).max(160.0);
        let opaque = |tint: egui::Color32, t: f32| ui.visuals().panel_fill.lerp_to_gamma(tint, t);
        let (error, warn) = (ui.visuals().error_fg_color, ui.visuals().warn_fg_color);
        egui::Area::new(egui::Id::unique("notice-bar"))
            .order(egui::Order::Foreground)
            .pivot(egui::Align2::CENTER_BOTTOM)
            .fixed_pos(egui::pos2(area.center().x, area.bottom() - 12.0))
            .show(ui.ctx(), |ui| {
                ui.set_max_width(width);
                if let Some(e) = save_error {
                    egui::Frame::popup(ui.style()).fill(opaque(error, 0.25)).inner_margin(8.0).show(ui, |ui| {
                        ui.label(
                            RichText::new(format!(
                                "Your annotations could not be saved: {e}. They are kept in memory and saving is retried."
                            ))
                            .strong(),
                        );
                    });
                }
                if let Some(n) = ctx.notice {
                    let fill = if n.is_error { opaque(error, 0.25) } else { opaque(warn, 0.18) };
                    egui::Frame::popup(ui.style()).fill(fill).inner_margin(8.0).show(ui, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(&n.text);
                            if ui.small_button("Dismiss").clicked() {
                                out.push(Command::DismissNotice);
                            }
                        });
                    });
                }
            });
    }
}
