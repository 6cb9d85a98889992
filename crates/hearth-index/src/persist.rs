//! The on-disk container shared by persisted indexes.
//!
//! Layout (little-endian):
//! ```text
//! magic    8 bytes  "HEARTHIX"
//! format   u32      FORMAT_VERSION
//! type     u8       1 = HNSW
//! kind     u32 length + UTF-8 bytes
//! version  u32      extractor version of the vectors
//! dim      u32
//! fingerprint u64   caller's summary of the store contents the file was built from
//! body     …        index-specific
//! checksum u64      `Checksum64` of every byte before it
//! ```
//! A file is trusted only when the magic, format, checksum and every header field match what the
//! caller expects; otherwise loading fails with [`IndexError::Corrupt`] or [`IndexError::Stale`]
//! and the caller rebuilds from the store.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{IndexError, IndexKey};

pub(crate) const MAGIC: &[u8; 8] = b"HEARTHIX";
pub(crate) const FORMAT_VERSION: u32 = 1;
pub(crate) const TYPE_HNSW: u8 = 1;

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;

/// A streaming 64-bit checksum: four independent multiply-rotate lanes over 32-byte stripes
/// (the structure of xxHash64, not claimed bit-compatible with it), then an avalanche. Four
/// lanes keep it at memory speed on multi-hundred-megabyte files; any flipped bit changes the
/// result with overwhelming probability. It detects corruption, not tampering.
#[derive(Clone)]
pub(crate) struct Checksum64 {
    lanes: [u64; 4],
    buf: [u8; 32],
    buf_len: usize,
    total: u64,
}

impl Checksum64 {
    pub fn new() -> Self {
        Checksum64 {
            lanes: [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)],
            buf: [0; 32],
            buf_len: 0,
            total: 0,
        }
    }

    #[inline]
    fn round(acc: u64, word: u64) -> u64 {
        acc.wrapping_add(word.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    }

    #[inline]
    fn stripe(&mut self, s: &[u8]) {
        for (lane, w) in self.lanes.iter_mut().zip(s.chunks_exact(8)) {
            let word = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            *lane = Self::round(*lane, word);
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.buf_len > 0 {
            let take = (32 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 32 {
                return;
            }
            let buf = self.buf;
            self.stripe(&buf);
            self.buf_len = 0;
        }
        let mut chunks = data.chunks_exact(32);
        for s in &mut chunks {
            self.stripe(s);
        }
        let rest = chunks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    pub fn finish(&self) -> u64 {
        let mut h = self.lanes[0]
            .rotate_left(1)
            .wrapping_add(self.lanes[1].rotate_left(7))
            .wrapping_add(self.lanes[2].rotate_left(12))
            .wrapping_add(self.lanes[3].rotate_left(18));
        h = h.wrapping_add(self.total);
        for &b in &self.buf[..self.buf_len] {
            h = (h ^ u64::from(b).wrapping_mul(P3))
                .rotate_left(11)
                .wrapping_mul(P1);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(P2);
        h ^= h >> 29;
        h = h.wrapping_mul(P3);
        h ^ (h >> 32)
    }
}

/// A buffered file writer that checksums everything written. Writes go to `<path>.tmp`, which is
/// renamed over `path` only once complete, so a crash never leaves a half-written index behind.
pub(crate) struct IndexWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
    sum: Checksum64,
}

impl IndexWriter {
    pub fn create(path: &Path) -> Result<Self, IndexError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).map_err(|source| IndexError::Io {
            path: tmp.clone(),
            source,
        })?;
        Ok(IndexWriter {
            path: path.to_path_buf(),
            tmp,
            out: BufWriter::with_capacity(1 << 20, file),
            sum: Checksum64::new(),
        })
    }

    fn io(&self, source: std::io::Error) -> IndexError {
        IndexError::Io {
            path: self.tmp.clone(),
            source,
        }
    }

    pub fn bytes(&mut self, b: &[u8]) -> Result<(), IndexError> {
        self.sum.update(b);
        self.out.write_all(b).map_err(|e| self.io(e))
    }
    pub fn u8(&mut self, v: u8) -> Result<(), IndexError> {
        self.bytes(&[v])
    }
    pub fn u32(&mut self, v: u32) -> Result<(), IndexError> {
        self.bytes(&v.to_le_bytes())
    }
    pub fn u64(&mut self, v: u64) -> Result<(), IndexError> {
        self.bytes(&v.to_le_bytes())
    }
    pub fn i64(&mut self, v: i64) -> Result<(), IndexError> {
        self.bytes(&v.to_le_bytes())
    }
    /// Writes many values through a reusable buffer (one `write_all` per 64 KiB, not per value).
    pub fn f32s(&mut self, vs: &[f32]) -> Result<(), IndexError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        for chunk in vs.chunks(16 * 1024) {
            buf.clear();
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            self.bytes(&buf)?;
        }
        Ok(())
    }
    pub fn u32s(&mut self, vs: impl Iterator<Item = u32>) -> Result<(), IndexError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        for v in vs {
            buf.extend_from_slice(&v.to_le_bytes());
            if buf.len() >= 64 * 1024 {
                self.bytes(&buf)?;
                buf.clear();
            }
        }
        self.bytes(&buf)
    }

    /// Writes the common header.
    pub fn header(
        &mut self,
        index_type: u8,
        key: &IndexKey,
        fingerprint: u64,
    ) -> Result<(), IndexError> {
        self.bytes(MAGIC)?;
        self.u32(FORMAT_VERSION)?;
        self.u8(index_type)?;
        self.u32(key.kind.len() as u32)?;
        self.bytes(key.kind.as_bytes())?;
        self.u32(key.version)?;
        self.u32(key.dim as u32)?;
        self.u64(fingerprint)
    }

    /// Appends the checksum, flushes, syncs and moves the file into place.
    pub fn finish(mut self) -> Result<(), IndexError> {
        let sum = self.sum.finish();
        self.out
            .write_all(&sum.to_le_bytes())
            .map_err(|e| self.io(e))?;
        self.out.flush().map_err(|e| self.io(e))?;
        self.out.get_ref().sync_all().map_err(|e| self.io(e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|source| IndexError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// A verified file image being parsed. Every read is bounds-checked and reports truncation as
/// corruption (a checksum collision on a malformed file must still not panic).
pub(crate) struct IndexReader {
    path: PathBuf,
    data: Vec<u8>,
    at: usize,
    end: usize,
}

impl IndexReader {
    /// Reads `path` and verifies magic, format version and checksum.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let data = std::fs::read(path).map_err(|source| IndexError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let corrupt = |reason: &str| IndexError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if data.len() < MAGIC.len() + 4 + 8 {
            return Err(corrupt("file too short"));
        }
        if &data[..8] != MAGIC {
            return Err(corrupt("not a Hearth index file (bad magic)"));
        }
        let end = data.len() - 8;
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&data[end..]);
        let mut sum = Checksum64::new();
        sum.update(&data[..end]);
        if sum.finish() != u64::from_le_bytes(stored) {
            return Err(corrupt("checksum mismatch"));
        }
        let mut r = IndexReader {
            path: path.to_path_buf(),
            data,
            at: 8,
            end,
        };
        let format = r.u32()?;
        if format != FORMAT_VERSION {
            return Err(IndexError::Stale {
                path: path.to_path_buf(),
                reason: format!("format version {format}, this build reads {FORMAT_VERSION}"),
            });
        }
        Ok(r)
    }

    pub fn corrupt(&self, reason: impl Into<String>) -> IndexError {
        IndexError::Corrupt {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn stale(&self, reason: String) -> IndexError {
        IndexError::Stale {
            path: self.path.clone(),
            reason,
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&[u8], IndexError> {
        if self.end - self.at < n {
            return Err(self.corrupt("truncated payload"));
        }
        let s = &self.data[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, IndexError> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, IndexError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> Result<u64, IndexError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    pub fn i64(&mut self) -> Result<i64, IndexError> {
        Ok(self.u64()? as i64)
    }
    pub fn f32s(&mut self, n: usize) -> Result<Vec<f32>, IndexError> {
        let b = self.take(
            n.checked_mul(4)
                .ok_or_else(|| self.corrupt("size overflow"))?,
        )?;
        Ok(b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    pub fn u32s(&mut self, n: usize) -> Result<Vec<u32>, IndexError> {
        let b = self.take(
            n.checked_mul(4)
                .ok_or_else(|| self.corrupt("size overflow"))?,
        )?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// Reads the common header and checks it against what the caller expects.
    pub fn expect_header(
        &mut self,
        index_type: u8,
        key: &IndexKey,
        fingerprint: u64,
    ) -> Result<(), IndexError> {
        let t = self.u8()?;
        if t != index_type {
            return Err(self.stale(format!("index type {t}, expected {index_type}")));
        }
        let kind_len = self.u32()? as usize;
        if kind_len > 64 {
            return Err(self.corrupt("kind name too long"));
        }
        let kind = String::from_utf8(self.take(kind_len)?.to_vec())
            .map_err(|_| self.corrupt("kind name is not UTF-8"))?;
        let version = self.u32()?;
        let dim = self.u32()? as usize;
        let found = IndexKey { kind, version, dim };
        if &found != key {
            return Err(self.stale(format!("built for {found}, expected {key}")));
        }
        let fp = self.u64()?;
        if fp != fingerprint {
            return Err(self.stale(format!(
                "store fingerprint {fp:#x}, the store now has {fingerprint:#x}"
            )));
        }
        Ok(())
    }

    /// Fails unless every payload byte was consumed.
    pub fn finish(&self) -> Result<(), IndexError> {
        if self.at != self.end {
            return Err(self.corrupt(format!("{} unexpected trailing bytes", self.end - self.at)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_streaming_and_sensitive() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut whole = Checksum64::new();
        whole.update(&data);
        let mut parts = Checksum64::new();
        for chunk in data.chunks(7) {
            parts.update(chunk);
        }
        assert_eq!(whole.finish(), parts.finish());
        for i in [0, 31, 32, 500, 999] {
            let mut flipped = data.clone();
            flipped[i] ^= 1;
            let mut h = Checksum64::new();
            h.update(&flipped);
            assert_ne!(h.finish(), whole.finish(), "flip at {i}");
        }
        let mut shorter = Checksum64::new();
        shorter.update(&data[..999]);
        assert_ne!(shorter.finish(), whole.finish());
    }
}
