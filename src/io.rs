//! Writing files that other people and programs share: one writer at a time across processes,
//! atomic replacement that keeps the old file's mode, group and links, and a refusal of anything
//! that is not a regular file.
//!
//! Every writer of a file Marginalia keeps (sidecars, gold sidecars, codebooks, settings,
//! exports) goes through [`write_atomic_with`], or takes [`lock`] itself and then calls
//! [`write_locked`] when it must check the file before replacing it (see
//! [`crate::sidecar::save`]). The lock is an advisory lock on a hidden lock file beside the
//! target (`.NAME.lock`), removed again when the writer is done.
//!
//! It also holds the RON conventions every Marginalia file shares (sidecars, codebooks,
//! settings): the parsing options, the pretty layout, and the message for an unknown field.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind};

/// How long a writer waits for another writer of the same file before it gives up.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// What a file looked like when it was last read or written, to notice changes by others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskStamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
    pub sha256: String,
}

impl DiskStamp {
    pub fn of_bytes(bytes: &[u8], meta: Option<&std::fs::Metadata>) -> Self {
        Self { len: bytes.len() as u64, modified: meta.and_then(|m| m.modified().ok()), sha256: sha256_hex(bytes) }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A few words for a kind of file that is not a regular file.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe (FIFO), not a regular file";
        }
        if ft.is_socket() {
            return "a socket, not a regular file";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device, not a regular file";
        }
    }
    if ft.is_dir() { "a folder, not a file" } else { "not a regular file" }
}

/// Refuses anything but a regular file (links are followed first): reading a named pipe or a
/// device would wait forever or never end.
pub fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    if meta.is_file() {
        return Ok(());
    }
    Err(Error::new(ErrorKind::Io, format!("is {}; nothing was read or written", kind_of(meta.file_type())))
        .in_file(path)
        .hint("choose a regular file"))
}

/// The metadata of the regular file at `path` (following links), `Ok(None)` when there is none.
pub fn regular_metadata(path: &Path, what: &str) -> Result<Option<std::fs::Metadata>, Error> {
    match std::fs::metadata(path) {
        Ok(meta) => check_regular(path, &meta).map(|()| Some(meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, what, e)),
    }
}

/// Reads a whole regular file, refusing anything else before opening it.
pub fn read_regular(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, what, e))?;
    check_regular(path, &meta)?;
    std::fs::read(path).map_err(|e| Error::io(path, what, e))
}

/// Where a write to `path` really goes: the file a symbolic link points to (so that the link's
/// target, for example a file in a synced folder, gets the change), else `path` itself.
pub fn resolve(path: &Path) -> Result<PathBuf, Error> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => Ok(target),
            Err(e) => {
                let to = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
                Err(Error::io(path, &format!("is a link to \"{to}\", which cannot be reached"), e))
            }
        },
        _ => Ok(path.to_path_buf()),
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The lock file that guards `target`: `.NAME.lock` in the same folder.
pub fn lock_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    folder_of(target).join(format!(".{name}.lock"))
}

thread_local! {
    /// Locks this thread holds, by lock file, with how many guards share each.
    static HELD: RefCell<HashMap<PathBuf, usize>> = RefCell::new(HashMap::new());
}

/// The right to write one file, held until dropped. While one process (or thread) holds it,
/// every other writer of the same file waits for it, up to [`LOCK_TIMEOUT`].
#[derive(Debug)]
pub struct FileLock {
    lock_path: PathBuf,
    /// `None` for a guard nested inside another of the same thread.
    file: Option<File>,
}

impl Drop for FileLock {
    fn drop(&mut self) {
        HELD.with(|held| {
            let mut held = held.borrow_mut();
            if let Some(count) = held.get_mut(&self.lock_path) {
                *count -= 1;
                if *count == 0 {
                    held.remove(&self.lock_path);
                }
            }
        });
        if let Some(file) = self.file.take() {
            // Removed while still locked: a writer waiting on this file finds it gone and starts
            // over with a new one, so no two writers ever hold locks on different files.
            let _ = std::fs::remove_file(&self.lock_path);
            drop(file);
        }
    }
}

/// Takes the lock of `target` (pass a path from [`resolve`]), waiting up to [`LOCK_TIMEOUT`].
/// The same thread may take it again while it holds it.
pub fn lock(target: &Path) -> Result<FileLock, Error> {
    lock_within(target, lock_timeout())
}

/// `MARGINALIA_LOCK_TIMEOUT_MS` shortens or lengthens the wait (tests use it).
fn lock_timeout() -> Duration {
    std::env::var("MARGINALIA_LOCK_TIMEOUT_MS").ok().and_then(|v| v.parse().ok()).map_or(LOCK_TIMEOUT, Duration::from_millis)
}

/// [`lock`] with a given wait.
pub fn lock_within(target: &Path, timeout: Duration) -> Result<FileLock, Error> {
    let lock_path = std::path::absolute(lock_path(target)).unwrap_or_else(|_| lock_path(target));
    let nested = HELD.with(|held| {
        let mut held = held.borrow_mut();
        held.get_mut(&lock_path).map(|count| *count += 1).is_some()
    });
    if nested {
        return Ok(FileLock { lock_path, file: None });
    }
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| Error::io(target, "cannot create the lock file beside it", e))?;
        match file.try_lock() {
            Ok(()) if same_file(&file, &lock_path) => {
                HELD.with(|held| held.borrow_mut().insert(lock_path.clone(), 1));
                return Ok(FileLock { lock_path, file: Some(file) });
            }
            // The holder removed this lock file as it finished: start over with a fresh one.
            Ok(()) => continue,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(target, "cannot lock the file for writing", e)),
        }
        drop(file);
        if Instant::now() >= deadline {
            return Err(Error::new(
                ErrorKind::Locked,
                format!(
                    "is being written by another program, which still held it after {} s; nothing was written",
                    timeout.as_secs_f32()
                ),
            )
            .in_file(target)
            .hint("try again in a moment (another Marginalia window or `marginalia` command is saving it)"));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

/// Is the open `file` still the one at `path`?
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// The backup kept beside a file: `NAME.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".bak");
    PathBuf::from(s)
}

/// Writes bytes atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8], keep_backup: bool) -> Result<DiskStamp, Error> {
    write_atomic_with(path, keep_backup, |out| out.write_all(bytes))
}

/// Replaces the file at `path` (or the file a link at `path` points to) with what `fill`
/// writes, atomically and under the file's lock: see [`write_locked`].
pub fn write_atomic_with(
    path: &Path,
    keep_backup: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<DiskStamp, Error> {
    let target = resolve(path)?;
    let _lock = lock(&target)?;
    write_locked(&target, keep_backup, fill)
}

/// Replaces `target` (a path from [`resolve`], whose lock the caller holds): a temporary file
/// in the same folder gets the content (streamed, and hashed on the way for the returned
/// stamp), is flushed to disk, takes the old file's mode and group (a new file gets what the
/// user's umask gives), and is renamed over the old file; the folder is flushed too. With
/// `keep_backup` the old file stays as `NAME.bak`.
///
/// A file that is read-only (no write permission for anyone, or none for this user) is not
/// replaced. On any error the old file is untouched and no temporary file is left.
pub fn write_locked(
    target: &Path,
    keep_backup: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<DiskStamp, Error> {
    let fail = |what: &str, e: std::io::Error| Error::io(target, what, e);
    let old = replaceable(target)?;
    let mut tmp = temp_beside(target)?;
    let (hash, len) = {
        let buffered = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        let mut hashing = HashingWriter { inner: buffered, hash: Sha256::new(), len: 0 };
        fill(&mut hashing).and_then(|()| hashing.inner.flush()).map_err(|e| fail("cannot write", e))?;
        (hashing.hash, hashing.len)
    };
    let meta = persist(target, tmp, old.as_ref(), keep_backup)?;
    Ok(DiskStamp { len, modified: meta.and_then(|m| m.modified().ok()), sha256: hex(&hash.finalize()) })
}

/// The metadata of the file that a write to `target` would replace (`None` if there is none),
/// refusing what must not be replaced: anything but a regular file, and a read-only file.
pub fn replaceable(target: &Path) -> Result<Option<std::fs::Metadata>, Error> {
    let old = regular_metadata(target, "cannot read the file it replaces")?;
    if let Some(meta) = &old
        && is_read_only(target, meta)
    {
        return Err(Error::new(ErrorKind::Io, "is read-only; nothing was written")
            .in_file(target)
            .hint("make it writable (for example `chmod u+w`) if it is meant to change, or save a copy under another name"));
    }
    Ok(old)
}

/// A new temporary file in `target`'s folder (`.NAME.XXXXXX.tmp`), created as any new file is
/// (0666 less the umask), not with a temporary file's private mode. It is removed if dropped.
pub fn temp_beside(target: &Path) -> Result<tempfile::NamedTempFile, Error> {
    let prefix = format!(".{}.", target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(folder_of(target)).map_err(|e| Error::io(target, "cannot create a temporary file beside it", e))
}

/// Puts a finished temporary file (from [`temp_beside`]) in place of `target`: flushes it to
/// disk, gives it the old file's mode and owner (`old`, from [`replaceable`]), keeps the old
/// file as `NAME.bak` if asked, renames it over `target` and flushes the folder. Returns the new
/// file's metadata.
pub fn persist(
    target: &Path,
    tmp: tempfile::NamedTempFile,
    old: Option<&std::fs::Metadata>,
    keep_backup: bool,
) -> Result<Option<std::fs::Metadata>, Error> {
    let fail = |what: &str, e: std::io::Error| Error::io(target, what, e);
    if let Some(meta) = old {
        keep_owner_and_mode(tmp.as_file(), meta);
    }
    tmp.as_file().sync_all().map_err(|e| fail("cannot flush to disk", e))?;
    if keep_backup && let Some(meta) = old {
        keep_backup_of(target, meta, tmp.path())?;
    }
    let file = tmp.persist(target).map_err(|e| fail("cannot replace the file", e.error))?;
    let meta = file.metadata().ok();
    drop(file);
    sync_dir(&folder_of(target));
    // Re-read the metadata from the path: some file systems change mtime on rename.
    Ok(std::fs::metadata(target).ok().or(meta))
}

/// The old file becomes `NAME.bak`: by a hard link to its inode (free and atomic) when the
/// file has no other names, else by a copy, so that the backup never shares its content with a
/// file that may still change.
fn keep_backup_of(target: &Path, meta: &std::fs::Metadata, tmp: &Path) -> Result<(), Error> {
    let bak = backup_path(target);
    let bak_tmp = tmp.with_extension("bak.tmp");
    let _ = std::fs::remove_file(&bak_tmp);
    let linked = if link_count(meta) <= 1 { std::fs::hard_link(target, &bak_tmp).is_ok() } else { false };
    let made = linked || std::fs::copy(target, &bak_tmp).is_ok();
    let result =
        if made { std::fs::rename(&bak_tmp, &bak).map_err(|e| Error::io(target, "cannot keep the backup", e)) } else { Ok(()) };
    // A rename between two names of one file succeeds without removing the old name.
    let _ = std::fs::remove_file(&bak_tmp);
    result
}

fn link_count(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.nlink()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        1
    }
}

/// A file nobody may write (mode without any write bit), or that this user may not write.
fn is_read_only(path: &Path, meta: &std::fs::Metadata) -> bool {
    meta.permissions().readonly()
        || OpenOptions::new().write(true).open(path).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

/// The new file gets the old one's permissions, and its owner and group where this user may
/// set them (the owner only as root; a group the user belongs to).
fn keep_owner_and_mode(file: &File, meta: &std::fs::Metadata) {
    let _ = file.set_permissions(meta.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).is_err() {
            let _ = std::os::unix::fs::fchown(file, None, Some(meta.gid()));
        }
        // Changing the owner may clear set-id bits: set the mode once more.
        let _ = file.set_permissions(meta.permissions());
    }
}

/// Passes bytes on while hashing and counting them.
struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// What to do about a field this build does not know.
pub const UNKNOWN_FIELD_HINT: &str = "a newer Marginalia may have written it, or it is a typing mistake: open the file with the \
     Marginalia that wrote it, or remove or rename the field; the file was left untouched, since saving it would lose the field";

/// The message for a field that no Marginalia structure has (`None` for other errors). Such a
/// file is refused rather than read, so that no save can drop what it holds.
pub fn unknown_field(code: &ron::Error) -> Option<String> {
    let ron::Error::NoSuchStructField { found, outer, .. } = code else { return None };
    let place = match outer.as_deref() {
        Some("Sidecar" | "Head") => "at the top level",
        Some("DocumentRef") => "in `document`",
        Some("Annotation") => "in an annotation",
        Some("Codebook") => "in the codebook",
        Some("Code") => "in a code",
        Some("AttributeDef") => "in an attribute of a code",
        Some("Link") => "in a link",
        Some("LinkType") => "in a link type of the codebook",
        _ => "",
    };
    let found = crate::error::excerpt(found, 60);
    Some(format!("has a field `{found}` {place} that this Marginalia does not know").replace("  ", " "))
}

/// RON parsing options used for every file Marginalia reads (nesting is bounded).
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_recursion_limit(64)
}

/// Pretty RON with four-space indents and `\n` line ends, identical on every platform.
pub fn to_ron_pretty<T: Serialize>(value: &T) -> String {
    let config = ron::ser::PrettyConfig::new().indentor("    ").new_line("\n").struct_names(false);
    let mut out = ron_options().to_string_pretty(value, config).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_may_take_its_own_lock_again_and_the_lock_file_goes_when_done() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.ron");
        let outer = lock(&target).unwrap();
        let inner = lock_within(&target, Duration::from_millis(10)).unwrap();
        assert!(lock_path(&target).exists());
        drop(inner);
        assert!(lock_path(&target).exists(), "the outer guard still holds it");
        drop(outer);
        assert!(!lock_path(&target).exists());
    }

    #[test]
    fn another_thread_waits_and_then_gives_up_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.ron");
        let held = lock(&target).unwrap();
        let t = target.clone();
        let err = std::thread::spawn(move || lock_within(&t, Duration::from_millis(50)).unwrap_err()).join().unwrap();
        assert_eq!(err.kind, ErrorKind::Locked);
        assert!(err.to_string().contains("being written by another program"), "{err}");
        drop(held);
        let t = target.clone();
        std::thread::spawn(move || lock_within(&t, Duration::from_millis(50)).map(drop)).join().unwrap().unwrap();
    }

    #[test]
    fn writers_on_many_threads_each_get_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("count.txt");
        write_atomic(&target, b"0", false).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let target = target.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let _lock = lock(&target).unwrap();
                        let n: u32 = std::fs::read_to_string(&target).unwrap().parse().unwrap();
                        write_locked(&target, true, |out| write!(out, "{}", n + 1)).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "200");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "only the file and its backup remain: {left:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_save_keeps_the_mode_and_a_new_file_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shared.ron");
        write_atomic(&target, b"one", true).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        // What a new file gets under this process's umask.
        let probe = dir.path().join("probe");
        File::create(&probe).unwrap();
        assert_eq!(mode(&target), mode(&probe));
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o664)).unwrap();
        write_atomic(&target, b"two", true).unwrap();
        assert_eq!(mode(&target), 0o664);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_not_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("key.ron");
        std::fs::write(&target, "key").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_atomic(&target, b"changed", true).unwrap_err();
        assert!(err.to_string().contains("is read-only; nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "key");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_written_through_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let synced = dir.path().join("synced");
        std::fs::create_dir(&synced).unwrap();
        let real = synced.join("doc.ron");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("doc.ron");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new", true).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(synced.join("doc.ron.bak")).unwrap(), "old");
        assert!(!dir.path().join("doc.ron.bak").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_linked_file_keeps_a_backup_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("doc.ron");
        let other = dir.path().join("other-name.ron");
        std::fs::write(&target, "old").unwrap();
        std::fs::hard_link(&target, &other).unwrap();
        write_atomic(&target, b"new", true).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // The other name still shows the old content; the backup is a file of its own.
        std::fs::write(&other, "changed through the other name").unwrap();
        assert_eq!(std::fs::read_to_string(backup_path(&target)).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let err = read_regular(&fifo, "cannot read").unwrap_err();
        assert!(err.to_string().contains("named pipe"), "{err}");
        let err = write_atomic(&fifo, b"x", true).unwrap_err();
        assert!(err.to_string().contains("named pipe"), "{err}");
    }
}
