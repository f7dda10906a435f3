//! Writing a commit: new chunks to the data files, tails and dictionaries to the side file,
//! the manifest last; then the columns pointed at the committed files.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::array::{self, Persist, codec_rec};
use super::load::MANIFEST_TMP;
use super::manifest::{
    ArrayRec, ColumnRec, DictRec, FORMAT_NAME, FORMAT_VERSION, MANIFEST, Manifest, StorageRec,
};
use super::table::Store;
use super::write::{SideWriter, sync_dir, write_synced};
use crate::carray::{CArray, CArrayOptions};
use crate::chunk::MappedFile;
use crate::ctable::{Column, Data, StrData};
use crate::error::{Error, Result};

pub(super) fn empty_manifest(opts: &CArrayOptions, chunklen: usize) -> Manifest {
    Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        generation: 0,
        rows: 0,
        chunklen: chunklen as u64,
        codec: codec_rec(&opts.cparams),
        columns: Vec::new(),
        files: BTreeMap::new(),
        side: None,
    }
}

pub(super) fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    let tmp = dir.join(MANIFEST_TMP);
    write_synced(&tmp, &m.to_bytes()?)?;
    let dst = dir.join(MANIFEST);
    std::fs::rename(&tmp, &dst).map_err(|e| Error::io(&dst, "rename", e))?;
    sync_dir(dir)
}

pub(super) fn encode_dict(values: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.iter().map(|v| v.len() + 4).sum());
    for v in values {
        out.extend_from_slice(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

pub(super) fn save_array<T: Persist>(
    store: &mut Store,
    a: &mut CArray<T>,
    file: &str,
    side: &mut SideWriter,
) -> Result<ArrayRec> {
    let df = store.data_file(file)?;
    array::save(a, df, side)
}

pub(super) fn save_column(
    store: &mut Store,
    col: &mut Column,
    side: &mut SideWriter,
) -> Result<ColumnRec> {
    let id = store.id_for(&col.name);
    let f = |part: &str| format!("c{id}.{part}");
    macro_rules! fixed {
        ($a:expr) => {
            StorageRec::Fixed {
                data: save_array(store, $a, &f("data"), side)?,
            }
        };
    }
    let ty = col.column_type().to_string();
    let storage = match &mut col.data {
        Data::Bool(a) => fixed!(a),
        Data::I8(a) => fixed!(a),
        Data::I16(a) => fixed!(a),
        Data::I32(a) => fixed!(a),
        Data::I64(a) => fixed!(a),
        Data::U8(a) => fixed!(a),
        Data::U16(a) => fixed!(a),
        Data::U32(a) => fixed!(a),
        Data::U64(a) => fixed!(a),
        Data::F32(a) => fixed!(a),
        Data::F64(a) => fixed!(a),
        Data::Timestamp(a, _) => fixed!(a),
        Data::Utf8(StrData::Dict { values, codes, .. }) => {
            let codes = save_array(store, codes, &f("codes"), side)?;
            let blob = side.append(&encode_dict(values))?;
            StorageRec::Dict {
                codes,
                dict: DictRec {
                    count: values.len() as u64,
                    blob,
                },
            }
        }
        Data::Utf8(StrData::Plain { ends, bytes }) => StorageRec::Plain {
            ends: save_array(store, ends, &f("ends"), side)?,
            bytes: save_array(store, bytes, &f("bytes"), side)?,
        },
    };
    let validity = match &mut col.validity {
        Some(v) => Some(save_array(store, v, &f("validity"), side)?),
        None => None,
    };
    Ok(ColumnRec {
        name: col.name.clone(),
        ty,
        validity,
        storage,
    })
}

pub(super) fn remap_column(
    col: &mut Column,
    rec: &ColumnRec,
    maps: &BTreeMap<String, Arc<MappedFile>>,
) {
    fn one<T: crate::dtype::Element>(
        a: &mut CArray<T>,
        r: &ArrayRec,
        maps: &BTreeMap<String, Arc<MappedFile>>,
        label: String,
    ) {
        if let Some(m) = maps.get(&r.file) {
            array::remap(a, r, m, &Arc::from(label));
        }
    }
    let name = col.name.clone();
    let l = |p: &str| format!("{name}/{p}");
    match (&mut col.data, &rec.storage) {
        (Data::Bool(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I8(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I16(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U8(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U16(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::F32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::F64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::Timestamp(a, _), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::Utf8(StrData::Dict { codes, .. }), StorageRec::Dict { codes: r, .. }) => {
            one(codes, r, maps, l("codes"));
        }
        (
            Data::Utf8(StrData::Plain { ends, bytes }),
            StorageRec::Plain {
                ends: re,
                bytes: rb,
            },
        ) => {
            one(ends, re, maps, l("ends"));
            one(bytes, rb, maps, l("bytes"));
        }
        _ => {}
    }
    if let (Some(v), Some(r)) = (&mut col.validity, &rec.validity) {
        one(v, r, maps, l("validity"));
    }
}
