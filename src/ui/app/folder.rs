//! The app and its open folder: reading it in the background, taking in what was read, and
//! keeping it current when other programs change its files.

use super::*;

impl App {
    /// Reads the open folder `root` (its documents `docs`) in the background, again if it was
    /// read before: its panel's lines and the corpus the folder windows query.
    pub(in crate::ui) fn read_folder(&mut self, root: &Path, docs: Vec<PathBuf>) {
        // The class (its students, their pseudonyms) first: in anonymous mode what is read of
        // the folder waits for it.
        self.read_class(root);
        if let Some(folder) = self.folder.as_mut().filter(|f| f.root == root) {
            folder.reading = Some((0, docs.len()));
        }
        self.corpus = None;
        self.folder_load = Some(crate::ui::folder_load::FolderLoad::start(root, docs, self.person()));
    }

    /// Takes in the folder read in the background, or its progress; puts the open document's
    /// saved state into the read folder.
    pub(super) fn take_in_folder(&mut self, ctx: &egui::Context) {
        if let Some(load) = self.folder_load.as_ref().filter(|l| !self.waits_for_pseudonyms(&l.root)) {
            let same = self.folder.as_ref().is_some_and(|f| f.root == load.root);
            match load.poll() {
                Some(read) => {
                    self.folder_load = None;
                    if let Some(folder) = self.folder.as_mut().filter(|_| same) {
                        folder.reading = None;
                        if read.entries.len() == folder.entries.len() {
                            folder.entries = read.entries;
                        }
                        // The open document's line comes from memory, not from its file.
                        self.folder_revision = None;
                        match read.corpus {
                            Ok(corpus) => {
                                self.corpus = Some(std::sync::Arc::new(corpus));
                                self.corpus_behind = self.session.is_some();
                            }
                            Err(e) => self.error(e),
                        }
                    }
                }
                None if same => {
                    let read = load.read_so_far();
                    if let Some(folder) = &mut self.folder {
                        folder.reading = Some((read, load.total));
                    }
                    ctx.request_repaint_after(Duration::from_millis(100));
                }
                None => self.folder_load = None,
            }
        }
        if !self.pending_reloads.is_empty() {
            match self.corpus.as_mut().map(std::sync::Arc::get_mut) {
                Some(Some(corpus)) => {
                    for path in std::mem::take(&mut self.pending_reloads) {
                        corpus.reload_document(&path);
                    }
                }
                Some(None) => ctx.request_repaint_after(Duration::from_millis(100)),
                None => self.pending_reloads.clear(),
            }
        }
        if self.pending_variables.is_some() {
            match self.corpus.as_mut().map(std::sync::Arc::get_mut) {
                Some(Some(corpus)) => corpus.variables = self.pending_variables.take().unwrap_or_default(),
                Some(None) => ctx.request_repaint_after(Duration::from_millis(100)),
                None => self.pending_variables = None,
            }
        }
        if self.corpus_behind {
            let (Some(corpus), Some(session)) = (&mut self.corpus, &self.session) else {
                self.corpus_behind = false;
                return;
            };
            // A query running on another thread holds the corpus: the next frame tries again.
            if let Some(corpus) = std::sync::Arc::get_mut(corpus) {
                if let Some(path) = session.doc.path() {
                    corpus.replace_sidecar(path, &session.sidecar_path, session.to_sidecar());
                }
                self.corpus_behind = false;
            } else {
                ctx.request_repaint_after(Duration::from_millis(100));
            }
        }
    }

    /// Reads the open folder again from disk (its list of documents and every sidecar).
    pub(in crate::ui) fn reload_folder(&mut self) {
        let Some(root) = self.folder.as_ref().map(|f| f.root.clone()) else { return };
        match crate::ui::assignment::documents_of(&root) {
            Ok(docs) => {
                let same = self.folder.as_ref().is_some_and(|f| f.entries.iter().map(|e| &e.path).eq(docs.iter()));
                if !same {
                    self.folder = Some(Folder::listed(&root, &docs));
                }
                self.reread_queue.clear();
                // What was read stays in use (Retrieve, the matrix) until the new reading is in.
                let kept = self.corpus.take();
                self.read_folder(&root, docs);
                self.corpus = kept;
            }
            Err(e) => self.error(e),
        }
    }

    /// Keeps the open folder current with what other programs change in it: watches it, reads
    /// the documents they touch again (on a thread of its own), and puts them in the folder's
    /// lines and in the loaded folder the views compute from.
    pub(super) fn follow_folder(&mut self, ctx: &egui::Context) {
        let Some(folder) = &self.folder else {
            self.watch = None;
            return;
        };
        if self.watch.as_ref().is_none_or(|w| w.root != folder.root) {
            self.watch = crate::ui::watch::FolderWatch::start(&folder.root, ctx);
            self.reread_queue.clear();
        }
        if let Some(mut changed) = self.watch.as_mut().and_then(|w| w.changed(ctx)) {
            // The open document's sidecar as this app saved it is nothing new.
            if let Some(session) = &self.session
                && changed.contains(&session.sidecar_path)
                && session.changed_on_disk().is_ok_and(|c| !c)
            {
                changed.remove(&session.sidecar_path);
            }
            let documents: Vec<PathBuf> = folder.entries.iter().map(|e| e.path.clone()).collect();
            let changes = crate::ui::watch::changes(&changed, &documents);
            if changes.whole_folder {
                self.push(Command::ReloadFolder);
            } else {
                for d in changes.documents {
                    if !self.reread_queue.contains(&d) {
                        self.reread_queue.push(d);
                    }
                }
            }
        }
        // One reading at a time, and none while the whole folder is being read.
        if self.rereading.is_none() && self.folder_load.is_none() && self.corpus.is_some() && !self.reread_queue.is_empty() {
            self.rereading = Some(crate::ui::watch::Rereading::start(std::mem::take(&mut self.reread_queue), ctx));
        }
        if let Some(read) = self.rereading.as_ref().and_then(crate::ui::watch::Rereading::poll) {
            self.rereading = None;
            self.reread_ready.extend(read);
        }
        if self.reread_ready.is_empty() {
            return;
        }
        // A query running on another thread holds the loaded folder: the next frames try
        // again; past a second, the folder is copied (the query goes on with the old one).
        let person = self.person();
        let Some(shared) = self.corpus.as_mut() else {
            self.reread_ready.clear();
            return;
        };
        let waiting = *self.reread_waiting.get_or_insert_with(Instant::now);
        let corpus = if std::sync::Arc::get_mut(shared).is_some() || waiting.elapsed() > Duration::from_secs(1) {
            std::sync::Arc::make_mut(shared)
        } else {
            ctx.request_repaint_after(Duration::from_millis(50));
            return;
        };
        self.reread_waiting = None;
        let read = std::mem::take(&mut self.reread_ready);
        let documents: Vec<PathBuf> = read.iter().map(|r| r.path.clone()).collect();
        for r in read {
            corpus.put_read(r);
        }
        crate::class::without_key(corpus);
        let entries = crate::ui::folder_load::entries_of(corpus, &documents, &person);
        if let Some(folder) = &mut self.folder {
            for entry in entries {
                if let Some(line) = folder.entries.iter_mut().find(|e| e.path == entry.path) {
                    *line = entry;
                }
            }
            folder.updated = Some((Instant::now(), documents.len()));
        }
        // The open document's line comes from memory, as always.
        self.folder_revision = None;
        self.corpus_behind = self.session.is_some();
    }

    /// Keeps the open document's line in the folder panel in step with its annotations.
    pub(super) fn refresh_folder_entry(&mut self) {
        let (Some(folder), Some(session)) = (&mut self.folder, &self.session) else { return };
        let revision = session.edits.revision();
        if self.folder_revision == Some(revision) {
            return;
        }
        self.folder_revision = Some(revision);
        // The answer key is not a coder: while its sidecar is open, the line does not count it.
        let key = self.class.as_ref().filter(|c| c.root == folder.root).and_then(|c| c.manifest.key.as_deref());
        let is_key = |path: &Path| {
            key.is_some_and(|k| crate::class::is_key_sidecar(path, &session.sidecar_path, &session.sidecar_coder, k))
        };
        let Some(path) = session.doc.path() else { return };
        let Some(entry) = folder.entries.iter_mut().find(|e| e.path == path) else { return };
        if is_key(path) {
            // The key's marks are not a coder's: counted before the class was known, they go.
            let done = entry.done;
            entry.fill(&[] as &[crate::Annotation], done, session.edits.codebook());
        } else {
            entry.fill(session.edits.annotations(), session.edits.done(), session.edits.codebook());
        }
    }
}
