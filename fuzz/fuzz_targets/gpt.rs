//! gpt: parse_header on one sector, then load + entries on a whole disk
//! image made of the input (512-byte sectors). A random header almost
//! never passes its CRC, so when the first byte's top bit is set the
//! target first makes the image look like a GPT disk (protective MBR,
//! header and array CRCs of both copies recomputed): the fuzzer then
//! reaches the layout checks and the entry parser.
#![no_main]
use kios::gpt::{check_entries, crc32, entries, load, parse_header};
use libfuzzer_sys::fuzz_target;

const SECTOR: usize = 512;

fuzz_target!(|input: &[u8]| {
    let mut data = input.to_vec();
    if input.first().is_some_and(|b| b & 0x80 != 0) {
        fix_up(&mut data);
    }
    let data = &data[..];
    if let Some(sector) = data.get(SECTOR..2 * SECTOR) {
        if let Ok(header) = parse_header(sector, 1) {
            assert!(header.entry_size >= 128 && header.entry_size.is_power_of_two());
            assert!(header.entries_lba >= 2);
            let _ = check_entries(&header, data);
            for entry in entries(&header, data) {
                assert!(entry.number >= 1 && entry.number <= header.entry_count);
                assert_ne!(entry.type_guid(), [0; 16]);
            }
        }
    }
    let disk_sectors = (data.len() / SECTOR) as u64;
    let mut read = |lba: u64, buf: &mut [u8]| -> bool {
        let Some(start) = usize::try_from(lba).ok().and_then(|l| l.checked_mul(SECTOR)) else { return false };
        match data.get(start..).and_then(|rest| rest.get(..buf.len())) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    };
    let mut sector = [0u8; SECTOR];
    let mut array = vec![0u8; 16 * 1024];
    if let Ok(header) = load(&mut read, &mut sector, disk_sectors, &mut array) {
        assert!(header.my_lba == 1 || header.my_lba == disk_sectors - 1, "{header:?}");
        assert!(header.array_len <= array.len());
        assert!(header.last_usable_lba < disk_sectors && header.alternate_lba < disk_sectors);
        let count = entries(&header, &array).count();
        assert!(count <= header.entry_count as usize);
    }
});

/// Protective MBR in sector 0; the header CRCs (and, where the array is
/// inside the image, its CRC) of the copies at LBA 1 and the last LBA.
fn fix_up(data: &mut Vec<u8>) {
    if data.len() < 3 * SECTOR {
        data.resize(3 * SECTOR, 0);
    }
    data[510] = 0x55;
    data[511] = 0xaa;
    data[446 + 4] = 0xee;
    let last = data.len() / SECTOR - 1;
    for lba in [1, last] {
        let at = lba * SECTOR;
        data[at..at + 8].copy_from_slice(b"EFI PART");
        let size = (u32::from_le_bytes(data[at + 12..at + 16].try_into().unwrap()) as usize % (SECTOR - 91)) + 92;
        data[at + 12..at + 16].copy_from_slice(&(size as u32).to_le_bytes());
        data[at + 24..at + 32].copy_from_slice(&(lba as u64).to_le_bytes());
        let le = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        let entries_lba = le(at + 72) as usize;
        let count = u32::from_le_bytes(data[at + 80..at + 84].try_into().unwrap()) as usize;
        let entry_size = u32::from_le_bytes(data[at + 84..at + 88].try_into().unwrap()) as usize;
        let array = entries_lba.checked_mul(SECTOR).and_then(|start| {
            let len = count.checked_mul(entry_size)?;
            data.get(start..start.checked_add(len)?).map(crc32)
        });
        if let Some(crc) = array {
            data[at + 88..at + 92].copy_from_slice(&crc.to_le_bytes());
        }
        data[at + 16..at + 20].copy_from_slice(&[0; 4]);
        let crc = crc32(&data[at..at + size]);
        data[at + 16..at + 20].copy_from_slice(&crc.to_le_bytes());
    }
}
