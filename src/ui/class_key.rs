//! The answer key and the roster's news, from the app: naming it (written into `class.ron` on the worker) and marking
//! as the key. The key is a person of its own for the class, `class::key_person`: while a
//! teacher marks as the key, the texts open with the key's sidecars and every mark goes there,
//! so what is marked as the key is what is graded.

use egui::{RichText, Ui};

use super::command::Command;
use super::view::ViewCtx;

/// The dashboard's line about the key: who it is, whether it has marks, and the buttons to name
/// it and to mark as it. `graded_texts`: how many texts the last grading found a key sidecar
/// for (None: not graded yet).
pub fn key_bar(ui: &mut Ui, ctx: &ViewCtx, graded_texts: Option<usize>, input: &mut String, out: &mut Vec<Command>) {
    let Some(class) = ctx.class else { return };
    let marking = ctx.marking_key;
    ui.horizontal_wrapped(|ui| {
        match class.manifest.key.as_deref() {
            Some(key) => {
                ui.label(format!("Answer key: {key}"));
                if marking {
                    if ui.button("Stop marking as the key").clicked() {
                        out.push(Command::MarkAsKey(false));
                    }
                } else if ui
                    .button("Mark as the key")
                    .on_hover_text(format!("Your marks go into the key's files ({key}) until you stop"))
                    .clicked()
                {
                    out.push(Command::MarkAsKey(true));
                }
            }
            None => {
                ui.label("No answer key is named yet.");
            }
        }
        let r = ui.add(egui::TextEdit::singleline(input).hint_text("key's name, e.g. teacher").desired_width(160.0));
        crate::ui::field::keep_typed(ui, &r, input);
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Answer key's name"));
        let wanted = input.trim().to_owned();
        let label = if class.manifest.key.is_some() { "Rename the key" } else { "Name the key" };
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.add_enabled(!wanted.is_empty(), egui::Button::new(label)).clicked() || (enter && !wanted.is_empty()))
            && class.manifest.key.as_deref() != Some(wanted.as_str())
        {
            out.push(Command::NameKey(wanted));
            input.clear();
        }
    });
    if let (Some(key), Some(0)) = (class.manifest.key.as_deref(), graded_texts) {
        ui.label(
            RichText::new(format!(
                "The answer key “{key}” has no marks in this folder yet, so nothing can be graded. Press Mark as the key, \
                 open a text and mark its passages; or name the coder whose marks are the key."
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
    if marking {
        ui.label(RichText::new("You are marking the answer key: every mark goes into the key's files.").strong());
    }
}

/// Who is missing and who was late, from the last grading: names of the roster's students with
/// no hand-in (a count only in anonymous mode: those names have no pseudonym), and the students
/// whose hand-in came after the due date (by pseudonym in anonymous mode).
pub fn roster_lines(ui: &mut Ui, ctx: &ViewCtx, graded: &crate::class::Graded) {
    if !graded.missing.is_empty() {
        let text = if ctx.settings.anonymous {
            format!("{} student(s) on the roster handed nothing in.", graded.missing.len())
        } else {
            format!("No hand-in from: {}.", graded.missing.join(", "))
        };
        ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
    }
    if !graded.late.is_empty() {
        let late: Vec<String> = graded.late.iter().map(|s| ctx.coder_name(s)).collect();
        ui.label(format!("Handed in after the due date: {}.", late.join(", ")));
    }
    // Everyone else is graded; these are for the teacher to sort out.
    for n in &graded.not_graded {
        let text = match &n.student {
            Some(_) if ctx.settings.anonymous => {
                format!(
                    "A student's work on {} could not be read and is not graded (turn anonymous mode off to see whose).",
                    n.text
                )
            }
            Some(student) => format!("Not graded: {student}. {}", n.reason),
            None => format!("{} is not graded for anyone: {}", n.text, n.reason),
        };
        ui.add(egui::Label::new(RichText::new(text).color(ui.visuals().error_fg_color)).wrap());
    }
}
