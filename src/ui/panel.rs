//! The annotation panel: code buttons that tag the selection, the selected annotation's editor
//! (code, note, attributes, span, delete), the legend with counts and filters, the list of
//! annotations in document order, and orphans waiting to be re-attached.

use egui::{RichText, Ui};

use super::app::{App, code_chip};
use super::codebook_editor::name_combo;
use super::command::Command;
use super::doc_view::cue_sample;
use crate::annotation::AnchorStatus;
use crate::codebook::AttributeKind;
use crate::document::Span;
use crate::edits::Action;

pub fn panel(app: &mut App, ui: &mut Ui) {
    egui::ScrollArea::vertical().id_salt("panel-scroll").auto_shrink([false, false]).show(ui, |ui| {
        tag_buttons(app, ui);
        ui.separator();
        selected_editor(app, ui);
        ui.separator();
        legend(app, ui);
        ui.separator();
        orphans(app, ui);
        annotation_list(app, ui);
    });
}

fn tag_buttons(app: &mut App, ui: &mut Ui) {
    let Some(session) = &app.session else { return };
    let has_target = app.view.selected_span().is_some() || (app.find.open && app.view.find_current.is_some());
    ui.heading("Tag the selection");
    if !has_target {
        ui.label(
            RichText::new("Select text in the document (drag, or Shift+arrows), then click a code or press its number.").weak(),
        );
    }
    let cb = session.edits.codebook().clone();
    if app.narrow {
        // In the drawer under the text, the codes flow in rows to leave the text its height.
        ui.horizontal_wrapped(|ui| {
            for code in cb.codes.iter().filter(|c| !cb.is_group(&c.id)) {
                ui.horizontal(|ui| {
                    cue_sample(ui, &cb, &code.id);
                    let key = code.key.map(|k| format!("{k}  ")).unwrap_or_default();
                    let r = ui
                        .add_enabled(has_target, egui::Button::new(format!("{key}{}", code.name)))
                        .on_hover_text(&code.description)
                        .on_disabled_hover_text("Select some text first");
                    if r.clicked() {
                        app.push(Command::Tag(code.id.clone()));
                    }
                });
                ui.add_space(6.0);
            }
        });
        return;
    }
    for code in &cb.codes {
        if cb.is_group(&code.id) {
            ui.label(RichText::new(&code.name).small().strong());
        }
        ui.horizontal(|ui| {
            cue_sample(ui, &cb, &code.id);
            let key = code.key.map(|k| format!("{k}  ")).unwrap_or_default();
            let indent = if code.parent.is_some() { "   " } else { "" };
            let button = egui::Button::new(format!("{indent}{key}{}", code.name)).min_size(egui::vec2(200.0, 26.0));
            let r = ui
                .add_enabled(has_target, button)
                .on_hover_text(&code.description)
                .on_disabled_hover_text("Select some text first");
            if r.clicked() {
                app.push(Command::Tag(code.id.clone()));
            }
        });
    }
}

fn selected_editor(app: &mut App, ui: &mut Ui) {
    let Some(session) = &app.session else { return };
    let Some(a) = app.selected.and_then(|id| session.edits.get(id)).cloned() else {
        ui.label(RichText::new("Click a highlight or an item in the list to edit it.").weak());
        return;
    };
    let cb = session.edits.codebook().clone();
    let mut commands = Vec::new();
    ui.heading("Selected annotation");
    ui.label(RichText::new(format!("“{}”", crate::document::excerpt(&a.exact, 200))).italics());
    ui.horizontal(|ui| {
        ui.label("Code:");
        let current = cb.code(&a.code).map_or(a.code.clone(), |c| c.name.clone());
        egui::ComboBox::from_id_salt("selected-code").selected_text(current).show_ui(ui, |ui| {
            for code in &cb.codes {
                if ui.selectable_label(code.id == a.code, &code.name).clicked() && code.id != a.code {
                    commands.push(Command::Apply(Action::SetCode { id: a.id, code: code.id.clone() }));
                }
            }
        });
    });
    ui.label("Note:");
    let mut note = a.note.clone();
    let r = ui.add(
        egui::TextEdit::multiline(&mut note)
            .desired_rows(3)
            .desired_width(f32::INFINITY)
            .hint_text("Why this code? What did you notice?"),
    );
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Note"));
    if r.changed() {
        commands.push(Command::Apply(Action::SetNote { id: a.id, note }));
    }
    if let Some(code) = cb.code(&a.code) {
        for attr in &code.attributes {
            ui.horizontal(|ui| {
                ui.label(format!("{}:", attr.name));
                let value = a.attributes.get(&attr.id).cloned();
                let set =
                    |v: Option<String>| Command::Apply(Action::SetAttribute { id: a.id, attribute: attr.id.clone(), value: v });
                match &attr.kind {
                    AttributeKind::Choice(options) => {
                        let shown = value.clone().unwrap_or_else(|| "—".into());
                        let r = egui::ComboBox::from_id_salt(("attr", &attr.id)).selected_text(&shown).show_ui(ui, |ui| {
                            if ui.selectable_label(value.is_none(), "—").clicked() {
                                commands.push(set(None));
                            }
                            for o in options {
                                if ui.selectable_label(value.as_deref() == Some(o), o).clicked() {
                                    commands.push(set(Some(o.clone())));
                                }
                            }
                        });
                        name_combo(&r.response, &attr.name, &shown);
                    }
                    AttributeKind::Flag => {
                        let mut on = value.as_deref() == Some("yes");
                        let r = ui.checkbox(&mut on, "");
                        r.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, on, &attr.name));
                        if r.on_hover_text(&attr.name).changed() {
                            commands.push(set(Some(if on { "yes" } else { "no" }.to_owned())));
                        }
                    }
                    AttributeKind::Text => {
                        let mut text = value.clone().unwrap_or_default();
                        let r = ui.text_edit_singleline(&mut text);
                        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, &attr.name));
                        if r.changed() {
                            commands.push(set(if text.is_empty() { None } else { Some(text) }));
                        }
                    }
                }
            });
        }
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("Span {}..{}", a.start, a.end));
        let doc = &session.doc;
        let mut adjust = |label: &str, hint: &str, span: Span| {
            if ui.small_button(label).on_hover_text(hint).clicked() && !span.is_empty() && span != a.span() {
                commands.push(Command::Apply(Action::SetSpan { id: a.id, span }));
            }
        };
        adjust("Start −", "Start one character earlier", Span::new(doc.prev_grapheme(a.start), a.end));
        adjust("Start +", "Start one character later", Span::new(doc.next_grapheme(a.start).min(a.end), a.end));
        adjust("End −", "End one character earlier", Span::new(a.start, doc.prev_grapheme(a.end).max(a.start)));
        adjust("End +", "End one character later", Span::new(a.start, doc.next_grapheme(a.end)));
        if let Some(sel) = app.view.selected_span()
            && ui.small_button("Set to selection").clicked()
        {
            commands.push(Command::Apply(Action::SetSpan { id: a.id, span: sel }));
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Show in text").clicked() {
            commands.push(Command::Select(Some(a.id), true));
        }
        if ui.button(RichText::new("Delete annotation").color(ui.visuals().error_fg_color)).clicked() {
            commands.push(Command::Apply(Action::Delete(a.id)));
        }
    });
    ui.label(RichText::new(format!("by {} · {}", a.coder, a.modified)).small().weak());
    for c in commands {
        app.push(c);
    }
}

fn legend(app: &mut App, ui: &mut Ui) {
    let Some(session) = &app.session else { return };
    let cb = session.edits.codebook().clone();
    let counts = session.edits.counts();
    ui.heading("Legend");
    ui.label(RichText::new("Click a code to show only its annotations.").weak().small());
    let mut clicked = None;
    for code in &cb.codes {
        let count = counts.iter().find(|(id, _)| *id == code.id).map_or(0, |(_, n)| *n);
        let active = app.filter.as_deref() == Some(code.id.as_str());
        ui.horizontal(|ui| {
            cue_sample(ui, &cb, &code.id);
            let r = ui.selectable_label(active, format!("{} ({count})", code.name)).on_hover_text(format!(
                "{}\n\nExample: {}\n\nShown as: colour {} with a {}",
                code.description,
                code.example,
                code.colour,
                code.cue.label()
            ));
            if r.clicked() {
                clicked = Some(if active { None } else { Some(code.id.clone()) });
            }
        });
        if active && !code.description.is_empty() {
            ui.label(RichText::new(&code.description).small());
        }
    }
    if app.filter.is_some() && ui.button("Show all codes").clicked() {
        clicked = Some(None);
    }
    if let Some(f) = clicked {
        app.push(Command::Filter(f));
    }
}

fn orphans(app: &mut App, ui: &mut Ui) {
    let Some(session) = &app.session else { return };
    let orphans: Vec<_> = session.edits.orphans().cloned().collect();
    if orphans.is_empty() {
        return;
    }
    let cb = session.edits.codebook().clone();
    let sel = app.view.selected_span();
    let mut commands = Vec::new();
    ui.heading(format!("Orphaned ({})", orphans.len()));
    ui.label(
        RichText::new(
            "The text changed and these quotes were not found. Select where each belongs and re-attach it, or delete it.",
        )
        .small(),
    );
    for a in &orphans {
        ui.group(|ui| {
            ui.horizontal(|ui| code_chip(ui, &cb, &a.code));
            ui.label(RichText::new(format!("“{}”", crate::document::excerpt(&a.exact, 120))).italics());
            ui.horizontal(|ui| {
                let r = ui
                    .add_enabled(sel.is_some(), egui::Button::new("Re-attach to selection"))
                    .on_disabled_hover_text("Select the passage first");
                if r.clicked()
                    && let Some(span) = sel
                {
                    commands.push(Command::Apply(Action::SetSpan { id: a.id, span }));
                }
                if ui.button("Delete").clicked() {
                    commands.push(Command::Apply(Action::Delete(a.id)));
                }
            });
        });
    }
    ui.separator();
    for c in commands {
        app.push(c);
    }
}

fn annotation_list(app: &mut App, ui: &mut Ui) {
    let listed = app.listed();
    let Some(session) = &app.session else { return };
    let cb = session.edits.codebook().clone();
    ui.heading(format!("Annotations ({})", listed.len()));
    let r = ui.add(egui::TextEdit::singleline(&mut app.search).hint_text("Search quotes and notes"));
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search annotations"));
    ui.horizontal(|ui| {
        if ui.button("‹ Previous").on_hover_text("Shift+N").clicked() {
            app.push(Command::PreviousAnnotation);
        }
        if ui.button("Next ›").on_hover_text("N").clicked() {
            app.push(Command::NextAnnotation);
        }
    });
    let Some(session) = &app.session else { return };
    let anns = session.edits.annotations();
    let mut clicked = None;
    let row_h = 44.0;
    egui::ScrollArea::vertical().id_salt("annotation-list").max_height(420.0).auto_shrink([false, true]).show_rows(
        ui,
        row_h,
        listed.len(),
        |ui, range| {
            // Rows are buttons: their text must not catch the click for text selection.
            ui.style_mut().interaction.selectable_labels = false;
            for &i in &listed[range] {
                let a = &anns[i];
                let selected = app.selected == Some(a.id);
                let frame = egui::Frame::new().inner_margin(3.0).fill(if selected {
                    ui.visuals().selection.bg_fill.gamma_multiply(0.5)
                } else {
                    egui::Color32::TRANSPARENT
                });
                let r = frame
                    .show(ui, |ui| {
                        ui.set_min_height(row_h - 8.0);
                        ui.horizontal(|ui| {
                            cue_sample(ui, &cb, &a.code);
                            let name = cb.code(&a.code).map_or(a.code.as_str(), |c| c.name.as_str());
                            ui.label(RichText::new(name).strong().small());
                            if a.status == AnchorStatus::Reanchored {
                                ui.label(RichText::new("moved").small().weak());
                            }
                        });
                        let mut text = format!("“{}”", crate::document::excerpt(&a.exact, 60));
                        if !a.note.is_empty() {
                            text.push_str(&format!(" — {}", crate::document::excerpt(&a.note, 40)));
                        }
                        ui.label(RichText::new(text).small());
                    })
                    .response;
                let r = r.interact(egui::Sense::click());
                let label = format!(
                    "{}: {}",
                    cb.code(&a.code).map_or(a.code.as_str(), |c| c.name.as_str()),
                    crate::document::excerpt(&a.exact, 60)
                );
                r.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, &label));
                if r.clicked() {
                    clicked = Some(a.id);
                }
            }
        },
    );
    if let Some(id) = clicked {
        app.push(Command::Select(Some(id), true));
    }
}
