//! The menu bar, built from the command table ([`UiCommand::in_menu`]); the File menu adds the
//! recent files and the View menu the line width and theme.

use egui::Ui;

use super::command::{Command, Menu, UiCommand};
use super::settings::ThemeChoice;
use super::view::ViewCtx;

/// The menu bar holds no state of its own.
#[derive(Default)]
pub struct MenuBar;

impl MenuBar {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        egui::MenuBar::new().ui(ui, |ui| {
            for menu in Menu::ALL {
                ui.menu_button(menu.text(), |ui| {
                    let mut section = 0;
                    for (cmd, s) in UiCommand::in_menu(menu) {
                        if s != section {
                            ui.separator();
                            section = s;
                        }
                        menu_item(ui, ctx, cmd, out);
                        if cmd == UiCommand::Open {
                            recent_menu(ui, ctx, out);
                        }
                    }
                    match menu {
                        Menu::View => view_settings(ui, ctx, out),
                        Menu::Help => {
                            ui.label(format!("Marginalia {}", env!("CARGO_PKG_VERSION")));
                        }
                        _ => {}
                    }
                });
            }
        });
    }
}

/// What a menu item says, or `None` when it cannot be used now: Undo and Redo name what they
/// would undo (and are greyed out when there is nothing); comparing needs a document.
fn menu_text(ctx: &ViewCtx, cmd: UiCommand) -> Option<String> {
    let edits = ctx.session.map(|s| &s.edits);
    match cmd {
        UiCommand::Undo => edits.and_then(|e| e.undo_label()).map(|l| format!("Undo {l}")),
        UiCommand::Redo => edits.and_then(|e| e.redo_label()).map(|l| format!("Redo {l}")),
        UiCommand::CompareCoders => ctx.session.map(|_| cmd.text().to_owned()),
        // Any class folder: the dashboard is where its answer key is named.
        UiCommand::ClassDashboard => ctx.class.map(|_| cmd.text().to_owned()),
        _ => Some(cmd.text().to_owned()),
    }
}

fn menu_item(ui: &mut Ui, ctx: &ViewCtx, cmd: UiCommand, out: &mut Vec<Command>) {
    let text = menu_text(ctx, cmd);
    if text.is_none() && cmd == UiCommand::CompareCoders {
        ui.label("Open a document to compare its coders");
        return;
    }
    let enabled = text.is_some();
    let button = egui::Button::new(text.unwrap_or_else(|| cmd.text().to_owned())).shortcut_text(cmd.shortcut_text(ui.ctx()));
    if ui.add_enabled(enabled, button).clicked() {
        out.push(cmd.into());
    }
}

fn recent_menu(ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
    ui.menu_button("Open recent", |ui| {
        if ctx.settings.recent.is_empty() {
            ui.label("No recent files yet");
        }
        for path in &ctx.settings.recent {
            if ui.button(path.display().to_string()).clicked() {
                out.push(Command::OpenPath(path.clone()));
            }
        }
    });
}

fn view_settings(ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
    // Where the zoom and the text size stand (projecting at 200 %, say), beside the commands
    // that change them.
    ui.label(
        egui::RichText::new(format!("Zoom {:.0} %, text {:.0} pt", ctx.settings.zoom * 100.0, ctx.settings.font_size)).weak(),
    );
    ui.separator();
    ui.label("Line width");
    let mut width = ctx.settings.line_width;
    if ui.add(egui::Slider::new(&mut width, 360.0..=1400.0).suffix(" pt")).changed() {
        out.push(Command::SetLineWidth(width));
    }
    ui.separator();
    ui.label("Theme");
    for (choice, label) in
        [(ThemeChoice::System, "Follow the system"), (ThemeChoice::Light, "Light"), (ThemeChoice::Dark, "Dark")]
    {
        if ui.radio(ctx.settings.theme == choice, label).clicked() && ctx.settings.theme != choice {
            out.push(Command::SetTheme(choice));
        }
    }
}
