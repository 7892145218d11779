//! The annotation panel: code buttons that tag the selection, the selected annotation's editor
//! (code, note, attributes, span, delete, its links in and out), the legend with counts and filters, the list of
//! annotations in document order, and orphans waiting to be re-attached.

use egui::{RichText, Ui};

use super::codebook_editor::name_combo;
use super::command::{Command, UiCommand};
use super::doc_view::cue_sample;
use super::view::ViewCtx;
use super::widgets::code_chip;
use crate::annotation::{AnchorStatus, Annotation, Conflict};
use crate::codebook::{AttributeDef, AttributeKind};
use crate::document::Span;
use crate::edits::Action;
use crate::session::Session;

/// The panel's own state: the text typed into the list's search field (the app filters the
/// list with it, see [`ViewCtx::listed`]).
#[derive(Default)]
pub struct AnnotationPanel {
    pub search: String,
}

impl AnnotationPanel {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let Some(session) = ctx.session else { return };
        egui::ScrollArea::vertical().id_salt("panel-scroll").auto_shrink([false, false]).show(ui, |ui| {
            tag_buttons(ui, ctx, session, out);
            ui.separator();
            selected_editor(ui, ctx, session, out);
            ui.separator();
            legend(ui, ctx, session, out);
            ui.separator();
            merge_conflicts(ui, ctx, session, out);
            orphans(ui, ctx, session, out);
            self.annotation_list(ui, ctx, session, out);
        });
    }

    fn annotation_list(&mut self, ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
        let listed = &ctx.listed;
        let cb = session.edits.codebook();
        ui.heading(format!("Annotations ({})", listed.len()));
        let r = ui.add(egui::TextEdit::singleline(&mut self.search).hint_text("Search quotes and notes"));
        crate::ui::field::keep_typed(ui, &r, &mut self.search);
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search annotations"));
        ui.horizontal(|ui| {
            if ui.button("‹ Previous").on_hover_text("Shift+N").clicked() {
                out.push(UiCommand::PreviousAnnotation.into());
            }
            if ui.button("Next ›").on_hover_text("N").clicked() {
                out.push(UiCommand::NextAnnotation.into());
            }
        });
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
                    let selected = ctx.selected == Some(a.id);
                    let frame = egui::Frame::new().inner_margin(3.0).fill(if selected {
                        ui.visuals().selection.bg_fill.gamma_multiply(0.5)
                    } else {
                        egui::Color32::TRANSPARENT
                    });
                    let r = frame
                        .show(ui, |ui| {
                            ui.set_min_height(row_h - 8.0);
                            ui.horizontal(|ui| {
                                cue_sample(ui, cb, &a.code);
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
            out.push(Command::Select(Some(id), true));
        }
    }
}

fn tag_buttons(ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
    let has_target = ctx.target.is_some();
    ui.heading("Tag the selection");
    // The line under the heading keeps the height of the hint, with or without a selection, so
    // that the code buttons never move under the pointer when a selection appears.
    let hint =
        RichText::new("Select text in the document (drag, or Shift+arrows), then click a code or press its number.").weak();
    let width = ui.available_width();
    let hint = egui::WidgetText::from(hint).into_galley(ui, Some(egui::TextWrapMode::Wrap), width, egui::FontSelection::Default);
    let height = hint.size().y;
    ui.allocate_ui_with_layout(egui::vec2(width, height), egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_min_height(height);
        if has_target {
            ui.add(egui::Label::new(RichText::new("Click a code or press its number to tag the selection.").weak()).truncate());
        } else {
            ui.label(hint);
        }
    });
    let cb = session.edits.codebook();
    if ctx.narrow {
        // In the drawer under the text, the codes flow in rows to leave the text its height.
        ui.horizontal_wrapped(|ui| {
            // The drawer's width (the row's rect grows as widgets are added to it).
            let (left, right) = (ui.max_rect().min.x, ui.max_rect().max.x);
            for code in cb.codes.iter().filter(|c| !cb.is_group(&c.id)) {
                let key = code.key.map(|k| format!("{k}  ")).unwrap_or_default();
                let label = format!("{key}{}", code.name);
                // A code that does not fit what is left of the row starts the next one whole,
                // rather than running off the drawer or being cut.
                let text = egui::WidgetText::from(label.as_str()).into_galley(
                    ui,
                    Some(egui::TextWrapMode::Extend),
                    f32::INFINITY,
                    egui::TextStyle::Button,
                );
                let spacing = ui.spacing();
                let need = 26.0 + spacing.item_spacing.x * 2.0 + text.size().x + spacing.button_padding.x * 2.0;
                let x = ui.cursor().min.x;
                if x + need > right && x > left + 1.0 {
                    ui.end_row();
                }
                ui.horizontal(|ui| {
                    cue_sample(ui, cb, &code.id);
                    let r = ui
                        .add_enabled(has_target, egui::Button::new(label).wrap_mode(egui::TextWrapMode::Extend))
                        .on_hover_text(&code.description)
                        .on_disabled_hover_text("Select some text first");
                    if r.clicked() {
                        out.push(Command::Tag(code.id.clone()));
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
            cue_sample(ui, cb, &code.id);
            let key = code.key.map(|k| format!("{k}  ")).unwrap_or_default();
            let indent = if code.parent.is_some() { "   " } else { "" };
            let button = egui::Button::new(format!("{indent}{key}{}", code.name)).min_size(egui::vec2(200.0, 26.0));
            let r = ui
                .add_enabled(has_target, button)
                .on_hover_text(&code.description)
                .on_disabled_hover_text("Select some text first");
            if r.clicked() {
                out.push(Command::Tag(code.id.clone()));
            }
        });
    }
}

fn selected_editor(ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
    let Some(a) = ctx.selected.and_then(|id| session.edits.get(id)) else {
        ui.label(RichText::new("Click a highlight or an item in the list to edit it.").weak());
        return;
    };
    let cb = session.edits.codebook();
    ui.heading("Selected annotation");
    ui.label(RichText::new(format!("“{}”", crate::document::excerpt(&a.exact, 200))).italics());
    ui.horizontal(|ui| {
        ui.label("Code:");
        let current = cb.code(&a.code).map_or(a.code.clone(), |c| c.name.clone());
        egui::ComboBox::from_id_salt("selected-code").selected_text(current).show_ui(ui, |ui| {
            for code in &cb.codes {
                if ui.selectable_label(code.id == a.code, &code.name).clicked() && code.id != a.code {
                    out.push(Command::Apply(Action::SetCode { id: a.id, code: code.id.clone() }));
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
    let kept = crate::ui::field::keep_typed(ui, &r, &mut note);
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Note"));
    if r.changed() || kept {
        out.push(Command::Apply(Action::SetNote { id: a.id, note }));
    }
    if let Some(code) = cb.code(&a.code) {
        for attr in &code.attributes {
            ui.horizontal(|ui| attribute_row(ui, a, attr, out));
        }
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("Span {}..{}", a.start, a.end));
        let doc = &session.doc;
        let mut adjust = |label: &str, hint: &str, span: Span| {
            if ui.small_button(label).on_hover_text(hint).clicked() && !span.is_empty() && span != a.span() {
                out.push(Command::Apply(Action::SetSpan { id: a.id, span }));
            }
        };
        adjust("Start −", "Start one character earlier", Span::new(doc.prev_grapheme(a.start), a.end));
        adjust("Start +", "Start one character later", Span::new(doc.next_grapheme(a.start).min(a.end), a.end));
        adjust("End −", "End one character earlier", Span::new(a.start, doc.prev_grapheme(a.end).max(a.start)));
        adjust("End +", "End one character later", Span::new(a.start, doc.next_grapheme(a.end)));
        if let Some(sel) = ctx.selection
            && ui.small_button("Set to selection").clicked()
        {
            out.push(Command::Apply(Action::SetSpan { id: a.id, span: sel }));
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Show in text").clicked() {
            out.push(Command::Select(Some(a.id), true));
        }
        if ui.button(RichText::new("Delete annotation").color(ui.visuals().error_fg_color)).clicked() {
            out.push(Command::Apply(Action::Delete(a.id)));
        }
    });
    ui.label(RichText::new(format!("by {} · {}", ctx.coder_name(&a.coder), a.modified)).small().weak());
    links(ctx, session, a, cb, ui, out);
}

/// One attribute of the selected annotation: a choice, a yes/no box or a text field.
fn attribute_row(ui: &mut Ui, a: &Annotation, attr: &AttributeDef, out: &mut Vec<Command>) {
    ui.label(format!("{}:", attr.name));
    let value = a.attributes.get(&attr.id).cloned();
    let set = |v: Option<String>| Command::Apply(Action::SetAttribute { id: a.id, attribute: attr.id.clone(), value: v });
    match &attr.kind {
        AttributeKind::Choice(options) => {
            let shown = value.clone().unwrap_or_else(|| "—".into());
            let r = egui::ComboBox::from_id_salt(("attr", &attr.id)).selected_text(&shown).show_ui(ui, |ui| {
                if ui.selectable_label(value.is_none(), "—").clicked() {
                    out.push(set(None));
                }
                for o in options {
                    if ui.selectable_label(value.as_deref() == Some(o), o).clicked() {
                        out.push(set(Some(o.clone())));
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
                out.push(set(Some(if on { "yes" } else { "no" }.to_owned())));
            }
        }
        AttributeKind::Text => {
            let mut text = value.clone().unwrap_or_default();
            let r = ui.text_edit_singleline(&mut text);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, &attr.name));
            if r.changed() {
                out.push(set(if text.is_empty() { None } else { Some(text) }));
            }
        }
    }
}

/// The "Link to…" form's choices while it is open, kept in egui's memory.
#[derive(Clone, Default)]
struct LinkDraft {
    /// The annotation the form was opened for (the link's origin).
    origin: Option<uuid::Uuid>,
    target: Option<uuid::Uuid>,
    link_type: Option<String>,
}

/// Where the "Link to…" form keeps its draft (egui's memory, one for the app).
fn link_draft_id() -> egui::Id {
    egui::Id::unique("link-draft")
}

/// An annotation clicked in the text while the "Link to…" form of `selected` is open: it
/// becomes the form's target (the selection stays on the origin). False when no such form is
/// open, or the click is on the origin itself.
pub fn take_link_target(ctx: &egui::Context, selected: Option<uuid::Uuid>, clicked: uuid::Uuid) -> bool {
    let key = link_draft_id();
    let Some(mut draft) = ctx.data(|d| d.get_temp::<LinkDraft>(key)) else { return false };
    let open = draft.origin.is_some() && draft.origin == selected;
    if !open || draft.origin == Some(clicked) {
        return false;
    }
    draft.target = Some(clicked);
    ctx.data_mut(|d| d.insert_temp(key, draft));
    true
}

/// How an annotation is named in link rows and choices: its quote and its code.
fn link_end_label(session: &crate::session::Session, cb: &crate::codebook::Codebook, id: uuid::Uuid) -> String {
    session.edits.get(id).map_or_else(
        || "(missing)".to_owned(),
        |x| {
            let code = cb.code(&x.code).map_or(x.code.as_str(), |c| c.name.as_str());
            format!("“{}” ({code})", crate::document::excerpt(&x.exact, 40))
        },
    )
}

/// The "Link to…" form: the target annotation, a link type the annotation's code may start,
/// and Add link / Cancel. Returns whether the form is done.
fn link_form(
    session: &crate::session::Session,
    a: &crate::annotation::Annotation,
    cb: &crate::codebook::Codebook,
    draft: &mut LinkDraft,
    ui: &mut Ui,
    commands: &mut Vec<Command>,
) -> bool {
    let type_name = |id: &str| cb.link_type(id).map_or(id.to_owned(), |t| t.name.clone());
    let target_text = draft.target.map_or_else(|| "Choose an annotation".to_owned(), |t| link_end_label(session, cb, t));
    let r = egui::ComboBox::from_id_salt("link-target").selected_text(&target_text).width(240.0).show_ui(ui, |ui| {
        for other in session.edits.annotations().iter().filter(|x| x.id != a.id) {
            let label = link_end_label(session, cb, other.id);
            if ui.selectable_label(draft.target == Some(other.id), label).clicked() {
                draft.target = Some(other.id);
            }
        }
    });
    name_combo(&r.response, "Link target", &target_text);
    // The types this annotation's code may start.
    let allowed: Vec<&crate::codebook::LinkType> = cb.link_types.iter().filter(|t| t.allows_origin(&a.code)).collect();
    let type_text = draft.link_type.as_deref().map_or_else(|| "Choose a link type".to_owned(), type_name);
    let r = egui::ComboBox::from_id_salt("link-type").selected_text(&type_text).show_ui(ui, |ui| {
        for t in &allowed {
            if ui
                .selectable_label(draft.link_type.as_deref() == Some(t.id.as_str()), &t.name)
                .on_hover_text(&t.description)
                .clicked()
            {
                draft.link_type = Some(t.id.clone());
            }
        }
    });
    name_combo(&r.response, "Link type", &type_text);
    let mut close = false;
    ui.horizontal(|ui| {
        let ready = draft.target.is_some() && draft.link_type.is_some();
        let r = ui
            .add_enabled(ready, egui::Button::new("Add link"))
            .on_disabled_hover_text("Choose the annotation and the link type");
        if r.clicked()
            && let (Some(target), Some(kind)) = (draft.target, &draft.link_type)
        {
            commands.push(Command::Apply(Action::AddLink(crate::link::Link::new(kind, a.id, target, &session.coder))));
            close = true;
        }
        if ui.button("Cancel").clicked() {
            close = true;
        }
    });
    close
}

/// A link's type, changed in one undo step: the types the codebook allows between the codes of
/// its two ends (the current one is always listed).
fn link_type_choice(
    session: &crate::session::Session,
    cb: &crate::codebook::Codebook,
    l: &crate::link::Link,
    text: &str,
    ui: &mut Ui,
    commands: &mut Vec<Command>,
) {
    let code = |id| session.edits.get(id).map(|a| a.code.as_str()).unwrap_or_default();
    let (from, to) = (code(l.origin), code(l.target));
    let current = cb.link_type(&l.link_type).map_or_else(|| l.link_type.clone(), |t| t.name.clone());
    let r = egui::ComboBox::from_id_salt(("link-type-of", l.id)).selected_text(&current).show_ui(ui, |ui| {
        for t in cb.link_types.iter().filter(|t| t.id == l.link_type || (t.allows_origin(from) && t.allows_target(to))) {
            let chosen = ui.selectable_label(t.id == l.link_type, &t.name).on_hover_text(&t.description).clicked();
            if chosen && t.id != l.link_type {
                commands.push(Command::Apply(Action::SetLinkType { id: l.id, link_type: t.id.clone() }));
            }
        }
    });
    name_combo(&r.response, &format!("Type of link {text}"), &current);
}

/// The selected annotation's links out and in, each with a delete button, and "Link to…": pick
/// the target annotation and the link type.
fn links(
    ctx: &ViewCtx,
    session: &crate::session::Session,
    a: &crate::annotation::Annotation,
    cb: &crate::codebook::Codebook,
    ui: &mut Ui,
    commands: &mut Vec<Command>,
) {
    ui.separator();
    ui.label(RichText::new("Links").strong());
    let type_name = |id: &str| cb.link_type(id).map_or(id.to_owned(), |t| t.name.clone());
    let rows: Vec<(&crate::link::Link, String)> = session
        .edits
        .links_from(a.id)
        .map(|l| (l, format!("{}, to {}", type_name(&l.link_type), link_end_label(session, cb, l.target))))
        .chain(
            session
                .edits
                .links_to(a.id)
                .map(|l| (l, format!("{}, from {}", type_name(&l.link_type), link_end_label(session, cb, l.origin)))),
        )
        .collect();
    if rows.is_empty() {
        ui.label(RichText::new("No links.").weak().small());
    }
    for (l, text) in rows {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&text).small()).on_hover_text(&l.note);
            let r = ui.small_button("Delete link");
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Delete link {text}")));
            if r.clicked() {
                commands.push(Command::Apply(Action::DeleteLink(l.id)));
            }
        });
        link_type_choice(session, cb, l, &text, ui, commands);
        ui.label(RichText::new(format!("by {}, {}", ctx.coder_name(&l.coder), when(&l.created))).small().weak());
        // Typing is one undo step per pause, as for annotation notes.
        let mut note = l.note.clone();
        let r = ui.add(egui::TextEdit::singleline(&mut note).hint_text("Note on this link").desired_width(f32::INFINITY));
        let kept = crate::ui::field::keep_typed(ui, &r, &mut note);
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("Note on link {text}")));
        if r.changed() || kept {
            commands.push(Command::Apply(Action::SetLinkNote { id: l.id, note }));
        }
        ui.add_space(4.0);
    }
    if cb.link_types.is_empty() {
        ui.label(RichText::new("This codebook has no link types.").weak().small());
        return;
    }
    let key = link_draft_id();
    let mut draft: LinkDraft = ui.data(|d| d.get_temp(key)).unwrap_or_default();
    if draft.origin != Some(a.id) {
        if ui.button("Link to…").on_hover_text("Link this annotation to another one").clicked() {
            draft = LinkDraft { origin: Some(a.id), ..LinkDraft::default() };
            ui.data_mut(|d| {
                d.insert_temp(key, draft);
            });
        }
        return;
    }
    let close = link_form(session, a, cb, &mut draft, ui, commands);
    ui.data_mut(|d| {
        if close {
            d.remove::<LinkDraft>(key);
        } else {
            d.insert_temp(key, draft);
        }
    });
}

/// An RFC 3339 time as "2026-03-14 09:26" (what a reader needs of it).
fn when(rfc3339: &str) -> String {
    let shown: String = rfc3339.chars().take(16).collect();
    shown.replacen('T', " ", 1)
}

fn legend(ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
    let cb = session.edits.codebook();
    let counts = session.edits.counts();
    ui.heading("Legend");
    ui.label(RichText::new("Click a code to show only its annotations.").weak().small());
    let mut clicked = None;
    for code in &cb.codes {
        let count = counts.iter().find(|(id, _)| *id == code.id).map_or(0, |(_, n)| *n);
        let active = ctx.filter == Some(code.id.as_str());
        ui.horizontal(|ui| {
            cue_sample(ui, cb, &code.id);
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
    if ctx.filter.is_some() && ui.button("Show all codes").clicked() {
        clicked = Some(None);
    }
    if let Some(f) = clicked {
        out.push(Command::Filter(f));
    }
}

fn orphans(ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
    let orphans: Vec<_> = session.edits.orphans().collect();
    if orphans.is_empty() {
        return;
    }
    let cb = session.edits.codebook();
    let sel = ctx.selection;
    ui.heading(format!("Orphaned ({})", orphans.len()));
    ui.label(
        RichText::new(
            "The text changed and these quotes were not found. Select where each belongs and re-attach it, or delete it.",
        )
        .small(),
    );
    for a in &orphans {
        ui.group(|ui| {
            ui.horizontal(|ui| code_chip(ui, cb, &a.code));
            ui.label(RichText::new(format!("“{}”", crate::document::excerpt(&a.exact, 120))).italics());
            ui.horizontal(|ui| {
                let r = ui
                    .add_enabled(sel.is_some(), egui::Button::new("Re-attach to selection"))
                    .on_disabled_hover_text("Select the passage first");
                if r.clicked()
                    && let Some(span) = sel
                {
                    out.push(Command::Apply(Action::SetSpan { id: a.id, span }));
                }
                if ui.button("Delete").clicked() {
                    out.push(Command::Apply(Action::Delete(a.id)));
                }
            });
        });
    }
    ui.separator();
}

/// Annotations a merge kept for someone to settle (see [`Conflict`]): each pair of versions side
/// by side, and what was changed on one side and deleted on the other. Keeping one version
/// deletes the other and clears the mark, as one undo step.
fn merge_conflicts(ui: &mut Ui, ctx: &ViewCtx, session: &Session, out: &mut Vec<Command>) {
    let edits = &session.edits;
    let marked: Vec<&Annotation> = edits.conflicted().collect();
    if marked.is_empty() {
        return;
    }
    ui.heading(format!("Merge conflicts ({})", crate::annotation::count_conflicts(marked.iter().copied())));
    ui.label(RichText::new("A merge found these changed on two sides. Keep one version of each; Undo brings both back.").small());
    let mut shown = std::collections::HashSet::new();
    for a in &marked {
        if !shown.insert(a.id) {
            continue;
        }
        let other = match a.conflict {
            Some(Conflict::ChangedOnBothSides(id)) => edits.get(id).filter(|o| o.conflict.is_some()),
            _ => None,
        };
        ui.group(|ui| match other {
            Some(other) => {
                shown.insert(other.id);
                ui.label(RichText::new("Changed on both sides").strong());
                ui.columns(2, |cols| {
                    for (col, (this, gone)) in cols.iter_mut().zip([(*a, other), (other, *a)]) {
                        conflict_version(col, ctx, session, this, out);
                        if col.button("Keep this one").clicked() {
                            out.push(Command::Apply(Action::Batch(vec![
                                Action::Delete(gone.id),
                                Action::ClearConflict(this.id),
                            ])));
                        }
                    }
                });
            }
            None => {
                ui.label(RichText::new("Changed on one side, deleted on the other").strong());
                conflict_version(ui, ctx, session, a, out);
                ui.horizontal(|ui| {
                    if ui.button("Keep it").clicked() {
                        out.push(Command::Apply(Action::ClearConflict(a.id)));
                    }
                    if ui.button("Delete it").clicked() {
                        out.push(Command::Apply(Action::Delete(a.id)));
                    }
                });
            }
        });
    }
    ui.separator();
}

/// One version of a disputed annotation: code, quote, note and coder.
fn conflict_version(ui: &mut Ui, ctx: &ViewCtx, session: &Session, a: &Annotation, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| code_chip(ui, session.edits.codebook(), &a.code));
    if ui.link(format!("\u{201c}{}\u{201d}", crate::document::excerpt(&a.exact, 80))).clicked() {
        out.push(Command::Select(Some(a.id), true));
    }
    let note = if a.note.is_empty() { "(no note)".to_owned() } else { crate::document::excerpt(&a.note, 160) };
    ui.label(RichText::new(format!("Note: {note}")).small());
    let coder = if a.coder.is_empty() { "unknown".to_owned() } else { ctx.coder_name(&a.coder) };
    ui.label(RichText::new(format!("Coder: {coder}, changed {}", a.modified)).small());
}
