//! What the background worker sends back, taken in at the start of a frame.

use super::*;

impl App {
    /// Takes in what the worker has finished since the last frame.
    pub(super) fn take_in_worker(&mut self, ctx: &egui::Context) {
        while let Some(done) = self.worker.poll() {
            self.take_in(done);
        }
        if self.worker.busy() {
            ctx.request_repaint_after(Duration::from_millis(50));
        }
    }

    pub(super) fn take_in(&mut self, done: Done) {
        match done {
            Done::Saved { target: SaveTarget::Document, path, revision, result } => self.finish_save(&path, revision, result),
            Done::Saved { target: SaveTarget::Gold, path, revision, result } => {
                let gold = self.gold.as_mut().filter(|g| g.sidecar_path == path);
                match (gold, result) {
                    (Some(gold), Ok(stamp)) => gold.finish_save(revision, stamp),
                    (_, Ok(_)) => {}
                    (_, Err(e)) => {
                        if let Some(view) = &mut self.views.compare {
                            view.message = Some((e.to_string(), true));
                        }
                    }
                }
            }
            // The codebook editor says how its saves went; other writes (exports of lists)
            // are told in the bar above the document.
            Done::Wrote(result) if self.views.codebook.open => self.views.codebook.wrote(result),
            Done::Wrote(Ok(text)) => self.notice = Some(Notice { text, is_error: false }),
            Done::Wrote(Err(e)) => self.error(e),
            Done::CodebookRead(result) => {
                if let Some(session) = &self.session {
                    self.views.codebook.offer(session, result, &mut self.commands);
                }
            }
            Done::Progress { done, total } => self.views.export.progress = (done, total),
            Done::Exported(result) => self.views.export.finished(result),
            Done::CodedSpans(results) => {
                let (mut added, mut failed, mut undoable) = (0, Vec::new(), Vec::new());
                for (path, result) in results {
                    match result {
                        Ok(ids) => {
                            added += ids.len();
                            self.pending_reloads.push(path.clone());
                            if !ids.is_empty() {
                                undoable.push((path, ids));
                            }
                        }
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                let mut said = format!("Tagged {added} passage(s) in {} other document(s).", undoable.len());
                if !failed.is_empty() {
                    said.push_str(&format!(" Not tagged: {}", failed.join("; ")));
                }
                self.views.find_folder.tagged(said, !failed.is_empty());
                self.views.find_folder.undoable = undoable;
            }
            Done::UncodedSpans(results) => {
                let (mut deleted, mut documents, mut failed) = (0, 0, Vec::new());
                for (path, result) in results {
                    match result {
                        Ok(n) => {
                            deleted += n;
                            documents += usize::from(n > 0);
                            self.pending_reloads.push(path);
                        }
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                let mut said = format!(
                    "Undid the tagging: removed {deleted} passage(s) from {documents} other document(s); nothing else in them changed."
                );
                if !failed.is_empty() {
                    said.push_str(&format!(" Not undone: {}", failed.join("; ")));
                }
                self.views.find_folder.tagged(said, !failed.is_empty());
            }
            Done::Variables { folder, result, said } => {
                if let Ok(vars) = &result
                    && self.folder.as_ref().is_some_and(|f| f.root == folder)
                {
                    self.pending_variables = Some(vars.clone());
                }
                self.views.variables.finished(folder, result, said);
            }
            Done::SidecarRead(result) => self.views.dialogs.theirs = Some(result),
            Done::SettingsSaved(result) => self.settings_saved(result),
            Done::KeyNamed { folder, result } => self.key_named(&folder, result),
            Done::CoderRenamed { before, after, result, reread } => self.coder_renamed(before, after, result, reread),
            Done::Dashboard(done) => self.take_in_dashboard(done),
            Done::Class(done) => self.take_in_class(*done),
            Done::CompareReady { mut view, gold } => {
                // Only for the document still open.
                let same = self.session.as_ref().is_some_and(|s| s.doc.path() == view.document().path());
                if same {
                    self.gold = match gold {
                        Ok(gold) => Some(*gold),
                        Err(e) => {
                            view.message = Some((e.to_string(), true));
                            None
                        }
                    };
                    self.views.compare = Some(*view);
                    self.anonymize_compare();
                }
            }
            Done::CodersRead { document, found, added } => {
                if let Some(view) = self.views.compare.as_mut().filter(|v| v.document().path() == document.as_deref()) {
                    view.take_candidates(found, added);
                }
            }
            Done::Reloaded(result) => self.reloaded(result),
            Done::TheirsKeptAside(result) => self.kept_aside(result),
            Done::SidecarChecked { path, changed } => {
                // A save under way checks the file itself, and says so if it changed.
                if changed && !self.saver.is_saving() && self.session.as_ref().is_some_and(|s| s.sidecar_path == path) {
                    self.conflict = true;
                }
            }
        }
    }

    pub(super) fn finish_save(&mut self, path: &Path, revision: u64, result: Result<crate::sidecar::DiskStamp, Error>) {
        let current = self.session.as_mut().filter(|s| s.sidecar_path == path);
        match (current, result) {
            (Some(session), Ok(stamp)) => {
                session.finish_save(revision, stamp);
                self.corpus_behind = self.corpus.is_some();
                self.saver.finished(Ok(()));
                if let Some(copy) = self.theirs_copy.take() {
                    let text = format!("Saved yours; theirs was kept as {}.", copy.display());
                    self.notice = Some(Notice { text, is_error: false });
                }
            }
            (Some(_), Err(e)) if e.kind == ErrorKind::Conflict => {
                self.saver.settled(false);
                self.conflict = true;
                self.theirs_copy = None;
            }
            (Some(_), Err(e)) => self.saver.finished(Err(e)),
            // A document left while its save ran: only a failure is worth saying.
            (None, Ok(_)) => self.saver.settled(false),
            (None, Err(e)) => {
                self.saver.settled(false);
                self.error(e);
            }
        }
        let waiting = std::mem::take(&mut self.after_save);
        self.commands.extend(waiting);
    }
}
