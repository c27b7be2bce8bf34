//! GUID Partition Table, to find the data partition (SPEC §4).
//!
//! The caller reads sectors; this module checks the bytes. A disk's
//! logical sector (512 or 4096 bytes, from
//! `/sys/block/<disk>/queue/logical_block_size`) is the unit of every LBA:
//!
//! ```text
//! LBA 0        protective MBR: 55 AA at byte 510, a partition of type 0xEE
//! LBA 1        primary header ("EFI PART", CRC32 of its first header_size bytes)
//! LBA 2…       primary entry array (usually 128 entries of 128 bytes, CRC32)
//! …            partitions
//! last-32…     backup entry array (4096-byte sectors: last-4…)
//! last LBA     backup header
//! ```
//!
//! [`load`] does the whole check with a read callback: protective MBR,
//! primary header and array, and when either is bad (corrupt, or beyond a
//! truncated disk) the backup header at the last LBA and the array it
//! names. Then [`entries`] lists the used entries. The CRC is computed bit
//! by bit: a few KiB are read once at boot, so a table would not pay.
//!
//! # References
//! UEFI Specification 2.10, §5.3 "GUID Partition Table (GPT) Disk Layout".

/// Partition type GUID of the kiOS data partition,
/// `97aac693-d920-465a-94fe-eb59fc86dfaa`, in its on-disk byte order (the
/// first three fields little-endian).
pub const KIOS_DATAPART_TYPE: [u8; 16] =
    [0x93, 0xc6, 0xaa, 0x97, 0x20, 0xd9, 0x5a, 0x46, 0x94, 0xfe, 0xeb, 0x59, 0xfc, 0x86, 0xdf, 0xaa];

/// Why a disk gives no partition table.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// LBA 0 has no protective MBR (an MBR-only or blank disk).
    NoGpt,
    /// A sector could not be read (short read: the disk is smaller than the header says).
    Read,
    /// No `EFI PART` signature.
    Signature,
    /// Header size below 92 bytes or above the sector size.
    HeaderSize,
    /// Header CRC32 mismatch.
    HeaderCrc,
    /// The header's own LBA is not where it was read.
    Location,
    /// Entry size, usable range or array position make no sense.
    Layout,
    /// The usable range ends beyond the disk (a truncated image).
    BeyondDisk,
    /// The entry array does not fit the caller's buffer.
    ArrayTooLarge,
    /// Entry array CRC32 mismatch.
    ArrayCrc,
}

impl Error {
    /// A few words for the console (ASCII). (The init skips a disk
    /// without a GPT quietly: `NoGpt`'s words are never shown.)
    pub fn text(self) -> &'static [u8] {
        match self {
            Error::NoGpt => b"not a GPT disk",
            Error::Read => b"read failed",
            Error::Signature => b"no GPT signature",
            Error::HeaderSize => b"bad GPT header size",
            Error::HeaderCrc => b"GPT header CRC mismatch",
            Error::Location => b"GPT header at the wrong LBA",
            Error::Layout => b"bad GPT layout",
            Error::BeyondDisk => b"GPT ends beyond the disk (truncated?)",
            Error::ArrayTooLarge => b"GPT entry array too large",
            Error::ArrayCrc => b"GPT entry array CRC mismatch",
        }
    }
}

/// The fields of a checked header (primary or backup) that we use.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Header {
    /// Where this header is: 1 for the primary, the last LBA for the backup.
    pub my_lba: u64,
    /// Where the other copy is.
    pub alternate_lba: u64,
    pub first_usable_lba: u64,
    pub last_usable_lba: u64,
    /// Start of the entry array this header describes.
    pub entries_lba: u64,
    pub entry_count: u32,
    /// 128 × 2ⁿ bytes.
    pub entry_size: u32,
    pub entries_crc: u32,
    /// `entry_count × entry_size`: the bytes to read at `entries_lba`.
    pub array_len: usize,
}

/// One used entry of the array: its number and its bytes in the array,
/// read field by field.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Entry<'a> {
    /// 1-based: the number in the device name (`sda2`, `nvme0n1p12`).
    pub number: u32,
    /// The entry's 128 bytes (at least; the rest is reserved).
    raw: &'a [u8],
}

impl Entry<'_> {
    pub fn type_guid(&self) -> [u8; 16] {
        bytes(self.raw, 0)
    }

    /// `PARTUUID=`.
    pub fn unique_guid(&self) -> [u8; 16] {
        bytes(self.raw, 16)
    }

    pub fn first_lba(&self) -> u64 {
        le64(self.raw, 32)
    }

    pub fn last_lba(&self) -> u64 {
        le64(self.raw, 40)
    }

    /// Whether the partition name (UTF-16LE, NUL-padded: `PARTLABEL=`) is
    /// exactly the ASCII `label` (case-sensitive, as udev's
    /// `by-partlabel`). Empty or non-ASCII labels never match.
    pub fn name_is(&self, label: &[u8]) -> bool {
        // The label's units, then a NUL unless the label fills all 36.
        let units = self.raw.get(56..128).unwrap_or_default().chunks_exact(2);
        let fits = !label.is_empty() && label.len() <= 36;
        // Unit `at` is the label's byte there, or the NUL just past it.
        fits && units.enumerate().take(label.len().saturating_add(1)).all(|(at, unit)| {
            let byte = label.get(at).copied().unwrap_or(0);
            byte.is_ascii() && unit == [byte, 0]
        })
    }
}

/// CRC32 (IEEE 802.3, reflected, as zlib's `crc32`) of `bytes`, as the
/// GPT stores it, with the 4 bytes from `zeroed` (if any) taken as zeros:
/// a header's CRC is computed with its own field zero.
fn crc_with_zeroed(bytes: &[u8], zeroed: usize) -> u32 {
    let mut crc = !0u32;
    for (at, &byte) in bytes.iter().enumerate() {
        // A zero byte XORs nothing in; outside the 4 bytes, the byte as it is.
        if !(zeroed..zeroed.saturating_add(4)).contains(&at) {
            crc ^= u32::from(byte);
        }
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// CRC32 of `bytes` as the GPT stores it.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc_with_zeroed(bytes, bytes.len()) // past the end: no byte zeroed
}

/// `N` bytes at `at`, zeros past the end (callers check lengths first).
fn bytes<const N: usize>(raw: &[u8], at: usize) -> [u8; N] {
    raw.get(at..).and_then(|s| s.first_chunk()).copied().unwrap_or([0; N])
}

fn le32(raw: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes(raw, at))
}

fn le64(raw: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes(raw, at))
}

/// Checks the header in `sector` (one whole logical sector) read at `lba`:
/// signature, header size, header CRC32 (computed with its own field as
/// zero), its own LBA, entry size, usable range, array outside the usable
/// range. The array CRC is [`check_entries`]'s job.
pub fn parse_header(sector: &[u8], lba: u64) -> Result<Header, Error> {
    // As one number (zeros past the end never match): no slice comparison.
    if le64(sector, 0) != u64::from_le_bytes(*b"EFI PART") {
        return Err(Error::Signature);
    }
    let size = usize::try_from(le32(sector, 12)).map_err(|_| Error::HeaderSize)?;
    let raw = sector.get(..size).filter(|_| size >= 92).ok_or(Error::HeaderSize)?;
    let crc = crc_with_zeroed(raw, 16);
    if crc != le32(raw, 16) {
        return Err(Error::HeaderCrc);
    }
    let header = Header {
        my_lba: le64(raw, 24),
        alternate_lba: le64(raw, 32),
        first_usable_lba: le64(raw, 40),
        last_usable_lba: le64(raw, 48),
        entries_lba: le64(raw, 72),
        entry_count: le32(raw, 80),
        entry_size: le32(raw, 84),
        entries_crc: le32(raw, 88),
        array_len: 0,
    };
    if header.my_lba != lba {
        return Err(Error::Location);
    }
    let len = u64::from(header.entry_count).checked_mul(u64::from(header.entry_size)).ok_or(Error::Layout)?;
    let sectors = len.div_ceil(sector.len() as u64); // sector.len() >= 92 here
    let array_end = header.entries_lba.checked_add(sectors).ok_or(Error::Layout)?;
    // Each condition computed and all combined with `|`, not `||`: no
    // branch per condition, nor code copied for each path through them.
    let outside = (array_end <= header.first_usable_lba) | (header.entries_lba > header.last_usable_lba);
    let clear_of_header = (array_end <= lba) | (header.entries_lba > lba);
    if (header.entry_size < 128)
        | !header.entry_size.is_power_of_two()
        | (header.first_usable_lba > header.last_usable_lba)
        | (header.entries_lba < 2)
        | !outside
        | !clear_of_header
    {
        return Err(Error::Layout);
    }
    let array_len = usize::try_from(len).map_err(|_| Error::Layout)?;
    Ok(Header { array_len, ..header })
}

/// Checks the CRC32 of the entry array (`array`: the `header.array_len`
/// bytes read at `header.entries_lba`; longer is fine).
pub fn check_entries(header: &Header, array: &[u8]) -> Result<(), Error> {
    let array = array.get(..header.array_len).ok_or(Error::Read)?;
    if crc32(array) == header.entries_crc {
        Ok(())
    } else {
        Err(Error::ArrayCrc)
    }
}

/// The used entries (type GUID not zero) of a checked array, in order.
/// Whole entries only: of an array cut short, the piece past the last
/// whole entry is not one (`chunks_exact`, no length check per entry).
pub fn entries<'a>(header: &Header, array: &'a [u8]) -> impl Iterator<Item = Entry<'a>> + 'a {
    let size = usize::try_from(header.entry_size).unwrap_or(usize::MAX).max(128);
    let array = array.get(..header.array_len).unwrap_or(array);
    array
        .chunks_exact(size)
        .zip(1u32..)
        .map(|(raw, number)| Entry { number, raw })
        .filter(|entry| entry.type_guid() != [0; 16])
}

/// Reads and checks a disk's partition table; `read(lba, buf)` fills `buf`
/// from that LBA and says whether it could. `sector` is one logical
/// sector's worth of buffer (its length is the sector size), `disk_sectors`
/// the disk's size in those sectors, `array` the buffer the entries land in
/// (16 KiB holds the 128 × 128 bytes every common tool writes).
///
/// The protective MBR must be there (an MBR-only disk is skipped even if a
/// stale GPT remains). Then the primary header at LBA 1 and its array;
/// if either is bad, the backup header at the last LBA and its array
/// (`my_lba` of the result tells which was used). When both are bad, the
/// primary's error is returned.
pub fn load(
    mut read: impl FnMut(u64, &mut [u8]) -> bool,
    sector: &mut [u8],
    disk_sectors: u64,
    array: &mut [u8],
) -> Result<Header, Error> {
    if !read(0, sector) || !is_protective_mbr(sector) {
        return Err(Error::NoGpt);
    }
    let last = disk_sectors.saturating_sub(1);
    // The primary copy at LBA 1, then the backup at `last`.
    let (mut lba, mut primary_error) = (1, Error::Read);
    loop {
        match table(&mut read, sector, lba, disk_sectors, array) {
            Ok(header) => return Ok(header),
            Err(error) if lba == 1 => primary_error = error,
            Err(_) => return Err(primary_error),
        }
        if last <= 1 {
            return Err(primary_error); // no room for a backup
        }
        lba = last;
    }
}

/// One copy: the header at `lba`, then its array.
fn table(
    read: &mut impl FnMut(u64, &mut [u8]) -> bool,
    sector: &mut [u8],
    lba: u64,
    disk_sectors: u64,
    array: &mut [u8],
) -> Result<Header, Error> {
    if !read(lba, sector) {
        return Err(Error::Read);
    }
    let header = parse_header(sector, lba)?;
    if header.last_usable_lba >= disk_sectors || header.alternate_lba >= disk_sectors {
        return Err(Error::BeyondDisk);
    }
    let array = array.get_mut(..header.array_len).ok_or(Error::ArrayTooLarge)?;
    if !read(header.entries_lba, array) {
        return Err(Error::Read);
    }
    check_entries(&header, array).map(|()| header)
}

/// Whether LBA 0 is an MBR (55 AA) with a partition of type 0xEE: a GPT
/// disk's protective (or hybrid) MBR.
pub fn is_protective_mbr(sector0: &[u8]) -> bool {
    // The type byte (at 4) of each of the four 16-byte partition entries from byte 446.
    let entries = sector0.get(446..510).unwrap_or_default();
    u16::from_le_bytes(bytes(sector0, 510)) == 0xaa55 && entries.chunks_exact(16).any(|entry| entry.get(4) == Some(&0xee))
}

/// The on-disk bytes of a GUID written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`
/// (any case); the first three fields are stored little-endian.
pub fn parse_guid(text: &[u8]) -> Option<[u8; 16]> {
    // Where each pair of hex digits goes, in the order they are written.
    const ORDER: [u8; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    if text.len() != 36 {
        return None;
    }
    let mut guid = [0u8; 16];
    let mut digit = 0usize;
    for (at, &c) in text.iter().enumerate() {
        if matches!(at, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let value = char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok())?;
        let byte = guid.get_mut(usize::from(*ORDER.get(digit / 2)?))?;
        *byte = (*byte << 4) | value;
        digit = digit.saturating_add(1);
    }
    Some(guid)
}

/// Writes the device name of partition `number` of `disk` into `out` and
/// returns its length: `sda` + 2 → `sda2`; a `p` when the disk name ends in
/// a digit: `nvme0n1` + 12 → `nvme0n1p12`, `mmcblk0` + 3 → `mmcblk0p3`.
/// None if `disk` is empty or `out` too small (`out` may then be partly
/// written).
pub fn partition_device(disk: &[u8], number: u32, out: &mut [u8]) -> Option<usize> {
    let separator = disk.last()?.is_ascii_digit();
    out.get_mut(..disk.len())?.copy_from_slice(disk);
    let mut len = disk.len();
    if separator {
        *out.get_mut(len)? = b'p';
        len = len.checked_add(1)?;
    }
    // As many digits as `number` has, written from the last.
    let mut end = len;
    let mut rest = number;
    loop {
        end = end.checked_add(1)?;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut rest = number;
    for digit in out.get_mut(len..end)?.iter_mut().rev() {
        *digit = b'0' | (rest % 10) as u8; // '0'..'9' are 0x30..0x39
        rest /= 10;
    }
    Some(end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // a failing test may panic
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_own_printable_text() {
        let all = [
            Error::NoGpt,
            Error::Read,
            Error::Signature,
            Error::HeaderSize,
            Error::HeaderCrc,
            Error::Location,
            Error::Layout,
            Error::BeyondDisk,
            Error::ArrayTooLarge,
            Error::ArrayCrc,
        ];
        for (i, e) in all.iter().enumerate() {
            // Listed in declaration order, so none is left out.
            assert_eq!(*e as usize, i);
            let text = e.text();
            assert!(!text.is_empty() && text.iter().all(|b| (0x20..0x7f).contains(b)), "{e:?}");
            assert!(all[..i].iter().all(|other| other.text() != text), "{e:?} shares its text");
        }
        assert_eq!(Error::ArrayCrc as usize, all.len() - 1, "a variant missing from the list");
        assert_eq!(Error::BeyondDisk.text(), b"GPT ends beyond the disk (truncated?)");
    }

    const DATA_TEXT: &[u8] = b"97aac693-d920-465a-94fe-eb59fc86dfaa";
    const UNIQUE: [u8; 16] = [7; 16];

    /// A disk of `sectors` sectors of `ss` bytes: protective MBR, both
    /// headers and arrays (128 × 128 bytes), entry `slot` (0-based) used.
    fn disk(ss: usize, sectors: u64, slot: usize) -> Vec<u8> {
        let mut d = vec![0u8; ss * sectors as usize];
        d[446 + 4] = 0xee;
        d[510] = 0x55;
        d[511] = 0xaa;
        let mut array = vec![0u8; 128 * 128];
        let e = &mut array[slot * 128..][..128];
        e[..16].copy_from_slice(&KIOS_DATAPART_TYPE);
        e[16..32].copy_from_slice(&UNIQUE);
        e[32..40].copy_from_slice(&100u64.to_le_bytes());
        e[40..48].copy_from_slice(&(sectors - 40).to_le_bytes());
        for (i, &b) in b"kios-data".iter().enumerate() {
            e[56 + 2 * i] = b;
        }
        let array_sectors = (array.len() / ss) as u64;
        let last = sectors - 1;
        for (my, alt, entries) in [(1, last, 2), (last, 1, last - array_sectors)] {
            let h = &mut d[my as usize * ss..][..92];
            h[..8].copy_from_slice(b"EFI PART");
            h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
            h[12..16].copy_from_slice(&92u32.to_le_bytes());
            for (at, v) in [(24, my), (32, alt), (40, 2 + array_sectors), (48, last - 1 - array_sectors), (72, entries)]
            {
                h[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
            h[80..84].copy_from_slice(&128u32.to_le_bytes());
            h[84..88].copy_from_slice(&128u32.to_le_bytes());
            h[88..92].copy_from_slice(&crc32(&array).to_le_bytes());
            let crc = crc32(h);
            h[16..20].copy_from_slice(&crc.to_le_bytes());
            d[entries as usize * ss..][..array.len()].copy_from_slice(&array);
        }
        d
    }

    /// The header and the entry array `load` finds on `d`.
    fn load_disk(d: &[u8], ss: usize) -> Result<(Header, Vec<u8>), Error> {
        let mut read = |lba: u64, buf: &mut [u8]| match d.get(lba as usize * ss..).and_then(|s| s.get(..buf.len())) {
            Some(src) => {
                buf.copy_from_slice(src);
                true
            }
            None => false,
        };
        let (mut sector, mut array) = (vec![0u8; ss], vec![0u8; 16384]);
        let header = load(&mut read, &mut sector, (d.len() / ss) as u64, &mut array)?;
        Ok((header, array))
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn finds_the_datapart_with_both_sector_sizes() {
        for (ss, sectors) in [(512, 2048), (4096, 256)] {
            let (header, array) = load_disk(&disk(ss, sectors, 11), ss).unwrap();
            assert_eq!(header.my_lba, 1);
            assert_eq!(header.array_len, 16384);
            let found: Vec<Entry> = entries(&header, &array).collect();
            assert_eq!(found.len(), 1);
            let e = &found[0];
            assert_eq!((e.number, e.type_guid(), e.unique_guid()), (12, KIOS_DATAPART_TYPE, UNIQUE));
            assert_eq!((e.first_lba(), e.last_lba()), (100, sectors - 40));
            assert!(e.name_is(b"kios-data"));
        }
    }

    #[test]
    fn corrupt_primary_header_or_array_uses_the_backup() {
        let mut d = disk(512, 2048, 1);
        d[512 + 30] ^= 1; // my_lba: header CRC
        let (header, array) = load_disk(&d, 512).unwrap();
        assert_eq!((header.my_lba, entries(&header, &array).next().unwrap().number), (2047, 2));

        let mut d = disk(512, 2048, 1);
        d[2 * 512 + 128 + 60] ^= 1; // a name byte of entry 2: array CRC
        assert_eq!(load_disk(&d, 512).unwrap().0.my_lba, 2047);
        let backup_array = (2047 - 32) * 512;
        d[backup_array + 5] ^= 1;
        assert_eq!(load_disk(&d, 512).unwrap_err(), Error::ArrayCrc);
    }

    #[test]
    fn rejected_headers() {
        let d = disk(512, 2048, 0);
        let primary = &d[512..1024];
        assert_eq!(parse_header(primary, 1).unwrap().entries_lba, 2);
        assert_eq!(parse_header(primary, 3), Err(Error::Location));
        let mut bad = primary.to_vec();
        bad[0] = b'X';
        assert_eq!(parse_header(&bad, 1), Err(Error::Signature));
        let mut bad = primary.to_vec();
        bad[12] = 91;
        assert_eq!(parse_header(&bad, 1), Err(Error::HeaderSize));
        bad[12..14].copy_from_slice(&513u16.to_le_bytes());
        assert_eq!(parse_header(&bad, 1), Err(Error::HeaderSize));
        let mut bad = primary.to_vec();
        bad[16] ^= 1;
        assert_eq!(parse_header(&bad, 1), Err(Error::HeaderCrc));
        assert_eq!(parse_header(&primary[..91], 1), Err(Error::HeaderSize));
        // An entry size of 100, CRC fixed up: a layout error.
        let mut bad = primary.to_vec();
        bad[84] = 100;
        bad[16..20].fill(0);
        let crc = crc32(&bad[..92]);
        bad[16..20].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(parse_header(&bad, 1), Err(Error::Layout));
    }

    #[test]
    fn mbr_only_truncated_and_empty_disks() {
        let mut d = disk(512, 2048, 0);
        d[446 + 4] = 0x83;
        assert_eq!(load_disk(&d, 512).unwrap_err(), Error::NoGpt);
        let d = disk(512, 2048, 0);
        assert_eq!(load_disk(&d[..512 * 1000], 512).unwrap_err(), Error::BeyondDisk);
        assert_eq!(load_disk(&d[..512 * 2], 512).unwrap_err(), Error::BeyondDisk);
        assert_eq!(load_disk(&d[..512], 512).unwrap_err(), Error::Read);
        assert_eq!(load_disk(&d[..100], 512).unwrap_err(), Error::NoGpt);
        assert_eq!(load_disk(&[], 512).unwrap_err(), Error::NoGpt);
        assert!(!is_protective_mbr(&[0; 512]));
    }

    #[test]
    fn guids() {
        assert_eq!(parse_guid(DATA_TEXT), Some(KIOS_DATAPART_TYPE));
        assert_eq!(parse_guid(b"97AAC693-D920-465A-94FE-EB59FC86DFAA"), Some(KIOS_DATAPART_TYPE));
        for bad in [
            &b"97aac693-d920-465a-94fe-eb59fc86dfa"[..],
            b"97aac693-d920-465a-94fe-eb59fc86dfaaa",
            b"97aac693d-920-465a-94fe-eb59fc86dfaa",
            b"97aac693-d920-465a-94fe-eb59fc86dfag",
            b"",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad:?}");
        }
        assert_ne!(parse_guid(DATA_TEXT), Some(UNIQUE));
    }

    #[test]
    fn names() {
        /// An entry named `name` (UTF-16LE units, NUL-padded).
        fn named(name: &[u16]) -> [u8; 128] {
            let mut raw = [0u8; 128];
            for (at, unit) in name.iter().enumerate() {
                raw[56 + 2 * at..][..2].copy_from_slice(&unit.to_le_bytes());
            }
            raw
        }
        let kios: Vec<u16> = b"kios-data".iter().map(|&b| u16::from(b)).collect();
        let raw = named(&kios);
        let entry = Entry { number: 1, raw: &raw };
        assert!(entry.name_is(b"kios-data"));
        for other in [&b"kios-dat"[..], b"kios-data2", b"KIOS-DATA", b"", b"kios-d\xc3\xa4ta"] {
            assert!(!entry.name_is(other), "{other:?}");
        }
        let raw = named(&[u16::from(b'x'); 36]);
        let full = Entry { number: 1, raw: &raw };
        assert!(full.name_is(&[b'x'; 36]));
        assert!(!full.name_is(&[b'x'; 37]));
        assert!(!full.name_is(&[b'x'; 35]));
        // U+00E4 is not the byte 0xe4: labels are ASCII.
        let raw = named(&[0xe4]);
        assert!(!(Entry { number: 1, raw: &raw }).name_is(b"\xe4"));
        // A name with garbage after its NUL still matches.
        let raw = named(&[u16::from(b'a'), 0, u16::from(b'z')]);
        assert!((Entry { number: 1, raw: &raw }).name_is(b"a"));
    }

    #[test]
    fn device_names() {
        let mut out = [0u8; 32];
        for (disk, number, expected) in [
            (&b"sda"[..], 2, &b"sda2"[..]),
            (b"vda", 12, b"vda12"),
            (b"nvme0n1", 12, b"nvme0n1p12"),
            (b"mmcblk0", 3, b"mmcblk0p3"),
            (b"sdb", 4_294_967_295, b"sdb4294967295"),
            (b"loop0", 0, b"loop0p0"),
        ] {
            let len = partition_device(disk, number, &mut out).unwrap();
            assert_eq!(&out[..len], expected);
        }
        assert_eq!(partition_device(b"", 1, &mut out), None);
        assert_eq!(partition_device(b"nvme0n1", 12, &mut [0u8; 9]), None);
        assert_eq!(partition_device(b"nvme0n1", 12, &mut [0u8; 10]), Some(10));
    }
}
