//! Making a link with the keyboard alone: with an annotation selected, "Link from selected
//! annotation…" (Ctrl+L) starts; N and Shift+N move the proposed target from annotation to
//! annotation (the view follows and outlines it); Enter takes it; the link types that the two
//! codes allow are offered numbered 1 to 9, and a number (or a click) picks one. Clicking an
//! annotation in the text while choosing takes it as the target too. Escape leaves at any step. What to press is said in the status bar all along.
//!
//! The state lives here; the app hands it the keys before any other reading shortcut (so that
//! N, the numbers and Escape mean what the status bar says), and the link itself is made by
//! the usual [`Action::AddLink`].

use egui::RichText;
use uuid::Uuid;

use super::command::{Command, LINK_CANCEL, LINK_NEXT, LINK_PREVIOUS, LINK_TAKE, LINK_TYPE, NUMBER_KEYS};
use crate::annotation::AnchorStatus;
use crate::codebook::LinkType;
use crate::edits::Action;
use crate::link::Link;
use crate::session::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Choosing the annotation to link to.
    Target,
    /// Choosing the link type for the chosen target.
    Type,
}

#[derive(Debug, Clone)]
struct Linking {
    origin: Uuid,
    candidate: Option<Uuid>,
    step: Step,
}

/// The keyboard link maker's state (none when no link is being made).
#[derive(Default)]
pub struct LinkMode {
    state: Option<Linking>,
}

/// How an annotation is named in prompts: its quote, shortened.
fn quote(session: &Session, id: Uuid) -> String {
    session.edits.get(id).map_or_else(String::new, |a| format!("\"{}\"", crate::document::excerpt(&a.exact, 40)))
}

impl LinkMode {
    pub fn active(&self) -> bool {
        self.state.is_some()
    }

    /// The annotation proposed as the target, for the document view to outline.
    pub fn candidate(&self) -> Option<Uuid> {
        self.state.as_ref().and_then(|s| s.candidate)
    }

    /// Starts linking from `selected`; the reason when that cannot be done.
    pub fn start(&mut self, session: Option<&Session>, selected: Option<Uuid>) -> Result<(), String> {
        let Some(session) = session else { return Err("Open a document first.".into()) };
        let Some(origin) = selected.filter(|id| session.edits.get(*id).is_some()) else {
            return Err("Select an annotation first (N selects the next one), then link from it.".into());
        };
        if session.edits.codebook().link_types.is_empty() {
            return Err("This codebook has no link types: add some in the codebook editor first.".into());
        }
        if session.edits.annotations().len() < 2 {
            return Err("There is no other annotation to link to yet.".into());
        }
        self.state = Some(Linking { origin, candidate: None, step: Step::Target });
        Ok(())
    }

    pub fn cancel(&mut self) {
        self.state = None;
    }

    /// An annotation clicked in the text while a target is being chosen: it becomes the target
    /// (as N then Enter would make it), and the types are offered. False when the click is not
    /// for the link maker (no target being chosen, or the origin itself).
    pub fn take_click(&mut self, session: &Session, id: Uuid, out: &mut Vec<Command>) -> bool {
        let Some(s) = self.state.as_mut().filter(|s| s.step == Step::Target && s.origin != id) else { return false };
        s.candidate = Some(id);
        if self.types(session).is_empty() {
            let text = "No link type allows these two codes: click another annotation, or press Escape.";
            out.push(Command::Notify(super::view::Notice { text: text.into(), is_error: false }));
        } else if let Some(s) = &mut self.state {
            s.step = Step::Type;
        }
        true
    }

    /// The link types offered for the current origin and target, at most nine (keys 1 to 9).
    fn types<'a>(&self, session: &'a Session) -> Vec<&'a LinkType> {
        let Some(s) = &self.state else { return Vec::new() };
        let (Some(origin), Some(target)) = (session.edits.get(s.origin), s.candidate.and_then(|c| session.edits.get(c))) else {
            return Vec::new();
        };
        session
            .edits
            .codebook()
            .link_types
            .iter()
            .filter(|t| t.allows_origin(&origin.code) && t.allows_target(&target.code))
            .take(9)
            .collect()
    }

    /// What to press now, for the status bar.
    pub fn prompt(&self, session: &Session) -> Option<String> {
        let s = self.state.as_ref()?;
        let from = quote(session, s.origin);
        Some(match (s.step, s.candidate) {
            (Step::Target, None) => {
                format!("Linking from {from}: press N for the next annotation, Shift+N for the previous, Escape to cancel.")
            }
            (Step::Target, Some(c)) => format!(
                "Linking from {from} to {}: press Enter to link to it, N or Shift+N for another, Escape to cancel.",
                quote(session, c)
            ),
            (Step::Type, _) => {
                let types = self.types(session);
                let choices: Vec<String> = types.iter().enumerate().map(|(i, t)| format!("{} {}", i + 1, t.name)).collect();
                format!("Choose the link type: press {}; Escape to cancel.", choices.join(", "))
            }
        })
    }

    /// The annotation after (or before) the current candidate, skipping the origin and orphans,
    /// wrapping around.
    fn step_candidate(&self, session: &Session, forward: bool) -> Option<Uuid> {
        let s = self.state.as_ref()?;
        let anns = session.edits.annotations();
        let eligible = |i: usize| anns[i].id != s.origin && anns[i].status != AnchorStatus::Orphaned;
        let from = s.candidate.or(Some(s.origin)).and_then(|id| anns.iter().position(|a| a.id == id));
        let n = anns.len();
        let order: Box<dyn Iterator<Item = usize>> = match (from, forward) {
            (Some(p), true) => Box::new((1..=n).map(move |k| (p + k) % n)),
            (Some(p), false) => Box::new((1..=n).map(move |k| (p + n - k) % n)),
            (None, true) => Box::new(0..n),
            (None, false) => Box::new((0..n).rev()),
        };
        order.into_iter().find(|&i| eligible(i)).map(|i| anns[i].id)
    }

    /// Takes the keys that mean something while linking. Called only while [`Self::active`]
    /// and no text field has the keyboard.
    pub fn keys(&mut self, ctx: &egui::Context, session: &Session, out: &mut Vec<Command>) {
        let Some(s) = &self.state else { return };
        if session.edits.get(s.origin).is_none() {
            // The origin went (undo, another document): nothing to link from.
            self.state = None;
            return;
        }
        if LINK_CANCEL.pressed(ctx) {
            self.state = None;
            return;
        }
        match s.step {
            Step::Target => {
                let back = LINK_PREVIOUS.pressed(ctx);
                let on = !back && LINK_NEXT.pressed(ctx);
                if (back || on)
                    && let Some(next) = self.step_candidate(session, on)
                {
                    if let Some(a) = session.edits.get(next) {
                        out.push(Command::Jump(a.span()));
                    }
                    if let Some(s) = &mut self.state {
                        s.candidate = Some(next);
                    }
                }
                if LINK_TAKE.pressed(ctx) && self.candidate().is_some() {
                    if self.types(session).is_empty() {
                        let text = "No link type allows these two codes: press N for another annotation, or Escape.";
                        out.push(Command::Notify(super::view::Notice { text: text.into(), is_error: false }));
                    } else if let Some(s) = &mut self.state {
                        s.step = Step::Type;
                    }
                }
            }
            Step::Type => {
                let types = self.types(session);
                if let Some(k) = LINK_TYPE.number_pressed(ctx, types.len()) {
                    self.finish(session, &types[k].id, out);
                    return;
                }
                // Other number keys must not tag the selection meanwhile.
                LINK_TYPE.number_pressed(ctx, NUMBER_KEYS.len());
            }
        }
    }

    fn finish(&mut self, session: &Session, link_type: &str, out: &mut Vec<Command>) {
        let Some(s) = self.state.take() else { return };
        let Some(target) = s.candidate else { return };
        out.push(Command::Apply(Action::AddLink(Link::new(link_type, s.origin, target, &session.coder))));
        let name = session.edits.codebook().link_type(link_type).map_or(link_type, |t| t.name.as_str());
        let text = format!("Linked {} to {} ({name}).", quote(session, s.origin), quote(session, target));
        out.push(Command::Notify(super::view::Notice { text, is_error: false }));
    }

    /// The bar under the document while linking (drawn in a bottom panel by the app): the two ends, the numbered types to click
    /// once the target is taken, and Cancel.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: Option<&Session>, out: &mut Vec<Command>) {
        let (Some(s), Some(session)) = (self.state.clone(), session) else { return };
        let mut picked = None;
        let mut cancel = false;
        {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("New link").strong());
                let to = s.candidate.map_or_else(|| "(press N to choose)".to_owned(), |c| quote(session, c));
                ui.label(format!("from {} to {to}", quote(session, s.origin)));
                if s.step == Step::Type {
                    for (i, t) in self.types(session).iter().enumerate() {
                        let r = ui.button(format!("{} {}", i + 1, t.name)).on_hover_text(&t.description);
                        if r.clicked() {
                            picked = Some(t.id.clone());
                        }
                    }
                }
                if ui.button("Cancel link").on_hover_text("Escape").clicked() {
                    cancel = true;
                }
            });
        }
        if let Some(t) = picked {
            self.finish(session, &t, out);
        } else if cancel {
            self.state = None;
        }
    }
}
